"""What happens around a training run, as Keras callbacks for ``GANTrainer.train``.

``GANTrainer.train(images, ..., callbacks=[...])`` calls each callback's ``set_model(trainer)``,
``on_train_begin({"steps": total})``, ``on_train_batch_end(step, logs)`` after every step
(``logs``: ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``) and ``on_train_end``. A callback's
``every`` attribute says at which steps it reads the weights (None: never), so that the fast
path (``gan_keras.fast``) ends its compiled chunks of steps there; a callback without it is
treated as needing them after every step. ``keras.callbacks.LambdaCallback`` works as well.
"""

import math
import sys
import time
from pathlib import Path

import keras

from . import checkpoints
from .training import Stream, sample_latent


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the checkpoints on disk are from before it."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Raise ``NonFiniteLossError`` at the first NaN or infinite loss or D output."""

    every = None

    def __init__(self, out_dir=None):
        super().__init__()
        self.out_dir = out_dir

    def on_train_batch_end(self, step, logs=None):
        bad = [key for key, value in logs.items() if not math.isfinite(value)]
        if bad:
            last = checkpoints.latest_checkpoint(self.out_dir) if self.out_dir else None
            raise NonFiniteLossError(
                f"{', '.join(bad)} became {logs[bad[0]]} at step {step}; training stopped. Last good "
                f"checkpoint: {last or 'none'}. Lower the learning rate or check the data.")


class Progress(keras.callbacks.Callback):
    """Keras' progress bar on a terminal; a plain line every ``percent`` % elsewhere (files, notebooks)."""

    every = None

    def __init__(self, percent=10, interactive=None, stream=None):
        super().__init__()
        self.percent, self.stream = percent, stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def on_train_begin(self, logs=None):
        self.total, self.start, self.first = logs["steps"], time.perf_counter(), self.model.step
        self.next = self.first + 1
        self.bar = None
        if self.interactive:
            self.bar = keras.utils.Progbar(self.total, stateful_metrics=list(self.model.history)[1:])
            self.bar.update(self.first)

    def on_train_batch_end(self, step, logs=None):
        if self.bar is not None:
            self.bar.update(step, values=list(logs.items()))
            return
        if step >= self.next or step == self.total:
            rate = (step - self.first) / max(time.perf_counter() - self.start, 1e-9)
            values = "  ".join(f"{key} {value:.3f}" for key, value in logs.items())
            print(f"step {step}/{self.total} ({100 * step / self.total:.0f} %, {rate:.1f} steps/s)  {values}",
                  file=self.stream, flush=True)
            self.next = step + max(1, math.ceil(self.total * self.percent / 100))


def grid_inputs(trainer):
    """G's inputs for the sample grids: 64 fixed noise vectors (a conditional trainer: its own)."""
    if hasattr(trainer, "grid_inputs"):
        return trainer.grid_inputs()
    return sample_latent(trainer.rng(Stream.SAMPLE_GRID), 64, trainer.latent_dim, trainer.latent_distribution)


def save_samples(trainer, out_dir):
    """Write the grid of the fixed-noise samples to ``out_dir/samples/step_XXXXXXX.png``; its path."""
    from .plots import save_image_grid

    trainer.sync()
    images = keras.ops.convert_to_numpy(trainer.generator.predict_on_batch(grid_inputs(trainer)))
    return save_image_grid(images, Path(out_dir) / "samples" / f"step_{trainer.step:07d}.png",
                           value_range=trainer.value_range, ncols=10 if hasattr(trainer, "grid_inputs") else None)


class SampleGrids(keras.callbacks.Callback):
    """Save a grid of the same noise vectors' samples every ``every`` steps and at the end."""

    def __init__(self, out_dir, every=0):
        super().__init__()
        self.out_dir, self.every, self.last = out_dir, int(every) or None, None

    def on_train_batch_end(self, step, logs=None):
        if self.every and step % self.every == 0:
            self.last = save_samples(self.model, self.out_dir)

    def on_train_end(self, logs=None):
        if not (self.every and self.model.step % self.every == 0):
            self.last = save_samples(self.model, self.out_dir)


class Checkpoints(keras.callbacks.Callback):
    """Write a checkpoint and ``history.json`` every ``every`` steps and at the end (keep ``keep``)."""

    def __init__(self, out_dir, every=0, keep=2, meta=None):
        super().__init__()
        self.out_dir, self.every, self.keep, self.meta = out_dir, int(every) or None, keep, meta

    def save(self):
        return checkpoints.save_trainer(self.model, self.out_dir, keep=self.keep, meta=self.meta)

    def on_train_batch_end(self, step, logs=None):
        if self.every and step % self.every == 0:
            self.save()

    def on_train_end(self, logs=None):
        if not (self.every and self.model.step % self.every == 0):
            self.save()

