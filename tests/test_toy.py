"""The 1-D GAN of the paper's Figure 1 (gan_keras/toy.py)."""

import keras
import numpy as np

from gan_keras import toy


def test_toy_generator_is_the_affine_map_it_starts_as():
    g = toy.toy_generator(scale=0.5, shift=-0.4)
    z = np.array([[-1.0], [0.0], [2.0]], np.float32)
    out = keras.ops.convert_to_numpy(g(z))
    assert out.shape == (3, 1, 1, 1)
    np.testing.assert_allclose(out.ravel(), 0.5 * z.ravel() - 0.4, atol=1e-6)


def test_toy_discriminator_is_two_leaky_layers_and_a_sigmoid():
    """Its verdicts, by hand from its own weights: x -> LeakyReLU_0.2(x W1 + b1) -> LeakyReLU_0.2(. W2 + b2)
    -> sigmoid(. W3 + b3)."""
    d = toy.toy_discriminator(hidden=8)
    rng = np.random.default_rng(0)
    d.set_weights([rng.normal(size=w.shape).astype("float32") for w in d.get_weights()])  # biases too
    x = np.linspace(-3, 3, 7, dtype=np.float32).reshape(7, 1)
    (w1, b1), (w2, b2), (w3, b3) = zip(*[iter(d.get_weights())] * 2)
    leaky = lambda a: np.where(a > 0, a, 0.2 * a)
    expected = 1 / (1 + np.exp(-(leaky(leaky(x @ w1 + b1) @ w2 + b2) @ w3 + b3)))
    got = keras.ops.convert_to_numpy(d(x.reshape(7, 1, 1, 1)))
    assert got.shape == (7, 1) and [w.shape for w in (w1, w2, w3)] == [(1, 8), (8, 8), (8, 1)]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
