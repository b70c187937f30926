"""The paper's SGD: momentum rising 0.5 -> 0.7 and a learning rate divided by 1.000004 per step.

Goodfellow et al.'s MNIST run (goodfeli/adversarial, mnist.yaml) used pylearn2's SGD with
``learning_rate = max(0.1 / 1.000004**t, 1e-6)`` after t updates and a momentum that grows
linearly from 0.5 to 0.7 between epochs 1 and 250. Keras' SGD keeps its momentum fixed,
so ``RampedMomentumSGD`` computes it from the optimizer's own step counter.
"""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="gan_keras")
class FlooredExponentialDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``max(initial / factor**step, minimum)``: the paper's per-step decay with a floor."""

    def __init__(self, initial, factor=1.000004, minimum=1e-6):
        self.initial, self.factor, self.minimum = float(initial), float(factor), float(minimum)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        value = self.initial * ops.exp(-step * math.log(self.factor))
        return ops.maximum(value, self.minimum)

    def get_config(self):
        return {"initial": self.initial, "factor": self.factor, "minimum": self.minimum}


@keras.saving.register_keras_serializable(package="gan_keras")
class RampedMomentumSGD(keras.optimizers.SGD):
    """SGD whose momentum goes linearly from ``momentum`` (before step ``ramp_start``) to
    ``final_momentum`` (from step ``ramp_end`` on). Steps count optimizer updates.

    The update is Keras' (and pylearn2's) classical momentum:
    ``m <- mu_t * m - lr_t * grad``; ``w <- w + m``.
    """

    def __init__(self, learning_rate=0.1, momentum=0.5, final_momentum=0.7, ramp_start=0,
                 ramp_end=1, **kwargs):
        if not momentum > 0:
            raise ValueError("RampedMomentumSGD needs an initial momentum > 0")
        super().__init__(learning_rate=learning_rate, momentum=momentum, **kwargs)
        self.final_momentum = float(final_momentum)
        self.ramp_start, self.ramp_end = int(ramp_start), max(int(ramp_end), int(ramp_start) + 1)

    def current_momentum(self, dtype="float32"):
        """The momentum used by the next update (a scalar tensor)."""
        t = ops.cast(self.iterations, dtype)
        frac = ops.clip((t - self.ramp_start) / (self.ramp_end - self.ramp_start), 0.0, 1.0)
        return self.momentum + (self.final_momentum - self.momentum) * frac

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)]
        mu = self.current_momentum(variable.dtype)
        self.assign(m, ops.subtract(ops.multiply(m, mu), ops.multiply(gradient, learning_rate)))
        self.assign_add(variable, m)

    def get_config(self):
        return {**super().get_config(), "final_momentum": self.final_momentum,
                "ramp_start": self.ramp_start, "ramp_end": self.ramp_end}


@keras.saving.register_keras_serializable(package="gan_keras")
class TorchAdam(keras.optimizers.Adam):
    """Adam exactly as PyTorch computes it (``torch.optim.Adam``, the optimizer of "GANs demystified").

    Keras adds epsilon to sqrt(v) *before* bias correction, PyTorch after it:
    ``w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``. In the first few
    hundred steps Keras' effective epsilon is up to 1/sqrt(1 - b2) = 32 times larger,
    which shrinks the updates of weights with small gradients (``docs/keras3.md`` shows what
    that does to the tutorial's GAN).
    """

    def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, **kwargs)

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.cast(self.iterations + 1, variable.dtype)
        correction_1 = 1 - ops.power(ops.cast(self.beta_1, variable.dtype), step)
        correction_2 = 1 - ops.power(ops.cast(self.beta_2, variable.dtype), step)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        denom = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(correction_2)), self.epsilon)
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr / correction_1), denom))
