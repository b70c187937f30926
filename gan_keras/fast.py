"""The fast path: each step of Algorithm 1 as one compiled call, on the teaching path's contract.

``train_on_batch`` pays Python dispatch and host-device copies twice per step. ``FastGANTrainer``
trains the same Keras models with the same trainable flags, losses, targets, history and
checkpoints (either path resumes the other's), and takes WGAN-GP's gradient penalty, which needs
gradients with respect to D's input. The losses of each update are written once (``d_loss``,
``g_loss``, ``simultaneous_losses``) and called on G and D as each backend runs them; a backend
supplies only the gradients:

* TensorFlow: one ``tf.function`` per step (per number of D updates); torch: eager autograd. Both
  update the Keras variables in place and take the teaching path's inputs (``step_inputs``), so
  the two paths agree step for step;
* JAX: pure functions of the variables' values (``stateless_call``), a chunk of steps in one
  ``jax.lax.scan``, the noise drawn on the device (``jax.random``, the same distributions): runs
  agree with the teaching path in distribution, not bit for bit.
"""

import keras
import numpy as np
from keras import ops

from .checks import check_models
from .gradient_penalty import gradient_penalty
from .losses import as_p_real, clip_weights, critic_updates
from .models import LATENT
from .training import GANTrainer, Stream


def d_loss(tr, G, D, x, z, y_real, y_fake, alpha, critic):
    """D's loss in one update and (mean D(x), mean D(G(z))). G, D: callables in training mode; critic: D
    without side effects, for WGAN-GP's penalty at the mixes ``alpha`` (B, 1, 1, 1)."""
    obj, fake = tr.objective, G(z)
    p_real, p_fake = D(x), D(fake)
    loss = ops.mean(obj.d_loss(y_real, p_real)) + ops.mean(obj.d_loss(y_fake, p_fake))
    if obj.gradient_penalty:
        loss = loss + gradient_penalty(critic, x, fake, alpha, obj.gradient_penalty)
    return loss, (ops.mean(p_real), ops.mean(p_fake))


def g_loss(tr, G, D, z, y_g):
    """G's loss in one update: the objective's (or the minimax) loss of D(G(z)) against G's targets."""
    return ops.mean(tr.g_loss_fn(y_g, D(G(z))))


def simultaneous_losses(tr, G, D, x, z, y_real, y_fake, y_g):
    """The paper's code: (D's halved loss, G's loss, (mean D(x), mean D(G(z)))) of one forward pass."""
    fake = G(z)
    p_real, p_fake = D(x), D(fake)
    half = 0.5 * (ops.mean(tr.objective.d_loss(y_real, p_real)) + ops.mean(tr.objective.d_loss(y_fake, p_fake)))
    return half, ops.mean(tr.g_loss_fn(y_g, p_fake)), (ops.mean(p_real), ops.mean(p_fake))


class FastGANTrainer(GANTrainer):
    """``GANTrainer`` whose steps run as compiled calls: same arguments, history, checkpoints, callbacks.

    Steps run in chunks (on JAX) that end where a callback with an ``every`` attribute acts; callbacks
    without one see the weights after each step. The Keras variables are current after each chunk.
    """

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        engines = {"jax": JaxEngine, "tensorflow": TensorFlowEngine, "torch": TorchEngine}
        if keras.backend.backend() not in engines:
            raise NotImplementedError(f"no fast path on the {keras.backend.backend()!r} backend; use GANTrainer")
        self.engine = engines[keras.backend.backend()](self)

    def compile_models(self):
        check_models(self.generator, self.discriminator)  # no Keras training models: the engine trains
        return None, None

    def put_data(self, images, labels=None):
        super().put_data(images, labels)
        self.engine.start(self.data)

    def next_steps(self, total, callbacks):
        everies = [every for every in (getattr(cb, "every", 1) for cb in callbacks) if every]
        n = min([total - self.step, self.engine.max_chunk] + [e - self.step % e for e in everies])
        logs = self.engine.advance(self.step, n)
        self.engine.write_back()
        for i in range(n):
            yield {key: float(values[i]) for key, values in logs.items()}

    def config(self):
        return {**super().config(), "fast": True}


