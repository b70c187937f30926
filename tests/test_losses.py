import keras
import numpy as np
import pytest
from keras import ops

from gan_keras import losses
from gan_keras.losses import binary_crossentropy, mean_prediction, minimax_generator_loss

from .helpers import on_other_backends, other_backends


@pytest.mark.parametrize("backend", other_backends())
def test_on_every_backend(backend):
    """This module again under each other installed backend (Keras' losses differ between them)."""
    code, tail = on_other_backends(__file__, backend)
    assert code == 0, tail


def test_bce_matches_hand_computed_values():
    y = np.array([[1.0], [0.0], [1.0]], np.float32)
    p = np.array([[0.8], [0.3], [0.5]], np.float32)
    expected = -np.array([np.log(0.8), np.log(0.7), np.log(0.5)])
    np.testing.assert_allclose(ops.convert_to_numpy(binary_crossentropy(y, p)), expected, rtol=1e-6)


def test_bce_with_noisy_targets_above_one():
    # the Chollet DCGAN adds 0.05 * U[0, 1) to the labels: a target of 1.03 is allowed
    got = float(binary_crossentropy(np.array([[1.03]]), np.array([[0.9]]))[0])
    assert got == pytest.approx(-(1.03 * np.log(0.9) - 0.03 * np.log(0.1)), rel=1e-5)


def _grad_of_loss_wrt_logit(loss_fn, y, logit):
    """d loss / d logit for p = sigmoid(logit), by central differences in float64 of the loss."""
    h = 1e-3
    f = lambda s: float(ops.convert_to_numpy(loss_fn(np.array([[y]], np.float32),
                                                     ops.sigmoid(np.array([[s]], np.float32))))[0])
    return (f(logit + h) - f(logit - h)) / (2 * h)


def test_bce_keeps_the_generator_gradient_when_d_is_confident():
    # D(G(z)) = sigmoid(-20) ~ 2e-9 < 1e-7: Keras' clip gives zero slope on JAX/torch,
    # the non-saturating loss -log p has slope -(1 - p) ~ -1 with respect to the logit.
    slope = _grad_of_loss_wrt_logit(binary_crossentropy, 1.0, -20.0)
    assert slope == pytest.approx(-1.0, abs=0.05)
    # Keras' own loss: TensorFlow finds the logit behind the sigmoid and keeps the slope; JAX and torch clip p
    # to 1e-7, where the slope is 0 (this module runs on each backend: test_on_every_backend)
    keras_slope = _grad_of_loss_wrt_logit(keras.losses.binary_crossentropy, 1.0, -20.0)
    assert keras_slope == pytest.approx(-1.0 if keras.backend.backend() == "tensorflow" else 0.0, abs=0.05)


def test_minimax_loss_is_log_one_minus_d():
    p = np.array([[0.2], [0.6]], np.float32)
    got = ops.convert_to_numpy(minimax_generator_loss(np.zeros_like(p), p))
    np.testing.assert_allclose(got, np.log(1 - p[:, 0]), rtol=1e-6)


def test_minimax_gradient_saturates_where_non_saturating_does_not():
    # the paper's argument: early on D(G(z)) ~ 0 and log(1 - D) is flat there
    flat = _grad_of_loss_wrt_logit(minimax_generator_loss, 0.0, -8.0)
    steep = _grad_of_loss_wrt_logit(binary_crossentropy, 1.0, -8.0)
    assert abs(flat) < 1e-3 < 0.9 < abs(steep)


def test_mean_prediction():
    assert float(mean_prediction(None, np.array([[0.25], [0.75], [1.0]], np.float32))) == pytest.approx(2 / 3)


def test_least_squares_matches_hand_computed_values():
    from gan_keras.losses import least_squares

    y = np.array([[1.0], [0.0], [1.0]], np.float32)
    d = np.array([[0.5], [2.0], [-1.0]], np.float32)
    # 1/2 (d - y)^2: 0.125, 2.0, 2.0
    np.testing.assert_allclose(ops.convert_to_numpy(least_squares(y, d)), [0.125, 2.0, 2.0], rtol=1e-6)


def test_wasserstein_critic_loss_is_minus_the_score_gap():
    from gan_keras.losses import wasserstein

    real, fake = np.array([[3.0], [1.0]], np.float32), np.array([[0.5], [-0.5]], np.float32)
    d_loss = (ops.mean(wasserstein(-np.ones_like(real), real)) + ops.mean(wasserstein(np.ones_like(fake), fake)))
    assert float(d_loss) == pytest.approx(0.0 - 2.0)  # E D(fake) - E D(real)
    assert float(ops.mean(wasserstein(-np.ones_like(fake), fake))) == pytest.approx(0.0)  # G: -E D(fake)


def test_objectives_table():
    assert sorted(losses.OBJECTIVES) == ["gan", "lsgan", "wgan", "wgan-gp"]
    gan, wgan = losses.get_objective("gan"), losses.get_objective("wgan")
    assert (gan.real_target, gan.fake_target, gan.g_target, gan.probabilities) == (1.0, 0.0, 1.0, True)
    assert (wgan.real_target, wgan.fake_target, wgan.g_target) == (-1.0, 1.0, -1.0)
    assert wgan.clip_value == 0.01  # Arjovsky et al.'s c
    assert losses.get_objective("wgan-gp").gradient_penalty == 10.0  # Gulrajani et al.'s lambda
    # each objective's D loss on a real image that D scores 0.8, by hand: -log 0.8; 1/2 (0.8 - 1)^2; -0.8
    d = np.array([[0.8]], np.float32)
    for name, by_hand in (("gan", -np.log(0.8)), ("lsgan", 0.02), ("wgan", -0.8), ("wgan-gp", -0.8)):
        objective = losses.get_objective(name)
        got = ops.convert_to_numpy(objective.d_loss(np.full_like(d, objective.real_target), d))
        assert float(got[0]) == pytest.approx(by_hand, rel=1e-5), name
        got = ops.convert_to_numpy(objective.g_loss(np.full_like(d, objective.g_target), d))
        assert float(got[0]) == pytest.approx(by_hand, rel=1e-5), name  # G wants its fakes scored as real
    assert losses.get_objective(wgan) is wgan
    with pytest.raises(ValueError, match="objective must be one of"):
        losses.get_objective("hinge")
