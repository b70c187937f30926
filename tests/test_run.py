import json
import os
import signal

import keras
import numpy as np
import pytest

from gan_keras import checkpoints, run
from gan_keras.callbacks import NonFiniteLossError
from gan_keras.training import GANTrainer

from .helpers import all_equal, on_other_backends, other_backends, tiny_images, tiny_models, tiny_trainer, weights


@pytest.mark.parametrize("backend", other_backends())
def test_on_every_backend(backend):
    """This module again under each other installed backend (in a subprocess: the backend is chosen at import)."""
    code, tail = on_other_backends(__file__, backend)
    assert code == 0, tail


def fit(trainer, out, steps, **kwargs):
    kwargs.setdefault("progress", False)
    return run.fit(trainer, tiny_images(), out_dir=out, steps=steps, batch_size=16, **kwargs)


def test_resume_continues_like_an_uninterrupted_run(tmp_path):
    x = tiny_images()
    full = tiny_trainer(seed=1, model_seed=2)
    full.train(x, steps=3, batch_size=16)
    at3 = weights(full.discriminator) + weights(full.generator)
    full.train(x, steps=6, batch_size=16)

    fit(tiny_trainer(seed=1, model_seed=2), tmp_path, 3, checkpoint_every=3)
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000003.npz"]

    resumed = tiny_trainer(seed=1, model_seed=99)  # other initial weights: all must come from disk
    fit(resumed, tmp_path, 3, resume=True)
    assert resumed.step == 3
    assert all_equal(weights(resumed.discriminator) + weights(resumed.generator), at3)
    fit(resumed, tmp_path, 6, resume=True)
    assert resumed.history == full.history
    assert all_equal(weights(resumed.generator), weights(full.generator))
    assert all_equal(weights(resumed.discriminator), weights(full.discriminator))
    assert int(resumed.d_optimizer.iterations) == 6


def test_resume_without_a_checkpoint_starts_and_says_so(tmp_path):
    said = []
    t = tiny_trainer()
    fit(t, tmp_path, 2, resume=True, log=said.append)
    assert t.step == 2 and "no checkpoint" in said[0] and "starting a new run" in said[0]


def test_ctrl_c_finishes_the_step_and_writes_a_checkpoint(tmp_path):
    def interrupt(step, logs):
        if step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    t, said, before = tiny_trainer(seed=1), [], signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        fit(t, tmp_path, 10, log=said.append,
            callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=interrupt)])
    assert t.step == 2
    assert checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000002.npz"
    assert json.loads((tmp_path / "history.json").read_text())["meta"]["step"] == 2
    assert "interrupted at step 2" in said[-1] and "ckpt-0000002.npz" in said[-1]
    assert signal.getsignal(signal.SIGINT) is before  # the handler the run found is back


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_checkpoint(tmp_path):
    def poison(step, logs):
        if step == 2:
            for v in t.discriminator.trainable_variables:
                v.assign(np.full(v.shape, np.nan, "float32"))

    t = tiny_trainer()
    with pytest.raises(NonFiniteLossError, match="ckpt-0000002.npz"):
        fit(t, tmp_path, 6, checkpoint_every=2, callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=poison)])
    assert t.step == 3
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000002.npz"]
    header, groups, _ = checkpoints.load(checkpoints.latest_checkpoint(tmp_path))
    assert all(np.isfinite(a).all() for a in groups["discriminator"] if a.dtype.kind == "f")


def test_a_new_run_does_not_write_into_an_old_runs_folder(tmp_path):
    fit(tiny_trainer(), tmp_path, 2)
    with pytest.raises(ValueError, match="resume it"):
        fit(tiny_trainer(), tmp_path, 2)
    assert checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000002.npz"
    with pytest.raises(ValueError, match="need out_dir"):
        run.fit(tiny_trainer(), tiny_images(), steps=2, batch_size=16, resume=True)


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "run"
    target.write_text("keep me")
    with pytest.raises(ValueError, match="is a file"):
        fit(tiny_trainer(), target, 2)
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("change,match", [({"k": 2}, "k=1"), ({"model": "other"}, "model='mine'")])
def test_checkpoint_from_other_settings_is_refused(tmp_path, change, match):
    fit(tiny_trainer(k=1), tmp_path, 1, meta={"model": "mine"})
    meta = {"model": change.get("model", "mine")}
    with pytest.raises(ValueError, match=match):
        fit(tiny_trainer(k=change.get("k", 1)), tmp_path, 2, resume=True, meta=meta)


