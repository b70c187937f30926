"""Keras 3's own way to train a GAN: one ``keras.Model`` whose ``train_step`` updates D, then G, trained by ``fit()``.

    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(images, epochs=100, batch_size=52)    # logs d_loss, g_loss, d_real, d_fake at every step

A step is one of Algorithm 1, as ``GANTrainer`` takes it: k updates of D, each on its own real minibatch
(``fit``'s batch is split into k), then one of G, with the same losses, targets, label noise, weight
clipping, gradient penalty and trainable flags. The updates themselves are the fast path's
(``gan_keras.fast``), so each backend supplies only its gradient: TensorFlow a ``GradientTape``, torch
``autograd``, JAX ``value_and_grad`` of a pure function of the variables' values. Keras' JAX trainer
carries a model's state between steps as four lists and knows one optimizer; ``GANOptimizers`` is that
one optimizer, whose variables are D's and G's optimizers' variables (``docs/keras3.md``).

Noise, label noise and WGAN-GP's mixing weights are drawn with ``keras.random`` from the model's own
``SeedGenerator``, whose state is a variable: it is saved, restored and carried like a weight.
``Minibatches`` feeds ``fit`` the teaching path's data order (a seeded shuffle per epoch), so that a
run stopped and resumed with ``keras.callbacks.BackupAndRestore`` repeats an uninterrupted one.
"""

import keras
import numpy as np
from keras import ops

from .checkpoints import backend_rng_state, restore_backend_rng_state
from .checks import check_images, check_models, check_settings, steps_per_epoch
from .fast import JaxEngine, TensorFlowEngine, TorchEngine
from .losses import as_p_real, get_objective, minimax_generator_loss, targets
from .models import LATENT, output_range, sample
from .training import CONFIG, Stream


