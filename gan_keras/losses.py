"""GAN losses on D's probabilities, written so that their gradients survive a confident D.

Keras' own ``binary_crossentropy`` clips probabilities to ``[1e-7, 1 - 1e-7]`` on the JAX and torch
backends, and the clip has zero gradient: once D gives every fake less than 1e-7, G's gradient is
exactly zero and training never recovers (``docs/keras3.md``); TensorFlow recovers the logits instead,
so the same model trains differently per backend. PyTorch's ``BCELoss`` (used by "GANs demystified")
clamps the *log* at -100, which keeps the gradient; ``binary_crossentropy`` below does the same on every
backend: log(max(p, 1e-37)) keeps gradients down to p ~ 1e-37 (logit ~ -85).

All functions take ``y_true`` (targets) and ``y_pred`` (D's probabilities), both
float (B, 1), and return per-sample losses (B,) as Keras losses do.

``OBJECTIVES`` names the loss families that ``GANTrainer`` knows (``objective=``):

| name      | D's output          | D's loss (real, fake targets)         | G's loss (target)   | extra                       |
|-----------|---------------------|---------------------------------------|---------------------|-----------------------------|
| gan       | probability P(real) | cross-entropy (1, 0)                  | -log D(G(z)) (1)    | label noise, smoothing      |
| lsgan     | score (linear)      | 1/2 (D - b)^2, 1/2 (D - a)^2 (1, 0)   | 1/2 (D - c)^2 (1)   |                             |
| wgan      | critic score        | E D(G(z)) - E D(x)  (-1, +1)          | -E D(G(z)) (-1)     | clip D's weights to +-0.01  |
| wgan-gp   | critic score        | as wgan                               | as wgan             | gradient penalty, lambda 10 |

For the critics the history's ``d_real`` / ``d_fake`` are mean critic scores, not
probabilities, and ``d_real - d_fake`` is the Wasserstein estimate. The gradient penalty
(Gulrajani et al. 2017) needs gradients with respect to D's *input*, which
``train_on_batch`` cannot take, so ``wgan-gp`` trains on the fast path only
(``gan_keras.fast.FastGANTrainer``, penalty in ``gan_keras.gradient_penalty``).
"""

from dataclasses import dataclass

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


def continuous_code_nll(y_true, y_pred):
    """InfoGAN's term for continuous codes: 1/2 sum (c - mu)^2 over the codes, per sample (B,).

    c (B, m): the codes G was given; mu (B, m): Q's guess. The negative log-likelihood of c under
    a unit-variance Gaussian centred on Q's guess, constant dropped (the authors' code: fixed std 1).
    """
    return 0.5 * ops.sum(ops.square(ops.cast(y_true, "float32") - ops.cast(y_pred, "float32")), axis=-1)


@dataclass(frozen=True)
class Objective:
    """One loss family: D's and G's losses, their targets, and what else D's update does."""

    name: str
    d_loss: object           # Keras-style loss (y_true, y_pred) -> (B,), applied to real and to fake
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


ARJOVSKY = (25, 500, 100)  # Arjovsky et al.'s code: 100 critic updates in the first 25 steps and every 500th


def critic_updates(step, k, schedule="constant"):
    """D's updates in step ``step`` (0, 1, ...): k, or on schedule "arjovsky" 100 in its boosted steps."""
    first, every, boosted = ARJOVSKY
    return boosted if schedule == "arjovsky" and (step < first or step % every == 0) else k


def critic_updates_before(step, k, schedule="constant"):
    """D's updates in steps 0 .. step - 1: the number of real minibatches used before step ``step``."""
    first, every, boosted = ARJOVSKY
    if schedule != "arjovsky" or step == 0:
        return k * step
    return k * step + (boosted - k) * (min(step, first) + (step - 1) // every)


def get_objective(name):
    """The Objective called ``name`` (or ``name`` itself if it is one); ValueError otherwise."""
    if isinstance(name, Objective):
        return name
    if name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {name!r}")
    return OBJECTIVES[name]
