"""Goodfellow et al.'s Algorithm 1 with Keras' ``train_on_batch``, done right for Keras 3.

One *step* is one iteration of Algorithm 1 (``GANTrainer.train_step``): ``k`` discriminator
updates, each on a fresh minibatch of ``batch_size`` real images and as many generated ones,
then one generator update. Two compiled models share G's and D's layers:

* ``d_model``: ``[x, z] -> [D(x), D(G(z))]`` with G frozen, trained towards (real target,
  fake target): one ``train_on_batch`` per D update. D sees the real and the generated
  minibatch separately (as in the PyTorch tutorial "GANs demystified", whose D loss is
  BCE(real) + BCE(fake)), so batch normalisation never mixes them;
* ``gan``: ``z -> D(G(z))`` with D frozen, trained towards the real target (the
  non-saturating loss -log D(G(z))) or away from the fake one (``generator_loss="minimax"``).

``update="simultaneous"`` takes the step of Goodfellow et al.'s public code instead
(``simultaneous_step``): D's and G's gradients at the same weights, from one minibatch and
one set of samples, D's loss halved.

Keras 3 reads ``trainable`` at every step (Keras 2 froze it into a model at compile time),
so the classic recipe -- freeze D once, compile the GAN, call ``D.train_on_batch`` -- never
updates D. ``set_phase`` sets the flags before each update: D trainable and G frozen for
D's update, the other way round for G's. In a frozen network Dropout stays on; Keras'
BatchNormalization switches to its moving statistics, ``models.GANBatchNormalization`` does not.

History (one entry per step, floats): ``d_loss`` (D's loss on real + fake, mean over the k
updates), ``g_loss``, ``d_real`` and ``d_fake``: the mean probability that D gives "real" to
the real and to the generated minibatch during D's update (training mode, so with dropout).
With ``real_label=0`` (D outputs P(generated), as in Chollet's DCGAN) they are still P(real).

Randomness is a pure function of ``(seed, stream, step)`` (``Stream``): a step's minibatch,
noise and label noise do not depend on how the run got there, so a resumed run repeats an
uninterrupted one. Checkpoints, sample grids, progress and Ctrl-C handling live outside this
file (``gan_keras.callbacks``, ``gan_keras.run``); this file needs only keras, numpy,
``models.py`` and ``losses.py``.
"""

import enum

import keras
import numpy as np

from .losses import get_objective, mean_prediction, minimax_generator_loss
from .models import build_discriminator_step, build_gan, output_range

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake")
GENERATOR_LOSSES = ("non_saturating", "minimax")
LATENT_DISTRIBUTIONS = ("normal", "uniform", "uniform1")
UPDATES = ("alternating", "simultaneous")
CRITIC_SCHEDULES = ("constant", "arjovsky")
ARJOVSKY_SCHEDULE = (25, 500, 100)  # the first 25 G updates and every 500th: 100 critic updates
# half-widths of the uniform noises: U[-sqrt 3, sqrt 3] has unit variance; "uniform1" is InfoGAN's code's U(-1, 1)
UNIFORM_BOUNDS = {"uniform": float(np.sqrt(3.0)), "uniform1": 1.0}


class Stream(enum.IntEnum):
    """Named random streams: draw i of a run is ``default_rng([seed, stream, step, ...])``."""

    DATA_ORDER = 0     # the shuffle of each epoch
    D_NOISE = 1        # z for D's updates
    LABEL_NOISE = 2    # U[0, 1) draws scaled by label_noise
    G_NOISE = 3        # z for G's update
    D_ONLY = 4         # extra D updates outside the step counter (train_discriminator)
    D_CODES = 5        # codes of the fakes in D's updates (conditional models)
    G_CODES = 6        # codes in G's update
    GENERATE = 7       # generate(n, seed)
    PENALTY_MIX = 8    # WGAN-GP's mixing weights
    EVALUATION = 11    # the samples that evaluation.evaluate_run scores
    SAMPLE_GRID = 99   # the fixed noise of the sample grids


