"""GAN losses on D's probabilities, written so that their gradients survive a confident D.

Keras' own ``binary_crossentropy`` clips probabilities to ``[1e-7, 1 - 1e-7]`` on the JAX
and torch backends, and the clip has zero gradient: once D gives every fake less than
1e-7 -- which happens within a few hundred steps of the dense MNIST GAN -- the
generator's gradient is exactly zero and training never recovers (measured here: G loss
stuck at 16.1 = -log 1e-7, all samples collapsed to one blob). On TensorFlow the same
call silently recovers the logits from the sigmoid and does not clip, so the same model
trains differently per backend. PyTorch's ``BCELoss`` (seed 001) instead clamps the
*log* at -100, which keeps the gradient. ``binary_crossentropy`` below does that on every
backend: log(max(p, 1e-37)) keeps gradients down to p ~ 1e-37 (logit ~ -85).

All functions take ``y_true`` (targets) and ``y_pred`` (D's probabilities), both
float (B, 1), and return per-sample losses (B,) as Keras losses do.
"""

from keras import ops

_TINY = 1e-37  # smallest float32 kept away from log(0); log(_TINY) = -85.2


def _log(x):
    return ops.log(ops.maximum(x, _TINY))


def binary_crossentropy(y_true, y_pred):
    """-[y log p + (1 - y) log(1 - p)], mean over the last axis; gradients kept for tiny p."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    return -ops.mean(y_true * _log(y_pred) + (1.0 - y_true) * _log(1.0 - y_pred), axis=-1)


def minimax_generator_loss(y_true, y_pred):
    """Saturating G loss log(1 - D(G(z))), to minimise, as ``-BCE(fake label, D(G(z)))``.

    ``y_true`` holds the *fake* label (0 when D outputs P(real)). Its gradient vanishes
    when D rejects the fakes (D(G(z)) -> 0), which is why Goodfellow et al. train G with
    the non-saturating loss ``-log D(G(z))`` = ``binary_crossentropy(real label, ...)``.
    """
    return -binary_crossentropy(y_true, y_pred)


def mean_prediction(y_true, y_pred):
    """Metric: D's mean output over the batch (a probability in [0, 1])."""
    return ops.mean(y_pred)
