"""What happens around a training run, as Keras callbacks for ``GANTrainer.train``.

``GANTrainer.train(images, ..., callbacks=[...])`` calls each callback's ``set_model(trainer)``,
``on_train_begin({"steps": total})``, ``on_train_batch_end(step, logs)`` after every step
(``logs``: ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``) and ``on_train_end``. A callback's
``every`` attribute says at which steps it reads the weights (None: never), so that the fast
path (``gan_keras.fast``) ends its compiled chunks of steps there; a callback without it is
treated as needing them after every step. ``keras.callbacks.LambdaCallback`` works as well.
"""

import contextlib
import importlib.util
import math
import sys
import time
from pathlib import Path

import keras
import numpy as np

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
    """Keras' progress bar on a terminal; elsewhere (files, notebooks) a plain line at the first step
    and at every multiple of ``percent`` % of the run (the steps the sample grids are named after)."""

    every = None

    def __init__(self, percent=10, interactive=None, stream=None):
        super().__init__()
        self.percent, self.stream = percent, stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def on_train_begin(self, logs=None):
        self.total, self.start, self.first = logs["steps"], time.perf_counter(), self.model.step
        self.interval = max(1, int(self.total * self.percent // 100))  # as the CLI's grids: steps // 10
        self.next = self.first + 1  # a first line at once, then at multiples of the interval
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
            self.next = (step // self.interval + 1) * self.interval


def grid_inputs(trainer):
    """G's inputs for the sample grids: 64 fixed noise vectors (a conditional trainer: its own)."""
    if hasattr(trainer, "grid_inputs"):
        return trainer.grid_inputs()
    return sample_latent(trainer.rng(Stream.SAMPLE_GRID), 64, trainer.latent_dim, trainer.latent_distribution)


def save_samples(trainer, out_dir):
    """Write the grid of the fixed-noise samples to ``out_dir/samples/step_XXXXXXX.png``; its path."""
    from .plots import save_image_grid

    images = keras.ops.convert_to_numpy(trainer.generator.predict_on_batch(grid_inputs(trainer)))
    return save_image_grid(images, Path(out_dir) / "samples" / f"step_{trainer.step:07d}.png",
                           value_range=trainer.value_range, ncols=10 if hasattr(trainer, "grid_inputs") else None)


def d_on_real_and_generated(trainer, images, labels=None, n=50, seed=0):
    """D's outputs (inference mode) on ``n`` of ``images`` and on ``n`` generated images: (real, fake, fakes).

    real, fake: float32 (n,), P(real) for objective "gan", the raw score for the critics. fakes: the
    generated images, codes 0, 1, ... in turn for a generator with a code input. labels: the images'
    classes, needed by a conditional D (None otherwise).
    """
    import numpy as np

    pick = np.random.default_rng(seed).choice(len(images), n, replace=False)
    codes = np.arange(n) % trainer.code_dim if hasattr(trainer, "code_dim") else None
    fakes = trainer.generate(n, seed=seed) if codes is None else trainer.generate(n, seed=seed, labels=codes)
    if labels is not None:
        return trainer.realness(images[pick], labels[pick]), trainer.realness(fakes, codes), fakes
    return trainer.realness(images[pick]), trainer.realness(fakes), fakes


class TensorBoard(keras.callbacks.Callback):
    """A run as TensorBoard sees it (``tensorboard --logdir LOG_DIR``, or ``%tensorboard`` in a notebook).

    Scalars every ``scalar_every`` steps (default: 200 points over the run), each the mean since the
    last write: ``loss/d``, ``loss/g``, ``d_output/real`` (mean D(x)) and ``d_output/generated``
    (mean D(G(z))), in training mode like the history. Every ``every`` steps and at the end:
    histograms ``d_histogram/real`` and ``d_histogram/generated`` of D's output in inference mode
    on ``n`` of ``images`` and ``n`` generated images, and ``samples``, the grid of the run's fixed
    noise vectors. images: float32 (N, H, W, C) in the generator's range; labels: their classes for
    a conditional D. Written with TensorFlow's ``tf.summary``, under any Keras backend (TensorFlow
    must be installed).
    """

    def __init__(self, log_dir, images, every, n=256, scalar_every=None, labels=None):
        super().__init__()
        self.log_dir, self.images, self.labels = str(log_dir), images, labels
        self.every, self.n, self.scalar_every = max(1, int(every)), min(int(n), len(images)), scalar_every
        self.writer, self.sums = None, {}

    def on_train_begin(self, logs=None):
        missing = [name for name in ("tensorflow", "tensorboard") if importlib.util.find_spec(name) is None]
        if missing:
            raise ImportError(f"TensorBoard logging writes with TensorFlow's tf.summary: pip install "
                              f"{' '.join(missing)} (the Keras backend can stay as it is)")
        import tensorflow as tf

        if keras.backend.backend() != "tensorflow":  # leave any GPU to the backend that trains
            with contextlib.suppress(RuntimeError):  # raised once TensorFlow has set up its devices
                tf.config.set_visible_devices([], "GPU")
        self.tf = tf
        self.writer = tf.summary.create_file_writer(self.log_dir)
        self.scalar_every = self.scalar_every or max(1, logs["steps"] // 200)
        self.sums, self.count = {}, 0

    def on_train_batch_end(self, step, logs=None):
        for key, value in logs.items():
            self.sums[key] = self.sums.get(key, 0.0) + value
        self.count += 1
        if step % self.scalar_every == 0:
            self.write_scalars(step)
        if step % self.every == 0:
            self.write_pictures(step)

    def on_train_end(self, logs=None):
        step = self.model.step
        if self.count:
            self.write_scalars(step)
        if step % self.every:
            self.write_pictures(step)
        self.writer.flush()
        self.writer.close()

    def write_scalars(self, step):
        names = {"d_loss": "loss/d", "g_loss": "loss/g", "d_real": "d_output/real", "d_fake": "d_output/generated"}
        with self.writer.as_default(step=step):
            for key, total in self.sums.items():
                self.tf.summary.scalar(names.get(key, key), total / self.count)
        self.sums, self.count = {}, 0

    def write_pictures(self, step):
        from .plots import image_grid

        real, fake, _ = d_on_real_and_generated(self.model, self.images, self.labels, self.n)
        grid = image_grid(keras.ops.convert_to_numpy(self.model.generator.predict_on_batch(grid_inputs(self.model))),
                          self.model.value_range, ncols=10 if hasattr(self.model, "grid_inputs") else None)
        with self.writer.as_default(step=step):
            self.tf.summary.histogram("d_histogram/real", real)
            self.tf.summary.histogram("d_histogram/generated", fake)
            self.tf.summary.image("samples", grid[None])
        self.writer.flush()


class DiscriminatorGap(keras.callbacks.Callback):
    """Every ``every`` steps: is the D that judges G's update the D being trained?

    On ``n`` fixed noise vectors, G's samples (G in training mode, as in its own update) get a
    mean probability of "real" from D as it trains (trainable, training mode) -> ``trained``
    and from D frozen, as inside the combined model ``D(G(z))`` -> ``frozen``; nothing changes
    (no weight, no batch-norm statistic). With Keras' BatchNormalization in D the two differ
    (a frozen layer normalises with its moving statistics); with
    ``models.GANBatchNormalization``, or without batch norm, they are equal (dropout aside:
    give D none, or the masks differ). ``steps``, ``trained``, ``frozen``: lists, one entry per
    measurement. Unconditional GANs with a sigmoid D.
    """

    def __init__(self, every, n=256, seed=0):
        super().__init__()
        self.every, self.n, self.seed = int(every), int(n), seed
        self.steps, self.trained, self.frozen = [], [], []
        self.z = None  # the fixed noise, drawn at the first measurement

    def measure(self):
        """(mean P(real) from D being trained, from D frozen) of the fixed noise's samples."""
        trainer = self.model
        g, d = trainer.generator, trainer.discriminator
        if self.z is None:
            rng = np.random.default_rng([self.seed, Stream.GENERATE])
            self.z = keras.ops.convert_to_tensor(
                sample_latent(rng, self.n, trainer.latent_dim, trainer.latent_distribution))
        z = self.z
        flags = g.trainable, d.trainable
        g.trainable = True
        fakes, _ = g.stateless_call(g.trainable_variables, g.non_trainable_variables, z, training=True)
        means = []
        for flag in (True, False):
            d.trainable = flag
            p, _ = d.stateless_call(d.trainable_variables, d.non_trainable_variables, fakes, training=True)
            means.append(float(keras.ops.convert_to_numpy(keras.ops.mean(p))))
        g.trainable, d.trainable = flags
        return tuple(means)

    def on_train_batch_end(self, step, logs=None):
        if step % self.every == 0:
            trained, frozen = self.measure()
            self.steps.append(step)
            self.trained.append(trained)
            self.frozen.append(frozen)


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

