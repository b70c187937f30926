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


def least_squares(y_true, y_pred):
    """LSGAN (Mao et al. 2017): 1/2 (D(x) - target)^2, mean over the last axis.

    D's output is a raw score (no sigmoid). With targets a = 0 (fake), b = 1 (real) for D
    and c = 1 for G, D minimises 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] and G minimises
    1/2 E[(D(G(z)) - 1)^2]; the loss keeps a gradient however far a sample is from the
    boundary, unlike the sigmoid cross-entropy.
    """
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    return 0.5 * ops.mean(ops.square(y_pred - y_true), axis=-1)


def wasserstein(y_true, y_pred):
    """WGAN (Arjovsky et al. 2017): y * D(x), mean over the last axis; D is a critic score.

    Targets are signs: the critic trains real towards -1 and fake towards +1, so its loss
    summed over the two is E[D(G(z))] - E[D(x)] = -(Wasserstein estimate); G trains its
    samples towards -1, i.e. minimises -E[D(G(z))].
    """
    return ops.mean(ops.cast(y_true, "float32") * ops.cast(y_pred, "float32"), axis=-1)


def code_crossentropy(y_true, y_pred):
    """InfoGAN's mutual-information term: cross-entropy of one-hot codes (B, n) under Q's logits (B, n).

    Minimising it maximises the variational lower bound on I(c; G(z, c)) (up to H(c)).
    Computed with log-softmax, so no clipping and no vanishing gradient.
    """
    y_true = ops.cast(y_true, "float32")
    return -ops.sum(y_true * ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1), axis=-1)
