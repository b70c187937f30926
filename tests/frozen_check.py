"""Run under one Keras backend (KERAS_BACKEND=...); print a JSON report on stdout.

Measures, by comparing weights before and after, what each update changes:

* ``classic``: the Keras 2 recipe (compile D, freeze D, compile the GAN, then
  ``D.train_on_batch``) -- under Keras 3 D does not change;
* ``trainer_d`` / ``trainer_g``: GANTrainer's D update and G update, separately (also with
  Keras' batch norm and with ``models.GANBatchNormalization`` in G and D);
* ``fast_d`` / ``fast_g``: the same for the fused fast path (``--fast``);
* ``gan_batch_norm``: the package's batch norm against Keras' when frozen (``gan_batch_norm_check``);
* with ``--block-tensorflow`` (JAX and torch): all of the above with ``import tensorflow``
  failing, as on the GPU machine, which has no TensorFlow: the package must not need it;
* ``short_runs``: three steps of ``GANTrainer.train`` on both paths: a finite history that moves, both
  networks changed;
* ``variants``: the same D-update / G-update check for every objective (LSGAN, WGAN with
  its weight clip, WGAN-GP on the fast path), the conditional GAN and InfoGAN, the recipes'
  convolutional networks (``CONV_RECIPES``), plus
  WGAN-GP's penalty on a linear critic with a known gradient norm (``gp``).

Used by tests/test_frozen_discriminator.py, which runs it once per installed backend.
"""

import json
import sys
import tempfile
import warnings


if "--block-tensorflow" in sys.argv:  # before keras and gan_keras are imported
    # None in sys.modules makes ``import tensorflow`` raise ImportError, as on a machine
    # without it (importlib.util.find_spec then answers None, as for a missing package)
    sys.modules["tensorflow"] = None

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gan_keras import models  # noqa: E402
from gan_keras.conditional import ConditionalGANTrainer, InfoGANTrainer  # noqa: E402
from gan_keras.fast import FastGANTrainer  # noqa: E402
from gan_keras.training import GANTrainer  # noqa: E402
from tests.helpers import fast_step_with_host_inputs, fast_update, ready, small_models  # noqa: E402


# one per kind of convolutional network: critic with gradient penalty (fast path), clipped critic with batch
# norm, projection D, D with Q, batch norm (models.GANBatchNormalization) in G and D, InfoGAN's own nets with
# continuous codes
CONV_RECIPES = ("wgan-gp-conv-mnist", "wgan-conv-mnist", "cgan-conv-mnist", "infogan-conv-mnist", "dcgan-mnist",
                "infogan-paper-mnist")


def snapshot(model):
    return [keras.ops.convert_to_numpy(v).copy() for v in model.weights]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def classic_recipe():
    keras.utils.set_random_seed(1)
    g, d = small_models(bn=False)
    d.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    gan = models.build_gan(g, d)  # sets d.trainable = False
    gan.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    x = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    before = snapshot(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d.train_on_batch(x, np.ones((16, 1), "float32"))
    return {"d_changed": changed(before, snapshot(d))}


def teaching_update(trainer, phase):
    """One update of step 0 exactly as GANTrainer.algorithm_1_step writes it: D's ("d") or G's ("g")."""
    s = trainer.step_inputs(0)
    if phase == "d":
        trainer.set_phase("d")
        trainer.d_model.train_on_batch(*trainer.d_batch(s, 0))
        if trainer.objective.clip_value:
            c = trainer.objective.clip_value
            for v in trainer.discriminator.trainable_variables:
                v.assign(keras.ops.clip(v, -c, c))
    else:
        trainer.set_phase("g")
        trainer.gan.train_on_batch(*trainer.g_batch(s))


def phases(trainer, images, labels=None):
    """Weight snapshots around the D update and the G update of step 0, on the trainer's own path."""
    g, d = trainer.generator, trainer.discriminator
    ready(trainer, images, batch_size=16, labels=labels)
    report = {}
    for phase in ("d", "g"):
        gb, db = snapshot(g), snapshot(d)
        if hasattr(trainer, "engine"):
            fast_update(trainer, phase)
        else:
            teaching_update(trainer, phase)
        report[f"{phase}_step"] = {"d_changed": changed(db, snapshot(d)), "g_changed": changed(gb, snapshot(g))}
    trainer.set_phase(None)
    report["d_max_abs_weight"] = max(float(np.abs(w).max()) for w in snapshot(d))
    return report


def trainer_phases(fast, bn):
    keras.utils.set_random_seed(2)
    g, d = small_models(bn)
    trainer = (FastGANTrainer if fast else GANTrainer)(g, d, d_optimizer=keras.optimizers.Adam(1e-2),
                                                       g_optimizer=keras.optimizers.Adam(1e-2), seed=3)
    report = phases(trainer, np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32"))
    del report["d_max_abs_weight"]
    return report


def short_runs():
    """Three full steps of GANTrainer.train on each path: a finite history of three steps whose losses move,
    and both networks' weights changed."""
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    out = {}
    for fast in (False, True):
        keras.utils.set_random_seed(4)
        g, d = small_models(bn=True)
        g0, d0 = snapshot(g), snapshot(d)
        history = (FastGANTrainer if fast else GANTrainer)(g, d, seed=1).train(images, steps=3, batch_size=16)
        out["fast" if fast else "teaching"] = {
            "steps": len(history["d_loss"]), "finite": all(np.isfinite(v).all() for v in history.values()),
            "losses_moved": len(set(history["d_loss"])) == 3 and len(set(history["g_loss"])) == 3,
            "d_changed": changed(d0, snapshot(d)), "g_changed": changed(g0, snapshot(g))}
    return out


def variant_models(kind):
    """Tiny G and D for 8x8x1 images: plain with a raw score, conditional, or InfoGAN."""
    z = keras.Input((4,))
    c = keras.Input((3,))
    g_in = [z, c] if kind in ("cgan", "infogan") else z
    h = keras.layers.Concatenate()([z, c]) if kind in ("cgan", "infogan") else z
    h = keras.layers.Dense(64, activation="tanh")(keras.layers.Dense(16, activation="relu")(h))
    g = keras.Model(g_in, keras.layers.Reshape((8, 8, 1))(h))
    x = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(x)
    if kind == "cgan":
        h = keras.layers.Concatenate()([h, c])
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(16)(h))
    if kind == "gan-score":
        return g, keras.Model(x, keras.layers.Dense(1)(h))
    p = keras.layers.Dense(1, activation="sigmoid")(h)
    if kind == "cgan":
        return g, keras.Model([x, c], p)
    return g, keras.Model(x, [p, keras.layers.Dense(3)(h)])


def variant_phases(objective, fast, kind="gan-score"):
    keras.utils.set_random_seed(5)
    g, d = variant_models(kind)
    cls = {"cgan": ConditionalGANTrainer, "infogan": InfoGANTrainer}.get(kind, FastGANTrainer if fast else GANTrainer)
    trainer = cls(g, d, d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2),
                  objective=objective, seed=3)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    return phases(trainer, images, np.arange(64) % 3 if kind == "cgan" else None)