def test_a_checkpoint_of_another_objective_is_refused(tmp_path):
    g, _ = tiny_models()
    x = keras.Input((8, 8, 1))
    critic = lambda: keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))  # noqa: E731
    fit(GANTrainer(g, critic(), objective="lsgan"), tmp_path, 1)
    with pytest.raises(ValueError, match="objective"):
        fit(GANTrainer(tiny_models()[0], critic(), objective="wgan"), tmp_path, 2, resume=True)


def test_outputs_written(tmp_path):
    fit(tiny_trainer(), tmp_path, 4, sample_every=2, checkpoint_every=2, keep=1)
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["step_0000002.png", "step_0000004.png"]
    assert [p.name for p in checkpoints.list_checkpoints(tmp_path)] == ["ckpt-0000004.npz"]
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["history"]["step"] == [1.0, 2.0, 3.0, 4.0]
    assert saved["meta"]["backend"] == keras.backend.backend()


def test_load_run_needs_a_finished_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="generator.keras"):
        run.load_run(tmp_path)


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    def terminate(step, logs):
        if step == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    t, said, before = tiny_trainer(seed=1), [], signal.getsignal(signal.SIGTERM)
    with pytest.raises(run.Stopped) as stopped:
        fit(t, tmp_path, 10, log=said.append,
            callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=terminate)])
    assert stopped.value.signum == signal.SIGTERM and isinstance(stopped.value, KeyboardInterrupt)
    assert t.step == 3 and checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000003.npz"
    assert "stopped by SIGTERM at step 3" in said[-1] and "ckpt-0000003.npz" in said[-1]
    assert signal.getsignal(signal.SIGTERM) is before


def tiny_gan(model_seed=2):
    from gan_keras import GAN

    gan = GAN(*tiny_models(model_seed), seed=1)
    eager = {"jit_compile": False} if keras.backend.backend() == "torch" else {}  # torch.compile: slow to start
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), **eager)
    return gan


def fit_model(gan, out, epochs, **kwargs):
    return run.fit_model(gan, tiny_images(), out_dir=out, epochs=epochs, batch_size=16, progress=False,
                         diagnostics=False, **kwargs)


def test_a_fit_run_stopped_by_sigterm_resumes_as_an_uninterrupted_run(tmp_path):
    """Keras' fit under run.fit_model: SIGTERM in epoch 2 stops it with Stopped, the backup holds epoch 1's end
    (4 steps), and the resumed run, from other initial weights, ends with every weight and step of one run."""
    whole = tiny_gan()
    whole_history = fit_model(whole, tmp_path / "whole", 3)
    calls = []

    def terminate(batch, logs):
        calls.append(batch)
        if len(calls) == 6:  # step 6: the second of epoch 2
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(run.Stopped) as stopped:
        fit_model(tiny_gan(), tmp_path / "cut", 3,
                  callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=terminate)])
    assert stopped.value.signum == signal.SIGTERM and "stopped by SIGTERM" in str(stopped.value)
    assert json.loads((tmp_path / "cut" / "history.json").read_text())["meta"]["step"] == 4
    with pytest.raises(ValueError, match="holds the backup of an earlier run"):
        fit_model(tiny_gan(), tmp_path / "cut", 3)
    resumed = tiny_gan(model_seed=99)  # other initial weights: the backup must replace them
    history = fit_model(resumed, tmp_path / "cut", 3, resume=True)
    assert resumed.step == whole.step == 12 and history == whole_history and len(history["step"]) == 12
    assert all_equal(weights(resumed), weights(whole))
    saved = json.loads((tmp_path / "cut" / "history.json").read_text())
    assert saved["history"] == whole_history and saved["meta"]["trainer"] == "GAN" and saved["meta"]["step"] == 12