class Engine:
    """What every backend shares: the inputs of a step and the logs of a chunk of steps."""

    max_chunk = 50

    def __init__(self, trainer):
        self.tr = trainer

    def start(self, data):
        """Start of ``train``: the images (on the device) and the current Keras variables."""
        self.data = data

    def write_back(self):
        """Make the Keras variables current (they are, where the step updates them in place)."""

    def advance(self, t0, n):
        """Run steps t0 .. t0 + n - 1; their history entries, ``logs``."""
        raise NotImplementedError

    def inputs(self, t):
        """Step t's inputs as the teaching path draws them, and WGAN-GP's mixing weights alpha (n, B, 1, 1, 1)."""
        s = self.tr.step_inputs(t)
        shape = (self.tr.batch_size,) + (1,) * len(self.tr.image_shape)
        alpha = np.stack([self.tr.rng(Stream.PENALTY_MIX, t, j).random(shape, np.float32) for j in range(len(s["idx"]))])
        return s["idx"].astype(np.int32), s["z"], s["y_real"], s["y_fake"], alpha, s["z_g"], s["y_g"]

    def logs(self, out):
        """{history key: float64 (n,)} from the stacked (n, 4) outputs of n steps, as P(real) either label way."""
        out = np.asarray(keras.ops.convert_to_numpy(out), np.float64).reshape(-1, 4)
        out[:, 2:] = as_p_real(out[:, 2:], self.tr.real_label)
        return dict(zip(("d_loss", "g_loss", "d_real", "d_fake"), out.T))


class StatefulEngine(Engine):
    """TensorFlow and torch: the networks called as they are, their Keras variables updated in place."""

    def networks(self):
        g, d = self.tr.generator, self.tr.discriminator
        return (lambda z: g(z, training=True)), (lambda x: d(x, training=True))

    def d_update(self, x, z, y_real, y_fake, alpha):
        tr, (G, D) = self.tr, self.networks()
        tr.set_phase("d")
        variables = tr.discriminator.trainable_variables
        loss, aux, grads = self.gradients(lambda: d_loss(tr, G, D, x, z, y_real, y_fake, alpha, D), variables)
        tr.d_optimizer.apply(grads, variables)
        clip_weights(variables, tr.objective.clip_value)
        return loss, aux

    def g_update(self, z, y_g):
        tr, (G, D) = self.tr, self.networks()
        tr.set_phase("g")
        variables = tr.generator.trainable_variables
        loss, _, grads = self.gradients(lambda: (g_loss(tr, G, D, z, y_g), ()), variables)
        tr.g_optimizer.apply(grads, variables)
        return loss

    def simultaneous_update(self, x, z, y_real, y_fake, y_g):
        tr, (G, D) = self.tr, self.networks()
        tr.set_phase(None)
        d_vars, g_vars = tr.discriminator.trainable_variables, tr.generator.trainable_variables
        d, g, aux, d_grads, g_grads = self.two_gradients(
            lambda: simultaneous_losses(tr, G, D, x, z, y_real, y_fake, y_g), d_vars, g_vars)
        tr.d_optimizer.apply(d_grads, d_vars)
        tr.g_optimizer.apply(g_grads, g_vars)
        return ops.stack([d, g, *aux])

    def step(self, data, idx, z, y_real, y_fake, alpha, z_g, y_g):
        """One step on the Keras variables; returns (d_loss, g_loss, mean D(x), mean D(G(z)))."""
        if self.tr.update == "simultaneous":
            out = self.simultaneous_update(ops.take(data, idx[0], axis=0), z[0], y_real[0], y_fake[0], y_g)
        else:
            d_logs = [self.d_update(ops.take(data, idx[j], axis=0), z[j], y_real[j], y_fake[j], alpha[j])
                      for j in range(idx.shape[0])]
            g = self.g_update(z_g, y_g)
            d_real, d_fake = (ops.mean(ops.stack(v)) for v in zip(*(aux for _, aux in d_logs)))
            out = ops.stack([ops.mean(ops.stack([loss for loss, _ in d_logs])), g, d_real, d_fake])
        self.tr.set_phase(None)
        return out

    def compiled(self, k):
        """The step as the backend runs it, for steps of k D updates."""
        return self.step

    def advance(self, t0, n):
        outs = []
        for t in range(t0, t0 + n):
            inputs = self.inputs(t)
            outs.append(self.compiled(len(inputs[0]))(self.data, *inputs))
        return self.logs(ops.stack(outs))


class TensorFlowEngine(StatefulEngine):
    def __init__(self, trainer):
        super().__init__(trainer)
        import tensorflow as tf

        self.tf, self.steps = tf, {}

    def compiled(self, k):
        if k not in self.steps:  # one graph per number of D updates (the loop over them is unrolled)
            self.steps[k] = self.tf.function(self.step, reduce_retracing=True)
        return self.steps[k]

    def gradients(self, loss_fn, variables):
        with self.tf.GradientTape() as tape:
            loss, aux = loss_fn()
        return loss, aux, tape.gradient(loss, [v.value for v in variables])

    def two_gradients(self, losses, d_vars, g_vars):
        with self.tf.GradientTape(persistent=True) as tape:
            d, g, aux = losses()
        return d, g, aux, tape.gradient(d, [v.value for v in d_vars]), tape.gradient(g, [v.value for v in g_vars])


