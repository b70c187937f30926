import keras
import numpy as np
import pytest

from gan_keras.optimizers import FlooredExponentialDecay, RampedMomentumSGD


def test_learning_rate_schedule_of_the_paper():
    s = FlooredExponentialDecay(0.1, 1.000004, 1e-6)
    assert float(s(0)) == pytest.approx(0.1)
    assert float(s(100_000)) == pytest.approx(0.1 / 1.000004 ** 100_000, rel=1e-4)
    assert float(s(10_000_000)) == pytest.approx(1e-6)  # the floor


def test_momentum_ramps_linearly_between_the_given_steps():
    opt = RampedMomentumSGD(0.1, momentum=0.5, final_momentum=0.7, ramp_start=10, ramp_end=20)
    w = keras.Variable(np.zeros(1, "float32"))
    opt.build([w])
    seen = []
    for step in range(25):
        seen.append(float(opt.current_momentum()))
        opt.apply([keras.ops.ones((1,))], [w])
    assert seen[0] == seen[10] == pytest.approx(0.5)
    assert seen[15] == pytest.approx(0.6)
    assert seen[20] == seen[24] == pytest.approx(0.7)


def test_update_is_classical_momentum():
    # m <- mu m - lr g ; w <- w + m, with mu = 0.5 (before the ramp) and lr = 0.1
    opt = RampedMomentumSGD(0.1, momentum=0.5, final_momentum=0.7, ramp_start=100, ramp_end=200)
    w = keras.Variable(np.array([1.0], "float32"))
    opt.build([w])
    m, expected = 0.0, 1.0
    for g in (2.0, -1.0, 0.5):
        opt.apply([keras.ops.convert_to_tensor(np.array([g], "float32"))], [w])
        m = 0.5 * m - 0.1 * g
        expected += m
        assert float(keras.ops.convert_to_numpy(w)[0]) == pytest.approx(expected, rel=1e-6)


def test_torch_adam_follows_pytorchs_formula():
    # torch.optim.Adam: m, v as usual; w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    from gan_keras.optimizers import TorchAdam

    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = TorchAdam(lr)
    grads = [np.array([1e-6, 3.0], "float32"), np.array([-2e-6, 1.0], "float32"),
             np.array([5e-7, -2.0], "float32")]
    w = keras.Variable(np.zeros(2, "float32"))
    opt.build([w])
    ref, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, start=1):
        opt.apply([keras.ops.convert_to_tensor(g)], [w])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g.astype(np.float64) ** 2
        ref -= lr / (1 - b1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(w), ref, rtol=1e-4)
    # Keras' Adam differs where gradients are tiny (epsilon before bias correction)
    k = keras.optimizers.Adam(lr, epsilon=eps)
    wk = keras.Variable(np.zeros(2, "float32"))
    k.build([wk])
    for g in grads:
        k.apply([keras.ops.convert_to_tensor(g)], [wk])
    assert abs(float(keras.ops.convert_to_numpy(wk)[0]) - ref[0]) > 0.1 * abs(ref[0])
