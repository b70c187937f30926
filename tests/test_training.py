import json
import os
import signal

import keras
import numpy as np
import pytest

from gan_keras import checkpoints, recipes
from gan_keras.training import GANTrainer, NonFiniteLossError, check_images

from .helpers import all_equal, tiny_images, tiny_models, tiny_trainer, weights


# -- input validation -----------------------------------------------------------------------
@pytest.mark.parametrize("images,match", [
    (np.zeros((10, 64), np.float32), "4-D"),
    (np.zeros((10, 9, 8, 1), np.float32), "expect"),
    (np.zeros((0, 8, 8, 1), np.float32), "empty"),
    ((np.arange(640) % 256).astype(np.uint8).reshape(10, 8, 8, 1), r"\[0, 255\].*scale"),
    (np.full((10, 8, 8, 1), 0.5, np.float32) * np.array([np.nan] + [1] * 9).reshape(-1, 1, 1, 1), "NaN"),
    (np.full((10, 8, 8, 1), np.inf, np.float32), "NaN or infinite"),
    (np.array([[[["a"]]]]), "numeric"),
])
def test_bad_images_raise_value_error(images, match):
    with pytest.raises(ValueError, match=match):
        check_images(images, (8, 8, 1), (-1.0, 1.0), batch_size=4)


def test_batch_larger_than_data():
    with pytest.raises(ValueError, match="larger than the 3 images"):
        check_images(np.zeros((3, 8, 8, 1)), (8, 8, 1), (-1, 1), batch_size=4)


def test_sigmoid_generator_range_is_enforced():
    x = np.full((8, 8, 8, 1), -0.5, np.float32)  # fine for tanh, not for sigmoid
    with pytest.raises(ValueError, match=r"outputs \[0, 1\]"):
        check_images(x, (8, 8, 1), (0.0, 1.0), batch_size=4)


def test_train_refuses_bad_data_before_training():
    t = tiny_trainer()
    with pytest.raises(ValueError, match="scale"):
        t.train(np.full((64, 8, 8, 1), 200.0, np.float32), steps=1, batch_size=16, verbose=0)
    assert t.step == 0


