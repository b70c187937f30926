"""Run under one Keras backend (KERAS_BACKEND=...); print a JSON report on stdout.

Measures, by comparing weights before and after, what each update changes:

* ``classic``: the Keras 2 recipe (compile D, freeze D, compile the GAN, then
  ``D.train_on_batch``) -- under Keras 3 D does not change;
* ``trainer_d`` / ``trainer_g``: GANTrainer's D update and G update, separately;
* ``fast_d`` / ``fast_g``: the same for the fused fast path (``--fast``);
* ``short_runs``: a few steps of ``GANTrainer.train`` on both paths give a finite history.

Used by tests/test_frozen_discriminator.py, which runs it once per installed backend.
"""

import json
import sys
import warnings

import keras
import numpy as np

from gan_keras import models
from gan_keras.training import GANTrainer


def snapshot(model):
    return [keras.ops.convert_to_numpy(v).copy() for v in model.weights]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def small_models(bn):
    """A tiny G and D for 8x8x1 images; with BatchNormalization in both when ``bn``."""
    z = keras.Input((4,))
    h = keras.layers.Dense(16)(z)
    if bn:
        h = keras.layers.BatchNormalization()(h)
    h = keras.layers.Dense(64, activation="tanh")(keras.layers.ReLU()(h))
    g = keras.Model(z, keras.layers.Reshape((8, 8, 1))(h))
    x = keras.Input((8, 8, 1))
    h = keras.layers.Dense(16)(keras.layers.Flatten()(x))
    if bn:
        h = keras.layers.BatchNormalization()(h)
    h = keras.layers.Dropout(0.3)(keras.layers.LeakyReLU(0.2)(h))
    d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    return g, d


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


def trainer_phases(fast, bn):
    keras.utils.set_random_seed(2)
    g, d = small_models(bn)
    trainer = GANTrainer(g, d, d_optimizer=keras.optimizers.Adam(1e-2),
                         g_optimizer=keras.optimizers.Adam(1e-2), fast=fast, seed=3)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    trainer.batch_size, trainer._n = 16, len(images)
    report = {}
    engine = trainer._engine
    if engine is not None:
        engine.prepare(images)
    for phase in ("d", "g"):
        gb, db = snapshot(g), snapshot(d)
        if engine is not None:
            engine.run_phase(phase, 0, images)
            engine.sync_to_keras()
        elif phase == "d":
            trainer.set_phase("d")
            trainer.d_step_model.train_on_batch(
                [images[:16], trainer.latent(16, 1, 0, 0)], list(trainer.d_targets(0, 0)))
        else:
            trainer.set_phase("g")
            trainer.gan.train_on_batch(trainer.latent(16, 3, 0), trainer.g_targets())
        report[f"{phase}_step"] = {"d_changed": changed(db, snapshot(d)),
                                   "g_changed": changed(gb, snapshot(g))}
    if engine is not None:
        engine.finish()
    trainer.set_phase(None)
    return report


def short_runs():
    """Three full steps of GANTrainer.train on each path: the history must be finite."""
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    out = {}
    for fast in (False, True):
        keras.utils.set_random_seed(4)
        g, d = small_models(bn=True)
        history = GANTrainer(g, d, fast=fast, seed=1).train(images, steps=3, batch_size=16, verbose=0)
        out["fast" if fast else "teaching"] = (len(history["d_loss"]) == 3 and
                                               all(np.isfinite(v).all() for v in history.values()))
    return out


def main():
    report = {"backend": keras.backend.backend(), "classic": classic_recipe(), "short_runs": short_runs(),
              "trainer": trainer_phases(fast=False, bn=False),
              "trainer_bn": trainer_phases(fast=False, bn=True)}
    if "--fast" in sys.argv:
        report["fast"] = trainer_phases(fast=True, bn=False)
        report["fast_bn"] = trainer_phases(fast=True, bn=True)
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
