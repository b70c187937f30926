"""The callbacks around a run: progress lines, TensorBoard event files, the diagnostics."""

import io
import json

import keras
import numpy as np
import pytest

from gan_keras.callbacks import Diagnostics, Progress, TensorBoard, d_on_real_and_generated
from gan_keras.training import GANTrainer

from .helpers import on_other_backends, other_backends, small_models, tiny_images, tiny_models, tiny_trainer


@pytest.mark.parametrize("backend", other_backends())
def test_the_diagnostics_on_every_backend(backend):
    """The diagnostics read tensors and weights: their tests run again under each other installed backend."""
    code, tail = on_other_backends(__file__, backend, select="named or judges or findings")
    assert code == 0, tail


def test_progress_lines_fall_on_the_steps_the_grids_are_named_after():
    stream = io.StringIO()
    trainer = tiny_trainer()
    trainer.train(tiny_images(), steps=20, batch_size=8, callbacks=[Progress(percent=25, interactive=False,
                                                                             stream=stream)])
    steps = [int(line.split()[1].split("/")[0]) for line in stream.getvalue().splitlines()]
    assert steps == [1, 5, 10, 15, 20]
    stream = io.StringIO()
    trainer.train(tiny_images(), steps=30, batch_size=8, callbacks=[Progress(percent=25, interactive=False,
                                                                             stream=stream)])
    assert [int(line.split()[1].split("/")[0]) for line in stream.getvalue().splitlines()] == [21, 28, 30]


def read_events(log_dir):
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    events = event_accumulator.EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    events.Reload()
    return {tag: [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in events.Tensors(tag)]
            for tag in events.Tags()["tensors"]}


def test_tensorboard_writes_curves_histograms_and_grids(tmp_path):
    images = tiny_images(64)
    trainer = tiny_trainer()
    board = TensorBoard(tmp_path / "tb", images, every=4, n=32, scalar_every=2)
    history = trainer.train(images, steps=10, batch_size=8, callbacks=[board])
    events = read_events(tmp_path / "tb")
    assert set(events) == {"loss/d", "loss/g", "d_output/real", "d_output/generated", "d_histogram/real",
                           "d_histogram/generated", "samples"}
    # scalars: the mean of the steps since the last write (every 2 steps, and the run's end)
    assert [step for step, _ in events["loss/g"]] == [2, 4, 6, 8, 10]
    np.testing.assert_allclose([float(v) for _, v in events["loss/g"]],
                               np.mean(np.reshape(history["g_loss"], (5, 2)), axis=1), rtol=1e-5)
    # pictures: every 4 steps and at the end
    assert [step for step, _ in events["samples"]] == [4, 8, 10]
    real, fake, _ = d_on_real_and_generated(trainer, images, n=32)
    last_real = events["d_histogram/real"][-1][1]   # (buckets, 3): left edge, right edge, count
    assert last_real[:, 2].sum() == 32 and last_real[0, 0] == pytest.approx(real.min(), abs=1e-6)
    assert events["d_histogram/generated"][-1][1][:, 2].sum() == 32
    assert events["samples"][-1][1][:2].tolist() == [b"71", b"71"]  # width, height: 8 x (8 + 1) - 1 pixels


@pytest.mark.parametrize("fast", [False, True], ids=["teaching", "fast"])
@pytest.mark.parametrize("norm", ["gan", "stock"])
def test_discriminator_gap_tells_the_frozen_copy_from_the_d_being_trained(norm, fast):
    import keras

    from gan_keras import convnets, models
    from gan_keras.callbacks import DiscriminatorGap
    from gan_keras.fast import FastGANTrainer
    from gan_keras.training import GANTrainer

    layer = models.GANBatchNormalization if norm == "gan" else keras.layers.BatchNormalization
    keras.utils.set_random_seed(0)
    g = convnets.radford_generator(8, (8, 8, 1), base_filters=8, norm=layer)
    d = convnets.radford_discriminator((8, 8, 1), base_filters=8, norm=layer)
    trainer = (FastGANTrainer if fast else GANTrainer)(g, d, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    gap = DiscriminatorGap(every=3, n=32)
    trainer.train(images, steps=9, batch_size=16, callbacks=[gap])
    assert gap.steps == [3, 6, 9]
    weights = [keras.ops.convert_to_numpy(v).copy() for v in g.weights + d.weights]
    assert gap.measure() == (gap.trained[-1], gap.frozen[-1])  # measuring changes nothing ...
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(v)) for a, v in zip(weights, g.weights + d.weights))
    assert (g.trainable, d.trainable) == (True, True)
    differences = np.abs(np.subtract(gap.trained, gap.frozen))
    if norm == "gan":  # ... and the frozen copy is the D being trained
        assert differences.max() < 1e-6
    else:  # Keras' layer: the frozen copy normalises with its moving statistics, another D
        assert differences.min() > 1e-4  # small here: N(0, 0.02) weights, a few steps


# -- Diagnostics: each finding on a scripted failure, none on what is healthy ------------------------------------
def feed(diag, rows):
    """Call ``diag`` as a training loop would, with the history entries ``rows``."""
    diag.on_train_begin()
    for row in rows:
        diag.on_train_batch_end(diag.step + 1, row)
    return [f["name"] for f in diag.findings]


def watch(trainer, **kwargs):
    diag = Diagnostics(stream=io.StringIO(), **kwargs)
    diag.set_model(trainer)
    return diag


