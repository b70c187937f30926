"""GAN losses, their targets, and the critics' update schedule.

Keras' ``binary_crossentropy`` clips probabilities to [1e-7, 1 - 1e-7] on JAX and torch, and the clip has zero
gradient: once D rejects every fake, G never learns again (``docs/keras3.md``). PyTorch's ``BCELoss`` (used by
"GANs demystified") clamps the log instead; ``binary_crossentropy`` here does the same on every backend. The
losses take ``y_true`` (targets) and ``y_pred`` (D's outputs), float (B, 1), and return per-sample losses (B,).

``OBJECTIVES`` names the loss families that ``GANTrainer`` knows (``objective=``):

| name      | D's output          | D's loss (real, fake targets)         | G's loss (target)   | extra                       |
|-----------|---------------------|---------------------------------------|---------------------|-----------------------------|
| gan       | probability P(real) | cross-entropy (1, 0)                  | -log D(G(z)) (1)    | label noise, smoothing      |
| lsgan     | score (linear)      | 1/2 (D - b)^2, 1/2 (D - a)^2 (1, 0)   | 1/2 (D - c)^2 (1)   |                             |
| wgan      | critic score        | E D(G(z)) - E D(x)  (-1, +1)          | -E D(G(z)) (-1)     | clip D's weights to +-0.01  |
| wgan-gp   | critic score        | as wgan                               | as wgan             | gradient penalty, lambda 10 |

For the critics ``d_real - d_fake`` in the history is the Wasserstein estimate. The gradient penalty needs
gradients with respect to D's input, which ``train_on_batch`` cannot take: ``wgan-gp`` trains on
``fast.FastGANTrainer`` only (penalty: ``gradient_penalty``).
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
    """Saturating G loss log(1 - D(G(z))) = -BCE(fake label, D(G(z))), to minimise; y_true: the fake label.

    Its gradient vanishes when D rejects the fakes, which is why the paper trains G on -log D(G(z)) instead.
    """
    return -binary_crossentropy(y_true, y_pred)


def mean_prediction(y_true, y_pred):
    """Metric: D's mean output over the batch (a probability in [0, 1])."""
    return ops.mean(y_pred)


def least_squares(y_true, y_pred):
    """LSGAN (Mao et al. 2017): 1/2 (D(x) - target)^2, mean over the last axis; D's output is a raw score.

    Targets a = 0 (fake), b = 1 (real) for D and c = 1 for G; the gradient never vanishes far from the boundary.
    """
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    return 0.5 * ops.mean(ops.square(y_pred - y_true), axis=-1)


def wasserstein(y_true, y_pred):
    """WGAN (Arjovsky et al. 2017): y * D(x), mean over the last axis; D is a critic score, the targets signs.

    Real -1, fake +1: the critic's loss is E D(G(z)) - E D(x), minus the Wasserstein estimate; G's is -E D(G(z)).
    """
    return ops.mean(ops.cast(y_true, "float32") * ops.cast(y_pred, "float32"), axis=-1)


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


def targets(objective, real_label=1, label_smoothing=0.0, generator_loss="non_saturating"):
    """(D's real target, D's fake target, G's target) before label noise: the objective's, or for "gan" the
    label convention (real_label 1: D gives P(real); 0: P(generated)), the real target smoothed towards 1/2."""
    if objective.name != "gan":
        return objective.real_target, objective.fake_target, objective.g_target
    real, fake = abs(real_label - label_smoothing), 1.0 - real_label
    return real, fake, float(real_label if generator_loss == "non_saturating" else fake)


def as_p_real(p, real_label):
    """D's outputs as P(real): as they are where D gives P(real) (real_label 1), 1 - p where it gives P(generated)."""
    return p if real_label == 1 else 1.0 - p


def clip_weights(variables, clip_value):
    """WGAN's Lipschitz constraint: clip every variable to [-clip_value, clip_value] in place (0: nothing)."""
    for v in variables if clip_value else ():
        v.assign(ops.clip(v, -clip_value, clip_value))


def get_objective(name):
    """The Objective called ``name`` (or ``name`` itself if it is one); ValueError otherwise."""
    if isinstance(name, Objective):
        return name
    if name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {name!r}")
    return OBJECTIVES[name]