class GANOptimizers(keras.optimizers.Optimizer):
    """D's and G's optimizers as the single optimizer ``compile`` and the trainers expect.

    Its ``variables`` are D's optimizer's, then G's, so Keras' JAX trainer carries both states between
    steps, ``save_weights`` / ``BackupAndRestore`` save both, and ``iterations`` counts G's updates (the
    GAN's steps). It applies nothing itself: ``GAN.train_step`` calls each optimizer on its own network.
    """

    def __init__(self, d_optimizer, g_optimizer, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def variables(self):
        return self.d_optimizer.variables + self.g_optimizer.variables

    @property
    def iterations(self):
        return self.g_optimizer.iterations

    def build(self, variables):
        """The two optimizers are built by ``GAN.compile`` on their own networks' variables."""
        self.built = True

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError("GANOptimizers applies nothing: use its d_optimizer and g_optimizer")

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise NotImplementedError("GANOptimizers applies nothing: use its d_optimizer and g_optimizer")


class GAN(keras.Model):
    """A generator and a discriminator as one model: ``compile`` it with two optimizers, train it with ``fit``.

    generator: z (B, latent_dim) -> images (B, H, W, C); discriminator: images -> (B, 1), P(real) for
    objective "gan", a raw score for the others. ``gan(images)`` is D's verdict on images (inference mode:
    ``training=False``); ``gan.generate(n)`` samples G. seed: seeds the noise the steps draw.
    """

    def __init__(self, generator, discriminator, *, seed=0, latent_distribution="normal", value_range=None,
                 **kwargs):
        super().__init__(**kwargs)
        check_models(generator, discriminator)
        self.generator, self.discriminator = generator, discriminator
        self.seed, self.latent_distribution = int(seed), latent_distribution
        if latent_distribution not in LATENT:
            raise ValueError(f"latent_distribution must be one of {tuple(LATENT)}, got {latent_distribution!r}")
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = tuple(generator.output_shape[1:])
        self.value_range = tuple(value_range) if value_range is not None else output_range(generator)
        self.noise = keras.random.SeedGenerator(self.seed)
        self.built = True  # G and D are; the model adds no weights of its own

    def compile(self, d_optimizer=None, g_optimizer=None, *, objective="gan", k=1,
                generator_loss="non_saturating", real_label=1, label_noise=0.0, label_smoothing=0.0, **kwargs):
        """Set the optimizers (Adam(2e-4) each unless given) and what a step does.

        objective: "gan", "lsgan", "wgan" (clipped critic) or "wgan-gp" (``losses.OBJECTIVES``); k: D's updates
        per step, each on its own 1/k of fit's batch; generator_loss "non_saturating" or "minimax";
        real_label 1 (D gives P(real)) or 0 (P(generated), the Chollet DCGAN); label_noise adds
        label_noise * U[0, 1) to every D target; label_smoothing moves the real target towards 1/2.
        kwargs go to ``keras.Model.compile`` (``jit_compile``, ``steps_per_execution``, ``run_eagerly``).
        """
        self.objective, self.k, self.generator_loss = get_objective(objective), k, generator_loss
        self.real_label, self.label_noise, self.label_smoothing = real_label, float(label_noise), float(label_smoothing)
        self.update, self.critic_schedule = "alternating", "constant"  # what the fast path's updates read
        check_settings(self)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4)
        if self.d_optimizer is self.g_optimizer:
            raise ValueError("give D and G an optimizer each (two instances): each keeps its own moments")
        self.targets = targets(self.objective, real_label, label_smoothing, generator_loss)  # (real, fake, G's)
        self.g_loss_fn = minimax_generator_loss if generator_loss == "minimax" else self.objective.g_loss
        self.set_phase(None)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        engines = {"jax": JaxEngine, "tensorflow": TensorFlowEngine, "torch": TorchEngine}
        if keras.backend.backend() not in engines:
            raise NotImplementedError(f"GAN trains on TensorFlow, JAX or torch, not {keras.backend.backend()!r}")
        self.engine = engines[keras.backend.backend()](self)
        super().compile(optimizer=GANOptimizers(self.d_optimizer, self.g_optimizer), **kwargs)

    def fit(self, x=None, *args, shuffle=True, **kwargs):
        """``keras.Model.fit``; with ``Minibatches`` as x, its batches in its own order (Keras would shuffle them)."""
        return super().fit(x, *args, shuffle=shuffle and not isinstance(x, Minibatches), **kwargs)

    def call(self, images, training=False):
        """D's output on images (B, H, W, C): (B, 1)."""
        return self.discriminator(images, training=training)

    @property
    def step(self):
        """Steps taken so far (G's updates), an int."""
        return int(ops.convert_to_numpy(self.g_optimizer.iterations))

    def set_phase(self, phase):
        """'d': train D, freeze G; 'g': train G, freeze D; None: both trainable (``GANTrainer.set_phase``)."""
        self.discriminator.trainable = phase in ("d", None)
        self.generator.trainable = phase in ("g", None)

    # -- one step ----------------------------------------------------------------------------------------
    def step_inputs(self, x):
        """What one step feeds the networks, drawn from the model's seed for fit's batch x (k * m, H, W, C):
        {"x": k real minibatches (m, H, W, C), "z": D's noise (m, latent_dim) and "y_real", "y_fake": D's
        targets (m, 1), label noise added, "alpha": WGAN-GP's mixing weights (m, 1, 1, 1), one of each per D
        update; "z_g" (m, latent_dim) and "y_g" (m, 1): G's noise and target}. ``train_step`` also takes
        such a dict as its data, with the k entries stacked ((k, m, ...) arrays): the teaching path's draws."""
        if x.shape[0] is not None and x.shape[0] < self.k:
            raise ValueError(f"a batch of {x.shape[0]} images cannot make the k={self.k} minibatches of a step: give "
                             f"fit a batch_size of k times the minibatch (and at least {self.k})")
        n = x.shape[0] if keras.backend.backend() == "jax" else ops.shape(x)[0]
        m = n // self.k
        (real, fake, g_target), s = self.targets, {key: [] for key in ("x", "z", "y_real", "y_fake", "alpha")}
        for j in range(self.k):
            s["x"].append(x[j * m:(j + 1) * m])
            s["z"].append(self.latent((m, self.latent_dim)))
            for key, target in (("y_real", real), ("y_fake", fake)):
                noise = self.label_noise * keras.random.uniform((m, 1), seed=self.noise) if self.label_noise else 0.0
                s[key].append(ops.zeros((m, 1)) + target + noise)
            s["alpha"].append(keras.random.uniform((m,) + (1,) * len(self.image_shape), seed=self.noise)
                              if self.objective.gradient_penalty else None)
        return {**s, "z_g": self.latent((m, self.latent_dim)), "y_g": ops.zeros((m, 1)) + g_target}

    def latent(self, shape):
        """Noise z of ``shape`` as ``models.LATENT[latent_distribution]`` says, from the model's seed."""
        bound = LATENT[self.latent_distribution]
        if bound is None:
            return keras.random.normal(shape, seed=self.noise)
        return keras.random.uniform(shape, -bound, bound, seed=self.noise)

    def train_step(self, *args):
        """One step of Algorithm 1 on fit's batch (or on given step inputs); its logs. JAX: (state, data)."""
        if keras.backend.backend() == "jax":
            return self.jax_train_step(*args)
        x = keras.utils.unpack_x_y_sample_weight(args[0])[0]
        s = x if isinstance(x, dict) else self.step_inputs(x)
        d_logs = [self.engine.d_update(s["x"][j], s["z"][j], s["y_real"][j], s["y_fake"][j], s["alpha"][j])
                  for j in range(self.k)]
        g = self.engine.g_update(s["z_g"], s["y_g"])
        self.set_phase(None)
        return self.logs([loss for loss, _ in d_logs], g, [aux for _, aux in d_logs])

    def jax_train_step(self, state, data):
        """The JAX step: Keras' state lists -> the fast path's per-network values -> updates -> state lists."""
        from keras.src.backend import StatelessScope

        trainable, non_trainable, optimizer, metrics = state
        x = keras.utils.unpack_x_y_sample_weight(data)[0]
        self.set_phase(None)  # the split of the state lists Keras made when fit started
        model_vars = self.trainable_variables + self.non_trainable_variables
        values = {id(v): value for v, value in zip(model_vars, list(trainable) + list(non_trainable))}
        opt = {id(v): value for v, value in zip(self.optimizer.variables, optimizer)}
        if isinstance(x, dict):
            s = x
        else:
            with StatelessScope(state_mapping=[(self.noise.state, values[id(self.noise.state)])]) as scope:
                s = self.step_inputs(x)
            values[id(self.noise.state)] = scope.get_current_value(self.noise.state)
        nets = (self.generator.variables, self.discriminator.variables, self.g_optimizer.variables,
                self.d_optimizer.variables)
        state = tuple([(opt if i > 1 else values)[id(v)] for v in variables] for i, variables in enumerate(nets))
        d_logs = []
        for j in range(self.k):
            state, out = self.engine.d_update(state, s["x"][j], s["z"][j], s["y_real"][j], s["y_fake"][j],
                                              s["alpha"][j])
            d_logs.append(out)
        state, g = self.engine.g_update(state, s["z_g"], s["y_g"])
        for i, (variables, new) in enumerate(zip(nets, state)):
            (opt if i > 1 else values).update({id(v): value for v, value in zip(variables, new)})
        self.set_phase(None)
        logs = self.logs([out[0] for out in d_logs], g, [out[1:] for out in d_logs])
        return logs, ([values[id(v)] for v in self.trainable_variables],
                      [values[id(v)] for v in self.non_trainable_variables],
                      [opt[id(v)] for v in self.optimizer.variables], metrics)

    def logs(self, d_losses, g_loss, d_outputs):
        """The step's logs: D's mean loss over its updates, G's loss, mean D(x) and D(G(z)) as P(real)."""
        mean = lambda values: ops.mean(ops.stack(values))  # noqa: E731
        d_real, d_fake = (as_p_real(mean([out[i] for out in d_outputs]), self.real_label) for i in (0, 1))
        return {"d_loss": mean(d_losses), "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}

    # -- saving ------------------------------------------------------------------------------------------
    def random_states(self):
        """The random generators' states of the model, G and D (noise, dropout masks): variables that Keras'
        ``save_weights`` would otherwise leave out, so that a restored run draws what it would have."""
        return [v for v in self.non_trainable_variables if v.path.endswith("seed_generator_state")]

    def save_own_variables(self, store):
        for i, v in enumerate(self.random_states()):
            store[str(i)] = keras.ops.convert_to_numpy(v)
        for name, values in backend_rng_state().items():  # torch: its unseeded dropout's global generator
            store[name] = values[0]

    def load_own_variables(self, store):
        states, outside = self.random_states(), backend_rng_state()
        if len(store.keys()) != len(states) + len(outside):
            raise ValueError(f"the saved GAN has {len(store.keys())} random generators, this one "
                             f"{len(states) + len(outside)}: were the weights saved from other networks?")
        for i, v in enumerate(states):
            v.assign(store[str(i)])
        restore_backend_rng_state({name: [np.asarray(store[name])] for name in outside})

    # -- after training ----------------------------------------------------------------------------------
    def generate(self, n, seed=0):
        """n generated images, float32 (n, H, W, C) in G's range (inference mode); the same for the same seed."""
        return sample(self.generator, n, np.random.default_rng([seed, Stream.GENERATE]), self.latent_distribution)

    def config(self):
        """The model's settings, JSON-serialisable, as ``GANTrainer.config`` records them (after ``compile``)."""
        own = {name: getattr(self, name) for name in CONFIG if name not in ("batch_size", "data_size")}
        return {**own, "value_range": list(self.value_range), "trainer": "GAN", "backend": keras.backend.backend(),
                "objective": self.objective.name}

    def realness(self, images, batch_size=256):
        """D's verdict on each image, float32 (N,), inference mode: P(real) on "gan", else the critic's score."""
        d = keras.ops.convert_to_numpy(self.discriminator.predict(images, batch_size=batch_size, verbose=0))
        return as_p_real(d[:, 0], self.real_label)

    def rng(self, stream, *key):
        """numpy Generator of ``stream`` for this model's seed and ``key`` (the package's callbacks draw from it)."""
        return np.random.default_rng([self.seed, int(stream), *key])


class Minibatches(keras.utils.PyDataset):
    """Real images for ``GAN.fit`` in the teaching path's order: step s of a run gets the real minibatches
    s * k, ..., s * k + k - 1 of ``GANTrainer`` (epochs of a seeded shuffle of ``images``), concatenated.

    images: float32 (N, H, W, C) in G's range; batch_size: one minibatch m (fit's batch is k * m). An
    epoch of ``fit`` is N // (m * k) steps. The order depends only on (seed, step), and the step is read
    from ``gan`` when an epoch begins, so a run resumed by ``BackupAndRestore`` sees the data it would have.
    """

    def __init__(self, gan, images, batch_size, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not hasattr(gan, "k"):
            raise ValueError("compile the GAN before making its Minibatches: its k says how many minibatches a "
                             "step takes")
        self.images = check_images(images, gan.image_shape, gan.value_range, batch_size)
        self.gan, self.m, self.k, self.stream = gan, int(batch_size), gan.k, Stream.DATA_ORDER
        self.seed = gan.seed if seed is None else int(seed)
        self.first, self.order = 0, (None, None)

    def __len__(self):
        return steps_per_epoch(len(self.images), self.m, self.k)

    def on_epoch_begin(self):
        self.first = self.gan.step - self.gan.step % len(self)  # the first step of this epoch

    def indices(self, minibatch):
        """Sorted indices (m,) of real minibatch number ``minibatch``, as ``GANTrainer.batch_indices``."""
        epoch, pos = divmod(minibatch, len(self.images) // self.m)
        if self.order[0] != epoch:
            rng = np.random.default_rng([self.seed, int(self.stream), epoch])
            self.order = (epoch, rng.permutation(len(self.images)))
        return np.sort(self.order[1][pos * self.m:(pos + 1) * self.m])

    def __getitem__(self, i):
        step = self.first + i
        return self.images[np.concatenate([self.indices(step * self.k + j) for j in range(self.k)])]
