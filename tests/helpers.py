"""Small models and data shared by the tests: fast enough to train for a few steps anywhere."""

import keras
import numpy as np

from gan_keras.fast import FastGANTrainer
from gan_keras.training import GANTrainer


def tiny_models(seed=0, image_shape=(8, 8, 1), latent_dim=4):
    """G: z (4) -> 32 -> 64 tanh -> (8, 8, 1); D: (8, 8, 1) -> 32 -> dropout -> sigmoid."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,))
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(32)(z))
    h = keras.layers.Dense(int(np.prod(image_shape)), activation="tanh")(h)
    g = keras.Model(z, keras.layers.Reshape(image_shape)(h))
    x = keras.Input(image_shape)
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(32)(keras.layers.Flatten()(x)))
    h = keras.layers.Dropout(0.3)(h)
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    return g, d


def tiny_images(n=64, seed=0):
    """float32 (n, 8, 8, 1) in [-1, 1]: a bright square at a random place on a dark field."""
    rng = np.random.default_rng(seed)
    x = -np.ones((n, 8, 8, 1), np.float32)
    for img, (r, c) in zip(x, rng.integers(0, 5, (n, 2))):
        img[r:r + 3, c:c + 3] = 1.0
    return x


def tiny_trainer(seed=0, model_seed=0, fast=False, **kwargs):
    """GANTrainer (FastGANTrainer when ``fast``) of ``tiny_models``, Adam(1e-3) for both."""
    g, d = tiny_models(model_seed)
    kwargs.setdefault("d_optimizer", keras.optimizers.Adam(1e-3))
    kwargs.setdefault("g_optimizer", keras.optimizers.Adam(1e-3))
    return (FastGANTrainer if fast else GANTrainer)(g, d, seed=seed, **kwargs)


def weights(model):
    return [keras.ops.convert_to_numpy(v).copy() for v in model.weights]


def all_equal(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def tiny_coded_models(kind, seed=0, n_codes=3):
    """G: [z (4), code (n_codes)] -> (8, 8, 1); D: conditional ([image, code] -> P) or InfoGAN (image -> [P, Q logits]).

    kind "infogan-continuous": G takes two continuous codes too, D guesses them: image -> [P, Q logits, (B, 2)].
    """
    keras.utils.set_random_seed(seed)
    inputs = [keras.Input((4,)), keras.Input((n_codes,))] + [keras.Input((2,))] * (kind == "infogan-continuous")
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(32)(keras.layers.Concatenate()(inputs)))
    g = keras.Model(inputs, keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64, activation="tanh")(h)))
    x, dc = keras.Input((8, 8, 1)), keras.Input((n_codes,))
    h = keras.layers.Flatten()(x)
    if kind == "cgan":
        h = keras.layers.Concatenate()([h, dc])
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(32)(h))
    p = keras.layers.Dense(1, activation="sigmoid")(h)
    if kind == "cgan":
        return g, keras.Model([x, dc], p)
    q = [keras.layers.Dense(n_codes)(h)] + [keras.layers.Dense(2)(h)] * (kind == "infogan-continuous")
    return g, keras.Model(x, [p, *q])


def official_test_split():
    """The official MNIST test split through gan_keras.data (GAN_KERAS_DATA, Keras cache, download),
    or pytest.skip saying why: a test that needs it never measures on training digits instead."""
    import pytest

    from gan_keras import data

    try:
        return data.load_mnist("test", verbose=False)
    except FileNotFoundError as err:
        pytest.skip(f"the official MNIST test split is not available here ({str(err).splitlines()[0][:120]})")


def ready(trainer, images, batch_size=16, labels=None):
    """Set ``trainer`` up as ``train`` does before its first step, to test one update on its own."""
    trainer.batch_size, trainer.data_size = batch_size, len(images)
    trainer.put_data(np.asarray(images, np.float32), labels)


def fast_update(trainer, phase, t=0):
    """Only D's ("d") or only G's ("g") update of step t on the fast path, the Keras variables current after."""
    engine = trainer.engine
    idx, z, y_real, y_fake, alpha, z_g, y_g = engine.inputs(t)
    x = keras.ops.take(engine.data, idx[0], axis=0)
    if keras.backend.backend() != "jax":
        engine.d_update(x, z[0], y_real[0], y_fake[0], alpha[0]) if phase == "d" else engine.g_update(z_g, y_g)
    else:
        import jax

        update = (lambda s: engine.d_update(s, x, z[0], y_real[0], y_fake[0], alpha[0])[0]) if phase == "d" else \
            (lambda s: engine.g_update(s, z_g, y_g)[0])
        engine.state = jax.jit(update)(engine.state)
        engine.write_back()
    trainer.set_phase(None)


def fast_step_with_host_inputs(trainer, t=0):
    """One fast-path step fed with the teaching path's minibatch, noise and targets (on JAX too); its
    outputs (d_loss, g_loss, mean D(x), mean D(G(z)))."""
    engine = trainer.engine
    idx, *inputs = engine.inputs(t)
    if keras.backend.backend() != "jax":
        return keras.ops.convert_to_numpy(engine.compiled(len(idx))(engine.data, idx, *inputs))
    import jax

    step = jax.jit(lambda state, data: engine.step(state, jax.numpy.take(data, idx, axis=0), *inputs))
    engine.state, out = step(engine.state, engine.data)
    engine.write_back()
    return keras.ops.convert_to_numpy(out)
