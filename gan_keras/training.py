"""Goodfellow et al.'s Algorithm 1 with Keras' ``train_on_batch``, done right for Keras 3: k updates of D through
``d_model`` [x, z] -> [D(x), D(G(z))] (G frozen), then one of G through ``gan`` z -> D(G(z)) (D frozen). Keras 3
reads ``trainable`` at every step, so ``set_phase`` sets the flags before each update. Every random draw depends
on (seed, ``Stream``, step, ...) only, so a resumed run repeats an uninterrupted one.
"""

import enum

import keras
import numpy as np

from .checks import check_budget, check_models, check_settings
from .losses import (as_p_real, clip_weights, critic_updates, critic_updates_before, get_objective,
                     mean_prediction, minimax_generator_loss, targets)
from .models import build_discriminator_step, build_gan, output_range, sample, sample_latent

class Stream(enum.IntEnum):
    """The package's random streams, in one table so that none collides: default_rng([seed, stream, ...])."""
    DATA_ORDER, D_NOISE, LABEL_NOISE, G_NOISE, D_ONLY, D_CODES, G_CODES, GENERATE, PENALTY_MIX = range(9)
    EVALUATION, SAMPLE_GRID = 11, 99  # D_ONLY: notebook 01's extra D updates; the codes: gan_keras.conditional


CONFIG = ("k", "generator_loss", "real_label", "label_noise", "label_smoothing", "latent_distribution", "latent_dim",
          "seed", "batch_size", "data_size", "update", "critic_schedule")  # the settings config() records


