import keras
import numpy as np
import pytest

from gan_keras import models


def _n(model, trainable=True):
    return model.count_params() if trainable else models.count_params(model)


def test_dense_models_have_the_seed_001_layers():
    g, d = models.dense_generator(), models.dense_discriminator()
    dense_g = [l.units for l in g.layers if isinstance(l, keras.layers.Dense)]
    dense_d = [l.units for l in d.layers if isinstance(l, keras.layers.Dense)]
    assert dense_g == [256, 512, 1024, 784]
    assert dense_d == [1024, 512, 256, 1]
    assert [l.rate for l in d.layers if isinstance(l, keras.layers.Dropout)] == [0.3] * 3
    assert [l.negative_slope for l in g.layers if isinstance(l, keras.layers.LeakyReLU)] == [0.2] * 3
    # 100*256+256 + 256*512+512 + 512*1024+1024 + 1024*784+784
    assert g.count_params() == 1_486_352
    # 784*1024+1024 + 1024*512+512 + 512*256+256 + 256+1
    assert d.count_params() == 1_460_225
    assert g.output_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)


@pytest.mark.parametrize("build_g,build_d,shape,latent", [
    (models.dense_generator, models.dense_discriminator, (28, 28, 1), 100),
    (models.paper_generator, models.paper_discriminator, (28, 28, 1), 100),
    (models.chollet_generator, models.chollet_discriminator, (32, 32, 3), 32),
    (models.chollet_generator, models.chollet_discriminator, (28, 28, 1), 32),
    (models.radford_generator, models.radford_discriminator, (28, 28, 1), 100),
])
def test_shapes_and_ranges(build_g, build_d, shape, latent):
    g, d = build_g(latent, shape), build_d(shape)
    z = np.random.default_rng(0).standard_normal((3, latent)).astype("float32")
    images = keras.ops.convert_to_numpy(g(z))
    assert images.shape == (3, *shape)
    lo, hi = models.output_range(g)
    assert lo <= images.min() and images.max() <= hi
    p = keras.ops.convert_to_numpy(d(images))
    assert p.shape == (3, 1) and np.all((p >= 0) & (p <= 1))


