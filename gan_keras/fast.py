"""The fast path: each step of Algorithm 1 (k D updates, one G update) as one compiled call.

``train_on_batch`` pays Python dispatch and host<->device copies twice per step; on a GPU
that, not arithmetic, is most of its time (measured on an H100 with JAX: 6.05 ms per step
of the dense MNIST GAN with ``train_on_batch``, 0.63 ms as one jitted function). Here
``FastGANTrainer`` trains the same Keras models by the project's own loop:

* JAX: ``jax.jit`` over ``stateless_call`` / ``stateless_apply``; the variables live as
  arrays between steps, a whole chunk of steps runs inside one ``jax.lax.scan``, the
  training images stay on the device and the noise is drawn there (``jax.random``, keyed
  by seed and step);
* TensorFlow: one ``tf.function`` per step with ``GradientTape``, images on the device;
* torch: eager autograd, images on the device.

The contract is the teaching path's (``FastGANTrainer`` is a ``GANTrainer``): same trainable
toggles (a frozen network's batch norm behaves as on the teaching path), same losses, targets
and label noise (``GANTrainer.target_values``, ``training.add_label_noise``), same history
keys and checkpoints (so either path resumes the other's). On TensorFlow and torch the inputs
of a step (minibatch, noise, label noise) are exactly the teaching path's; on JAX the noise is
drawn on the device (``jax.random``, the same distributions), so runs agree statistically,
not bit for bit.

With ``update="simultaneous"`` a step is one forward pass and both networks' gradients from it
(the same samples and dropout masks for D's and G's losses, as in the paper's public code).

The trainer's ``objective`` (``gan_keras.losses.OBJECTIVES``) sets the losses; WGAN's weight
clipping follows each D update, and WGAN-GP's gradient penalty -- which needs gradients
with respect to D's input -- is added to D's loss here (this is why it has no teaching path).
"""

import keras
import numpy as np
from keras import ops

from .gradient_penalty import gradient_penalty
from .training import UNIFORM_BOUNDS, GANTrainer, Stream, add_label_noise


class FastGANTrainer(GANTrainer):
    """``GANTrainer`` whose steps run as one compiled function each (chunks of steps on JAX).

    Same arguments, history, checkpoints and callbacks. Callbacks with an ``every``
    attribute see current weights at multiples of it (a chunk ends there); the others are
    called after every step but must not read the weights before ``trainer.sync()``.
    """

    fused = True

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.engine = make_fused_step(self)

    def prepare(self, images, labels=None):
        super().prepare(images, labels)
        self.engine.prepare(self.data)  # already on the device: no second copy

    def run_steps(self, step, n):
        logs = self.engine.iterations(step, n)
        for i in range(n):
            yield {key: float(values[i]) for key, values in logs.items()}

    def chunk_size(self, total, callbacks):
        """As many steps as fit before the end, the engine's limit, or a callback's next turn."""
        n = min(total - self.step, self.engine.max_chunk)
        for cb in callbacks:
            every = getattr(cb, "every", 1)
            if every:
                n = min(n, every - self.step % every)
        return max(1, n)

    def finish(self):
        self.engine.finish()
        super().finish()

    def sync(self):
        self.engine.sync_to_keras()

    def config(self):
        return {**super().config(), "fast": True}


def make_fused_step(trainer):
    """The fused-step engine for the current Keras backend."""
    backend = keras.backend.backend()
    if backend == "jax":
        return JaxFusedStep(trainer)
    if backend == "tensorflow":
        return TensorFlowFusedStep(trainer)
    if backend == "torch":
        return TorchFusedStep(trainer)
    raise NotImplementedError(f"no fused step for the {backend!r} backend; use fast=False")


def _mean(x):
    return ops.mean(x)


def _forward(trainer, x, z):
    """D(x) and D(G(z)) in training mode, both networks as the flags leave them."""
    fake = trainer.generator(z, training=True)
    return trainer.discriminator(x, training=True), trainer.discriminator(fake, training=True)


def _simultaneous_losses(trainer, y_real, p_real, y_fake, p_fake, y_g):
    """(D's halved loss, G's loss, (mean D(x), mean D(G(z)))) of one forward pass."""
    obj = trainer.objective
    d_loss = 0.5 * (_mean(obj.d_loss(y_real, p_real)) + _mean(obj.d_loss(y_fake, p_fake)))
    return d_loss, _mean(trainer.g_loss_fn(y_g, p_fake)), (_mean(p_real), _mean(p_fake))


