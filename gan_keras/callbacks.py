"""What happens around a training run, as Keras callbacks for ``GANTrainer.train`` and ``GAN.fit``.

``GANTrainer.train(images, ..., callbacks=[...])`` calls each callback's ``set_model(trainer)``,
``on_train_begin({"steps": total})``, ``on_train_batch_end(step, logs)`` after every step
(``logs``: ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``) and ``on_train_end``. A callback's
``every`` attribute says at which steps it reads the weights (None: never), so that the fast
path (``gan_keras.fast``) ends its compiled chunks of steps there; a callback without it is
treated as needing them after every step. ``keras.callbacks.LambdaCallback`` works as well.
Keras' ``fit`` (``gan_keras.GAN``) passes the batch number within the epoch instead of the step:
``StepCallback`` counts the run's steps either way, and the callbacks here build on it.
"""

import collections
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


class StepCallback(keras.callbacks.Callback):
    """A callback that knows the run's step ``self.step`` and length ``self.total`` (in steps), under
    ``GANTrainer.train`` (which passes them) and under Keras' ``fit`` (counted here, ``steps_per_execution``
    at a time). ``self.watched`` is the model without Keras' JAX state sync: read settings from it, weights
    from ``self.model``."""

    def set_model(self, model):
        super().set_model(model)
        self.watched = model

    def on_train_begin(self, logs=None):
        self.step = self.watched.step
        fit = self.params or {}
        self.total = logs["steps"] if logs and "steps" in logs else fit.get("epochs", 0) * (fit.get("steps") or 0)

    def count(self, step):
        """The run's step after this batch; ``step``: ``GANTrainer``'s step, or ``fit``'s batch number."""
        if isinstance(self.watched, keras.Model):
            self.step += getattr(self.watched, "steps_per_execution", 1) or 1
        else:
            self.step = step
        return self.step


class StopOnNonFinite(StepCallback):
    """Raise ``NonFiniteLossError`` at the first NaN or infinite loss or D output."""

    every = None

    def __init__(self, out_dir=None):
        super().__init__()
        self.out_dir = out_dir

    def on_train_batch_end(self, step, logs=None):
        step = self.count(step)
        bad = [key for key, value in logs.items() if not math.isfinite(value)]
        if bad:
            last = checkpoints.latest_checkpoint(self.out_dir) if self.out_dir else None
            raise NonFiniteLossError(
                f"{', '.join(bad)} became {logs[bad[0]]} at step {step}; training stopped. Last good "
                f"checkpoint: {last or 'none'}. Lower the learning rate or check the data.")


