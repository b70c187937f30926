import numpy as np
import pytest
from keras import ops

from gan_keras.gradient_penalty import gradient_penalty, input_gradients

from .helpers import on_other_backends, other_backends


@pytest.mark.parametrize("backend", other_backends())
def test_on_every_backend(backend):
    """This module again under each other installed backend (in a subprocess: the backend is chosen at import)."""
    code, tail = on_other_backends(__file__, backend)
    assert code == 0, tail


def linear_critic(w):
    """D(x) = sum(w * x) per sample: its input gradient is w everywhere, norm ||w||."""
    w = ops.convert_to_tensor(w)
    return lambda x: ops.reshape(ops.sum(x * w, axis=(1, 2, 3)), (-1, 1))


def test_input_gradients_of_a_linear_critic_are_its_weights():
    w = np.random.default_rng(0).normal(size=(1, 4, 4, 1)).astype("float32")
    x = ops.convert_to_tensor(np.random.default_rng(1).normal(size=(3, 4, 4, 1)).astype("float32"))
    g = ops.convert_to_numpy(input_gradients(linear_critic(w), x))
    np.testing.assert_allclose(g, np.broadcast_to(w, (3, 4, 4, 1)), rtol=1e-6)


@pytest.mark.parametrize("norm", [0.5, 1.0, 3.0])
def test_gradient_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared(norm):
    w = np.random.default_rng(2).normal(size=(1, 4, 4, 1)).astype("float32")
    w *= norm / np.linalg.norm(w)
    rng = np.random.default_rng(3)
    real, fake = (ops.convert_to_tensor(rng.normal(size=(5, 4, 4, 1)).astype("float32")) for _ in range(2))
    alpha = rng.random((5, 1, 1, 1)).astype("float32")
    got = float(gradient_penalty(linear_critic(w), real, fake, alpha, weight=10.0))
    assert got == pytest.approx(10.0 * (norm - 1.0) ** 2, abs=1e-4)


def test_gradient_penalty_of_a_quadratic_critic_uses_the_mixed_points():
    # D(x) = 1/2 ||x||^2 has gradient x: at x_hat = alpha x + (1 - alpha) x~ the norm is ||x_hat||
    critic = lambda x: ops.reshape(0.5 * ops.sum(x * x, axis=(1, 2, 3)), (-1, 1))  # noqa: E731
    real = np.full((2, 2, 2, 1), 1.0, np.float32)   # ||x|| = 2
    fake = np.zeros((2, 2, 2, 1), np.float32)
    alpha = np.array([1.0, 0.25], np.float32).reshape(2, 1, 1, 1)  # ||x_hat|| = 2 and 0.5
    got = float(gradient_penalty(critic, ops.convert_to_tensor(real), ops.convert_to_tensor(fake), alpha, 1.0))
    assert got == pytest.approx(((2 - 1) ** 2 + (0.5 - 1) ** 2) / 2, rel=1e-5)