class TorchEngine(StatefulEngine):
    def __init__(self, trainer):
        super().__init__(trainer)
        import torch

        self.torch = torch

    def gradients(self, loss_fn, variables):
        loss, aux = loss_fn()
        grads = self.torch.autograd.grad(loss, [v.value for v in variables])
        return loss.detach(), tuple(a.detach() for a in aux), grads

    def two_gradients(self, losses, d_vars, g_vars):
        d, g, aux = losses()
        d_grads = self.torch.autograd.grad(d, [v.value for v in d_vars], retain_graph=True)
        g_grads = self.torch.autograd.grad(g, [v.value for v in g_vars])
        return d.detach(), g.detach(), tuple(a.detach() for a in aux), d_grads, g_grads


class Stateless:
    """A Keras model called on given variable values (JAX): ``net(x)`` threads its non-trainable state
    (dropout seeds, batch-norm statistics) from call to call; ``net.peek(x)`` leaves it as it is."""

    def __init__(self, model, trainable, rest):
        self.model, self.trainable, self.rest = model, trainable, rest

    def __call__(self, x):
        out, self.rest = self.model.stateless_call(self.trainable, self.rest, x, training=True)
        return out

    def peek(self, x):
        return self.model.stateless_call(self.trainable, self.rest, x, training=True)[0]


