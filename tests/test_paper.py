"""The paper's own MNIST networks (gan_keras/paper.py)."""

import keras
import numpy as np

from gan_keras import models, paper


def test_maxout_takes_the_max_of_each_group():
    layer = paper.Maxout(3)
    x = np.array([[1, 5, 2, -1, -7, -3]], np.float32)  # groups (1, 5, 2), (-1, -7, -3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), [[5, -1]])
    d = paper.paper_discriminator()
    assert [l.pieces for l in d.layers if isinstance(l, paper.Maxout)] == [5, 5]
    assert [l.rate for l in d.layers if isinstance(l, keras.layers.Dropout)] == [0.2, 0.5, 0.5]


def test_paper_generator_starts_at_the_pixel_means():
    means = np.linspace(0.01, 0.99, 784).astype("float32")
    g = paper.paper_generator(pixel_means=means)
    for layer in g.layers:  # zero the weights: the output is then sigmoid(bias) = means
        if isinstance(layer, keras.layers.Dense):
            layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
    out = keras.ops.convert_to_numpy(g(np.ones((1, 100), "float32")))
    np.testing.assert_allclose(out.reshape(-1), means, atol=1e-5)
    assert models.output_range(g) == (0.0, 1.0)
