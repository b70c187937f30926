"""The callbacks around a run: progress lines and TensorBoard event files."""

import io

import numpy as np
import pytest

from gan_keras.callbacks import Progress, TensorBoard, d_on_real_and_generated

from .helpers import tiny_images, tiny_trainer


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
