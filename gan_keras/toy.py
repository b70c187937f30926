"""The 1-D GAN of notebook 01 (the paper's Figure 1): an affine G and a small D on numbers shaped (1, 1, 1)."""

import keras
from keras import layers


def toy_generator(scale=0.1, shift=-0.4, name="generator"):
    """x = scale * z + shift for z ~ N(0, 1): one number shaped (1, 1, 1), starting as N(shift, scale^2).

    An affine G can match a Gaussian p_data exactly, so the 1-D GAN of the paper's Figure 1
    can reach p_g = p_data (notebook 01). Its output has no squashing activation: give
    ``GANTrainer`` ``value_range=`` explicitly.
    """
    z = keras.Input((1,), name="z")
    out = layers.Dense(1, kernel_initializer=keras.initializers.Constant(scale),
                       bias_initializer=keras.initializers.Constant(shift))(z)
    return keras.Model(z, layers.Reshape((1, 1, 1))(out), name=name)


def toy_discriminator(hidden=32, name="discriminator"):
    """A number shaped (1, 1, 1) -> 2 x Dense(hidden, LeakyReLU 0.2) -> sigmoid."""
    x = keras.Input((1, 1, 1), name="x")
    h = layers.Flatten()(x)
    for _ in range(2):
        h = layers.LeakyReLU(0.2)(layers.Dense(hidden)(h))
    return keras.Model(x, layers.Dense(1, activation="sigmoid")(h), name=name)