class GANTrainer:
    """Trains ``generator`` (z (B, latent_dim) -> images (B, H, W, C)) against ``discriminator`` (images ->
    (B, 1), probabilities for objective "gan") by Algorithm 1. Allowed settings: ``checks.CHOICES``.

    k: D updates per step; optimizers: Adam(2e-4) unless given. real_label 0: D gives P(generated) (Chollet).
    label_noise adds label_noise * U[0, 1) to every D target, label_smoothing moves the real one towards 1/2.
    value_range: G's output range (default: from its last activation). update "simultaneous": the paper's code.
    """

    kind = "GANTrainer"  # what its checkpoints hold; the fast path's are the same and interchangeable
    g_inputs, takes_labels = (1,), False  # how many inputs G may take (z; codes), whether train() takes labels
    extra_losses = ((), ())  # losses of D's outputs after the first, their weights (InfoGAN: Q's)

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
        self.d_optimizer, self.g_optimizer = (o or keras.optimizers.Adam(2e-4) for o in (d_optimizer, g_optimizer))
        self.step, self.batch_size, self.data_size, self.data, self.stop_training = 0, None, None, None, False
        self._order, self.history = (None, None), {key: [] for key in ("step", "d_loss", "g_loss", "d_real", "d_fake")}
        self.targets = targets(self.objective, real_label, label_smoothing, generator_loss)  # (real, fake, G's)
        self.g_loss_fn = minimax_generator_loss if generator_loss == "minimax" else self.objective.g_loss
        self.d_model, self.gan = self.compile_models()
        self.set_phase(None)  # the optimizers built now, so that a checkpoint can restore them at once
        self.d_optimizer.build(discriminator.trainable_variables)
        self.g_optimizer.build(generator.trainable_variables)

    def compile_models(self):
        """(d_model, gan), compiled with the package's losses."""
        (g, d, loss), (extra, weights) = (self.generator, self.discriminator, self.objective.d_loss), self.extra_losses
        check_models(g, d, self.g_inputs, self.objective)
        metrics = {key: [mean_prediction] for key in ("real", "fake")}
        weighted = lambda first: {"loss_weights": [1.0] * first + weights} if extra else {}  # noqa: E731
        d_model, gan = build_discriminator_step(g, d), build_gan(g, d)
        d_model.compile(optimizer=self.d_optimizer, loss=[loss, loss, *extra], metrics=metrics, **weighted(2))
        gan.compile(optimizer=self.g_optimizer, loss=[self.g_loss_fn, *extra] if extra else self.g_loss_fn, **weighted(1))
        if self.update == "simultaneous":  # D learns from samples G made before its update, its loss halved
            self.d_on_images = build_discriminator_step(None, d)
            self.d_on_images.compile(optimizer=self.d_optimizer, loss=[loss, loss], loss_weights=[0.5, 0.5], metrics=metrics)
        return d_model, gan

    def set_phase(self, phase):
        """The Keras 3 fix. 'd': train D, freeze G; 'g': train G, freeze D; None: both trainable."""
        self.discriminator.trainable = phase in ("d", None)
        self.generator.trainable = phase in ("g", None)

    def rng(self, stream, *key):
        """numpy Generator of ``stream`` for this run's seed and ``key`` (step, ...)."""
        return np.random.default_rng([self.seed, int(stream), *key])

    def batch_indices(self, batch):
        """Indices (B,) of real minibatch number ``batch`` (0, 1, ...): epochs of a seeded shuffle."""
        epoch, pos = divmod(batch, self.data_size // self.batch_size)
        if self._order[0] != epoch:
            self._order = (epoch, self.rng(Stream.DATA_ORDER, epoch).permutation(self.data_size))
        return np.sort(self._order[1][pos * self.batch_size:(pos + 1) * self.batch_size])

    def minibatches(self, step):
        """Indices int (n, B) of step ``step``'s real minibatches, one row for each of its n D updates."""
        first, n = (f(step, self.k, self.critic_schedule) for f in (critic_updates_before, critic_updates))
        return np.stack([self.batch_indices(first + j) for j in range(n)])

    def step_inputs(self, step):
        """What step ``step`` draws (n: its D updates, B: the batch, L: latent_dim), numpy: idx int (n, B),
        the real minibatches' indices; z (n, B, L) D's noise; y_real, y_fake (n, B, 1) D's targets, label
        noise added; z_g (B, L) G's noise; y_g (B, 1) G's target."""
        idx, b, latent = self.minibatches(step), self.batch_size, (self.latent_dim, self.latent_distribution)
        y = np.zeros((len(idx), 2, b, 1), np.float32) + np.array(self.targets[:2], np.float32)[:, None, None]  # real, fake
        if self.label_noise:
            y = y + self.label_noise * np.stack([self.rng(Stream.LABEL_NOISE, step, j).random((2, b, 1), np.float32)
                                                 for j in range(len(idx))])
        return {"step": step, "idx": idx,
                "z": np.stack([sample_latent(self.rng(Stream.D_NOISE, step, j), b, *latent) for j in range(len(idx))]),
                "y_real": y[:, 0], "y_fake": y[:, 1], "z_g": sample_latent(self.rng(Stream.G_NOISE, step), b, *latent),
                "y_g": np.full((b, 1), self.targets[2], np.float32)}

    def d_batch(self, s, j):
        """``d_model``'s (inputs, targets) in D's j-th update of step inputs ``s`` (G's: ``g_batch``)."""
        x, z = keras.ops.take(self.data, s["idx"][j], axis=0), keras.ops.convert_to_tensor(s["z"][j])
        return [x, z], [s["y_real"][j], s["y_fake"][j]]

    def g_batch(self, s):
        return s["z_g"], s["y_g"]

    def algorithm_1_step(self, step):
        """One iteration of Algorithm 1: k updates of D, then one of G. Returns the step's history entry."""
        s = self.step_inputs(step)
        if self.update == "simultaneous":
            return self.simultaneous_step(s)
        d_logs = []
        for j in range(len(s["idx"])):
            self.set_phase("d")                                       # D learns, G frozen
            d_logs.append(self.d_model.train_on_batch(*self.d_batch(s, j), return_dict=True))
            clip_weights(self.discriminator.trainable_variables, self.objective.clip_value)  # WGAN
        self.set_phase("g")                                           # G learns, D frozen
        g_logs = self.gan.train_on_batch(*self.g_batch(s), return_dict=True)
        self.set_phase(None)
        return self.step_logs(d_logs, g_logs)

    def simultaneous_step(self, s):
        """The paper's code: both gradients at the same weights, from one minibatch and one set of samples."""
        (x, z), y = self.d_batch(s, 0)
        self.set_phase("d")                                           # G frozen while it draws, as in d_model
        fake = self.generator(z, training=True)
        self.set_phase("g")                                           # G's update first, through D as it is
        g_logs = self.gan.train_on_batch(z, s["y_g"], return_dict=True)
        self.set_phase("d")
        d_logs = self.d_on_images.train_on_batch([x, fake], y, return_dict=True)
        self.set_phase(None)
        return self.step_logs([d_logs], g_logs)

    def step_logs(self, d_logs, g_logs):
        """A step's history entry from its ``train_on_batch`` logs, D's outputs as P(real) either label way."""
        mean = lambda key: float(np.mean([d[key] for d in d_logs]))  # noqa: E731
        d_real, d_fake = (as_p_real(mean(f"{x}_mean_prediction"), self.real_label) for x in ("real", "fake"))
        return {"d_loss": mean("loss"), "g_loss": float(g_logs["loss"]), "d_real": d_real, "d_fake": d_fake}

    def train(self, images, *, steps=None, epochs=None, batch_size=52, callbacks=(), labels=None):
        """Train until the step counter (earlier steps included) reaches ``steps`` or ``epochs`` passes.

        images: float32 (N, H, W, C) in G's range; labels: int (N,), for conditional models. callbacks: Keras
        callbacks (``on_train_batch_end(step, logs)``; one may set ``stop_training``). Returns ``self.history``,
        floats per key: ``d_loss`` (mean over the step's D updates), ``g_loss``, ``d_real`` / ``d_fake`` (D's
        mean P(real) on the real and generated minibatch while it learns; for a critic its mean score).
        """
        images, total = check_budget(self, images, steps, epochs, batch_size, labels)
        self.batch_size, self.data_size, self.stop_training = int(batch_size), len(images), False
        self.put_data(images, labels)
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin({"steps": total})
        try:
            while self.step < total and not self.stop_training:
                for logs in self.next_steps(total, callbacks):
                    self.step += 1
                    for key, values in self.history.items():
                        values.append(float(self.step) if key == "step" else logs[key])
                    for cb in callbacks:
                        cb.on_train_batch_end(self.step, logs)
        finally:
            self.set_phase(None)
            self.data = None
        for cb in callbacks:
            cb.on_train_end({"steps": total})
        return self.history

    def put_data(self, images, labels=None):
        """Put the checked training images (and the conditional GAN's labels) where the models run."""
        self.data = keras.ops.convert_to_tensor(images)

    def next_steps(self, total, callbacks):
        """History entries of the next steps, the weights current after each: one step on this path."""
        yield self.algorithm_1_step(self.step)

    def generate(self, n, seed=0):
        """n generated images, float32 (n, H, W, C) in G's range (inference mode); the same for every run."""
        return sample(self.generator, n, np.random.default_rng([seed, Stream.GENERATE]), self.latent_distribution)

    def realness(self, images, batch_size=256):
        """D's verdict on each image, float32 (N,), inference mode: P(real) on "gan", else the critic's score."""
        d = keras.ops.convert_to_numpy(self.discriminator.predict(images, batch_size=batch_size, verbose=0))
        return as_p_real(d[:, 0], self.real_label)

    def config(self):
        """The trainer's settings, JSON-serialisable."""
        return {**{n: getattr(self, n) for n in CONFIG}, "value_range": list(self.value_range), "trainer": self.kind,
                "backend": keras.backend.backend(), "objective": self.objective.name}


