"""Goodfellow et al.'s Algorithm 1 with Keras' ``train_on_batch``, done right for Keras 3.

One *step* is one iteration of Algorithm 1: ``k`` discriminator updates, each on a fresh
minibatch of ``batch_size`` real images and as many generated ones, then one generator
update. Two compiled models share G's and D's layers:

* ``d_step_model``: ``[x, z] -> [D(x), D(G(z))]`` with G frozen, trained towards
  (real label, fake label): one ``train_on_batch`` per D update, fakes made inside;
* ``gan``: ``z -> D(G(z))`` with D frozen, trained towards the real label
  (non-saturating loss) or away from the fake label (minimax loss).

Keras 3 reads ``trainable`` at every step (Keras 2 froze it at compile time), so the
classic recipe -- freeze D once, compile the GAN, call ``D.train_on_batch`` -- never
updates D. ``GANTrainer`` sets the flags before each call: D trainable and G frozen for
the D update, the other way round for the G update. A frozen network's
BatchNormalization layers run in inference mode (moving statistics); Dropout stays on.

History (one entry per step, floats): ``d_loss`` (real + fake BCE of the D update, mean
over the k updates), ``g_loss``, ``d_real`` and ``d_fake``: the mean probability that D
gives "real" to the real and to the generated minibatch, during D's update (training
mode, so with dropout). With ``real_label=0`` (seed 004's convention, D outputs
P(generated)) they are still P(real), i.e. ``1 - D``.

Randomness is a pure function of ``(seed, step)``: data order, noise and label noise of a
step do not depend on how the run got there, so a resumed run repeats an uninterrupted one.

Variants: ``objective`` picks the loss family (``gan_keras.objectives``: "gan", "lsgan",
"wgan", "wgan-gp"). A generator with a second input ``code`` (B, n) one-hot makes a
conditional GAN when D takes ``[image, code]`` too (``train(images, labels=...)``: real
images come with their labels, fakes with random ones), or an InfoGAN when D has a
second output, Q's logits (B, n), trained with weight ``info_weight`` towards the code
(by D's update, on the fakes) and by G's update; ``g_loss`` then includes that term.
"""

import contextlib
import json
import signal
import threading
import time
from pathlib import Path

import keras
import numpy as np

from . import checkpoints, objectives
from .losses import binary_crossentropy, code_crossentropy, mean_prediction, minimax_generator_loss
from .models import build_discriminator_step, build_gan, output_range

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake")
GENERATOR_LOSSES = ("non_saturating", "minimax")
LATENT_DISTRIBUTIONS = ("normal", "uniform")


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the checkpoints on disk are from before it."""


def sample_latent(rng, n, dim, distribution="normal"):
    """float32 (n, dim) noise: N(0, I) or uniform on [-sqrt 3, sqrt 3] (unit variance)."""
    if distribution == "normal":
        return rng.standard_normal((n, dim), dtype=np.float32)
    if distribution == "uniform":
        s = np.float32(np.sqrt(3.0))
        return rng.uniform(-s, s, (n, dim)).astype(np.float32)
    raise ValueError(f"latent_distribution must be one of {LATENT_DISTRIBUTIONS}, got {distribution!r}")


def one_hot(labels, n):
    """float32 (N, n) one-hot rows of int labels (N,) in [0, n)."""
    return np.eye(n, dtype=np.float32)[np.asarray(labels)]


def check_labels(labels, n_images, n_classes):
    """Validate class labels of the training images: ints (N,) in [0, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n_images:
        raise ValueError(f"labels must have shape ({n_images},), one per image, got {labels.shape}")
    if labels.dtype.kind not in "iu" or (len(labels) and (labels.min() < 0 or labels.max() >= n_classes)):
        raise ValueError(f"labels must be ints in [0, {n_classes}), got dtype {labels.dtype}, "
                         f"range [{labels.min()}, {labels.max()}]")
    return labels.astype(np.int64)


def check_images(images, image_shape, value_range, batch_size):
    """Validate training images; return them as float32. Raises ValueError saying what is wrong.

    images: (N, H, W, C) with (H, W, C) == image_shape, N >= batch_size, finite, values
    inside value_range (the generator's output range).
    """
    images = np.asarray(images)
    if images.dtype.kind not in "fiu":
        raise ValueError(f"images must be numeric, got dtype {images.dtype}")
    if images.ndim != 4:
        raise ValueError(f"images must be 4-D (N, H, W, C) with (H, W, C) = {tuple(image_shape)}, "
                         f"got shape {images.shape}")
    if tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"images have shape (N, H, W, C) = {images.shape}, but the models expect "
                         f"(N, {', '.join(map(str, image_shape))})")
    if len(images) == 0:
        raise ValueError("images is empty: got 0 images")
    if len(images) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {len(images)} images given")
    images = images.astype(np.float32, copy=False)
    bad = np.size(images) - np.count_nonzero(np.isfinite(images))
    if bad:
        raise ValueError(f"images contain {bad} NaN or infinite values")
    lo, hi = value_range
    mn, mx = float(images.min()), float(images.max())
    if mn < lo - 1e-3 or mx > hi + 1e-3:
        raise ValueError(
            f"image values lie in [{mn:g}, {mx:g}] but the generator outputs [{lo:g}, {hi:g}]; "
            "scale the data to that range (uint8 pixels: x / 127.5 - 1 for [-1, 1], x / 255 for "
            "[0, 1]; the gan_keras.data loaders take value_range=...)")
    return images


