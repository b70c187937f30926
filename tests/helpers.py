"""Small models and data shared by the tests: fast enough to train for a few steps anywhere."""

import keras
import numpy as np

from gan_keras import models
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


def small_models(bn, dropout=0.3):
    """A tiny G and D for 8x8x1 images; with batch norm in both when ``bn``: Keras' layer (True)
    or the package's ``models.GANBatchNormalization`` ("gan")."""
    norm = models.GANBatchNormalization if bn == "gan" else keras.layers.BatchNormalization
    z = keras.Input((4,))
    h = keras.layers.Dense(16)(z)
    if bn:
        h = norm()(h)
    h = keras.layers.Dense(64, activation="tanh")(keras.layers.ReLU()(h))
    g = keras.Model(z, keras.layers.Reshape((8, 8, 1))(h))
    x = keras.Input((8, 8, 1))
    h = keras.layers.Dense(16)(keras.layers.Flatten()(x))
    if bn:
        h = norm()(h)
    h = keras.layers.Dropout(dropout)(keras.layers.LeakyReLU(0.2)(h))
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    return g, d


def teaching_inputs(trainer, t=0):
    """Step t's inputs as the teaching path draws them, in the form ``gan.GAN.train_step`` takes: a dict of
    (k, m, ...) arrays ("x" the real minibatches, "z", "y_real", "y_fake", "alpha"), "z_g", "y_g"."""
    from gan_keras.training import Stream

    s = trainer.step_inputs(t)
    shape = (trainer.batch_size,) + (1,) * len(trainer.image_shape)
    alpha = np.stack([trainer.rng(Stream.PENALTY_MIX, t, j).random(shape, np.float32) for j in range(len(s["idx"]))])
    x = np.stack([keras.ops.convert_to_numpy(keras.ops.take(trainer.data, i, axis=0)) for i in s["idx"]])
    return {"x": x, "z": s["z"], "y_real": s["y_real"], "y_fake": s["y_fake"], "alpha": alpha, "z_g": s["z_g"],
            "y_g": s["y_g"]}


def on_other_backends(module, backend, select="not on_every_backend"):
    """Run test module ``module`` (a path) under ``backend`` in a subprocess (KERAS_BACKEND is read once, at
    import), the tests that ``select`` (pytest's -k) picks; its exit code and its output's tail."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(root), "CUDA_VISIBLE_DEVICES": "",
           "GAN_KERAS_BACKEND_RUN": backend}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-x", str(module),
                           "-k", select, "-W", "ignore::DeprecationWarning"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)
    return proc.returncode, (proc.stdout + proc.stderr)[-4000:]


def other_backends():
    """The installed Keras backends other than this process's (none inside such a subprocess)."""
    import importlib.util
    import os

    if os.environ.get("GAN_KERAS_BACKEND_RUN"):
        return []
    return [b for b in ("tensorflow", "jax", "torch")
            if b != keras.backend.backend() and importlib.util.find_spec(b) is not None]
