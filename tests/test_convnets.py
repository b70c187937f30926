import keras
import numpy as np
import pytest

from gan_keras import convnets
from gan_keras.models import GANBatchNormalization, count_params


@pytest.mark.parametrize("size", [convnets.PAPER, convnets.CPU])
def test_shapes_and_ranges(size):
    z = np.random.default_rng(0).normal(size=(3, 62)).astype("float32")
    c = np.eye(10, dtype="float32")[[0, 4, 9]]
    g = convnets.conv_generator(62, **size)
    images = keras.ops.convert_to_numpy(g(z))
    assert images.shape == (3, 28, 28, 1) and np.abs(images).max() <= 1.0
    coded = convnets.conv_generator(62, n_codes=10, **size)
    assert coded([z, c]).shape == (3, 28, 28, 1)
    critic = convnets.conv_discriminator(output_activation=None, **size)
    assert critic(images).shape == (3, 1)
    p = keras.ops.convert_to_numpy(convnets.conv_discriminator(**size)(images))
    assert ((p > 0) & (p < 1)).all()
    assert convnets.conv_projection_discriminator(**size)([images, c]).shape == (3, 1)
    p, q = convnets.conv_infogan_discriminator(**size)(images)
    assert p.shape == (3, 1) and q.shape == (3, 10)


def test_the_paper_layers_and_the_cpu_size():
    g, d = convnets.conv_generator(62), convnets.conv_discriminator()
    convs = [l for l in d.layers if isinstance(l, keras.layers.Conv2D)]
    assert [(l.filters, l.kernel_size, l.strides) for l in convs] == [(64, (4, 4), (2, 2)), (128, (4, 4), (2, 2))]
    deconvs = [l for l in g.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert [(l.filters, l.strides) for l in deconvs] == [(64, (2, 2)), (1, (2, 2))]
    assert [l.units for l in g.layers if isinstance(l, keras.layers.Dense)] == [1024, 7 * 7 * 128]
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in g.layers + d.layers)
    small = count_params(convnets.conv_generator(62, **convnets.CPU))
    assert small < count_params(g) / 20


def test_batch_norm_in_the_generator():
    g = convnets.conv_generator(62, n_codes=10, batch_norm=True, **convnets.CPU)
    norms = [l for l in g.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(norms) == 2 and all(l.momentum == 0.9 for l in norms)  # InfoGAN's code
    assert all(isinstance(l, GANBatchNormalization) for l in norms)  # frozen, it still uses the batch
    # the layers before a batch norm have no bias (it would be subtracted again)
    assert [l.use_bias for l in g.layers if isinstance(l, (keras.layers.Dense, keras.layers.Conv2DTranspose))] \
        == [False, False, True]
    z = np.random.default_rng(0).normal(size=(4, 62)).astype("float32")
    c = np.eye(10, dtype="float32")[[0, 1, 2, 3]]
    train = keras.ops.convert_to_numpy(g([z, c], training=True))
    assert train.shape == (4, 28, 28, 1) and np.abs(train).max() <= 1.0
    # fresh moving statistics (mean 0, variance 1) are not the batch's: inference mode differs
    assert not np.allclose(train, keras.ops.convert_to_numpy(g([z, c], training=False)))
    assert len([l for l in convnets.conv_generator(62, batch_norm=True).layers
                if isinstance(l, keras.layers.BatchNormalization)]) == 3


@pytest.mark.parametrize("size,n_norms", [(convnets.PAPER, 2), (convnets.CPU, 1)])
def test_batch_norm_in_the_discriminator_but_not_on_its_input(size, n_norms):
    d = convnets.conv_discriminator(output_activation=None, batch_norm=True, **size)
    kinds = [type(l).__name__ for l in d.layers]
    assert kinds.count("GANBatchNormalization") == n_norms
    assert kinds[1:3] == ["Conv2D", "LeakyReLU"]  # the first conv sees the image without batch norm
    assert [l.use_bias for l in d.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))] \
        == [True] + [False] * n_norms + [True]
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    d.trainable = False  # frozen in training mode: still the batch's statistics, so not inference
    assert not np.allclose(keras.ops.convert_to_numpy(d(x, training=True)),
                           keras.ops.convert_to_numpy(d(x, training=False)))


def test_the_conv_recipes_put_batch_norm_where_their_papers_did():
    from gan_keras import recipes

    def norms(model):
        return sum(isinstance(l, GANBatchNormalization) for l in model.layers)
    for name, in_d in (("lsgan-conv-mnist", 1), ("wgan-conv-mnist", 1), ("wgan-gp-conv-mnist", 0)):
        g, d = recipes.build_models(name, (28, 28, 1))
        assert (norms(g), norms(d)) == (2, in_d), name


def test_the_projection_depends_on_the_label():
    keras.utils.set_random_seed(0)
    d = convnets.conv_projection_discriminator(**convnets.CPU)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    eye = np.eye(10, dtype="float32")
    a = keras.ops.convert_to_numpy(d([x, eye[[0, 0]]]))
    b = keras.ops.convert_to_numpy(d([x, eye[[5, 5]]]))
    assert not np.allclose(a, b)