@contextlib.contextmanager
def _deferred_interrupt():
    """Hold Ctrl-C (SIGINT) until the current step ends; yields a flag list."""
    flag = []
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag:  # second Ctrl-C: stop at once
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        flag.append(signum)

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class GANTrainer:
    """Trains ``generator`` and ``discriminator`` by Algorithm 1 (k D steps per G step).

    Args:
        generator: Model ``z (B, latent_dim) -> images (B, H, W, C)``.
        discriminator: Model ``images -> (B, 1)`` probabilities.
        d_optimizer, g_optimizer: Keras optimizers (default Adam(2e-4) each, seed 001).
        k: discriminator updates per generator update (the paper used 1).
        generator_loss: "non_saturating" (maximise log D(G(z)), default) or "minimax"
            (minimise log(1 - D(G(z))), the saturating form of the value function).
        real_label: 1 (seed 001: D outputs P(real)) or 0 (seed 004: D outputs P(fake)).
        label_noise: add ``label_noise * U[0, 1)`` to every D target (seed 004 uses 0.05).
        label_smoothing: one-sided smoothing, real targets move this far towards 0.5.
        latent_distribution: "normal" (N(0, I)) or "uniform" (U[-sqrt 3, sqrt 3], the paper).
        value_range: (lo, hi) of G's output; read from its last activation when None.
        seed: seeds data order, noise and label noise (model init is seeded by whoever
            builds the models, e.g. ``keras.utils.set_random_seed``).
        fast: use the fused one-function-per-step path (``gan_keras.fast``) instead of
            ``train_on_batch``; same history keys and checkpoints.
        objective: "gan" (default), "lsgan", "wgan" or "wgan-gp" (``gan_keras.objectives``);
            the others need real_label=1, no label noise or smoothing, and G's default loss.
        info_weight: weight of InfoGAN's code cross-entropy (D with a second output).
    """

    def __init__(self, generator, discriminator, *, d_optimizer=None, g_optimizer=None, k=1,
                 generator_loss="non_saturating", real_label=1, label_noise=0.0,
                 label_smoothing=0.0, latent_distribution="normal", value_range=None, seed=0,
                 fast=False, objective="gan", info_weight=1.0):
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k (discriminator steps per generator step) must be an int >= 1, got {k!r}")
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}")
        if real_label not in (0, 1):
            raise ValueError(f"real_label must be 1 or 0, got {real_label!r}")
        if not 0.0 <= label_noise < 1.0:
            raise ValueError(f"label_noise must be in [0, 1), got {label_noise!r}")
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing!r}")
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(f"latent_distribution must be one of {LATENT_DISTRIBUTIONS}, "
                             f"got {latent_distribution!r}")
        self.objective = objectives.get(objective)
        if self.objective.name != "gan" and (generator_loss != "non_saturating" or real_label != 1
                                             or label_noise or label_smoothing):
            raise ValueError(f"objective {self.objective.name!r} fixes its own losses and targets: "
                             "leave generator_loss, real_label, label_noise and label_smoothing at "
                             "their defaults")
        if self.objective.gradient_penalty and not fast:
            raise ValueError(f"objective {self.objective.name!r} needs gradients with respect to D's "
                             "input, which train_on_batch cannot take: use fast=True")
        self.code_dim = int(generator.inputs[1].shape[-1]) if len(generator.inputs) == 2 else 0
        self.conditional = len(discriminator.inputs) == 2
        self.info = len(discriminator.outputs) == 2
        if len(generator.inputs) > 2 or len(discriminator.inputs) > 2 or len(discriminator.outputs) > 2:
            raise ValueError("G takes z or [z, code]; D takes images or [images, code] and outputs "
                             "D or [D, Q logits]")
        if bool(self.code_dim) != (self.conditional or self.info) or (self.conditional and self.info):
            raise ValueError("a generator with a code input needs either a conditional D "
                             "([images, code] -> D) or an InfoGAN D (images -> [D, Q logits]), and "
                             f"only those take codes; got G inputs {len(generator.inputs)}, D inputs "
                             f"{len(discriminator.inputs)}, D outputs {len(discriminator.outputs)}")
        if self.code_dim and fast:
            raise ValueError("fast=True trains unconditional models only; train CGAN and InfoGAN "
                             "on the teaching path (fast=False)")
        g_out, d_in = tuple(generator.output_shape[1:]), tuple(discriminator.inputs[0].shape[1:])
        if g_out != d_in:
            raise ValueError(f"generator makes images of shape {g_out}, discriminator takes {d_in}")
        if tuple(discriminator.outputs[0].shape[1:]) != (1,):
            raise ValueError(f"discriminator must output (B, 1) probabilities, "
                             f"got {discriminator.output_shape}")
        if self.info and tuple(discriminator.outputs[1].shape[1:]) != (self.code_dim,):
            raise ValueError(f"Q's output must be (B, {self.code_dim}) logits, "
                             f"got {discriminator.outputs[1].shape}")
        self.info_weight = float(info_weight)
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = g_out
        self.value_range = tuple(value_range) if value_range is not None else output_range(generator)
        self.k, self.generator_loss, self.real_label = int(k), generator_loss, int(real_label)
        self.label_noise, self.label_smoothing = float(label_noise), float(label_smoothing)
        self.latent_distribution, self.seed, self.fast = latent_distribution, int(seed), bool(fast)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4)
        self.step = 0
        self.batch_size = None
        self.history = {key: [] for key in HISTORY_KEYS}
        self.sample_z = sample_latent(np.random.default_rng([self.seed, 99]), 64,
                                      self.latent_dim, latent_distribution)
        self.sample_codes = None
        if self.code_dim:  # one row per code value, the same 10 noise vectors in every row
            self.sample_z = np.tile(self.sample_z[:10], (self.code_dim, 1))
            self.sample_codes = one_hot(np.repeat(np.arange(self.code_dim), 10), self.code_dim)

        # not keras.losses' BCE: its clip kills G's gradient (losses.py)
        d_loss = self.objective.d_loss
        d_losses, weights = [d_loss, d_loss], None
        if self.info:
            d_losses, weights = d_losses + [code_crossentropy], [1.0, 1.0, self.info_weight]
        self.d_step_model = build_discriminator_step(generator, discriminator)
        self.d_step_model.compile(optimizer=self.d_optimizer, loss=d_losses, loss_weights=weights,
                                  metrics={"real": [mean_prediction], "fake": [mean_prediction]})
        self.gan = build_gan(generator, discriminator)
        if self.objective.name != "gan":
            self.g_loss_fn = self.objective.g_loss
        else:
            self.g_loss_fn = minimax_generator_loss if generator_loss == "minimax" else binary_crossentropy
        if self.info:
            self.gan.compile(optimizer=self.g_optimizer, loss=[self.g_loss_fn, code_crossentropy],
                             loss_weights=[1.0, self.info_weight])
        else:
            self.gan.compile(optimizer=self.g_optimizer, loss=self.g_loss_fn)
        # Build both optimizers now, on exactly the variables each one updates, so that a
        # checkpoint can restore their state before the first step.
        self.set_phase("d")
        self.d_optimizer.build(discriminator.trainable_variables)
        self.set_phase("g")
        self.g_optimizer.build(generator.trainable_variables)
        self.set_phase(None)
        self._engine = None
        if self.fast:
            from .fast import make_fused_step
            self._engine = make_fused_step(self)

    # -- the Keras 3 fix ------------------------------------------------------------------
    def set_phase(self, phase):
        """'d': train D, freeze G; 'g': train G, freeze D; None: both trainable (idle)."""
        self.discriminator.trainable = phase in ("d", None)
        self.generator.trainable = phase in ("g", None)

    # -- deterministic randomness -----------------------------------------------------------
    def _rng(self, *key):
        return np.random.default_rng([self.seed, *key])

    def batch_indices(self, batch):
        """Indices of real minibatch number ``batch`` (0, 1, ...): epochs of a seeded shuffle."""
        per_epoch = self._n // self.batch_size
        epoch, pos = divmod(batch, per_epoch)
        if getattr(self, "_order", (None,))[0] != epoch:
            self._order = (epoch, self._rng(0, epoch).permutation(self._n))
        return np.sort(self._order[1][pos * self.batch_size:(pos + 1) * self.batch_size])

    def latent(self, n, *key):
        return sample_latent(self._rng(*key), n, self.latent_dim, self.latent_distribution)

    def codes(self, n, *key):
        """float32 (n, code_dim) one-hot codes of uniformly drawn classes (for G's code input)."""
        return one_hot(self._rng(*key).integers(0, self.code_dim, n), self.code_dim)

    def target_values(self):
        """(real, fake): D's targets before label noise -- the objective's, or for "gan" the
        label convention with one-sided smoothing."""
        if self.objective.name != "gan":
            return self.objective.real_target, self.objective.fake_target
        return abs(self.real_label - self.label_smoothing), 1.0 - self.real_label

    def d_targets(self, step, j):
        """(real targets, fake targets), float32 (B, 1) each, with smoothing and label noise."""
        b = self.batch_size
        real, fake = self.target_values()
        y_real = np.full((b, 1), real, np.float32)
        y_fake = np.full((b, 1), fake, np.float32)
        if self.label_noise:
            noise = self._rng(2, step, j).random((2, b, 1), dtype=np.float32)
            y_real += self.label_noise * noise[0]
            y_fake += self.label_noise * noise[1]
        return y_real, y_fake

    def g_targets(self):
        label = self.real_label if self.generator_loss == "non_saturating" else 1 - self.real_label
        if self.objective.name != "gan":
            label = self.objective.g_target
        return np.full((self.batch_size, 1), label, np.float32)

    def _p_real(self, mean_d):
        return mean_d if self.real_label == 1 else 1.0 - mean_d

    def clip_discriminator(self):
        """WGAN: clip every trainable D weight to [-c, c] (after each D update)."""
        c = self.objective.clip_value
        for v in self.discriminator.trainable_variables:
            v.assign(keras.ops.clip(v, -c, c))

    def _d_inputs(self, x, z, idx, *key):
        """The D step's inputs and extra targets for real batch x (indices idx) and noise z."""
        if not self.code_dim:
            return [x, z], []
        c = keras.ops.convert_to_tensor(self.codes(len(idx), *key))
        if self.conditional:
            return [x, z, c, keras.ops.take(self._device_codes, idx, axis=0)], []
        return [x, z, c], [c]

    # -- one step -------------------------------------------------------------------------
    def d_update(self, step, j=0):
        """Teaching path: D's j-th update of ``step`` (one ``train_on_batch``); its logs dict.

        Needs the training data on the device (``train`` puts it there, ``prepare_data`` too).
        """
        idx = self.batch_indices(step * self.k + j)
        x = keras.ops.take(self._device_images, idx, axis=0)
        z = keras.ops.convert_to_tensor(self.latent(self.batch_size, 1, step, j))  # like x: a tensor
        inputs, extra = self._d_inputs(x, z, idx, 5, step, j)
        self.set_phase("d")
        logs = self.d_step_model.train_on_batch(inputs, [*self.d_targets(step, j), *extra], return_dict=True)
        if self.objective.clip_value:
            self.clip_discriminator()
        return logs

    def g_update(self, step):
        """Teaching path: G's update of ``step`` (one ``train_on_batch`` with D frozen); its logs dict."""
        z, y = self.latent(self.batch_size, 3, step), self.g_targets()
        if self.code_dim:
            c = self.codes(self.batch_size, 6, step)
            z, y = [z, c], ([y, c] if self.info else y)
        self.set_phase("g")
        return self.gan.train_on_batch(z, y, return_dict=True)

    def prepare_data(self, images, labels=None, batch_size=None):
        """Put (already validated) images, and one-hot labels for a conditional D, on the device."""
        if batch_size is not None:
            self._n, self.batch_size = len(images), int(batch_size)
        self._device_images = keras.ops.convert_to_tensor(images)
        if labels is not None:
            self._device_codes = keras.ops.convert_to_tensor(one_hot(labels, self.code_dim))

    def _teaching_iteration(self, step, images):
        d_logs = [self.d_update(step, j) for j in range(self.k)]
        g = self.g_update(step)
        return {
            "d_loss": float(np.mean([d["loss"] for d in d_logs])),
            "g_loss": float(g["loss"]),
            "d_real": self._p_real(float(np.mean([d["real_mean_prediction"] for d in d_logs]))),
            "d_fake": self._p_real(float(np.mean([d["fake_mean_prediction"] for d in d_logs]))),
        }

    # -- training -------------------------------------------------------------------------
    def _chunk(self, step, total, sample_every, checkpoint_every, on_step):
        """Steps to run before control returns to Python: 1 on the teaching path; on the fast
        path as many as fit before the next sample grid, checkpoint or the end."""
        if self._engine is None or on_step is not None:
            return 1
        n = min(total - step, self._engine.max_chunk)
        for every in (sample_every, checkpoint_every):
            if every:
                n = min(n, every - step % every)
        return max(1, n)

    def steps_per_epoch(self, n_images, batch_size):
        """Steps that use each real image about once: N // (batch_size * k), at least 1."""
        return max(1, n_images // (batch_size * self.k))

    def train(self, images, *, labels=None, steps=None, epochs=None, batch_size=52, out_dir=None,
              sample_every=0, checkpoint_every=0, keep_checkpoints=2, resume=False,
              verbose=1, on_step=None):
        """Train until the step counter reaches ``steps`` (or ``epochs`` worth of steps).

        The counter includes steps already done (by an earlier call or a resumed
        checkpoint), so re-running the same call after an interruption finishes the same run.

        images: float32 (N, H, W, C) in the generator's output range.
        labels: int (N,) classes of ``images``, for a conditional D only.
        out_dir: where ``history.json``, ``samples/step_XXXXXXX.png`` (every
            ``sample_every`` steps) and ``checkpoints/`` (every ``checkpoint_every`` steps,
            and at the end) go; nothing is written when None.
        resume: continue from the newest checkpoint in ``out_dir`` (same step counter,
            weights, optimizer state and history); starts from scratch if there is none.
            Without it, a fresh trainer refuses an ``out_dir`` that holds checkpoints.
        on_step: called as ``on_step(trainer, logs)`` after every step.
        verbose: 1 progress bar and messages, 2 messages only, 0 silent.
        Ctrl-C is held until the running step ends; a checkpoint is then written (when
        ``out_dir`` is set) and KeyboardInterrupt re-raised. A NaN/inf loss raises
        ``NonFiniteLossError`` and writes nothing more.
        Returns ``self.history``: {key: list of float} with keys ``HISTORY_KEYS``.
        """
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        images = check_images(images, self.image_shape, self.value_range, batch_size)
        if self.conditional and labels is None:
            raise ValueError("a conditional discriminator needs the images' labels: train(images, labels=...)")
        if labels is not None and not self.conditional:
            raise ValueError("labels= is only for a conditional discriminator ([images, code] -> D)")
        if labels is not None:
            labels = check_labels(labels, len(images), self.code_dim)
        if (steps is None) == (epochs is None):
            raise ValueError("give exactly one of steps= or epochs=")
        total = steps if steps is not None else epochs * self.steps_per_epoch(len(images), batch_size)
        if not isinstance(total, (int, np.integer)) or total < 1:
            raise ValueError(f"steps/epochs must be positive ints, got steps={steps!r}, epochs={epochs!r}")
        if (resume or sample_every or checkpoint_every) and out_dir is None:
            raise ValueError("resume, sample_every and checkpoint_every need out_dir")
        if self.batch_size not in (None, batch_size) or getattr(self, "_n", len(images)) != len(images):
            raise ValueError("this trainer already trained with another batch size or dataset; "
                             "make a new GANTrainer")
        self._n, self.batch_size = len(images), int(batch_size)
        out = Path(out_dir) if out_dir is not None else None
        if out is not None and not resume and self.step == 0 and checkpoints.latest_checkpoint(out):
            raise ValueError(f"{out} holds checkpoints of an earlier run: pass resume=True to continue "
                             "it, or give another out_dir (nothing was overwritten)")
        if resume:
            path = checkpoints.latest_checkpoint(out)
            if path is not None:
                self.load_checkpoint(path)
                if verbose:
                    print(f"[gan_keras] resumed from {path} at step {self.step}")
            elif verbose:
                print(f"[gan_keras] no checkpoint in {checkpoints.checkpoint_dir(out)}; starting at step 0")
        if self.step >= total:
            if verbose:
                print(f"[gan_keras] already at step {self.step} >= {total}: nothing to train")
            return self.history
        if self._engine is not None:
            self._engine.prepare(images)
        else:  # minibatches are gathered where the model runs: no host-to-device copy per step
            self.prepare_data(images, labels)
        progbar = keras.utils.Progbar(total, stateful_metrics=HISTORY_KEYS[1:]) if verbose == 1 else None
        if progbar:
            progbar.update(self.step)
        start = time.perf_counter()
        try:
            with _deferred_interrupt() as interrupted:
                while self.step < total and not interrupted:
                    t = self.step
                    n = self._chunk(t, total, sample_every, checkpoint_every, on_step)
                    if self._engine is not None:
                        chunk = self._engine.iterations(t, n, images)
                    else:
                        chunk = {k: [v] for k, v in self._teaching_iteration(t, images).items()}
                    for i in range(n):
                        logs = {key: float(chunk[key][i]) for key in HISTORY_KEYS[1:]}
                        bad = [key for key, v in logs.items() if not np.isfinite(v)]
                        if bad:
                            last = checkpoints.latest_checkpoint(out) if out else None
                            raise NonFiniteLossError(
                                f"{', '.join(bad)} became {logs[bad[0]]} at step {t + i + 1}; "
                                f"training stopped. Last good checkpoint: "
                                f"{last or 'none (no out_dir, or none written yet)'}. "
                                "Lower the learning rate or check the data.")
                        self.step = t + i + 1
                        self.history["step"].append(float(self.step))
                        for key in HISTORY_KEYS[1:]:
                            self.history[key].append(logs[key])
                    if progbar:
                        progbar.update(self.step, values=list(logs.items()))
                    if sample_every and self.step % sample_every == 0:
                        self.save_samples(out)
                    if checkpoint_every and self.step % checkpoint_every == 0:
                        self.save_checkpoint(out, keep=keep_checkpoints)
                    if on_step is not None:
                        self.set_phase(None)
                        self._sync()
                        on_step(self, logs)
                if interrupted:
                    if out is not None:
                        path = self.save_checkpoint(out, keep=keep_checkpoints)
                        print(f"\n[gan_keras] interrupted at step {self.step}; checkpoint {path}; "
                              "train again with resume=True to continue")
                    raise KeyboardInterrupt
        finally:
            self.set_phase(None)
            self._device_images = self._device_codes = None
            if self._engine is not None:
                self._engine.finish()
        self.wall_time = time.perf_counter() - start
        if out is not None:
            if not (checkpoint_every and self.step % checkpoint_every == 0):
                self.save_checkpoint(out, keep=keep_checkpoints)
            if not (sample_every and self.step % sample_every == 0):
                self.save_samples(out)
        return self.history

    def train_discriminator(self, images, steps, batch_size=None):
        """Only D updates, G fixed: ``steps`` minibatches drawn at random (with replacement).

        The inner loop of Algorithm 1 run on its own, e.g. to bring D close to the optimal
        D* = p_data / (p_data + p_g) for the current G (panel b of the paper's Figure 1).
        Does not advance the step counter or the history. Returns the last D loss.
        """
        if self.code_dim:
            raise ValueError("train_discriminator is for unconditional models (no code input)")
        batch_size = int(batch_size or self.batch_size or 64)
        images = check_images(images, self.image_shape, self.value_range, batch_size)
        self._sync()
        previous = self.batch_size
        self.batch_size = batch_size
        self._d_only = getattr(self, "_d_only", 0)
        try:
            self.set_phase("d")
            for _ in range(steps):
                self._d_only += 1
                rng = self._rng(4, self._d_only)
                x = images[rng.integers(0, len(images), batch_size)]
                y_real, y_fake = self.d_targets(self._d_only, 10_000)  # j = 10000: its own stream
                logs = self.d_step_model.train_on_batch(
                    [x, sample_latent(rng, batch_size, self.latent_dim, self.latent_distribution)],
                    [y_real, y_fake], return_dict=True)
                if self.objective.clip_value:
                    self.clip_discriminator()
        finally:
            self.set_phase(None)
            self.batch_size = previous
        return float(logs["loss"])

    # -- outputs --------------------------------------------------------------------------
    def generate(self, n, seed=0, labels=None):
        """n generated images, float32 (n, H, W, C) in the generator's range (inference mode).

        labels: for a generator with a code input, int (n,) classes/codes to generate
        (drawn uniformly when None); not allowed otherwise.
        """
        rng = np.random.default_rng([seed, 7])
        z = sample_latent(rng, n, self.latent_dim, self.latent_distribution)
        if labels is not None and not self.code_dim:
            raise ValueError("labels= needs a generator with a code input (CGAN, InfoGAN)")
        if self.code_dim:
            labels = rng.integers(0, self.code_dim, n) if labels is None else check_labels(labels, n, self.code_dim)
            z = [z, one_hot(labels, self.code_dim)]
        return keras.ops.convert_to_numpy(self.generator.predict(z, batch_size=256, verbose=0))

    def p_real(self, images, batch_size=256, labels=None):
        """D's output on each image, float32 (N,), inference mode (no dropout).

        The probability that it is real for objective "gan" (either label convention);
        the raw score for the others. labels: int (N,), for a conditional D.
        """
        inputs = images
        if self.conditional:
            if labels is None:
                raise ValueError("a conditional discriminator needs labels=")
            inputs = [images, one_hot(check_labels(labels, len(images), self.code_dim), self.code_dim)]
        d = self.discriminator.predict(inputs, batch_size=batch_size, verbose=0)
        d = keras.ops.convert_to_numpy(d[0] if self.info else d)[:, 0]
        return d if self.real_label == 1 else 1.0 - d

    def q_codes(self, images, batch_size=256):
        """InfoGAN: Q's most likely code for each image, int (N,)."""
        if not self.info:
            raise ValueError("q_codes needs an InfoGAN discriminator (two outputs)")
        q = self.discriminator.predict(images, batch_size=batch_size, verbose=0)[1]
        return np.argmax(keras.ops.convert_to_numpy(q), axis=-1)

    def _sync(self):
        if self._engine is not None:
            self._engine.sync_to_keras()

    def save_samples(self, out_dir):
        """Write the grid of the 64 fixed-noise samples to ``out_dir/samples/step_XXXXXXX.png``."""
        from .plots import save_image_grid

        self._sync()
        z = self.sample_z if self.sample_codes is None else [self.sample_z, self.sample_codes]
        images = keras.ops.convert_to_numpy(self.generator.predict_on_batch(z))
        return save_image_grid(images, Path(out_dir) / "samples" / f"step_{self.step:07d}.png",
                               value_range=self.value_range, ncols=10 if self.code_dim else None)

    def config(self):
        """The trainer's settings as a JSON-serialisable dict."""
        return {"k": self.k, "generator_loss": self.generator_loss, "real_label": self.real_label,
                "label_noise": self.label_noise, "label_smoothing": self.label_smoothing,
                "latent_distribution": self.latent_distribution, "latent_dim": self.latent_dim,
                "seed": self.seed, "batch_size": self.batch_size, "fast": self.fast,
                "value_range": list(self.value_range), "backend": keras.backend.backend(),
                "objective": self.objective.name, "code_dim": self.code_dim,
                "info_weight": self.info_weight}

    def _groups(self):
        return {"generator": self.generator.variables, "discriminator": self.discriminator.variables,
                "g_optimizer": self.g_optimizer.variables, "d_optimizer": self.d_optimizer.variables}

    def save_checkpoint(self, out_dir, keep=2):
        """Write ``out_dir/checkpoints/ckpt-<step>.npz`` and ``out_dir/history.json``."""
        self._sync()
        path = checkpoints.checkpoint_dir(out_dir) / f"ckpt-{self.step:07d}.npz"
        checkpoints.save(path, groups=self._groups(), step=self.step, history=self.history,
                         meta=self.config(), extra=checkpoints.backend_rng_state())
        checkpoints.prune(out_dir, keep)
        self.write_history(Path(out_dir) / "history.json")
        return path

    def load_checkpoint(self, path):
        """Restore weights, optimizer state, step counter and history from ``path``."""
        header, groups, history = checkpoints.load(path)
        meta = header["meta"]
        for key in ("k", "seed", "batch_size", "generator_loss", "real_label", "latent_dim",
                    "objective", "code_dim"):
            mine = self.config()[key]
            if key == "batch_size" and mine is None:
                continue
            if meta.get(key, {"objective": "gan", "code_dim": 0}.get(key)) != mine:
                raise ValueError(f"checkpoint {path} was written with {key}={meta.get(key)!r}, "
                                 f"this trainer has {key}={mine!r}")
        for name, variables in self._groups().items():
            checkpoints.assign(variables, groups[name], name)
        checkpoints.restore_backend_rng_state(groups)
        self.step = int(header["step"])
        self.history = {key: list(history.get(key, [])) for key in HISTORY_KEYS}
        if self._engine is not None:
            self._engine.reset()
        return header

    def write_history(self, path):
        """``{"meta": settings, "history": {key: [float]}}`` as JSON."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as f:
            json.dump({"meta": {**self.config(), "step": self.step}, "history": self.history}, f)
