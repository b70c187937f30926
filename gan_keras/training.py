"""Goodfellow et al.'s Algorithm 1 with Keras' ``train_on_batch``, done right for Keras 3.

A step (``GANTrainer.algorithm_1_step``) is k updates of D, each on a fresh minibatch of real images
and as many generated ones, then one update of G, through two compiled models sharing G's and D's
layers: ``d_model`` [x, z] -> [D(x), D(G(z))] with G frozen and ``gan`` z -> D(G(z)) with D frozen.
Keras 3 reads ``trainable`` at every step (Keras 2 froze it in at compile time), so the classic
recipe -- freeze D once, compile the GAN, call ``D.train_on_batch`` -- never updates D; ``set_phase``
sets the flags before each update. Every random draw is a function of (seed, ``Stream``, step, ...),
so a resumed run repeats an uninterrupted one. The history has one float per step and key:
``d_loss`` (mean over the step's D updates), ``g_loss``, and ``d_real`` / ``d_fake``, D's mean
P(real) on the real and the generated minibatch while it learns (for a critic: its mean score).
"""

import enum

import keras
import numpy as np

from .checks import check_budget, check_models, check_settings
from .losses import critic_updates, critic_updates_before, get_objective, mean_prediction, minimax_generator_loss
from .models import build_discriminator_step, build_gan, output_range, sample, sample_latent

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake")


class Stream(enum.IntEnum):
    """The package's random streams, in one table so that none collides: default_rng([seed, stream, ...])."""

    DATA_ORDER, D_NOISE, LABEL_NOISE, G_NOISE, D_ONLY, D_CODES, G_CODES, GENERATE, PENALTY_MIX = range(9)
    EVALUATION, SAMPLE_GRID = 11, 99  # D_ONLY: notebook 01's extra D updates; the codes: gan_keras.conditional


def as_p_real(p, real_label):
    """D's outputs as P(real): as they are where D gives P(real) (real_label 1), 1 - p where it gives P(generated)."""
    return p if real_label == 1 else 1.0 - p