def _d_objective(trainer, y_real, p_real, y_fake, p_fake, x, fake, alpha, critic):
    """D's loss: the objective's loss on real and fake, plus WGAN-GP's penalty if any."""
    obj = trainer.objective
    loss = _mean(obj.d_loss(y_real, p_real)) + _mean(obj.d_loss(y_fake, p_fake))
    if obj.gradient_penalty:
        loss = loss + gradient_penalty(critic, x, fake, alpha, obj.gradient_penalty)
    return loss


class FusedStep:
    """Shared driver. Subclasses implement ``_run(t0, n)`` -> {key: array (n,)} of raw logs."""

    max_chunk = 50
    backend = None  # the Keras backend a subclass is written for; its module is imported only then

    def __init__(self, trainer):
        if keras.backend.backend() != self.backend:
            raise RuntimeError(f"{type(self).__name__} needs the {self.backend!r} Keras backend, "
                               f"running {keras.backend.backend()!r}; use make_fused_step")
        self.trainer = trainer

    def prepare(self, images):
        """Start of ``train``: put the images on the device, read the variables."""

    def finish(self):
        """End of ``train``: write everything back into the Keras variables."""
        self.sync_to_keras()

    def sync_to_keras(self):
        """Make the Keras variables current (a no-op where the step updates them in place)."""

    def reset(self):
        """The Keras variables changed (a checkpoint was loaded): re-read them."""

    def host_inputs(self, t):
        """Step t's inputs as the teaching path draws them: indices (k, B), z_d (k, B, L),
        D targets (k, B, 1) twice, WGAN-GP mixing weights alpha (k, B, 1, 1, 1), z_g, G targets."""
        tr = self.trainer
        k, b, first = tr.d_updates(t), tr.batch_size, tr.d_updates_before(t)
        idx = np.stack([tr.batch_indices(first + j) for j in range(k)]).astype(np.int32)
        z_d = np.stack([tr.latent(b, Stream.D_NOISE, t, j) for j in range(k)])
        targets = [tr.d_targets(t, j) for j in range(k)]
        y_real = np.stack([r for r, _ in targets])
        y_fake = np.stack([f for _, f in targets])
        alpha = np.stack([tr.rng(Stream.PENALTY_MIX, t, j).random((b,) + (1,) * len(tr.image_shape),
                                                                  dtype=np.float32) for j in range(k)])
        z_g, y_g = tr.g_batch(t)
        return idx, z_d, y_real, y_fake, alpha, z_g, y_g

    def iterations(self, t0, n):
        """Run steps t0 .. t0+n-1; return {"d_loss", "g_loss", "d_real", "d_fake": float arrays (n,)}."""
        raw = self._run(t0, n)
        logs = {key: np.asarray(keras.ops.convert_to_numpy(v), np.float64).reshape(n)
                for key, v in raw.items()}
        if self.trainer.real_label == 0:
            logs["d_real"], logs["d_fake"] = 1.0 - logs["d_real"], 1.0 - logs["d_fake"]
        return logs


