import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from gan_keras import recipes
from gan_keras.losses import critic_updates, critic_updates_before
from gan_keras.checks import steps_per_epoch
from gan_keras.training import GANTrainer, Stream

from .helpers import all_equal, ready, tiny_images, tiny_models, tiny_trainer, weights

PACKAGE = Path(__file__).resolve().parents[1] / "gan_keras"


# -- input validation (the checks themselves: tests/test_checks.py) ----------------------------
def test_train_refuses_bad_data_before_training():
    t = tiny_trainer()
    with pytest.raises(ValueError, match="scale"):
        t.train(np.full((64, 8, 8, 1), 200.0, np.float32), steps=1, batch_size=16)
    assert t.step == 0


@pytest.mark.parametrize("kwargs,match", [
    ({"k": 0}, "k "), ({"k": 1.5}, "k "), ({"generator_loss": "wasserstein"}, "generator_loss"),
    ({"objective": "hinge"}, "objective must be one of"),
    ({"real_label": 2}, "real_label"), ({"label_smoothing": 0.6}, "label_smoothing"),
    ({"label_noise": -0.1}, "label_noise"), ({"latent_distribution": "cauchy"}, "latent_distribution"),
    ({"update": "interleaved"}, "update must be one of"), ({"update": "simultaneous", "k": 2}, "k=1"),
    ({"critic_schedule": "doubling"}, "critic_schedule must be one of"),
    ({"update": "simultaneous", "critic_schedule": "arjovsky"}, "k=1"),
])
def test_bad_trainer_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_trainer(**kwargs)


def test_generator_and_discriminator_must_fit():
    g, _ = tiny_models()
    _, d = tiny_models(image_shape=(9, 9, 1))
    with pytest.raises(ValueError, match="generator makes images of shape"):
        GANTrainer(g, d)


def test_train_budget_arguments():
    t, x = tiny_trainer(), tiny_images()
    with pytest.raises(ValueError, match="exactly one"):
        t.train(x, steps=2, epochs=1, batch_size=16)
    with pytest.raises(ValueError, match="positive ints"):
        t.train(x, steps=0, batch_size=16)
    with pytest.raises(ValueError, match="batch_size"):
        t.train(x, steps=1, batch_size=0)
    t.train(x, epochs=2, batch_size=16)  # 64 images / 16 = 4 steps an epoch
    assert t.step == 8 and len(t.history["d_loss"]) == 8


# -- what each update changes -------------------------------------------------------------------
def test_k_discriminator_updates_per_generator_update():
    t = tiny_trainer(k=3)
    t.train(tiny_images(), steps=2, batch_size=16)
    assert int(t.d_optimizer.iterations) == 6 and int(t.g_optimizer.iterations) == 2


def test_latent_distributions_have_their_ranges_and_share_the_draws():
    from gan_keras.training import sample_latent
    draws = {d: sample_latent(np.random.default_rng(0), 4000, 8, d) for d in ("normal", "uniform", "uniform1")}
    assert all(v.shape == (4000, 8) and v.dtype == np.float32 for v in draws.values())
    assert abs(draws["normal"].std() - 1) < 0.03 and abs(draws["uniform"].std() - 1) < 0.03
    assert np.abs(draws["uniform1"]).max() <= 1.0 and draws["uniform1"].max() > 0.99
    np.testing.assert_allclose(draws["uniform"], draws["uniform1"] * np.sqrt(3.0), rtol=1e-5)  # one scale apart


def test_arjovsky_critic_schedule_counts_and_cursor():
    counts = [critic_updates(s, 5, "arjovsky") for s in range(1100)]
    assert counts[:25] == [100] * 25 and counts[25] == 5 and counts[499] == 5
    assert counts[500] == 100 and counts[501] == 5 and counts[1000] == 100
    assert [critic_updates_before(s, 5, "arjovsky") for s in range(1100)] == list(np.cumsum([0] + counts[:-1]))
    assert critic_updates(0, 3) == 3 and critic_updates_before(7, 3) == 21
    t = tiny_trainer(k=5, objective="wgan", critic_schedule="arjovsky")
    ready(t, tiny_images())
    assert t.minibatches(0).shape == (100, 16) and t.minibatches(25).shape == (5, 16)


def test_steps_per_epoch_uses_each_image_about_once():
    assert steps_per_epoch(60000, 52) == 1153 and steps_per_epoch(60000, 64, 5) == 187 and steps_per_epoch(10, 52) == 1