def sample_latent(rng, n, dim, distribution="normal"):
    """float32 (n, dim) noise from a numpy Generator: N(0, I), U[-sqrt 3, sqrt 3] or U(-1, 1) ("uniform1")."""
    if distribution == "normal":
        return rng.standard_normal((n, dim), dtype=np.float32)
    if distribution in UNIFORM_BOUNDS:
        bound = UNIFORM_BOUNDS[distribution]
        return rng.uniform(-bound, bound, (n, dim)).astype(np.float32)
    raise ValueError(f"latent_distribution must be one of {LATENT_DISTRIBUTIONS}, got {distribution!r}")


def add_label_noise(targets, uniform, label_noise):
    """Targets plus ``label_noise * U[0, 1)`` (Chollet's DCGAN: 0.05); numpy or backend arrays."""
    return targets + label_noise * uniform


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


def check_settings(k, generator_loss, real_label, label_noise, label_smoothing, latent_distribution,
                   objective, update="alternating", critic_schedule="constant"):
    """Raise ValueError for a setting outside its range (see ``GANTrainer``)."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k (discriminator steps per generator step) must be an int >= 1, got {k!r}")
    for name, value, allowed in (("generator_loss", generator_loss, GENERATOR_LOSSES),
                                 ("real_label", real_label, (1, 0)),
                                 ("latent_distribution", latent_distribution, LATENT_DISTRIBUTIONS),
                                 ("update", update, UPDATES),
                                 ("critic_schedule", critic_schedule, CRITIC_SCHEDULES)):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if not 0.0 <= label_noise < 1.0:
        raise ValueError(f"label_noise must be in [0, 1), got {label_noise!r}")
    if not 0.0 <= label_smoothing < 0.5:
        raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing!r}")
    if update == "simultaneous" and (k != 1 or objective.name != "gan" or critic_schedule != "constant"):
        raise ValueError("update='simultaneous' (the paper's code) takes one D and one G gradient per step "
                         "of the original objective: k=1, objective='gan'")
    if objective.name != "gan" and (generator_loss != "non_saturating" or real_label != 1
                                    or label_noise or label_smoothing):
        raise ValueError(f"objective {objective.name!r} fixes its own losses and targets: leave "
                         "generator_loss, real_label, label_noise and label_smoothing at their defaults")


def check_models(generator, discriminator, objective, fused=False):
    """Raise ValueError unless G: z -> images and D: images -> (B, 1) fit together and the
    objective can be trained on this path (``fused``: the fast path)."""
    g, d = generator, discriminator
    if len(g.inputs) != 1 or len(d.inputs) != 1 or len(d.outputs) != 1:
        raise ValueError("GANTrainer takes G: z -> images and D: images -> (B, 1); for a generator "
                         "with a code input use gan_keras.conditional")
    if tuple(g.output_shape[1:]) != tuple(d.inputs[0].shape[1:]):
        raise ValueError(f"generator makes images of shape {tuple(g.output_shape[1:])}, "
                         f"discriminator takes {tuple(d.inputs[0].shape[1:])}")
    if tuple(d.outputs[0].shape[1:]) != (1,):
        raise ValueError(f"discriminator must output (B, 1), got {d.output_shape}")
    if objective.gradient_penalty and not fused:
        raise ValueError(f"objective {objective.name!r} needs gradients with respect to D's input, "
                         "which train_on_batch cannot take: use gan_keras.fast.FastGANTrainer")


def total_steps(steps, epochs, steps_per_epoch):
    """The step counter's target for ``steps=`` or ``epochs=`` (exactly one of them), an int >= 1."""
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps= or epochs=")
    total = steps if steps is not None else epochs * steps_per_epoch
    if not isinstance(total, (int, np.integer)) or isinstance(total, bool) or total < 1:
        raise ValueError(f"steps/epochs must be positive ints, got steps={steps!r}, epochs={epochs!r}")
    return int(total)