class Progress(StepCallback):
    """Keras' progress bar on a terminal; elsewhere (files, notebooks) a plain line at the first step
    and at every multiple of ``percent`` % of the run (the steps the sample grids are named after)."""

    every = None

    def __init__(self, percent=10, interactive=None, stream=None):
        super().__init__()
        self.percent, self.stream = percent, stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.start, self.first = time.perf_counter(), self.step
        self.interval = max(1, int(self.total * self.percent // 100))  # as the CLI's grids: steps // 10
        self.next = self.first + 1  # a first line at once, then at multiples of the interval
        self.bar = None
        if self.interactive:
            self.bar = keras.utils.Progbar(self.total, stateful_metrics=["d_loss", "g_loss", "d_real", "d_fake"])
            self.bar.update(self.first)

    def on_train_batch_end(self, step, logs=None):
        step = self.count(step)
        logs = {key: float(value) for key, value in logs.items()}
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


class TensorBoard(StepCallback):
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
        super().on_train_begin(logs)
        self.scalar_every = self.scalar_every or max(1, self.total // 200)
        self.sums, self.summed = {}, 0

    def on_train_batch_end(self, step, logs=None):
        step = self.count(step)
        for key, value in logs.items():
            self.sums[key] = self.sums.get(key, 0.0) + float(value)
        self.summed += 1
        if step % self.scalar_every == 0:
            self.write_scalars(step)
        if step % self.every == 0:
            self.write_pictures(step)

    def on_train_end(self, logs=None):
        step = self.step
        if self.summed:
            self.write_scalars(step)
        if step % self.every:
            self.write_pictures(step)
        self.writer.flush()
        self.writer.close()

    def write_scalars(self, step):
        names = {"d_loss": "loss/d", "g_loss": "loss/g", "d_real": "d_output/real", "d_fake": "d_output/generated"}
        with self.writer.as_default(step=step):
            for key, total in self.sums.items():
                self.tf.summary.scalar(names.get(key, key), total / self.summed)
        self.sums, self.summed = {}, 0

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


class DiscriminatorGap(StepCallback):
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
        return self.measure_on(self.model)

    def measure_on(self, trainer):
        """``measure`` for ``trainer`` (a ``GANTrainer`` or a ``gan_keras.GAN``)."""
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
        if self.count(step) % self.every == 0:
            step = self.step
            trained, frozen = self.measure()
            self.steps.append(step)
            self.trained.append(trained)
            self.frozen.append(frozen)


class SampleGrids(StepCallback):
    """Save a grid of the same noise vectors' samples every ``every`` steps and at the end."""

    def __init__(self, out_dir, every=0):
        super().__init__()
        self.out_dir, self.every, self.last = out_dir, int(every) or None, None

    def on_train_batch_end(self, step, logs=None):
        if self.every and self.count(step) % self.every == 0:
            self.last = save_samples(self.model, self.out_dir)

    def on_train_end(self, logs=None):
        if not (self.every and self.step % self.every == 0):
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



class Diagnostics(StepCallback):
    """Names a failing GAN while it trains: each finding once, as one line with its numbers and the notebook
    section that teaches it. Works with ``GANTrainer.train`` / ``run.fit`` and with ``gan_keras.GAN.fit``.

    From every step's logs (nothing more on the hot path), over the last ``window`` steps:

    * ``d_wins``: mean D(G(z)) below 0.05 and D(x) above 0.9 (objective "gan"), G's loss high and not falling;
    * ``critic_flat``: a WGAN critic's estimate E D(x) - E D(G(z)) within 0.005 of 0, or beyond 1,000;
    * ``non_finite``: a NaN or infinite loss or output, at once.

    Every ``every`` steps, on ``n`` fixed noise vectors and the weights of the moment (no weight or statistic
    changes):

    * ``collapse``: G's samples vary less than ``collapse_ratio`` (0.3) times as much as ``images`` (the mean
      distance between two images of a batch) and less than half as much as they did at their most varied in
      this run; or, after the first 2,000 steps (and tenth of the run), less than 0.1 times as much (a G that
      never varied: an untrained G maps every z to nearly the same image). Without ``images``, nothing is compared;
    * ``two_judges``: for a D with batch normalisation, D being trained and D frozen (as inside the combined
      model) give G's samples mean P(real) more than 0.1 apart at three measurements in a row;
    * ``d_not_training``: D's (or G's) weights are the same as at the last measurement (the Keras 3 frozen trap).

    ``findings``: list of ``{"step", "name", "message"}``. images: float32 (N, H, W, C) in G's range (256 are
    used); stream: where the lines go (stdout); log_dir: also written there as TensorBoard text.
    """

    TEACHES = {"d_wins": "notebook 01, section 3 (saturating versus non-saturating loss), and notebook 02, "
                         "'Label noise and label smoothing'",
               "collapse": "notebook 06, 'Samples' (LSGAN's collapse), and notebook 05, section 3 (mode coverage)",
               "two_judges": "notebook 03, 'A pitfall: batch norm in a frozen network'",
               "d_not_training": "notebook 02, 'The Keras 3 pitfall: a frozen discriminator that never learns'",
               "critic_flat": "notebook 08, 'WGAN with weight clipping: does the critic's estimate follow the "
                              "samples?'",
               "non_finite": "notebook 04, 'Losses and D's mean outputs'; lower the learning rate"}
    collapse_ratio = 0.3

    def __init__(self, images=None, every=200, window=200, n=256, seed=0, stream=None, log_dir=None):
        super().__init__()
        self.every, self.window, self.n, self.seed = int(every), int(window), int(n), seed
        self.stream, self.log_dir, self.findings = stream or sys.stdout, log_dir, []
        self.real = None if images is None else np.asarray(images[:: max(1, len(images) // self.n)][: self.n])

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        t = self.watched
        self.recent, self.gaps, self.last, self.best = collections.deque(maxlen=2 * self.window), [], None, 0.0
        self.said = {f["name"] for f in self.findings}
        self.critic = t.objective.name in ("wgan", "wgan-gp")
        self.judges = t.objective.probabilities and len(t.generator.inputs) == 1 and any(
            isinstance(layer, keras.layers.BatchNormalization) for layer in t.discriminator._flatten_layers())
        self.spread = None if self.real is None else spread(self.real)
        self.gap = DiscriminatorGap(self.every, self.n, self.seed) if self.judges else None

    def on_train_batch_end(self, step, logs=None):
        self.count(step)
        values = {key: float(logs[key]) for key in ("d_loss", "g_loss", "d_real", "d_fake") if key in logs}
        bad = [key for key, value in values.items() if not math.isfinite(value)]
        if bad:
            return self.report("non_finite", f"{', '.join(bad)} = {values[bad[0]]}")
        self.recent.append(values)
        if len(self.recent) == 2 * self.window and self.step % max(1, self.window // 4) == 0:
            self.read_logs()
        if self.every and self.step % self.every == 0:
            self.inspect()

    def read_logs(self):
        rows = list(self.recent)
        before, last = rows[:self.window], rows[self.window:]
        mean = lambda rows, key: float(np.mean([r[key] for r in rows]))  # noqa: E731
        if self.watched.objective.probabilities:
            fake, real, g_now, g_before = (mean(last, "d_fake"), mean(last, "d_real"), mean(last, "g_loss"),
                                           mean(before, "g_loss"))
            if fake < 0.05 and real > 0.9 and g_now > 2.3 and g_now >= 0.9 * g_before:
                self.report("d_wins", f"over the last {self.window} steps mean D(G(z)) {fake:.3f}, D(x) {real:.3f}, "
                            f"G's loss {g_now:.2f} (before: {g_before:.2f}): D rejects every fake, G learns little")
        elif self.critic:
            estimate = mean(last, "d_real") - mean(last, "d_fake")
            if abs(estimate) < 0.005 or abs(estimate) > 1000:
                self.report("critic_flat", f"the critic's estimate E D(x) - E D(G(z)) is {estimate:.4g} over the last "
                            f"{self.window} steps: {'stuck near 0' if abs(estimate) < 0.005 else 'exploding'}")

    def inspect(self):
        t = self.model  # (on JAX this syncs Keras' state into the variables)
        samples = t.generate(self.n, seed=self.seed)
        if self.spread is not None:
            ratio = spread(samples) / self.spread
            self.best = max(self.best, ratio)
            lost = ratio < self.collapse_ratio and ratio < 0.5 * self.best
            never = ratio < 0.1 and self.step >= max(2000, self.total // 10)
            if lost or never:
                self.report("collapse", f"G's samples of {self.n} fixed noise vectors vary {ratio:.2f} times as much "
                            f"as the training images (at most {self.best:.2f} earlier in the run): they are nearly "
                            "all alike")
        prints = [weight_print(t.discriminator), weight_print(t.generator)]
        if self.last is not None:
            for name, new, old in zip(("D", "G"), prints, self.last):
                if np.array_equal(new, old):
                    self.report("d_not_training", f"{name}'s weights did not change over the last {self.every} "
                                "steps: its update trains nothing (is it frozen for its own update?)")
        self.last = prints
        if self.judges:
            trained, frozen = self.gap.measure_on(t)
            self.gaps = self.gaps[-2:] + [abs(trained - frozen)]
            if len(self.gaps) == 3 and min(self.gaps) > 0.1:
                self.report("two_judges", f"D being trained gives G's samples P(real) {trained:.2f}, D frozen "
                            f"(the judge of G's update) {frozen:.2f}: batch norm makes them two discriminators")

    def report(self, name, message):
        if name in self.said:
            return
        self.said.add(name)
        finding = {"step": int(self.step), "name": name, "message": f"{message}; see {self.TEACHES[name]}"}
        self.findings.append(finding)
        print(f"[gan_keras] step {finding['step']}: {name}: {finding['message']}", file=self.stream, flush=True)
        if self.log_dir is not None and importlib.util.find_spec("tensorflow") is not None:
            import tensorflow as tf

            with tf.summary.create_file_writer(str(self.log_dir)).as_default(step=finding["step"]):
                tf.summary.text("diagnostics", f"{name}: {finding['message']}")


def spread(images):
    """Mean Euclidean distance between two different images of a batch (N, ...) -- how varied the batch is."""
    x = np.asarray(images, np.float64).reshape(len(images), -1)
    squared = np.sum(x * x, axis=1)
    d2 = np.maximum(squared[:, None] + squared[None, :] - 2.0 * x @ x.T, 0.0)
    return float(np.sqrt(d2)[~np.eye(len(x), dtype=bool)].mean())


def weight_print(model):
    """A few values of each of a network's weights (batch-norm statistics too, random states not): equal
    only if the network did not move."""
    weights = [v for v in model.weights if not v.path.endswith("seed_generator_state")]
    return np.concatenate([np.ravel(keras.ops.convert_to_numpy(v))[:64] for v in weights])