# ------------------------------------------------------------------------------------------
# TensorFlow and torch: the Keras variables are updated in place
# ------------------------------------------------------------------------------------------
class _StatefulFusedStep(FusedStep):
    """One step = k D updates + one G update on Keras variables, gradients by the backend."""

    def _gradients(self, loss_fn, variables):
        raise NotImplementedError

    def _d_update(self, x, z, y_real, y_fake, alpha):
        tr = self.trainer
        tr.set_phase("d")
        variables = tr.discriminator.trainable_variables
        critic = lambda images: tr.discriminator(images, training=True)  # noqa: E731

        def loss_fn():
            fake = tr.generator(z, training=True)
            p_real, p_fake = critic(x), critic(fake)
            loss = _d_objective(tr, y_real, p_real, y_fake, p_fake, x, fake, alpha, critic)
            return loss, (_mean(p_real), _mean(p_fake))

        loss, aux, grads = self._gradients(loss_fn, variables)
        tr.d_optimizer.apply(grads, variables)
        if tr.objective.clip_value:
            tr.clip_discriminator()
        return loss, aux

    def _g_update(self, z, y_g):
        tr = self.trainer
        tr.set_phase("g")
        variables = tr.generator.trainable_variables

        def loss_fn():
            p = tr.discriminator(tr.generator(z, training=True), training=True)
            return _mean(tr.g_loss_fn(y_g, p)), ()

        loss, _, grads = self._gradients(loss_fn, variables)
        tr.g_optimizer.apply(grads, variables)
        return loss

    def _simultaneous_update(self, x, z, y_real, y_fake, y_g):
        """The paper's code's step: one forward pass (the same samples and dropout masks), D's
        gradient of its halved loss and G's of its own, both at the current weights."""
        tr = self.trainer
        tr.set_phase(None)
        d_vars, g_vars = tr.discriminator.trainable_variables, tr.generator.trainable_variables

        def losses():
            p_real, p_fake = _forward(tr, x, z)
            return _simultaneous_losses(tr, y_real, p_real, y_fake, p_fake, y_g)

        d_loss, g_loss, aux, d_grads, g_grads = self._two_gradients(losses, d_vars, g_vars)
        tr.d_optimizer.apply(d_grads, d_vars)
        tr.g_optimizer.apply(g_grads, g_vars)
        return d_loss, g_loss, aux

    def _step(self, data, idx, z_d, y_real, y_fake, alpha, z_g, y_g):
        if self.trainer.update == "simultaneous":
            d_loss, g_loss, (d_real, d_fake) = self._simultaneous_update(
                ops.take(data, idx[0], axis=0), z_d[0], y_real[0], y_fake[0], y_g)
            self.trainer.set_phase(None)
            return ops.stack([d_loss, g_loss, d_real, d_fake])
        d_loss, d_real, d_fake = [], [], []
        for j in range(idx.shape[0]):  # k, or the critic schedule's count this step
            x = ops.take(data, idx[j], axis=0)
            loss, (p_real, p_fake) = self._d_update(x, z_d[j], y_real[j], y_fake[j], alpha[j])
            d_loss.append(loss)
            d_real.append(p_real)
            d_fake.append(p_fake)
        g_loss = self._g_update(z_g, y_g)
        self.trainer.set_phase(None)
        return ops.stack([ops.mean(ops.stack(d_loss)), g_loss,
                          ops.mean(ops.stack(d_real)), ops.mean(ops.stack(d_fake))])

    def prepare(self, images):
        self.data = ops.convert_to_tensor(images)

    def _compiled(self, k):
        """The step as the backend runs it, for steps of k D updates."""
        return self._step

    def _run(self, t0, n):
        out = []
        for t in range(t0, t0 + n):
            inputs = self.host_inputs(t)
            out.append(self._compiled(len(inputs[0]))(self.data, *inputs))
        out = ops.stack(out)
        return {"d_loss": out[:, 0], "g_loss": out[:, 1], "d_real": out[:, 2], "d_fake": out[:, 3]}

    def run_phase(self, phase, t, images):
        """Test hook: only the D update ("d") or only the G update ("g") of step t."""
        self.prepare(images)
        idx, z_d, y_real, y_fake, alpha, z_g, y_g = self.host_inputs(t)
        if phase == "d":
            self._d_update(ops.take(self.data, idx[0], axis=0), z_d[0], y_real[0], y_fake[0], alpha[0])
        else:
            self._g_update(z_g, y_g)
        self.trainer.set_phase(None)


class TensorFlowFusedStep(_StatefulFusedStep):
    backend = "tensorflow"

    def __init__(self, trainer):
        super().__init__(trainer)
        import tensorflow as tf

        self._tf = tf
        self._compiled_steps = {}

    def _compiled(self, k):
        """One tf.function per number of D updates (the loop over them is unrolled in its graph)."""
        if k not in self._compiled_steps:
            self._compiled_steps[k] = self._tf.function(self._step, reduce_retracing=True)
        return self._compiled_steps[k]

    def _gradients(self, loss_fn, variables):
        with self._tf.GradientTape() as tape:
            loss, aux = loss_fn()
        return loss, aux, tape.gradient(loss, [v.value for v in variables])

    def _two_gradients(self, losses, d_vars, g_vars):
        with self._tf.GradientTape(persistent=True) as tape:
            d_loss, g_loss, aux = losses()
        d_grads = tape.gradient(d_loss, [v.value for v in d_vars])
        g_grads = tape.gradient(g_loss, [v.value for v in g_vars])
        del tape
        return d_loss, g_loss, aux, d_grads, g_grads