def test_arjovsky_schedule_updates_d_100_times_in_its_first_steps():
    t = tiny_trainer(k=5, objective="wgan", critic_schedule="arjovsky")
    d0 = weights(t.discriminator)
    t.train(tiny_images(), steps=2, batch_size=16)
    assert int(t.d_optimizer.iterations) == 200 and int(t.g_optimizer.iterations) == 2
    assert not all_equal(d0, weights(t.discriminator))
    assert max(np.abs(w).max() for w in weights(t.discriminator)) <= 0.01 + 1e-7  # clipped after each update
    assert t.config()["critic_schedule"] == "arjovsky"


def test_both_networks_train_and_are_left_trainable():
    t = tiny_trainer()
    g0, d0 = weights(t.generator), weights(t.discriminator)
    t.train(tiny_images(), steps=2, batch_size=16)
    assert not all_equal(g0, weights(t.generator))
    assert not all_equal(d0, weights(t.discriminator))
    assert t.generator.trainable and t.discriminator.trainable


def test_targets_smoothing_and_noise():
    t = tiny_trainer(label_smoothing=0.1, label_noise=0.05)
    ready(t, tiny_images())
    s = t.step_inputs(0)
    real, fake = s["y_real"][0], s["y_fake"][0]
    assert real.shape == (16, 1) and np.all((real >= 0.9) & (real < 0.95)) and real.std() > 0
    assert np.all((fake >= 0.0) & (fake < 0.05))
    assert t.targets[2] == 1.0 and np.all(s["y_g"] == 1.0)
    t0 = tiny_trainer(real_label=0, label_noise=0.05)  # Chollet's convention: 1 = generated
    ready(t0, tiny_images())
    s = t0.step_inputs(0)
    assert np.all(s["y_real"] < 0.05) and np.all(s["y_fake"] >= 1.0)
    assert t0.targets[2] == 0.0


def test_a_steps_inputs_come_from_its_own_streams():
    t = tiny_trainer(label_noise=0.05, seed=3, k=2)
    ready(t, tiny_images(), batch_size=8)
    s = t.step_inputs(4)
    draws = np.random.default_rng([3, int(Stream.LABEL_NOISE), 4, 1]).random((2, 8, 1), np.float32)
    assert np.array_equal(s["y_real"][1], 1.0 + 0.05 * draws[0]) and np.array_equal(s["y_fake"][1], 0.05 * draws[1])
    z = np.random.default_rng([3, int(Stream.D_NOISE), 4, 1]).standard_normal((8, 4), np.float32)
    assert np.array_equal(s["z"][1], z) and s["z"].shape == (2, 8, 4) and s["z_g"].shape == (8, 4)
    assert s["idx"].shape == (2, 8) and np.array_equal(s["idx"][0], t.batch_indices(8))  # minibatches 8 and 9
    assert all(np.array_equal(a, b) for a, b in zip(s.values(), t.step_inputs(4).values()))  # drawn again: the same


def test_minimax_generator_loss_is_log_one_minus_d():
    t = tiny_trainer(generator_loss="minimax")
    assert t.targets[2] == 0.0  # the fake label
    h = t.train(tiny_images(), steps=3, batch_size=16)
    assert all(v < 0 for v in h["g_loss"])  # log(1 - D(G(z))) < 0


@pytest.mark.parametrize("real_label", [1, 0])
def test_d_separates_real_from_fake_in_either_convention(real_label):
    t = tiny_trainer(real_label=real_label, d_optimizer=keras.optimizers.Adam(3e-3))
    h = t.train(tiny_images(), steps=30, batch_size=16)
    # history reports P(real) in both conventions: D soon prefers the real squares
    assert np.mean(h["d_real"][10:]) > np.mean(h["d_fake"][10:]) + 0.1
    p = t.realness(tiny_images(16, seed=5))
    assert p.shape == (16,) and p.mean() > t.realness(t.generate(16)).mean()


def test_short_dense_gan_run_on_the_mnist_subset():
    images = recipes.load_images("dense-mnist", limit=520, verbose=False)
    t = recipes.make_trainer("dense-mnist", images, seed=0)
    h = t.train(images, steps=25)
    assert all(np.isfinite(h[k]).all() for k in h)
    assert np.mean(h["d_real"]) > np.mean(h["d_fake"])
    assert t.generate(4).shape == (4, 28, 28, 1)