class JaxEngine(Engine):
    """Pure functions of the variables' values; the state (G, D, G's and D's optimizer) lives as arrays."""

    max_chunk = 200

    def __init__(self, trainer):
        super().__init__(trainer)
        import jax

        self.jax, tr = jax, trainer
        self.split, self.sizes = {}, {"d": len(tr.discriminator.variables), "g": len(tr.generator.variables)}
        for name, net in (("d", tr.discriminator), ("g", tr.generator)):
            tr.set_phase(name)  # which variables each update trains
            self.split[name] = [i for i, v in enumerate(net.variables) if v.trainable]
        tr.set_phase(None)
        self.key = jax.random.key(np.uint32(tr.seed))
        self.chunk = jax.jit(self.chunk_fn, donate_argnums=0)
        self.state = None

    def start(self, data):
        self.data = self.jax.numpy.asarray(data)
        tr = self.tr  # copies: the jitted chunk donates (reuses) its input buffers
        self.state = tuple([self.jax.numpy.array(v.value, copy=True) for v in variables] for variables in (
            tr.generator.variables, tr.discriminator.variables, tr.g_optimizer.variables, tr.d_optimizer.variables))

    def write_back(self):
        tr = self.tr
        for variables, values in zip((tr.generator.variables, tr.discriminator.variables, tr.g_optimizer.variables,
                                      tr.d_optimizer.variables), self.state):
            for v, value in zip(variables, values):
                v.assign(self.jax.numpy.array(value, copy=True))  # the next chunk donates `value`

    def parts(self, name, values):
        """(trainable values, the rest) of network ``name``'s variable values."""
        train = self.split[name]
        return [values[i] for i in train], [v for i, v in enumerate(values) if i not in train]

    def join(self, name, trainable, rest):
        """The inverse of ``parts``: all of network ``name``'s variable values, in order."""
        train, trainable, rest = set(self.split[name]), iter(trainable), iter(rest)
        return [next(trainable) if i in train else next(rest) for i in range(self.sizes[name])]

    def d_update(self, state, x, z, y_real, y_fake, alpha):
        tr, (g_all, d_all, g_opt, d_opt) = self.tr, state
        tr.set_phase("d")  # at trace time: G frozen, D trainable
        d_train, d_rest = self.parts("d", d_all)

        def loss_fn(d_train):
            G, D = Stateless(tr.generator, [], g_all), Stateless(tr.discriminator, d_train, d_rest)
            loss, aux = d_loss(tr, G, D, x, z, y_real, y_fake, alpha, D.peek)
            return loss, (aux, D.rest, G.rest)

        (loss, (aux, d_rest, g_all)), grads = self.jax.value_and_grad(loss_fn, has_aux=True)(d_train)
        d_train, d_opt = tr.d_optimizer.stateless_apply(d_opt, grads, d_train)
        if tr.objective.clip_value:
            d_train = [self.jax.numpy.clip(v, -tr.objective.clip_value, tr.objective.clip_value) for v in d_train]
        return (g_all, self.join("d", d_train, d_rest), g_opt, d_opt), (loss, *aux)

    def g_update(self, state, z, y_g):
        tr, (g_all, d_all, g_opt, d_opt) = self.tr, state
        tr.set_phase("g")  # at trace time: D frozen (its dropout on), G trainable
        g_train, g_rest = self.parts("g", g_all)

        def loss_fn(g_train):
            G, D = Stateless(tr.generator, g_train, g_rest), Stateless(tr.discriminator, [], d_all)
            return g_loss(tr, G, D, z, y_g), (G.rest, D.rest)

        (loss, (g_rest, d_all)), grads = self.jax.value_and_grad(loss_fn, has_aux=True)(g_train)
        g_train, g_opt = tr.g_optimizer.stateless_apply(g_opt, grads, g_train)
        tr.set_phase(None)
        return (self.join("g", g_train, g_rest), d_all, g_opt, d_opt), loss

    def simultaneous_update(self, state, x, z, y_real, y_fake, y_g):
        """One forward pass; D's halved loss and G's loss differentiated by one ``vjp`` each, at the same weights."""
        jax, tr, (g_all, d_all, g_opt, d_opt) = self.jax, self.tr, state
        tr.set_phase(None)  # at trace time: both trainable, both in training mode
        (d_train, d_rest), (g_train, g_rest) = self.parts("d", d_all), self.parts("g", g_all)

        def losses(d_train, g_train):
            G, D = Stateless(tr.generator, g_train, g_rest), Stateless(tr.discriminator, d_train, d_rest)
            d, g, aux = simultaneous_losses(tr, G, D, x, z, y_real, y_fake, y_g)
            return (d, g), (aux, D.rest, G.rest)

        (d, g), backward, (aux, d_rest, g_rest) = jax.vjp(losses, d_train, g_train, has_aux=True)
        one, zero = jax.numpy.ones_like(d), jax.numpy.zeros_like(d)
        d_train, d_opt = tr.d_optimizer.stateless_apply(d_opt, backward((one, zero))[0], d_train)
        g_train, g_opt = tr.g_optimizer.stateless_apply(g_opt, backward((zero, one))[1], g_train)
        state = (self.join("g", g_train, g_rest), self.join("d", d_train, d_rest), g_opt, d_opt)
        return state, jax.numpy.stack([d, g, *aux])

    def step(self, state, xs, z, y_real, y_fake, alpha, z_g, y_g):
        """One step from the state; returns (state, (d_loss, g_loss, mean D(x), mean D(G(z))))."""
        if self.tr.update == "simultaneous":
            return self.simultaneous_update(state, xs[0], z[0], y_real[0], y_fake[0], y_g)
        logs = []
        for j in range(xs.shape[0]):  # k, or the critic schedule's count this step
            state, out = self.d_update(state, xs[j], z[j], y_real[j], y_fake[j], alpha[j])
            logs.append(out)
        state, g = self.g_update(state, z_g, y_g)
        jnp = self.jax.numpy
        d, d_real, d_fake = (jnp.mean(jnp.stack(v)) for v in zip(*logs))
        return state, jnp.stack([d, g, d_real, d_fake])

    def device_inputs(self, key, n):
        """A step's noise, targets and mixing weights drawn on the device (the teaching path's distributions)."""
        jax, tr, jnp = self.jax, self.tr, self.jax.numpy
        b, bound, (real, fake, g_target) = tr.batch_size, LATENT[tr.latent_distribution], tr.targets
        kz, kl, kg, ka = jax.random.split(key, 4)
        draw = (lambda k, shape: jax.random.normal(k, shape, "float32")) if bound is None else \
            (lambda k, shape: jax.random.uniform(k, shape, "float32", -bound, bound))
        y_real, y_fake = jnp.full((n, b, 1), real, "float32"), jnp.full((n, b, 1), fake, "float32")
        if tr.label_noise:
            u = jax.random.uniform(kl, (2, n, b, 1), "float32")
            y_real, y_fake = y_real + tr.label_noise * u[0], y_fake + tr.label_noise * u[1]
        alpha = jax.random.uniform(ka, (n, b) + (1,) * len(tr.image_shape), "float32")
        return draw(kz, (n, b, tr.latent_dim)), y_real, y_fake, alpha, draw(kg, (b, tr.latent_dim)), \
            jnp.full((b, 1), g_target, "float32")

    def chunk_fn(self, state, data, idx, steps):
        def body(state, inputs):
            idx_t, t = inputs
            noise = self.device_inputs(self.jax.random.fold_in(self.key, t), idx_t.shape[0])
            return self.step(state, self.jax.numpy.take(data, idx_t, axis=0), *noise)

        return self.jax.lax.scan(body, state, (idx, steps))

    def advance(self, t0, n):
        tr, outs, t = self.tr, [], t0
        while t < t0 + n:  # one compiled call per run of steps with the same number of D updates
            k, end = critic_updates(t, tr.k, tr.critic_schedule), t + 1
            while end < t0 + n and critic_updates(end, tr.k, tr.critic_schedule) == k:
                end += 1
            idx = np.stack([tr.minibatches(s).astype(np.int32) for s in range(t, end)])
            self.state, out = self.chunk(self.state, self.data, idx, np.arange(t, end, dtype=np.int32))
            outs.append(out)
            t = end
        return self.logs(self.jax.numpy.concatenate(outs))