def healthy_rows(n, rng):
    return [{"d_loss": 1.2 + 0.1 * rng.standard_normal(), "g_loss": 1.0 + 0.1 * rng.standard_normal(),
             "d_real": 0.6, "d_fake": 0.4} for _ in range(n)]


def test_d_wins_needs_a_window_of_rejected_fakes_and_a_stuck_generator():
    rng = np.random.default_rng(0)
    won = [{"d_loss": 0.01, "g_loss": 6.0, "d_real": 0.99, "d_fake": 0.01}] * 40
    diag = watch(tiny_trainer(), every=0, window=20)
    assert feed(diag, healthy_rows(40, rng)) == []
    assert feed(diag, won) == ["d_wins"]
    assert "D(G(z)) 0.010" in diag.findings[0]["message"] and "notebook 01" in diag.findings[0]["message"]
    assert diag.stream.getvalue().count("\n") == 1  # one line, said once
    assert feed(watch(tiny_trainer(), every=0, window=20), [{**row, "d_fake": 0.2} for row in won]) == []
    falling = [{**row, "g_loss": 6.0 - 0.1 * i} for i, row in enumerate(won)]  # G is learning its way out
    assert feed(watch(tiny_trainer(), every=0, window=20), falling) == []


def test_a_flat_or_exploding_critic_is_named_and_a_working_one_is_not():
    critic = tiny_trainer(objective="wgan", d_optimizer=None, g_optimizer=None)
    rows = lambda estimate: [{"d_loss": -estimate, "g_loss": 0.0, "d_real": estimate / 2, "d_fake": -estimate / 2}
                             for _ in range(40)]  # noqa: E731
    assert feed(watch(critic, every=0, window=20), rows(0.001)) == ["critic_flat"]
    assert feed(watch(critic, every=0, window=20), rows(5000.0)) == ["critic_flat"]
    assert feed(watch(critic, every=0, window=20), rows(0.5)) == []
    assert feed(watch(tiny_trainer(), every=0, window=20), rows(0.001)) == []  # not a critic: no estimate


def test_a_nan_is_named_at_once():
    diag = watch(tiny_trainer(), every=0)
    assert feed(diag, [{"d_loss": 1.0, "g_loss": float("nan"), "d_real": 0.5, "d_fake": 0.5}]) == ["non_finite"]
    assert diag.findings[0]["step"] == 1


class FrozenForGood(GANTrainer):
    """The Keras 2 recipe under Keras 3: D frozen once, never set trainable again for its own update."""

    def set_phase(self, phase):
        self.discriminator.trainable = False
        self.generator.trainable = phase in ("g", None)


def test_a_discriminator_that_never_trains_and_a_collapsed_generator_are_named():
    g, d = tiny_models(0)
    frozen = FrozenForGood(g, d, seed=0)
    diag = Diagnostics(tiny_images(), every=5, stream=io.StringIO())
    frozen.train(tiny_images(), steps=10, batch_size=16, callbacks=[diag])
    assert [f["name"] for f in diag.findings] == ["d_not_training"] and diag.findings[0]["step"] == 10
    assert diag.findings[0]["message"].startswith("D's weights did not change")
    g, d = tiny_models(1)
    varied = GANTrainer(g, d, seed=0)
    diag = Diagnostics(tiny_images(), every=1, stream=io.StringIO())
    diag.set_model(varied)
    diag.on_train_begin()
    diag.inspect()  # G as initialised: its samples vary
    assert diag.findings == [] and diag.best > 0.2
    last = g.layers[-2]  # then no weight on z: every sample the same image
    last.kernel.assign(np.zeros(last.kernel.shape, "float32"))
    diag.step += 1
    diag.inspect()
    found = {f["name"]: f["message"] for f in diag.findings}  # (and D, G untrained between the two looks)
    assert "vary 0.00 times" in found["collapse"] and set(found) == {"collapse", "d_not_training"}
    healthy = tiny_trainer(seed=3)
    diag = Diagnostics(tiny_images(), every=5, stream=io.StringIO())
    healthy.train(tiny_images(), steps=10, batch_size=16, callbacks=[diag])
    assert diag.findings == []


def test_two_judges_are_named_for_keras_batch_norm_in_a_frozen_discriminator():
    keras.utils.set_random_seed(0)
    g, d = small_models(True)  # Keras' own BatchNormalization
    norm = next(layer for layer in d.layers if isinstance(layer, keras.layers.BatchNormalization))
    norm.moving_mean.assign(np.full(norm.moving_mean.shape, 3.0, "float32"))  # frozen: normalised by these
    diag = watch(GANTrainer(g, d, seed=0), every=1, images=tiny_images())
    diag.on_train_begin()
    for _ in range(3):
        diag.step += 1
        diag.inspect()
    assert "two_judges" in [f["name"] for f in diag.findings]
    keras.utils.set_random_seed(0)
    g, d = small_models("gan")  # the package's: one judge
    diag = watch(GANTrainer(g, d, seed=0), every=1, images=tiny_images())
    diag.on_train_begin()
    for _ in range(3):
        diag.inspect()
    assert "two_judges" not in [f["name"] for f in diag.findings]


def test_findings_reach_history_json(tmp_path):
    from gan_keras import run

    g, d = tiny_models(0)
    run.fit(FrozenForGood(g, d, seed=0), tiny_images(), out_dir=tmp_path, steps=400, batch_size=16, progress=False)
    saved = json.loads((tmp_path / "history.json").read_text())["findings"]
    assert [f["name"] for f in saved] == ["d_not_training"] and saved[0]["step"] == 400