# -- reproducibility, checkpoints, resume -------------------------------------------------------
def test_same_seed_same_history():
    runs = []
    for _ in range(2):
        t = tiny_trainer(seed=3, model_seed=4, label_noise=0.05)
        runs.append((t.train(tiny_images(), steps=6, batch_size=16), weights(t.generator)))
    assert runs[0][0] == runs[1][0]
    assert all_equal(runs[0][1], runs[1][1])
    other = tiny_trainer(seed=5, model_seed=4).train(tiny_images(), steps=6, batch_size=16)
    assert other["d_loss"] != runs[0][0]["d_loss"]


# -- variants: objectives, conditional GAN, InfoGAN ---------------------------------------------
def score_models(seed=0):
    g, d = tiny_models(seed)
    x = keras.Input((8, 8, 1))
    critic = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    return g, critic


@pytest.mark.parametrize("kwargs,match", [
    ({"objective": "wgan-gp"}, "FastGANTrainer"),
    ({"objective": "lsgan", "label_noise": 0.05}, "fixes its own losses"),
    ({"objective": "wgan", "real_label": 0}, "fixes its own losses"),
    ({"objective": "wgan", "generator_loss": "minimax"}, "fixes its own losses"),
])
def test_bad_objective_settings_raise(kwargs, match):
    g, d = score_models()
    with pytest.raises(ValueError, match=match):
        GANTrainer(g, d, **kwargs)


def test_simultaneous_update_trains_both_and_halves_d_loss():
    """Same minibatch and samples as the alternating update's first D update; D's loss is half its sum.
    (The step against a hand computation, on every backend: tests/test_frozen_discriminator.py.)"""
    images = tiny_images()
    first = {}
    for update in ("alternating", "simultaneous"):  # a D without dropout: the same verdicts in both
        g, _ = tiny_models()
        x = keras.Input((8, 8, 1))
        d = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(x)))
        t = GANTrainer(g, d, update=update, d_optimizer=keras.optimizers.SGD(0.0),
                       g_optimizer=keras.optimizers.SGD(0.0))
        first[update] = t.train(images, steps=1, batch_size=8)
        assert t.config()["update"] == update
    assert first["simultaneous"]["d_loss"][0] == pytest.approx(first["alternating"]["d_loss"][0] / 2, rel=1e-5)
    t = tiny_trainer(update="simultaneous")
    g0, d0 = weights(t.generator), weights(t.discriminator)
    history = t.train(images, steps=3, batch_size=8)
    assert not all_equal(g0, weights(t.generator)) and not all_equal(d0, weights(t.discriminator))
    assert all(np.isfinite(v).all() for v in history.values())
    g, d = score_models()
    with pytest.raises(ValueError, match="objective='gan'"):
        GANTrainer(g, d, objective="lsgan", update="simultaneous")


@pytest.mark.parametrize("objective", ["lsgan", "wgan"])
def test_variant_objectives_are_deterministic_and_finite(objective):
    runs = []
    for _ in range(2):
        g, d = score_models(seed=3)
        trainer = GANTrainer(g, d, objective=objective, k=2, seed=5)
        runs.append(trainer.train(tiny_images(64), steps=3, batch_size=8))
    assert runs[0] == runs[1]
    assert all(np.isfinite(v).all() for v in runs[0].values())


@pytest.mark.parametrize("objective", ["lsgan", "wgan"])
def test_variant_objectives_first_step_by_hand(objective):
    """Step 1's losses from the networks' weights and the step's inputs: LSGAN's D loss
    1/2 E(D(x) - 1)^2 + 1/2 E D(G(z))^2 and G's 1/2 E(D(G(z_g)) - 1)^2; the critic's E D(G(z)) - E D(x)
    and G's -E D(G(z_g)). D's loss is at the weights before its update, G's through D after it."""
    g, d = score_models(seed=3)
    trainer = GANTrainer(g, d, objective=objective, seed=5)
    images = tiny_images(64)
    w_before, g_before = d.get_weights(), keras.models.clone_model(g)  # the critic: one Dense on the image
    g_before.set_weights(g.get_weights())
    G = lambda z: keras.ops.convert_to_numpy(g_before(z)).reshape(len(z), -1)  # noqa: E731
    trainer.train(images, steps=1, batch_size=8)
    s = trainer.step_inputs(0)
    x, fake, fake_g = images[s["idx"][0]].reshape(8, -1), G(s["z"][0]), G(s["z_g"])
    critic = lambda a, w: (a @ w[0] + w[1])[:, 0]  # noqa: E731
    (w, b), after = w_before, d.get_weights()
    if objective == "lsgan":
        d_loss = 0.5 * np.mean((critic(x, (w, b)) - 1) ** 2) + 0.5 * np.mean(critic(fake, (w, b)) ** 2)
        g_loss = 0.5 * np.mean((critic(fake_g, after) - 1) ** 2)
    else:
        d_loss = np.mean(critic(fake, (w, b))) - np.mean(critic(x, (w, b)))
        g_loss = -np.mean(critic(fake_g, after))
        assert np.abs(after[0]).max() <= 0.01 + 1e-7  # and the critic's weights clipped after its update
    np.testing.assert_allclose([trainer.history["d_loss"][0], trainer.history["g_loss"][0]], [d_loss, g_loss],
                               rtol=1e-4, atol=1e-6)