@pytest.mark.parametrize("kwargs,match", [
    ({"k": 0}, "k "), ({"k": 1.5}, "k "), ({"generator_loss": "wasserstein"}, "generator_loss"),
    ({"real_label": 2}, "real_label"), ({"label_smoothing": 0.6}, "label_smoothing"),
    ({"label_noise": -0.1}, "label_noise"), ({"latent_distribution": "cauchy"}, "latent_distribution"),
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
        t.train(x, steps=2, epochs=1, batch_size=16, verbose=0)
    with pytest.raises(ValueError, match="need out_dir"):
        t.train(x, steps=2, batch_size=16, resume=True, verbose=0)
    t.train(x, epochs=2, batch_size=16, verbose=0)  # 64 images / 16 = 4 steps an epoch
    assert t.step == 8 and len(t.history["d_loss"]) == 8


# -- what each update changes -------------------------------------------------------------------
def test_k_discriminator_updates_per_generator_update():
    t = tiny_trainer(k=3)
    t.train(tiny_images(), steps=2, batch_size=16, verbose=0)
    assert int(t.d_optimizer.iterations) == 6 and int(t.g_optimizer.iterations) == 2


def test_both_networks_train_and_are_left_trainable():
    t = tiny_trainer()
    g0, d0 = weights(t.generator), weights(t.discriminator)
    t.train(tiny_images(), steps=2, batch_size=16, verbose=0)
    assert not all_equal(g0, weights(t.generator))
    assert not all_equal(d0, weights(t.discriminator))
    assert t.generator.trainable and t.discriminator.trainable


def test_targets_smoothing_and_noise():
    t = tiny_trainer(label_smoothing=0.1, label_noise=0.05)
    t.batch_size = 16
    real, fake = t.d_targets(0, 0)
    assert real.shape == (16, 1) and np.all((real >= 0.9) & (real < 0.95)) and real.std() > 0
    assert np.all((fake >= 0.0) & (fake < 0.05))
    assert np.all(t.g_targets() == 1.0)
    t0 = tiny_trainer(real_label=0, label_noise=0.05)  # seed 004: 1 = generated
    t0.batch_size = 16
    real, fake = t0.d_targets(0, 0)
    assert np.all(real < 0.05) and np.all(fake >= 1.0)
    assert np.all(t0.g_targets() == 0.0)


def test_minimax_generator_loss_is_log_one_minus_d():
    t = tiny_trainer(generator_loss="minimax")
    t.batch_size = 16
    assert np.all(t.g_targets() == 0.0)  # the fake label
    h = t.train(tiny_images(), steps=3, batch_size=16, verbose=0)
    assert all(v < 0 for v in h["g_loss"])  # log(1 - D(G(z))) < 0


@pytest.mark.parametrize("real_label", [1, 0])
def test_d_separates_real_from_fake_in_either_convention(real_label):
    t = tiny_trainer(real_label=real_label, d_optimizer=keras.optimizers.Adam(3e-3))
    h = t.train(tiny_images(), steps=30, batch_size=16, verbose=0)
    # history reports P(real) in both conventions: D soon prefers the real squares
    assert np.mean(h["d_real"][10:]) > np.mean(h["d_fake"][10:]) + 0.1
    p = t.p_real(tiny_images(16, seed=5))
    assert p.shape == (16,) and p.mean() > t.p_real(t.generate(16)).mean()


def test_short_dense_gan_run_on_the_mnist_subset():
    images = recipes.load_images("dense-mnist", limit=520, verbose=False)
    t = recipes.make_trainer("dense-mnist", images, seed=0)
    h = t.train(images, steps=25, verbose=0)
    assert all(np.isfinite(h[k]).all() for k in h)
    assert np.mean(h["d_real"]) > np.mean(h["d_fake"])
    assert t.generate(4).shape == (4, 28, 28, 1)


# -- reproducibility, checkpoints, resume -------------------------------------------------------
def test_same_seed_same_history():
    runs = []
    for _ in range(2):
        t = tiny_trainer(seed=3, model_seed=4, label_noise=0.05)
        runs.append((t.train(tiny_images(), steps=6, batch_size=16, verbose=0), weights(t.generator)))
    assert runs[0][0] == runs[1][0]
    assert all_equal(runs[0][1], runs[1][1])
    other = tiny_trainer(seed=5, model_seed=4).train(tiny_images(), steps=6, batch_size=16, verbose=0)
    assert other["d_loss"] != runs[0][0]["d_loss"]


def test_resume_continues_like_an_uninterrupted_run(tmp_path):
    x = tiny_images()
    full = tiny_trainer(seed=1, model_seed=2)
    full.train(x, steps=3, batch_size=16, verbose=0)
    at3 = weights(full.discriminator) + weights(full.generator)
    full.train(x, steps=6, batch_size=16, verbose=0)

    first = tiny_trainer(seed=1, model_seed=2)
    first.train(x, steps=3, batch_size=16, out_dir=tmp_path, checkpoint_every=3, verbose=0)
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000003.npz"]

    resumed = tiny_trainer(seed=1, model_seed=99)  # other initial weights: all must come from disk
    resumed.train(x, steps=3, batch_size=16, out_dir=tmp_path, resume=True, verbose=0)
    assert resumed.step == 3
    assert all_equal(weights(resumed.discriminator) + weights(resumed.generator), at3)
    resumed.train(x, steps=6, batch_size=16, out_dir=tmp_path, resume=True, verbose=0)
    assert resumed.history == full.history
    assert all_equal(weights(resumed.generator), weights(full.generator))
    assert all_equal(weights(resumed.discriminator), weights(full.discriminator))
    assert int(resumed.d_optimizer.iterations) == 6


def test_ctrl_c_finishes_the_step_and_writes_a_checkpoint(tmp_path):
    def interrupt(trainer, logs):
        if trainer.step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    t = tiny_trainer(seed=1)
    with pytest.raises(KeyboardInterrupt):
        t.train(tiny_images(), steps=10, batch_size=16, out_dir=tmp_path, on_step=interrupt, verbose=0)
    assert t.step == 2
    assert checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000002.npz"
    assert json.loads((tmp_path / "history.json").read_text())["meta"]["step"] == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_checkpoint(tmp_path):
    def poison(trainer, logs):
        if trainer.step == 2:
            for v in trainer.discriminator.trainable_variables:
                v.assign(np.full(v.shape, np.nan, "float32"))

    t = tiny_trainer()
    with pytest.raises(NonFiniteLossError, match="ckpt-0000002.npz"):
        t.train(tiny_images(), steps=6, batch_size=16, out_dir=tmp_path, checkpoint_every=2,
                on_step=poison, verbose=0)
    assert t.step == 2
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000002.npz"]
    header, groups, _ = checkpoints.load(checkpoints.latest_checkpoint(tmp_path))
    assert all(np.isfinite(a).all() for a in groups["discriminator"] if a.dtype.kind == "f")


def test_a_new_run_does_not_write_into_an_old_runs_folder(tmp_path):
    tiny_trainer().train(tiny_images(), steps=2, batch_size=16, out_dir=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="resume=True"):
        tiny_trainer().train(tiny_images(), steps=2, batch_size=16, out_dir=tmp_path, verbose=0)
    assert checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000002.npz"


def test_checkpoint_from_other_settings_is_refused(tmp_path):
    t = tiny_trainer(k=1)
    t.train(tiny_images(), steps=1, batch_size=16, out_dir=tmp_path, verbose=0)
    other = tiny_trainer(k=2)
    with pytest.raises(ValueError, match="k=1"):
        other.train(tiny_images(), steps=2, batch_size=16, out_dir=tmp_path, resume=True, verbose=0)


def test_outputs_written(tmp_path):
    t = tiny_trainer()
    t.train(tiny_images(), steps=4, batch_size=16, out_dir=tmp_path, sample_every=2,
            checkpoint_every=2, keep_checkpoints=1, verbose=0)
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["step_0000002.png", "step_0000004.png"]
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000004.npz"]
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["history"]["step"] == [1.0, 2.0, 3.0, 4.0]
    assert saved["meta"]["backend"] == keras.backend.backend()


def test_train_discriminator_moves_only_d():
    t = tiny_trainer(d_optimizer=keras.optimizers.Adam(3e-3))
    g0, d0 = weights(t.generator), weights(t.discriminator)
    x = tiny_images()
    before = t.p_real(x).mean() - t.p_real(t.generate(64)).mean()
    t.train_discriminator(x, steps=40, batch_size=16)
    after = t.p_real(x).mean() - t.p_real(t.generate(64)).mean()
    assert all_equal(g0, weights(t.generator)) and not all_equal(d0, weights(t.discriminator))
    assert after > before + 0.2 and t.step == 0 and t.history["d_loss"] == []


# -- variants: objectives, conditional GAN, InfoGAN ---------------------------------------------
from .helpers import tiny_coded_models  # noqa: E402


def score_models(seed=0):
    g, d = tiny_models(seed)
    x = keras.Input((8, 8, 1))
    critic = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    return g, critic


@pytest.mark.parametrize("kwargs,match", [
    ({"objective": "wgan-gp"}, "fast=True"),
    ({"objective": "lsgan", "label_noise": 0.05}, "fixes its own losses"),
    ({"objective": "wgan", "real_label": 0}, "fixes its own losses"),
    ({"objective": "wgan", "generator_loss": "minimax"}, "fixes its own losses"),
    ({"objective": "hinge"}, "objective must be one of"),
])
def test_bad_objective_settings_raise(kwargs, match):
    g, d = score_models()
    with pytest.raises(ValueError, match=match):
        GANTrainer(g, d, **kwargs)


def test_code_generator_needs_a_conditional_or_infogan_discriminator():
    g, _ = tiny_coded_models("cgan")
    _, plain_d = tiny_models()
    with pytest.raises(ValueError, match="code input needs either"):
        GANTrainer(g, plain_d)
    g, d = tiny_coded_models("cgan")
    with pytest.raises(ValueError, match="unconditional models only"):
        GANTrainer(g, d, fast=True)


def test_conditional_training_validates_labels():
    g, d = tiny_coded_models("cgan")
    trainer = GANTrainer(g, d)
    x = tiny_images(32)
    with pytest.raises(ValueError, match="needs the images' labels"):
        trainer.train(x, steps=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(32,\)"):
        trainer.train(x, labels=np.zeros(31, int), steps=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"ints in \[0, 3\)"):
        trainer.train(x, labels=np.full(32, 3), steps=1, batch_size=8, verbose=0)
    plain = tiny_trainer()
    with pytest.raises(ValueError, match="only for a conditional"):
        plain.train(x, labels=np.zeros(32, int), steps=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="code input"):
        plain.generate(4, labels=[0, 1, 2, 0])


@pytest.mark.parametrize("kind", ["cgan", "infogan"])
def test_coded_models_train_generate_and_resume(tmp_path, kind):
    x, labels = tiny_images(48), np.arange(48) % 3
    kw = {"labels": labels} if kind == "cgan" else {}
    g, d = tiny_coded_models(kind)
    full = GANTrainer(g, d, seed=1)
    full.train(x, steps=4, batch_size=8, verbose=0, **kw)
    g, d = tiny_coded_models(kind)
    part = GANTrainer(g, d, seed=1)
    part.train(x, steps=2, batch_size=8, verbose=0, out_dir=tmp_path, checkpoint_every=2, **kw)
    g, d = tiny_coded_models(kind)
    resumed = GANTrainer(g, d, seed=1)
    resumed.train(x, steps=4, batch_size=8, verbose=0, out_dir=tmp_path, resume=True, **kw)
    assert resumed.history == full.history
    assert all_equal(weights(resumed.generator), weights(full.generator))
    images = full.generate(6, labels=[0, 1, 2, 0, 1, 2])
    assert images.shape == (6, 8, 8, 1) and np.abs(images).max() <= 1.0
    grid = sorted((tmp_path / "samples").glob("*.png"))
    assert grid, "a sample grid (one row per code value) was written"
    if kind == "infogan":
        assert full.q_codes(x).shape == (48,) and set(full.q_codes(x)) <= {0, 1, 2}
    else:
        assert full.p_real(x, labels=labels).shape == (48,)
        with pytest.raises(ValueError, match="needs labels"):
            full.p_real(x)


@pytest.mark.parametrize("objective", ["lsgan", "wgan"])
def test_variant_objectives_are_deterministic_and_finite(objective):
    runs = []
    for _ in range(2):
        g, d = score_models(seed=3)
        trainer = GANTrainer(g, d, objective=objective, k=2, seed=5)
        runs.append(trainer.train(tiny_images(64), steps=3, batch_size=8, verbose=0))
    assert runs[0] == runs[1]
    assert all(np.isfinite(v).all() for v in runs[0].values())


def test_a_checkpoint_of_another_objective_is_refused(tmp_path):
    g, d = score_models()
    GANTrainer(g, d, objective="lsgan").train(tiny_images(32), steps=1, batch_size=8, verbose=0,
                                              out_dir=tmp_path)
    g, d = score_models()
    with pytest.raises(ValueError, match="objective"):
        GANTrainer(g, d, objective="wgan").train(tiny_images(32), steps=2, batch_size=8, verbose=0,
                                                 out_dir=tmp_path, resume=True)
