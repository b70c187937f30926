import keras
import numpy as np
import pytest

from gan_keras import convnets, models, paper


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


# each source's generator ends in tanh (images in [-1, 1]) but the paper's, which ends in a sigmoid ([0, 1])
@pytest.mark.parametrize("build_g,build_d,shape,latent,lo,hi", [
    (models.dense_generator, models.dense_discriminator, (28, 28, 1), 100, -1, 1),
    (paper.paper_generator, paper.paper_discriminator, (28, 28, 1), 100, 0, 1),
    (convnets.chollet_generator, convnets.chollet_discriminator, (32, 32, 3), 32, -1, 1),
    (convnets.chollet_generator, convnets.chollet_discriminator, (28, 28, 1), 32, -1, 1),
    (convnets.radford_generator, convnets.radford_discriminator, (28, 28, 1), 100, -1, 1),
])
def test_shapes_and_ranges(build_g, build_d, shape, latent, lo, hi):
    g, d = build_g(latent, shape), build_d(shape)
    z = 30 * np.random.default_rng(0).standard_normal((64, latent)).astype("float32")  # far out: saturated
    images = keras.ops.convert_to_numpy(g(z))
    assert images.shape == (64, *shape)
    assert lo <= images.min() and images.max() <= hi
    assert images.min() < lo + 0.5 * (hi - lo) < images.max()  # both halves of the range are reached
    assert models.output_range(g) == (lo, hi)
    p = keras.ops.convert_to_numpy(d(images))
    assert p.shape == (64, 1) and np.all((p >= 0) & (p <= 1))


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


def test_build_gan_and_d_step_take_codes():
    from gan_keras import conditional

    g = conditional.conditional_generator(8, 10, (28, 28, 1))
    d = conditional.conditional_discriminator((28, 28, 1), 10)
    gan, step = models.build_gan(g, d), models.build_discriminator_step(g, d)
    assert [tuple(t.shape[1:]) for t in gan.inputs] == [(8,), (10,)] and gan.output_shape == (None, 1)
    # [x, z, code, the real images' labels]: D sees each minibatch with its own classes
    assert [tuple(t.shape[1:]) for t in step.inputs] == [(28, 28, 1), (8,), (10,), (10,)]
    assert step.output_names == ["real", "fake"]
    info_d = conditional.infogan_discriminator((28, 28, 1), 10)
    gan, step = models.build_gan(g, info_d), models.build_discriminator_step(g, info_d)
    assert gan.output_names == ["p", "q"] and step.output_names == ["real", "fake", "q"]
    assert len(step.inputs) == 3  # D takes no labels: Q guesses the fakes' codes


def test_one_sampler_for_every_generator():
    g = models.dense_generator(8)
    a = models.sample(g, 6, np.random.default_rng(3))
    z = models.sample_latent(np.random.default_rng(3), 6, 8)
    np.testing.assert_allclose(a, keras.ops.convert_to_numpy(g(z)), atol=1e-6)  # z first, then the codes
    assert a.shape == (6, 28, 28, 1) and a.dtype == np.float32
    with pytest.raises(ValueError, match="latent_distribution"):
        models.sample(g, 2, np.random.default_rng(0), "cauchy")
    with pytest.raises(ValueError, match="pass codes= exactly when"):
        models.sample(g, 2, np.random.default_rng(0), codes=lambda rng, n: [])