def test_other_image_shapes_are_refused():
    with pytest.raises(ValueError, match="28x28x1"):
        convnets.conv_generator(62, (32, 32, 3))
    with pytest.raises(ValueError, match="28x28x1"):
        convnets.conv_infogan_discriminator((28, 28, 3))


def test_infogan_paper_networks_are_the_authors_code():
    g, d = convnets.infogan_paper_generator(), convnets.infogan_paper_discriminator()
    assert [tuple(i.shape[1:]) for i in g.inputs] == [(62,), (10,), (2,)]
    assert [l.units for l in g.layers if isinstance(l, keras.layers.Dense)] == [1024, 7 * 7 * 128]
    assert [(l.filters, l.strides) for l in g.layers if isinstance(l, keras.layers.Conv2DTranspose)] \
        == [(64, (2, 2)), (1, (2, 2))]
    assert [(l.filters, l.strides) for l in d.layers if isinstance(l, keras.layers.Conv2D)] \
        == [(64, (2, 2)), (128, (2, 2))]
    assert sorted(l.units for l in d.layers if isinstance(l, keras.layers.Dense)) == [1, 2, 10, 128, 1024]
    for model, n in ((g, 3), (d, 3)):  # batch norm after every hidden layer but D's first conv
        norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
        assert len(norms) == n and all(isinstance(l, GANBatchNormalization) and l.momentum == 0.9 for l in norms)
    assert {l.negative_slope for l in d.layers if isinstance(l, keras.layers.LeakyReLU)} == {0.01}
    rng = np.random.default_rng(0)
    images = keras.ops.convert_to_numpy(g([rng.uniform(-1, 1, (3, 62)), np.eye(10)[[0, 4, 9]],
                                           rng.uniform(-1, 1, (3, 2))]))
    assert images.shape == (3, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0  # a Bernoulli mean
    p, q, c = d(images)
    assert p.shape == (3, 1) and q.shape == (3, 10) and c.shape == (3, 2)
    assert len(convnets.infogan_paper_generator(n_continuous=0).inputs) == 2
    assert len(convnets.infogan_paper_discriminator(n_continuous=0).outputs) == 2


def test_chollet_models_follow_the_book():
    g = convnets.chollet_generator(32, (32, 32, 3))
    convs = [(type(l).__name__, l.filters, l.kernel_size, l.strides) for l in g.layers
             if isinstance(l, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    assert convs == [("Conv2D", 256, (5, 5), (1, 1)), ("Conv2DTranspose", 256, (4, 4), (2, 2)),
                     ("Conv2D", 256, (5, 5), (1, 1)), ("Conv2D", 256, (5, 5), (1, 1)),
                     ("Conv2D", 3, (7, 7), (1, 1))]
    d = convnets.chollet_discriminator((32, 32, 3))
    assert [l.strides for l in d.layers if isinstance(l, keras.layers.Conv2D)] == [(1, 1)] + [(2, 2)] * 3
    assert [l.rate for l in d.layers if isinstance(l, keras.layers.Dropout)] == [0.4]


def test_radford_rules():
    g, d = convnets.radford_generator(), convnets.radford_discriminator()
    for m in (g, d):
        names = {type(l).__name__ for l in m.layers}
        assert "GANBatchNormalization" in names  # batch statistics while frozen too
        assert not names & {"MaxPooling2D", "AveragePooling2D"}
        # the paper's initial weights: N(0, 0.02), batch norm's scale N(1, 0.02)
        kernels = np.concatenate([keras.ops.convert_to_numpy(l.kernel).ravel() for l in m.layers
                                  if isinstance(l, (keras.layers.Dense, keras.layers.Conv2D))])
        assert abs(kernels.std() - 0.02) < 0.002 and abs(kernels.mean()) < 0.002
        gammas = np.concatenate([keras.ops.convert_to_numpy(l.gamma) for l in m.layers
                                 if isinstance(l, GANBatchNormalization)])
        assert 0.9 < gammas.mean() < 1.1 and 0.01 < gammas.std() < 0.03
    stock = convnets.radford_discriminator(norm=keras.layers.BatchNormalization)
    assert "GANBatchNormalization" not in {type(l).__name__ for l in stock.layers}
    assert sum(isinstance(l, keras.layers.Dense) for l in g.layers) == 1  # the projection of z
    assert sum(isinstance(l, keras.layers.Dense) for l in d.layers) == 1  # the output
    assert any(isinstance(l, keras.layers.ReLU) for l in g.layers)
    assert not any(isinstance(l, keras.layers.LeakyReLU) for l in g.layers)
    assert all(l.negative_slope == 0.2 for l in d.layers if isinstance(l, keras.layers.LeakyReLU))


def test_bad_image_shapes_are_refused():
    with pytest.raises(ValueError, match="even"):
        convnets.chollet_generator(32, (27, 27, 1))
    with pytest.raises(ValueError, match="multiples of 4"):
        convnets.radford_generator(100, (30, 30, 1))
