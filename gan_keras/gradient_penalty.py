"""WGAN-GP's gradient penalty (Gulrajani et al. 2017): the critic's input gradient kept near norm 1.

The penalty needs gradients of D with respect to its *input* images, inside D's own loss
(so differentiable again). ``keras.ops`` has no gradient function, so this is the one place
where the package speaks to each backend in its own words, each behind a backend check.
``train_on_batch`` cannot add such a term, which is why WGAN-GP trains on the fast path
(``gan_keras.fast``).
"""

import keras
from keras import ops


def input_gradients(fn, x):
    """d sum(fn(x)) / dx, same shape as x, differentiable again (for a penalty in a loss).

    fn: images (B, H, W, C) -> scores (B, 1). JAX uses ``jax.grad``, TensorFlow a
    ``GradientTape`` (nested in the caller's tape), torch ``autograd.grad(create_graph=True)``.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.grad(lambda v: ops.sum(fn(v)))(x)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            total = ops.sum(fn(x))
        return tape.gradient(total, x)
    if backend == "torch":
        import torch

        x = x.detach().requires_grad_(True)
        return torch.autograd.grad(ops.sum(fn(x)), x, create_graph=True)[0]
    raise NotImplementedError(f"no input gradients on the {backend!r} backend")


def gradient_penalty(fn, real, fake, alpha, weight=10.0):
    """weight * E[(||grad_x D(x_hat)||_2 - 1)^2], x_hat = alpha x + (1 - alpha) x~.

    real, fake: (B, H, W, C); alpha: (B, 1, 1, 1) in [0, 1], one mix per sample. The norm
    is taken per sample over all pixels. Returns a scalar.
    """
    alpha = ops.convert_to_tensor(alpha)
    x_hat = alpha * real + (1.0 - alpha) * fake
    grads = input_gradients(fn, x_hat)
    norms = ops.sqrt(ops.sum(ops.square(ops.reshape(grads, (ops.shape(grads)[0], -1))), axis=-1) + 1e-12)
    return weight * ops.mean(ops.square(norms - 1.0))
