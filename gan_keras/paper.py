"""Goodfellow et al. (2014)'s own MNIST networks (goodfeli/adversarial, mnist.yaml): a ReLU G, a maxout D.

Images are 28x28x1 in [0, 1] (G's sigmoid output); z is 100-dimensional, U[-sqrt 3, sqrt 3] in the
paper's code (``latent_distribution="uniform"``). The recipe ``paper-mnist`` trains them with the
paper's SGD (``optimizers.RampedMomentumSGD``).
"""

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gan_keras")
class Maxout(layers.Layer):
    """Maxout over ``pieces`` groups: (B, units * pieces) -> (B, units), max of each group.

    Keras has no maxout layer; put it after ``Dense(units * pieces)``.
    """

    def __init__(self, pieces, **kwargs):
        super().__init__(**kwargs)
        self.pieces = int(pieces)

    def call(self, inputs):
        units = inputs.shape[-1] // self.pieces
        return ops.max(ops.reshape(inputs, (-1, units, self.pieces)), axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] // self.pieces)

    def get_config(self):
        return {**super().get_config(), "pieces": self.pieces}


def paper_generator(latent_dim=100, image_shape=(28, 28, 1), pixel_means=None,
                    name="generator"):
    """Paper G: z (100, uniform on [-sqrt 3, sqrt 3]) -> ReLU 1200 -> ReLU 1200 -> sigmoid 784.

    Weights U(-0.05, 0.05). ``pixel_means``: float (H*W*C,) or image-shaped mean pixel
    values in [0, 1] of the training data; the output bias is set to their logit, so the
    untrained G already draws the average digit (as in the paper's code).
    """
    init = keras.initializers.RandomUniform(-0.05, 0.05)
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense(1200, activation="relu", kernel_initializer=init)(z)
    h = layers.Dense(1200, activation="relu", kernel_initializer=init)(h)
    size = int(np.prod(image_shape))
    bias = "zeros"
    if pixel_means is not None:
        p = np.clip(np.asarray(pixel_means, np.float64).reshape(size), 1e-3, 1 - 1e-3)
        bias = keras.initializers.Constant(np.log(p / (1 - p)).astype(np.float32))
    h = layers.Dense(size, activation="sigmoid", kernel_initializer=init, bias_initializer=bias)(h)
    return keras.Model(z, layers.Reshape(image_shape)(h), name=name)


def paper_discriminator(image_shape=(28, 28, 1), units=240, pieces=5, name="discriminator"):
    """Paper D: dropout(0.2) -> maxout 240x5 -> dropout(0.5) -> maxout 240x5 -> dropout(0.5) -> sigmoid.

    (The paper's keep probabilities 0.8 and 0.5 are Keras dropout rates 0.2 and 0.5.)
    """
    init = keras.initializers.RandomUniform(-0.005, 0.005)
    x = keras.Input(image_shape, name="image")
    h = layers.Dropout(0.2)(layers.Flatten()(x))
    for _ in range(2):
        h = Maxout(pieces)(layers.Dense(units * pieces, kernel_initializer=init)(h))
        h = layers.Dropout(0.5)(h)
    return keras.Model(x, layers.Dense(1, activation="sigmoid", kernel_initializer=init)(h),
                       name=name)