def steps_per_epoch(n_images, batch_size, k=1):
    """Steps that use each real image about once: N // (batch_size * k), at least 1."""
    return max(1, n_images // (batch_size * k))


class GANTrainer:
    """Trains ``generator`` (z (B, latent_dim) -> images (B, H, W, C)) against ``discriminator`` (images ->
    (B, 1), probabilities for objective "gan") by Algorithm 1.

    d_optimizer, g_optimizer: Keras optimizers (default Adam(2e-4)). k: D updates per step. generator_loss:
    "non_saturating" (maximise log D(G(z))) or "minimax" (minimise log(1 - D(G(z)))). real_label: 1 (D gives
    P(real)) or 0 (P(generated), Chollet's DCGAN). label_noise: adds label_noise * U[0, 1) to every D target.
    label_smoothing: moves the real target this far towards 1/2. latent_distribution: a key of ``LATENT``.
    value_range: G's output range (read from G's last activation if None). seed: data order and noise.
    objective: "gan", "lsgan" or "wgan" (``losses.OBJECTIVES``; "wgan-gp" trains on ``fast.FastGANTrainer``).
    update: "alternating" (the tutorial, the textbooks) or "simultaneous" (the paper's code: k = 1, "gan").
    critic_schedule: "constant" (k) or "arjovsky" (``losses.critic_updates``).
    """

    kind = "GANTrainer"  # what its checkpoints hold; the fast path's are the same and interchangeable
    g_inputs = (1,)  # how many inputs G may take (z; the conditional models add codes)

    def __init__(self, generator, discriminator, *, d_optimizer=None, g_optimizer=None, k=1,
                 generator_loss="non_saturating", real_label=1, label_noise=0.0, label_smoothing=0.0,
                 latent_distribution="normal", value_range=None, seed=0, objective="gan", update="alternating",
                 critic_schedule="constant"):
        self.objective, self.generator, self.discriminator = get_objective(objective), generator, discriminator
        self.k, self.generator_loss, self.real_label, self.label_noise = k, generator_loss, real_label, float(label_noise)
        self.label_smoothing, self.latent_distribution, self.seed = float(label_smoothing), latent_distribution, int(seed)
        self.update, self.critic_schedule = update, critic_schedule
        check_settings(self)
        self.latent_dim, self.image_shape = int(generator.inputs[0].shape[-1]), tuple(generator.output_shape[1:])
        self.value_range = tuple(value_range) if value_range is not None else output_range(generator)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4)
        self.step, self.batch_size, self.data_size, self.data, self.stop_training = 0, None, None, None, False
        self.history = {key: [] for key in HISTORY_KEYS}
        minimax = self.objective.name == "gan" and generator_loss == "minimax"
        self.g_loss_fn = minimax_generator_loss if minimax else self.objective.g_loss
        self.d_model, self.gan = self.compile_models()
        for phase, optimizer, net in (("d", self.d_optimizer, discriminator), ("g", self.g_optimizer, generator)):
            self.set_phase(phase)  # built on what each updates, so that a checkpoint can restore them at once
            optimizer.build(net.trainable_variables)
        self.set_phase(None)

    def compile_models(self):
        """(d_model, gan), compiled with the package's losses (Keras' BCE clips G's gradient on JAX and torch)."""
        g, d, loss, metrics = self.generator, self.discriminator, self.objective.d_loss, [mean_prediction]
        check_models(g, d, self.g_inputs, self.objective)
        extra, weights = self.extra_losses()  # InfoGAN's Q
        weighted = lambda first: {"loss_weights": [1.0] * first + weights} if extra else {}  # noqa: E731
        d_model, gan = build_discriminator_step(g, d), build_gan(g, d)
        d_model.compile(optimizer=self.d_optimizer, loss=[loss, loss, *extra], metrics={"real": metrics, "fake": metrics},
                        **weighted(2))
        gan.compile(optimizer=self.g_optimizer, loss=[self.g_loss_fn, *extra] if extra else self.g_loss_fn, **weighted(1))
        if self.update == "simultaneous":  # D learns from samples G made before its update, its loss halved
            self.d_on_images = build_discriminator_step(None, d)
            self.d_on_images.compile(optimizer=self.d_optimizer, loss=[loss, loss], loss_weights=[0.5, 0.5],
                                     metrics={"real": metrics, "fake": metrics})
        return d_model, gan

    def extra_losses(self):
        """([losses of D's outputs after the first], [their weights]): none here (InfoGAN: Q's)."""
        return [], []

    def set_phase(self, phase):
        """The Keras 3 fix. 'd': train D, freeze G; 'g': train G, freeze D; None: both trainable."""
        self.discriminator.trainable = phase in ("d", None)
        self.generator.trainable = phase in ("g", None)

    # -- what a step feeds the models ------------------------------------------------------------
    def rng(self, stream, *key):
        """numpy Generator of ``stream`` for this run's seed and ``key`` (step, ...)."""
        return np.random.default_rng([self.seed, int(stream), *key])

    def batch_indices(self, batch):
        """Indices (B,) of real minibatch number ``batch`` (0, 1, ...): epochs of a seeded shuffle."""
        epoch, pos = divmod(batch, self.data_size // self.batch_size)
        if getattr(self, "_order", (None,))[0] != epoch:
            self._order = (epoch, self.rng(Stream.DATA_ORDER, epoch).permutation(self.data_size))
        return np.sort(self._order[1][pos * self.batch_size:(pos + 1) * self.batch_size])

    def targets(self):
        """(real, fake, G's) targets before label noise: the objective's, or the label convention, smoothed."""
        if self.objective.name != "gan":
            return self.objective.real_target, self.objective.fake_target, self.objective.g_target
        real, fake = abs(self.real_label - self.label_smoothing), 1.0 - self.real_label
        return real, fake, float(self.real_label if self.generator_loss == "non_saturating" else fake)

    def minibatches(self, step):
        """Indices int (n, B) of step ``step``'s real minibatches, one row for each of its n D updates."""
        first, n = (f(step, self.k, self.critic_schedule) for f in (critic_updates_before, critic_updates))
        return np.stack([self.batch_indices(first + j) for j in range(n)])

    def step_inputs(self, step):
        """What step ``step`` draws (n: its D updates, B: the batch, L: latent_dim), numpy: idx int (n, B),
        the real minibatches' indices; z (n, B, L) D's noise; y_real, y_fake (n, B, 1) D's targets, label
        noise added; z_g (B, L) G's noise; y_g (B, 1) G's target."""
        idx, b, (real, fake, g_target), latent = self.minibatches(step), self.batch_size, self.targets(), \
            (self.latent_dim, self.latent_distribution)
        y = np.stack([np.stack([np.full((b, 1), real, np.float32), np.full((b, 1), fake, np.float32)])] * len(idx))
        if self.label_noise:
            y = y + self.label_noise * np.stack([self.rng(Stream.LABEL_NOISE, step, j).random((2, b, 1), np.float32)
                                                 for j in range(len(idx))])
        return {"step": step, "idx": idx, "y_real": y[:, 0], "y_fake": y[:, 1], "y_g": np.full((b, 1), g_target, np.float32),
                "z": np.stack([sample_latent(self.rng(Stream.D_NOISE, step, j), b, *latent) for j in range(len(idx))]),
                "z_g": sample_latent(self.rng(Stream.G_NOISE, step), b, *latent)}

    def d_batch(self, s, j):
        """``d_model``'s (inputs, targets) in D's j-th update of step inputs ``s``."""
        x, z = keras.ops.take(self.data, s["idx"][j], axis=0), keras.ops.convert_to_tensor(s["z"][j])
        return [x, z], [s["y_real"][j], s["y_fake"][j]]

    def g_batch(self, s):
        """``gan``'s (inputs, targets) for step inputs ``s``."""
        return s["z_g"], s["y_g"]

    # -- Algorithm 1 -------------------------------------------------------------------------------
    def algorithm_1_step(self, step):
        """One iteration of Algorithm 1: k updates of D, then one of G. Returns the step's history entry."""
        s = self.step_inputs(step)
        if self.update == "simultaneous":
            return self.simultaneous_step(s)
        d_logs = []
        for j in range(len(s["idx"])):
            self.set_phase("d")                                       # D learns, G frozen
            d_logs.append(self.d_model.train_on_batch(*self.d_batch(s, j), return_dict=True))
            if self.objective.clip_value:                             # WGAN: keep the critic Lipschitz
                c = self.objective.clip_value
                for v in self.discriminator.trainable_variables:
                    v.assign(keras.ops.clip(v, -c, c))
        self.set_phase("g")                                           # G learns, D frozen
        g_logs = self.gan.train_on_batch(*self.g_batch(s), return_dict=True)
        self.set_phase(None)
        return self.step_logs(d_logs, g_logs)

    def simultaneous_step(self, s):
        """The paper's code: both gradients at the same weights from one minibatch and one set of samples. G's
        update goes first, through D as it is; D's then learns from the samples G made before it moved."""
        (x, z), targets = self.d_batch(s, 0)
        self.set_phase("d")                                           # G frozen while it draws, as in d_model
        fake = self.generator(z, training=True)
        self.set_phase("g")
        g_logs = self.gan.train_on_batch(z, s["y_g"], return_dict=True)
        self.set_phase("d")
        d_logs = self.d_on_images.train_on_batch([x, fake], targets, return_dict=True)
        self.set_phase(None)
        return self.step_logs([d_logs], g_logs)

    def step_logs(self, d_logs, g_logs):
        """A step's history entry from its ``train_on_batch`` logs, D's outputs as P(real) either label way."""
        mean = lambda key: float(np.mean([d[key] for d in d_logs]))  # noqa: E731
        real, fake = mean("real_mean_prediction"), mean("fake_mean_prediction")
        return {"d_loss": mean("loss"), "g_loss": float(g_logs["loss"]),
                "d_real": as_p_real(real, self.real_label), "d_fake": as_p_real(fake, self.real_label)}

    # -- the loop --------------------------------------------------------------------------------
    def train(self, images, *, steps=None, epochs=None, batch_size=52, callbacks=(), labels=None):
        """Train until the step counter (earlier steps included) reaches ``steps`` or ``epochs`` passes.

        images: float32 (N, H, W, C) in G's range; labels: int (N,), for conditional models. callbacks:
        ``keras.callbacks.Callback`` objects (``on_train_batch_end(step, logs)``; one may set
        ``trainer.stop_training = True``). Returns ``self.history``: {key: list of float}, ``HISTORY_KEYS``.
        """
        images, total = check_budget(self, images, steps, epochs, batch_size, steps_per_epoch)
        self.batch_size, self.data_size, self.stop_training = int(batch_size), len(images), False
        self.put_data(images, labels)
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin({"steps": total})
        try:
            while self.step < total and not self.stop_training:
                for logs in self.next_steps(total, callbacks):
                    self.step += 1
                    for key in HISTORY_KEYS:
                        self.history[key].append(float(self.step) if key == "step" else logs[key])
                    for cb in callbacks:
                        cb.on_train_batch_end(self.step, logs)
        finally:
            self.set_phase(None)
            self.data = None
        for cb in callbacks:
            cb.on_train_end({"steps": total})
        return self.history

    def put_data(self, images, labels=None):
        """Put the checked training images where the models run."""
        if labels is not None:
            raise ValueError("labels= is for conditional models (gan_keras.conditional)")
        self.data = keras.ops.convert_to_tensor(images)

    def next_steps(self, total, callbacks):
        """History entries of the next steps, the weights current after each: one step on this path."""
        yield self.algorithm_1_step(self.step)

    # -- using the trained models ----------------------------------------------------------------
    def generate(self, n, seed=0):
        """n generated images, float32 (n, H, W, C) in G's range (inference mode); the same for every run."""
        return sample(self.generator, n, np.random.default_rng([seed, Stream.GENERATE]), self.latent_distribution)

    def realness(self, images, batch_size=256):
        """D's verdict on each image, float32 (N,), inference mode: P(real) for objective "gan" (either
        label convention), the critic's score for the others."""
        d = keras.ops.convert_to_numpy(self.discriminator.predict(images, batch_size=batch_size, verbose=0))
        return as_p_real(d[:, 0], self.real_label)

    def config(self):
        """The trainer's settings, JSON-serialisable."""
        names = ("k", "generator_loss", "real_label", "label_noise", "label_smoothing", "latent_distribution",
                 "latent_dim", "seed", "batch_size", "data_size", "update", "critic_schedule")
        return {**{n: getattr(self, n) for n in names}, "value_range": list(self.value_range), "trainer": self.kind,
                "backend": keras.backend.backend(), "objective": self.objective.name}