class GANTrainer:
    """Trains ``generator`` and ``discriminator`` by Algorithm 1 (k D updates per G update).

    Args:
        generator: Model ``z (B, latent_dim) -> images (B, H, W, C)``.
        discriminator: Model ``images -> (B, 1)`` (probabilities for objective "gan").
        d_optimizer, g_optimizer: Keras optimizers (default Adam(2e-4) each, "GANs demystified").
        k: discriminator updates per generator update (the paper used 1).
        generator_loss: "non_saturating" (maximise log D(G(z)), default) or "minimax"
            (minimise log(1 - D(G(z))), the saturating form of the value function).
        real_label: 1 (D outputs P(real)) or 0 (D outputs P(generated), Chollet's DCGAN).
        label_noise: add ``label_noise * U[0, 1)`` to every D target (Chollet: 0.05).
        label_smoothing: one-sided smoothing: real targets move this far towards 1/2.
        latent_distribution: "normal" (N(0, I)), "uniform" (U[-sqrt 3, sqrt 3], Goodfellow et al.'s
            code) or "uniform1" (U(-1, 1), InfoGAN's code).
        value_range: (lo, hi) of G's output; read from its last activation when None.
        seed: seeds data order, noise and label noise (initial weights: keras.utils.set_random_seed).
        objective: "gan" (default), "lsgan" or "wgan" (``losses.OBJECTIVES``); "wgan-gp"
            needs ``gan_keras.fast.FastGANTrainer``.
        update: "alternating" (default: D's update, then G's through the updated D, as the
            tutorial and the textbooks do) or "simultaneous" (the paper's public code: both
            gradients from the same minibatch and samples at the same weights, D's loss halved
            to (BCE(real) + BCE(fake)) / 2; k = 1; ``simultaneous_step``).
        critic_schedule: "constant" (k D updates every step) or "arjovsky" (Arjovsky et al.'s
            code: 100 D updates in each of the first 25 steps and in every 500th, k otherwise).
    """

    kind = "GANTrainer"  # what its checkpoints hold; the fast path's are the same and interchangeable

    def __init__(self, generator, discriminator, *, d_optimizer=None, g_optimizer=None, k=1,
                 generator_loss="non_saturating", real_label=1, label_noise=0.0,
                 label_smoothing=0.0, latent_distribution="normal", value_range=None, seed=0,
                 objective="gan", update="alternating", critic_schedule="constant"):
        self.objective = get_objective(objective)
        check_settings(k, generator_loss, real_label, label_noise, label_smoothing,
                       latent_distribution, self.objective, update, critic_schedule)
        self.update, self.critic_schedule = update, critic_schedule
        self.generator, self.discriminator = generator, discriminator
        self.check_models()
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = tuple(generator.output_shape[1:])
        self.value_range = tuple(value_range) if value_range is not None else output_range(generator)
        self.k, self.generator_loss, self.real_label = int(k), generator_loss, int(real_label)
        self.label_noise, self.label_smoothing = float(label_noise), float(label_smoothing)
        self.latent_distribution, self.seed = latent_distribution, int(seed)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4)
        self.step, self.batch_size, self.data_size, self.data = 0, None, None, None
        self.history = {key: [] for key in HISTORY_KEYS}
        self.stop_training = False
        minimax = self.objective.name == "gan" and generator_loss == "minimax"
        self.g_loss_fn = minimax_generator_loss if minimax else self.objective.g_loss
        self.d_model, self.gan = self.compile_models()
        # Build both optimizers now, on exactly the variables each one updates, so that a
        # checkpoint can restore their state before the first step.
        self.set_phase("d")
        self.d_optimizer.build(discriminator.trainable_variables)
        self.set_phase("g")
        self.g_optimizer.build(generator.trainable_variables)
        self.set_phase(None)

    # -- the models ---------------------------------------------------------------------------
    def check_models(self):
        """Raise ValueError unless G and D fit this trainer (subclasses take other models)."""
        check_models(self.generator, self.discriminator, self.objective, getattr(self, "fused", False))

    def compile_models(self):
        """(d_model, gan): D's training model [x, z] -> [D(x), D(G(z))] and z -> D(G(z)), compiled.

        The losses are the package's, not keras.losses' BCE, whose clip kills G's gradient
        on JAX and torch (``losses.py``).
        """
        d_loss = self.objective.d_loss
        d_model = build_discriminator_step(self.generator, self.discriminator)
        d_model.compile(optimizer=self.d_optimizer, loss=[d_loss, d_loss],
                        metrics={"real": [mean_prediction], "fake": [mean_prediction]})
        gan = build_gan(self.generator, self.discriminator)
        gan.compile(optimizer=self.g_optimizer, loss=self.g_loss_fn)
        if self.update == "simultaneous":  # D's update on images already generated, loss halved
            self.d_on_images = build_discriminator_step(None, self.discriminator)
            self.d_on_images.compile(optimizer=self.d_optimizer, loss=[d_loss, d_loss], loss_weights=[0.5, 0.5],
                                     metrics={"real": [mean_prediction], "fake": [mean_prediction]})
        return d_model, gan

    def set_phase(self, phase):
        """The Keras 3 fix. 'd': train D, freeze G; 'g': train G, freeze D; None: both trainable."""
        self.discriminator.trainable = phase in ("d", None)
        self.generator.trainable = phase in ("g", None)

    # -- what one step feeds the models ----------------------------------------------------------
    def rng(self, stream, *key):
        """numpy Generator of ``stream`` (a ``Stream``) for this run's seed and ``key`` (step, ...)."""
        return np.random.default_rng([self.seed, int(stream), *key])

    def batch_indices(self, batch):
        """Indices (B,) of real minibatch number ``batch`` (0, 1, ...): epochs of a seeded shuffle."""
        n = self.data_size
        epoch, pos = divmod(batch, n // self.batch_size)
        if getattr(self, "_order", (None,))[0] != epoch:
            self._order = (epoch, self.rng(Stream.DATA_ORDER, epoch).permutation(n))
        return np.sort(self._order[1][pos * self.batch_size:(pos + 1) * self.batch_size])

    def latent(self, n, stream, *key):
        """float32 (n, latent_dim) noise of ``stream`` at ``key``."""
        return sample_latent(self.rng(stream, *key), n, self.latent_dim, self.latent_distribution)

    def target_values(self):
        """(real, fake, generator) targets before label noise: the objective's, or for "gan"
        the label convention with one-sided smoothing on the real target."""
        if self.objective.name != "gan":
            return self.objective.real_target, self.objective.fake_target, self.objective.g_target
        real, fake = abs(self.real_label - self.label_smoothing), 1.0 - self.real_label
        return real, fake, float(self.real_label if self.generator_loss == "non_saturating" else fake)

    def d_targets(self, step, j):
        """(real targets, fake targets) of D's j-th update in ``step``: float32 (B, 1) each."""
        real, fake, _ = self.target_values()
        y = np.stack([np.full((self.batch_size, 1), real, np.float32),
                      np.full((self.batch_size, 1), fake, np.float32)])
        if self.label_noise:
            y = add_label_noise(y, self.rng(Stream.LABEL_NOISE, step, j).random(y.shape, np.float32),
                                self.label_noise)
        return y[0], y[1]

    def d_updates(self, step):
        """How many D updates step ``step`` (0, 1, ...) makes: k, or Arjovsky et al.'s 100."""
        first, every, boosted = ARJOVSKY_SCHEDULE
        if self.critic_schedule == "arjovsky" and (step < first or step % every == 0):
            return boosted
        return self.k

    def d_updates_before(self, step):
        """D updates in steps 0 .. step - 1: where step ``step``'s real minibatches start."""
        first, every, boosted = ARJOVSKY_SCHEDULE
        if self.critic_schedule != "arjovsky" or step == 0:
            return self.k * step
        return self.k * step + (boosted - self.k) * (min(step, first) + (step - 1) // every)

    def d_batch(self, step, j):
        """Inputs and targets of D's j-th update in ``step``: ([x, z], [y_real, y_fake])."""
        idx = self.batch_indices(self.d_updates_before(step) + j)
        x = keras.ops.take(self.data, idx, axis=0)  # the minibatch, gathered where the model runs
        z = keras.ops.convert_to_tensor(self.latent(self.batch_size, Stream.D_NOISE, step, j))
        return [x, z], list(self.d_targets(step, j))

    def g_batch(self, step):
        """Inputs and targets of G's update in ``step``: (z, y), y = G's target for D(G(z))."""
        y = np.full((self.batch_size, 1), self.target_values()[2], np.float32)
        return self.latent(self.batch_size, Stream.G_NOISE, step), y

    # -- Algorithm 1 ---------------------------------------------------------------------------
    def train_step(self, step):
        """One iteration of Algorithm 1: k updates of D, then one of G. Returns the step's logs."""
        if self.update == "simultaneous":
            return self.simultaneous_step(step)
        d_logs = []
        for j in range(self.d_updates(step)):
            inputs, targets = self.d_batch(step, j)   # real minibatch, noise, (noisy) targets
            self.set_phase("d")                       # D trainable, G frozen
            d_logs.append(self.d_model.train_on_batch(inputs, targets, return_dict=True))
            if self.objective.clip_value:             # WGAN: keep the critic Lipschitz
                self.clip_discriminator()
        z, y = self.g_batch(step)
        self.set_phase("g")                           # G trainable, D frozen
        g_logs = self.gan.train_on_batch(z, y, return_dict=True)
        self.set_phase(None)
        return self.step_logs(d_logs, g_logs)

    def simultaneous_step(self, step):
        """The paper's code's step: D's and G's gradients at the same weights, from one minibatch and
        one set of samples. G's update goes first, through D as it is; D's then learns from the
        samples G made before it moved. (Dropout masks are drawn anew for each update here; the
        fast path shares them, as the paper's code did.)"""
        (x, z), targets = self.d_batch(step, 0)
        self.set_phase("d")                           # G frozen while it makes D's samples, as in d_model
        fake = self.generator(z, training=True)       # the samples of this step, made by G as it is
        _, y = self.g_batch(step)
        self.set_phase("g")
        g_logs = self.gan.train_on_batch(z, y, return_dict=True)
        self.set_phase("d")
        d_logs = self.d_on_images.train_on_batch([x, fake], targets, return_dict=True)
        self.set_phase(None)
        return self.step_logs([d_logs], g_logs)

    def step_logs(self, d_logs, g_logs):
        """The history entry of one step from the k D logs and the G logs (see module docstring)."""

        def p_real(key):
            mean = float(np.mean([d[key] for d in d_logs]))
            return mean if self.real_label == 1 else 1.0 - mean
        return {"d_loss": float(np.mean([d["loss"] for d in d_logs])), "g_loss": float(g_logs["loss"]),
                "d_real": p_real("real_mean_prediction"), "d_fake": p_real("fake_mean_prediction")}

    def clip_discriminator(self):
        """WGAN: clip every trainable D weight to [-c, c] (after each D update)."""
        c = self.objective.clip_value
        for v in self.discriminator.trainable_variables:
            v.assign(keras.ops.clip(v, -c, c))

    # -- the loop ------------------------------------------------------------------------------
    def train(self, images, *, steps=None, epochs=None, batch_size=52, callbacks=(), labels=None):
        """Train until the step counter reaches ``steps`` (or ``epochs`` passes over the data).

        The counter includes steps already done (earlier calls, a restored checkpoint).
        images: float32 (N, H, W, C) in the generator's output range.
        callbacks: ``keras.callbacks.Callback`` objects (``set_model(trainer)``, ``on_train_begin``,
            ``on_train_batch_end(step, logs)``, ``on_train_end``); one may set
            ``trainer.stop_training = True``. ``gan_keras.callbacks`` has progress, grids, checkpoints.
        labels: int (N,) classes, for conditional models only (``gan_keras.conditional``).
        Returns ``self.history``: {key: list of float} with keys ``HISTORY_KEYS``.
        """
        images = self.start(images, batch_size, labels)
        total = total_steps(steps, epochs, self.steps_per_epoch(len(images), batch_size))
        self.stop_training = False
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin({"steps": total})
        try:
            while self.step < total and not self.stop_training:
                for logs in self.run_steps(self.step, self.chunk_size(total, callbacks)):
                    self.step += 1
                    self.history["step"].append(float(self.step))
                    for key in HISTORY_KEYS[1:]:
                        self.history[key].append(logs[key])
                    for cb in callbacks:
                        cb.on_train_batch_end(self.step, logs)
        finally:
            self.finish()
        for cb in callbacks:
            cb.on_train_end({"steps": total})
        return self.history

    def start(self, images, batch_size, labels=None):
        """Validate ``images`` and put them where the models run (``train`` calls it); float32 images."""
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        images = check_images(images, self.image_shape, self.value_range, batch_size)
        if self.batch_size not in (None, batch_size) or self.data_size not in (None, len(images)):
            raise ValueError("this trainer already trained with another batch size or dataset; "
                             "make a new GANTrainer")
        self.batch_size, self.data_size = int(batch_size), len(images)
        self.prepare(images, labels)
        return images

    def prepare(self, images, labels=None):
        """Put the (validated) images where the models run."""
        if labels is not None:
            raise ValueError("labels= is for conditional models (gan_keras.conditional)")
        self.data = keras.ops.convert_to_tensor(images)

    def run_steps(self, step, n):
        """Run steps ``step .. step + n - 1``; yield each one's logs (n = ``chunk_size`` = 1 here)."""
        yield self.train_step(step)

    def chunk_size(self, total, callbacks):
        return 1

    def finish(self):
        """End of ``train``: both networks trainable, the device copy of the data freed."""
        self.set_phase(None)
        self.data = None

    def sync(self):
        """Make the Keras variables current: they are on this path (the fast path overrides)."""

    def steps_per_epoch(self, n_images, batch_size):
        """Steps that use each real image about once: N // (batch_size * k), at least 1."""
        return max(1, n_images // (batch_size * self.k))

    # -- using the trained models --------------------------------------------------------------
    def generate(self, n, seed=0):
        """n generated images, float32 (n, H, W, C) in the generator's range (inference mode)."""
        rng = np.random.default_rng([seed, Stream.GENERATE])  # the same images for every run's seed
        z = sample_latent(rng, n, self.latent_dim, self.latent_distribution)
        return keras.ops.convert_to_numpy(self.generator.predict(z, batch_size=256, verbose=0))

    def p_real(self, images, batch_size=256):
        """D's output on each image, float32 (N,), inference mode (no dropout).

        The probability that it is real for objective "gan" (either label convention);
        the raw score for the others.
        """
        d = keras.ops.convert_to_numpy(self.discriminator.predict(images, batch_size=batch_size, verbose=0))
        return d[:, 0] if self.real_label == 1 else 1.0 - d[:, 0]

    def config(self):
        """The trainer's settings as a JSON-serialisable dict."""
        return {"k": self.k, "generator_loss": self.generator_loss, "real_label": self.real_label,
                "label_noise": self.label_noise, "label_smoothing": self.label_smoothing,
                "latent_distribution": self.latent_distribution, "latent_dim": self.latent_dim,
                "seed": self.seed, "batch_size": self.batch_size, "data_size": self.data_size,
                "value_range": list(self.value_range),
                "backend": keras.backend.backend(), "objective": self.objective.name,
                "trainer": self.kind, "update": self.update, "critic_schedule": self.critic_schedule}
