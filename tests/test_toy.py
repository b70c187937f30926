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


def test_toy_discriminator_gives_probabilities_of_numbers():
    d = toy.toy_discriminator(hidden=8)
    p = keras.ops.convert_to_numpy(d(np.linspace(-3, 3, 7, dtype=np.float32).reshape(7, 1, 1, 1)))
    assert p.shape == (7, 1) and np.all((p > 0) & (p < 1))
    assert sum(isinstance(l, keras.layers.Dense) for l in d.layers) == 3