# -- the loop and its callbacks -------------------------------------------------------------------
def test_callbacks_see_every_step_and_can_stop_the_run():
    seen = []

    def on_step(step, logs):
        seen.append((step, sorted(logs)))
        if step == 3:
            t.stop_training = True

    t = tiny_trainer()
    t.train(tiny_images(), steps=10, batch_size=16,
            callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=on_step)])
    assert t.step == 3 and [s for s, _ in seen] == [1, 2, 3]
    assert seen[0][1] == ["d_fake", "d_loss", "d_real", "g_loss"]
    t.train(tiny_images(), steps=5, batch_size=16)  # a later call goes on from step 3
    assert t.step == 5 and t.history["step"] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_one_step_updates_d_k_times_then_g_once():
    t = tiny_trainer(k=2)
    t.train(tiny_images(), steps=1, batch_size=16)
    d_iter, g_iter = int(t.d_optimizer.iterations), int(t.g_optimizer.iterations)
    ready(t, tiny_images(), batch_size=16)
    logs = t.algorithm_1_step(1)
    assert (int(t.d_optimizer.iterations), int(t.g_optimizer.iterations)) == (d_iter + 2, g_iter + 1)
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}


COPY_SCRIPT = textwrap.dedent("""
    import json, sys
    import keras, numpy as np
    from gan_keras import models
    from gan_keras.training import GANTrainer

    def snap(m):
        return [keras.ops.convert_to_numpy(v).copy() for v in m.weights]

    def changed(a, b):
        return any(not np.array_equal(x, y) for x, y in zip(a, b))

    keras.utils.set_random_seed(0)
    G, D = models.dense_generator(), models.dense_discriminator()
    t = GANTrainer(G, D, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    t.batch_size, t.data_size = 16, len(images)
    t.put_data(images)
    g0, d0 = snap(G), snap(D)
    s = t.step_inputs(0)
    t.set_phase("d"); t.d_model.train_on_batch(*t.d_batch(s, 0))
    g1, d1 = snap(G), snap(D)
    t.set_phase("g"); t.gan.train_on_batch(*t.g_batch(s))
    g2, d2 = snap(G), snap(D)
    t.set_phase(None)
    t.train(images, steps=20, batch_size=16)
    print("REPORT " + json.dumps({
        "d_update": [changed(d0, d1), changed(g0, g1)], "g_update": [changed(d1, d2), changed(g1, g2)],
        "after_20": [changed(d2, snap(D)), changed(g2, snap(G))], "step": t.step,
        "modules": sorted(m for m in sys.modules if m.startswith("gan_keras"))}))
""")


def test_models_losses_and_training_alone_train_the_dense_gan(tmp_path):
    """A student copies four files into an empty package: the dense GAN trains with them alone."""
    package = tmp_path / "gan_keras"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("models.py", "losses.py", "training.py", "checks.py"):
        shutil.copy(PACKAGE / name, package / name)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", COPY_SCRIPT], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    report = __import__("json").loads(out.stdout.split("REPORT ")[1])
    assert report["d_update"] == [True, False], "D's update changes D and only D"
    assert report["g_update"] == [False, True], "G's update changes G and only G"
    assert report["after_20"] == [True, True] and report["step"] == 20
    assert report["modules"] == ["gan_keras", "gan_keras.checks", "gan_keras.losses", "gan_keras.models",
                                 "gan_keras.training"]