def test_chollet_models_follow_the_book():
    g = models.chollet_generator(32, (32, 32, 3))
    convs = [(type(l).__name__, l.filters, l.kernel_size, l.strides) for l in g.layers
             if isinstance(l, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    assert convs == [("Conv2D", 256, (5, 5), (1, 1)), ("Conv2DTranspose", 256, (4, 4), (2, 2)),
                     ("Conv2D", 256, (5, 5), (1, 1)), ("Conv2D", 256, (5, 5), (1, 1)),
                     ("Conv2D", 3, (7, 7), (1, 1))]
    d = models.chollet_discriminator((32, 32, 3))
    assert [l.strides for l in d.layers if isinstance(l, keras.layers.Conv2D)] == [(1, 1)] + [(2, 2)] * 3
    assert [l.rate for l in d.layers if isinstance(l, keras.layers.Dropout)] == [0.4]


def test_radford_rules():
    g, d = models.radford_generator(), models.radford_discriminator()
    for m in (g, d):
        names = {type(l).__name__ for l in m.layers}
        assert "GANBatchNormalization" in names  # batch statistics while frozen too
        assert not names & {"MaxPooling2D", "AveragePooling2D"}
        # the paper's initial weights: N(0, 0.02), batch norm's scale N(1, 0.02)
        kernels = np.concatenate([keras.ops.convert_to_numpy(l.kernel).ravel() for l in m.layers
                                  if isinstance(l, (keras.layers.Dense, keras.layers.Conv2D))])
        assert abs(kernels.std() - 0.02) < 0.002 and abs(kernels.mean()) < 0.002
        gammas = np.concatenate([keras.ops.convert_to_numpy(l.gamma) for l in m.layers
                                 if isinstance(l, models.GANBatchNormalization)])
        assert 0.9 < gammas.mean() < 1.1 and 0.01 < gammas.std() < 0.03
    stock = models.radford_discriminator(norm=keras.layers.BatchNormalization)
    assert "GANBatchNormalization" not in {type(l).__name__ for l in stock.layers}
    assert sum(isinstance(l, keras.layers.Dense) for l in g.layers) == 1  # the projection of z
    assert sum(isinstance(l, keras.layers.Dense) for l in d.layers) == 1  # the output
    assert any(isinstance(l, keras.layers.ReLU) for l in g.layers)
    assert not any(isinstance(l, keras.layers.LeakyReLU) for l in g.layers)
    assert all(l.negative_slope == 0.2 for l in d.layers if isinstance(l, keras.layers.LeakyReLU))


def test_maxout_takes_the_max_of_each_group():
    layer = models.Maxout(3)
    x = np.array([[1, 5, 2, -1, -7, -3]], np.float32)  # groups (1, 5, 2), (-1, -7, -3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), [[5, -1]])
    d = models.paper_discriminator()
    assert [l.pieces for l in d.layers if isinstance(l, models.Maxout)] == [5, 5]
    assert [l.rate for l in d.layers if isinstance(l, keras.layers.Dropout)] == [0.2, 0.5, 0.5]


def test_paper_generator_starts_at_the_pixel_means():
    means = np.linspace(0.01, 0.99, 784).astype("float32")
    g = models.paper_generator(pixel_means=means)
    for layer in g.layers:  # zero the weights: the output is then sigmoid(bias) = means
        if isinstance(layer, keras.layers.Dense):
            layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
    out = keras.ops.convert_to_numpy(g(np.ones((1, 100), "float32")))
    np.testing.assert_allclose(out.reshape(-1), means, atol=1e-5)
    assert models.output_range(g) == (0.0, 1.0)


def test_build_gan_freezes_d_and_composes():
    g, d = models.dense_generator(), models.dense_discriminator()
    gan = models.build_gan(g, d)
    assert d.trainable is False and d.trainable_weights == []
    assert len(gan.trainable_weights) == len(g.trainable_weights)
    assert gan.output_shape == (None, 1)


def test_discriminator_step_model_freezes_g():
    g, d = models.dense_generator(), models.dense_discriminator()
    m = models.build_discriminator_step(g, d)
    assert g.trainable_weights == []
    assert len(m.trainable_weights) == len(d.trainable_weights)
    assert m.output_names == ["real", "fake"]


def test_output_range_needs_tanh_or_sigmoid():
    z = keras.Input((4,))
    linear = keras.Model(z, keras.layers.Dense(3)(z))
    with pytest.raises(ValueError, match="tanh or sigmoid"):
        models.output_range(linear)


def test_bad_image_shapes_are_refused():
    with pytest.raises(ValueError, match="even"):
        models.chollet_generator(32, (27, 27, 1))
    with pytest.raises(ValueError, match="multiples of 4"):
        models.radford_generator(100, (30, 30, 1))


def test_critic_has_a_raw_score_output():
    critic = models.dense_discriminator(output_activation=None, dropout=0.0)
    assert critic.layers[-1].activation.__name__ == "linear"
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in critic.layers)


def test_gan_batch_norm_in_each_mode():
    """Frozen + training=True: the batch's moments, nothing updated; trainable: Keras' layer exactly;
    inference: the moving statistics. (Every backend: tests/test_frozen_discriminator.py.)"""
    x = np.random.default_rng(0).normal(2.0, 3.0, (32, 4, 4, 3)).astype("float32")
    gan_bn, stock = models.GANBatchNormalization(momentum=0.8), keras.layers.BatchNormalization(momentum=0.8)
    for layer in (gan_bn, stock):
        layer.build(x.shape)
    hand = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + gan_bn.epsilon)
    # trainable, training mode: the same outputs and the same moving-statistics update as Keras' layer
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan_bn(x, training=True)),
                               keras.ops.convert_to_numpy(stock(x, training=True)), atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan_bn.moving_mean), 0.2 * x.mean((0, 1, 2)), rtol=1e-5)
    moving = [keras.ops.convert_to_numpy(v).copy() for v in gan_bn.weights]
    gan_bn.trainable = False
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan_bn(x, training=True)), hand, atol=1e-5)
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(moving, gan_bn.weights))
    # inference: the moving statistics, frozen or not
    mean, var = moving[2], moving[3]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan_bn(x, training=False)),
                               (x - mean) / np.sqrt(var + gan_bn.epsilon), atol=1e-4)
    with pytest.raises(ValueError, match="renorm"):
        models.GANBatchNormalization(renorm=True)