def conv_phases(name):
    """The D-update / G-update check on a recipe's convolutional networks (28x28x1)."""
    from gan_keras import recipes

    images = np.random.default_rng(0).uniform(*recipes.get(name).value_range, (64, 28, 28, 1)).astype("float32")
    trainer = recipes.make_trainer(name, images, seed=3, fast=recipes.get(name).trainer not in recipes.CODED_TRAINERS)
    report = phases(trainer, images, np.arange(64) % 10 if recipes.get(name).trainer == "cgan" else None)
    del report["d_max_abs_weight"]
    return report


def gan_batch_norm_check(tmp_dir):
    """models.GANBatchNormalization against Keras' layer, frozen and called with training=True.

    * ``frozen_error``: largest difference from a hand computation with the batch's mean and
      variance, for each layer (the stock one uses its moving statistics instead);
    * ``d_prime_gap``: the largest difference between D(G(z)) inside the combined model (D frozen)
      and D(G(z)) from D being trained (trainable, training mode), same weights and z: the two
      are one discriminator only if the frozen layer normalises as the trainable one does;
    * ``roundtrip``: a model with the layer saved as .keras and loaded gives the same outputs.
    """
    x = np.random.default_rng(0).normal(2.0, 3.0, (16, 5)).astype("float32")
    hand = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    report = {"frozen_error": {}, "d_prime_gap": {}}
    for name, bn in (("gan", "gan"), ("stock", True)):
        layer = (models.GANBatchNormalization if bn == "gan" else keras.layers.BatchNormalization)()
        layer.build(x.shape)
        layer.trainable = False
        out = keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x), training=True))
        report["frozen_error"][name] = float(np.abs(out - hand).max())
        keras.utils.set_random_seed(6)
        g, d = small_models(bn, dropout=0.0)
        gan = models.build_gan(g, d)
        z = keras.ops.convert_to_tensor(np.random.default_rng(1).normal(size=(16, 4)).astype("float32"))
        frozen = keras.ops.convert_to_numpy(gan(z, training=True))
        d.trainable = True
        trained = keras.ops.convert_to_numpy(d(g(z, training=True), training=True))
        report["d_prime_gap"][name] = float(np.abs(frozen - trained).max())
    keras.utils.set_random_seed(7)
    g, _ = small_models("gan")
    path = f"{tmp_dir}/g.keras"
    g.save(path)
    loaded = keras.saving.load_model(path)
    z = np.random.default_rng(2).normal(size=(8, 4)).astype("float32")
    same = all(np.allclose(keras.ops.convert_to_numpy(a(z, training=t)), keras.ops.convert_to_numpy(b(z, training=t)),
                           atol=1e-6) for a, b in ((g, loaded),) for t in (False, True))
    kinds = [type(layer).__name__ for layer in loaded.layers]
    report["roundtrip"] = same and "GANBatchNormalization" in kinds
    return report