class TorchFusedStep(_StatefulFusedStep):
    backend = "torch"

    def __init__(self, trainer):
        super().__init__(trainer)
        import torch

        self._torch = torch

    def _gradients(self, loss_fn, variables):
        loss, aux = loss_fn()
        grads = self._torch.autograd.grad(loss, [v.value for v in variables])
        return loss.detach(), tuple(a.detach() for a in aux), grads

    def _two_gradients(self, losses, d_vars, g_vars):
        d_loss, g_loss, aux = losses()
        d_grads = self._torch.autograd.grad(d_loss, [v.value for v in d_vars], retain_graph=True)
        g_grads = self._torch.autograd.grad(g_loss, [v.value for v in g_vars])
        return d_loss.detach(), g_loss.detach(), tuple(a.detach() for a in aux), d_grads, g_grads


# ------------------------------------------------------------------------------------------
# JAX: pure functions of arrays, a chunk of steps per jitted call
# ------------------------------------------------------------------------------------------
class JaxFusedStep(FusedStep):
    backend = "jax"
    max_chunk = 200

    def __init__(self, trainer):
        super().__init__(trainer)
        import jax

        self._jax = jax
        tr = trainer
        g, d = tr.generator, tr.discriminator
        tr.set_phase("d")  # which of D's variables the D update trains
        self._d_train = [i for i, v in enumerate(d.variables) if v.trainable]
        tr.set_phase("g")
        self._g_train = [i for i, v in enumerate(g.variables) if v.trainable]
        tr.set_phase(None)
        self._d_rest = [i for i in range(len(d.variables)) if i not in self._d_train]
        self._g_rest = [i for i in range(len(g.variables)) if i not in self._g_train]
        self._key = jax.random.key(np.uint32(tr.seed))
        self._chunk = jax.jit(self._chunk_fn, donate_argnums=0)
        self._one_step = jax.jit(self._host_step_fn, donate_argnums=0)
        self.state = None

    # -- state -------------------------------------------------------------------------------
    def reset(self):
        tr = self.trainer
        # copies: the jitted step donates (reuses) its input buffers
        copy = lambda variables: [self._jax.numpy.array(v.value, copy=True) for v in variables]
        self.state = (copy(tr.generator.variables), copy(tr.discriminator.variables),
                      copy(tr.g_optimizer.variables), copy(tr.d_optimizer.variables))

    def prepare(self, images):
        self.data = self._jax.numpy.asarray(images)
        self.reset()

    def sync_to_keras(self):
        if self.state is None:
            return
        tr = self.trainer
        for variables, values in zip((tr.generator.variables, tr.discriminator.variables,
                                      tr.g_optimizer.variables, tr.d_optimizer.variables), self.state):
            for v, value in zip(variables, values):
                v.assign(self._jax.numpy.array(value, copy=True))  # the next step donates `value`

    def finish(self):
        self.sync_to_keras()
        self.state = None

    # -- the two updates -------------------------------------------------------------------------
    @staticmethod
    def _split(values, train, rest):
        return [values[i] for i in train], [values[i] for i in rest]

    @staticmethod
    def _merge(train_values, rest_values, train, rest):
        out = [None] * (len(train) + len(rest))
        for i, v in zip(train, train_values):
            out[i] = v
        for i, v in zip(rest, rest_values):
            out[i] = v
        return out

    def _d_update(self, state, x, z, y_real, y_fake, alpha):
        tr = self.trainer
        g_all, d_all, g_opt, d_opt = state
        tr.set_phase("d")  # at trace time: G frozen, D trainable
        d_tv, d_ntv = self._split(d_all, self._d_train, self._d_rest)

        def loss_fn(d_tv):
            fake, g_new = tr.generator.stateless_call([], g_all, z, training=True)
            p_real, nt = tr.discriminator.stateless_call(d_tv, d_ntv, x, training=True)
            p_fake, nt = tr.discriminator.stateless_call(d_tv, nt, fake, training=True)
            critic = lambda images: tr.discriminator.stateless_call(  # noqa: E731
                d_tv, nt, images, training=True)[0]
            loss = _d_objective(tr, y_real, p_real, y_fake, p_fake, x, fake, alpha, critic)
            return loss, (_mean(p_real), _mean(p_fake), nt, g_new)

        (loss, (p_real, p_fake, d_ntv, g_all)), grads = self._jax.value_and_grad(
            loss_fn, has_aux=True)(d_tv)
        d_tv, d_opt = tr.d_optimizer.stateless_apply(d_opt, grads, d_tv)
        if tr.objective.clip_value:
            c = tr.objective.clip_value
            d_tv = [self._jax.numpy.clip(v, -c, c) for v in d_tv]
        d_all = self._merge(d_tv, d_ntv, self._d_train, self._d_rest)
        return (g_all, d_all, g_opt, d_opt), (loss, p_real, p_fake)

    def _g_update(self, state, z, y_g):
        tr = self.trainer
        g_all, d_all, g_opt, d_opt = state
        tr.set_phase("g")  # at trace time: D frozen (dropout on), G trainable
        g_tv, g_ntv = self._split(g_all, self._g_train, self._g_rest)

        def loss_fn(g_tv):
            fake, nt = tr.generator.stateless_call(g_tv, g_ntv, z, training=True)
            p, d_new = tr.discriminator.stateless_call([], d_all, fake, training=True)
            return _mean(tr.g_loss_fn(y_g, p)), (nt, d_new)

        (loss, (g_ntv, d_all)), grads = self._jax.value_and_grad(loss_fn, has_aux=True)(g_tv)
        g_tv, g_opt = tr.g_optimizer.stateless_apply(g_opt, grads, g_tv)
        g_all = self._merge(g_tv, g_ntv, self._g_train, self._g_rest)
        tr.set_phase(None)
        return (g_all, d_all, g_opt, d_opt), loss

    def _simultaneous_update(self, state, x, z, y_real, y_fake, y_g):
        """The paper's code's step: one forward pass, D's halved loss and G's loss differentiated
        with respect to their own network's weights (one ``vjp`` each), both at the same weights."""
        jax, tr = self._jax, self.trainer
        g_all, d_all, g_opt, d_opt = state
        tr.set_phase(None)  # at trace time: both trainable, both in training mode
        d_tv, d_ntv = self._split(d_all, self._d_train, self._d_rest)
        g_tv, g_ntv = self._split(g_all, self._g_train, self._g_rest)

        def losses(d_tv, g_tv):
            fake, g_nt = tr.generator.stateless_call(g_tv, g_ntv, z, training=True)
            p_real, d_nt = tr.discriminator.stateless_call(d_tv, d_ntv, x, training=True)
            p_fake, d_nt = tr.discriminator.stateless_call(d_tv, d_nt, fake, training=True)
            d_loss, g_loss, aux = _simultaneous_losses(tr, y_real, p_real, y_fake, p_fake, y_g)
            return (d_loss, g_loss), (aux, d_nt, g_nt)

        (d_loss, g_loss), backward, (aux, d_ntv, g_ntv) = jax.vjp(losses, d_tv, g_tv, has_aux=True)
        one, zero = jax.numpy.ones_like(d_loss), jax.numpy.zeros_like(d_loss)
        d_grads = backward((one, zero))[0]
        g_grads = backward((zero, one))[1]
        d_tv, d_opt = tr.d_optimizer.stateless_apply(d_opt, d_grads, d_tv)
        g_tv, g_opt = tr.g_optimizer.stateless_apply(g_opt, g_grads, g_tv)
        state = (self._merge(g_tv, g_ntv, self._g_train, self._g_rest), self._merge(d_tv, d_ntv, self._d_train,
                                                                                     self._d_rest), g_opt, d_opt)
        return state, jax.numpy.stack([d_loss, g_loss, *aux])

    def _iteration(self, state, xs, z_d, y_real, y_fake, alpha, z_g, y_g):
        if self.trainer.update == "simultaneous":
            return self._simultaneous_update(state, xs[0], z_d[0], y_real[0], y_fake[0], y_g)
        logs = []
        for j in range(xs.shape[0]):  # k, or the critic schedule's count this step
            state, out = self._d_update(state, xs[j], z_d[j], y_real[j], y_fake[j], alpha[j])
            logs.append(out)
        state, g_loss = self._g_update(state, z_g, y_g)
        jnp = self._jax.numpy
        d_loss, d_real, d_fake = (jnp.mean(jnp.stack(v)) for v in zip(*logs))
        return state, jnp.stack([d_loss, g_loss, d_real, d_fake])

    # -- inputs drawn on the device ----------------------------------------------------------------
    def _device_inputs(self, key, k):
        jax, tr = self._jax, self.trainer
        b, dim = tr.batch_size, tr.latent_dim
        kz, kl, kg, ka = jax.random.split(key, 4)
        if tr.latent_distribution == "normal":
            draw = lambda kk, shape: jax.random.normal(kk, shape, "float32")  # noqa: E731
        else:
            bound = UNIFORM_BOUNDS[tr.latent_distribution]
            draw = lambda kk, shape: jax.random.uniform(kk, shape, "float32", -bound, bound)  # noqa: E731
        real, fake, g_target = tr.target_values()
        y_real = self._jax.numpy.full((k, b, 1), real, "float32")
        y_fake = self._jax.numpy.full((k, b, 1), fake, "float32")
        if tr.label_noise:
            noise = jax.random.uniform(kl, (2, k, b, 1), "float32")
            y_real = add_label_noise(y_real, noise[0], tr.label_noise)
            y_fake = add_label_noise(y_fake, noise[1], tr.label_noise)
        y_g = self._jax.numpy.full((b, 1), g_target, "float32")
        alpha = jax.random.uniform(ka, (k, b) + (1,) * len(tr.image_shape), "float32")
        return draw(kz, (k, b, dim)), y_real, y_fake, alpha, draw(kg, (b, dim)), y_g

    def _chunk_fn(self, state, data, idx, steps):
        jax = self._jax

        def body(state, inputs):
            idx_t, t = inputs
            z_d, y_real, y_fake, alpha, z_g, y_g = self._device_inputs(jax.random.fold_in(self._key, t), idx_t.shape[0])
            xs = jax.numpy.take(data, idx_t, axis=0)
            return self._iteration(state, xs, z_d, y_real, y_fake, alpha, z_g, y_g)

        return jax.lax.scan(body, state, (idx, steps))

    def _host_step_fn(self, state, data, idx, z_d, y_real, y_fake, alpha, z_g, y_g):
        xs = self._jax.numpy.take(data, idx, axis=0)
        return self._iteration(state, xs, z_d, y_real, y_fake, alpha, z_g, y_g)

    def _run(self, t0, n):
        tr, outs, t = self.trainer, [], t0
        while t < t0 + n:  # one compiled call per run of steps with the same number of D updates
            k, end = tr.d_updates(t), t + 1
            while end < t0 + n and tr.d_updates(end) == k:
                end += 1
            idx = np.stack([np.stack([tr.batch_indices(tr.d_updates_before(s) + j) for j in range(k)])
                            for s in range(t, end)]).astype(np.int32)
            self.state, out = self._chunk(self.state, self.data, idx, np.arange(t, end, dtype=np.int32))
            outs.append(out)
            t = end
        out = self._jax.numpy.concatenate(outs)
        return {"d_loss": out[:, 0], "g_loss": out[:, 1], "d_real": out[:, 2], "d_fake": out[:, 3]}

    def step_with_host_inputs(self, t):
        """One step fed with the teaching path's own minibatch, noise and targets (for tests)."""
        self.state, out = self._one_step(self.state, self.data, *self.host_inputs(t))
        return out

    def run_phase(self, phase, t, images):
        """Test hook: only the D update ("d") or only the G update ("g") of step t."""
        self.prepare(images)
        idx, z_d, y_real, y_fake, alpha, z_g, y_g = self.host_inputs(t)
        if phase == "d":
            fn = self._jax.jit(lambda s, x: self._d_update(s, x, z_d[0], y_real[0], y_fake[0], alpha[0])[0])
            self.state = fn(self.state, self.data[idx[0]])
        else:
            self.state = self._jax.jit(lambda s: self._g_update(s, z_g, y_g)[0])(self.state)
        self.trainer.set_phase(None)
