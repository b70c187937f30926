"""What D and G optimise: the original GAN game and the variants that change only the objective.

An ``Objective`` is everything ``GANTrainer`` needs to know about a loss family:

| name      | D's output          | D's loss (real, fake targets)         | G's loss (target)   | extra                       |
|-----------|---------------------|---------------------------------------|---------------------|-----------------------------|
| gan       | probability P(real) | cross-entropy (1, 0)                   | -log D(G(z)) (1)    | label noise, smoothing      |
| lsgan     | score (linear)      | 1/2 (D - b)^2, 1/2 (D - a)^2 (1, 0)    | 1/2 (D - c)^2 (1)   |                             |
| wgan      | critic score        | E D(G(z)) - E D(x)  (-1, +1)           | -E D(G(z)) (-1)     | clip D's weights to +-0.01  |
| wgan-gp   | critic score        | as wgan                               | as wgan             | gradient penalty, lambda 10 |

For the critics the history's ``d_real`` / ``d_fake`` are mean critic scores, not
probabilities, and ``d_real - d_fake`` is the Wasserstein estimate. The gradient penalty
(Gulrajani et al. 2017) needs gradients with respect to D's *input*, which
``train_on_batch`` cannot take, so ``wgan-gp`` trains on the fast path only
(``GANTrainer(..., fast=True)``).
"""

from dataclasses import dataclass

import keras
from keras import ops

from .losses import binary_crossentropy, least_squares, wasserstein


@dataclass(frozen=True)
class Objective:
    name: str
    d_loss: object           # Keras-style loss (y_true, y_pred) -> (B,), summed over real and fake
    g_loss: object
    real_target: float
    fake_target: float
    g_target: float
    probabilities: bool      # D outputs probabilities (sigmoid); False: raw scores
    clip_value: float = 0.0  # clip every D weight to [-clip, clip] after each D update (0: no)
    gradient_penalty: float = 0.0  # lambda of the WGAN-GP penalty (0: none)


OBJECTIVES = {
    "gan": Objective("gan", binary_crossentropy, binary_crossentropy, 1.0, 0.0, 1.0, True),
    "lsgan": Objective("lsgan", least_squares, least_squares, 1.0, 0.0, 1.0, False),
    "wgan": Objective("wgan", wasserstein, wasserstein, -1.0, 1.0, -1.0, False, clip_value=0.01),
    "wgan-gp": Objective("wgan-gp", wasserstein, wasserstein, -1.0, 1.0, -1.0, False,
                         gradient_penalty=10.0),
}


def get(name):
    """The Objective called ``name``; ValueError listing the names otherwise."""
    if isinstance(name, Objective):
        return name
    if name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {name!r}")
    return OBJECTIVES[name]


def input_gradients(fn, x):
    """d sum(fn(x)) / dx, same shape as x, differentiable again (for a penalty in a loss).

    fn: images (B, H, W, C) -> scores (B, 1). Backend-specific: ``keras.ops`` has no
    gradient, so JAX uses ``jax.grad``, TensorFlow a ``GradientTape`` (nested in the
    caller's tape), torch ``autograd.grad(create_graph=True)``.
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
    """WGAN-GP: weight * E[(||grad_x D(x_hat)||_2 - 1)^2], x_hat = alpha x + (1 - alpha) x~.

    real, fake: (B, H, W, C); alpha: (B, 1, 1, 1) in [0, 1], one mix per sample. The norm
    is taken per sample over all pixels. Returns a scalar.
    """
    alpha = ops.convert_to_tensor(alpha)
    x_hat = alpha * real + (1.0 - alpha) * fake
    grads = input_gradients(fn, x_hat)
    norms = ops.sqrt(ops.sum(ops.square(ops.reshape(grads, (ops.shape(grads)[0], -1))), axis=-1) + 1e-12)
    return weight * ops.mean(ops.square(norms - 1.0))