def simultaneous_check():
    """The paper's code's update (``update="simultaneous"``) against a hand computation, on both paths.

    G: z (4) -> linear 64 -> (8, 8, 1); D: logistic regression on the 64 pixels; plain SGD (0.1).
    One step must move D by its gradient of (BCE(real) + BCE(fake)) / 2 and G by its gradient of
    -log D(G(z)), both taken at the weights before the step, on the same minibatch and samples.
    Returns the largest difference from the hand computation for each path (and for the
    alternating update, which must differ), and how far D's weights moved.
    """
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    errors = {}
    for fast, update in ((False, "simultaneous"), (True, "simultaneous"), (False, "alternating")):
        keras.utils.set_random_seed(8)
        z_in = keras.Input((4,))
        g = keras.Model(z_in, keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64, activation="tanh")(z_in)))
        x_in = keras.Input((8, 8, 1))
        d = keras.Model(x_in, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(x_in)))
        (a, c), (w, b) = snapshot(g), snapshot(d)
        trainer = (FastGANTrainer if fast else GANTrainer)(
            g, d, d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1), seed=3,
            update=update)
        if fast and keras.backend.backend() == "jax":  # the teaching path's noise, not the device's
            ready(trainer, images, batch_size=16)
            fast_step_with_host_inputs(trainer, 0)
        else:
            trainer.train(images, steps=1, batch_size=16)
        s = trainer.step_inputs(0)
        x = images[s["idx"][0]].reshape(16, 64).astype(np.float64)
        z = s["z"][0].astype(np.float64)
        h = z @ a + c
        fake = np.tanh(h)
        p_real, p_fake = sigmoid(x @ w + b), sigmoid(fake @ w + b)
        grad_w = 0.5 * ((x * (p_real - 1)).mean(0) + (fake * p_fake).mean(0))[:, None]
        grad_b = 0.5 * ((p_real - 1).mean() + p_fake.mean())
        dh = (p_fake - 1) @ w.T / 16 * (1 - fake ** 2)   # d(-mean log D(G(z))) / dh
        expected = [a - 0.1 * z.T @ dh, c - 0.1 * dh.sum(0), w - 0.1 * grad_w, b - 0.1 * grad_b]
        got = snapshot(g) + snapshot(d)
        name = "alternating" if update == "alternating" else "fast" if fast else "teaching"
        errors[name] = max(float(np.abs(e - v).max()) for e, v in zip(expected, got))
        errors["moved_" + name] = float(np.abs(got[2] - w).max())
    return errors


def gp_check():
    """WGAN-GP's penalty for D(x) = sum(w * x) with ||w|| = 3: lambda (3 - 1)^2 = 40."""
    from gan_keras.gradient_penalty import gradient_penalty

    rng = np.random.default_rng(0)
    w = rng.normal(size=(1, 8, 8, 1)).astype("float32")
    w = keras.ops.convert_to_tensor(w * 3.0 / np.linalg.norm(w))
    critic = lambda x: keras.ops.sum(x * w, axis=(1, 2, 3))[:, None]  # noqa: E731
    real, fake = (keras.ops.convert_to_tensor(rng.normal(size=(4, 8, 8, 1)).astype("float32")) for _ in range(2))
    return float(gradient_penalty(critic, real, fake, rng.random((4, 1, 1, 1)).astype("float32"), 10.0))


def tensorflow_import():
    """"blocked" if ``import tensorflow`` fails here (as on a machine without it), else "imported"."""
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return "blocked"
    return "imported"


def import_every_module():
    """The package's modules, each imported here (with TensorFlow blocked, none may need it)."""
    import importlib
    import pkgutil

    import gan_keras

    names = sorted(m.name for m in pkgutil.iter_modules(gan_keras.__path__) if m.name != "__main__")
    for name in names:
        importlib.import_module(f"gan_keras.{name}")
    return names


def main():
    report = {"backend": keras.backend.backend(), "classic": classic_recipe(), "short_runs": short_runs(),
              "trainer": trainer_phases(fast=False, bn=False),
              "trainer_bn": trainer_phases(fast=False, bn=True),
              "trainer_gan_bn": trainer_phases(fast=False, bn="gan")}
    with tempfile.TemporaryDirectory() as tmp:
        report["gan_batch_norm"] = gan_batch_norm_check(tmp)
    if "--fast" in sys.argv:
        report["fast"] = trainer_phases(fast=True, bn=False)
        report["fast_bn"] = trainer_phases(fast=True, bn=True)
        report["fast_gan_bn"] = trainer_phases(fast=True, bn="gan")
        report["simultaneous"] = simultaneous_check()
    if "--variants" in sys.argv:
        report["gp"] = gp_check()
        report["variants"] = {
            "lsgan": variant_phases("lsgan", False), "lsgan_fast": variant_phases("lsgan", True),
            "wgan": variant_phases("wgan", False), "wgan_fast": variant_phases("wgan", True),
            "wgan-gp_fast": variant_phases("wgan-gp", True),
            "cgan": variant_phases("gan", False, "cgan"), "infogan": variant_phases("gan", False, "infogan"),
            **{name: conv_phases(name) for name in CONV_RECIPES}}
    report["tensorflow"] = tensorflow_import()
    report["modules"] = import_every_module()
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
