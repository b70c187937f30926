"""Convolutional MNIST networks of the variants' papers, for 28x28x1 images in [-1, 1].

Chen et al. (2016, InfoGAN, appendix C.1) give the MNIST networks that LSGAN, WGAN and the
conditional GAN here use too (Arjovsky et al. trained WGAN with DCGAN-style networks):

* G: [z (B, latent_dim), code (B, n) if any] -> FC 1024 -> FC 7x7x128 -> 4x4 transposed
  conv 64, stride 2 (14x14) -> 4x4 transposed conv 1, stride 2 (28x28), tanh; ReLU between.
* D: image -> 4x4 conv 64, stride 2 -> 4x4 conv 128, stride 2 -> FC 1024 -> output;
  LeakyReLU(0.2) between. The output is P(real) (sigmoid) or a critic's raw score.

Batch normalisation as the papers used it, with ``models.GANBatchNormalization`` (a frozen
network normalises as the one being trained, ``docs/keras3.md``): in G after each layer but the
last (``batch_norm=True``; every conv recipe but the conditional GAN's), and in D after each
hidden layer but the first (``batch_norm=True`` in ``conv_discriminator``: Radford et al.'s
DCGAN, which LSGAN and clipped WGAN trained). WGAN-GP's critic has none: its penalty is per
sample. Moving statistics decay by ``BN_MOMENTUM`` = 0.9 per step (InfoGAN's code).

``width`` (64 in the paper) sets the channels: width and 2 x width in the convs, and the FC
layer's 7x7x(2 x width); ``hidden`` (1024) is the extra FC layer, 0 drops it. ``PAPER`` holds
the paper's sizes; the recipes train ``CPU``: half the width and no FC 1024 layers, about 3.6
million multiply-adds per image through G and D against the paper's 26 million, and 1/25 of
G's weights (InfoGAN's G with batch norm: 271,745 against 6,657,793), so that three seeds of
every variant train on two CPU cores (``docs/results.md`` has the cost).

``infogan_paper_generator`` and ``infogan_paper_discriminator`` are InfoGAN's MNIST networks as its
authors' code (openai/InfoGAN) built them, at full size, with batch norm in G, D and Q
(``models.GANBatchNormalization``, so that the frozen network normalises as the one being trained)
and two continuous codes beside the categorical one (recipe ``infogan-paper-mnist``).
"""

import keras
from keras import layers

from .models import GANBatchNormalization

PAPER = {"width": 64, "hidden": 1024}
CPU = {"width": 32, "hidden": 0}
BN_MOMENTUM = 0.9


def _norm(h, batch_norm):
    return GANBatchNormalization(momentum=BN_MOMENTUM)(h) if batch_norm else h


def _relu(h, batch_norm):
    return layers.ReLU()(_norm(h, batch_norm))


def _leaky(h, batch_norm):
    return layers.LeakyReLU(0.2)(_norm(h, batch_norm))


def _generator_body(h, width, hidden, batch_norm):
    if hidden:
        h = _relu(layers.Dense(hidden, use_bias=not batch_norm)(h), batch_norm)
    h = _relu(layers.Dense(7 * 7 * 2 * width, use_bias=not batch_norm)(h), batch_norm)
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = _relu(layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=not batch_norm)(h), batch_norm)
    return layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(h)


def _check_shape(image_shape):
    if tuple(image_shape) != (28, 28, 1):
        raise ValueError(f"the convolutional MNIST networks take 28x28x1 images, got {tuple(image_shape)}")


def conv_generator(latent_dim=62, image_shape=(28, 28, 1), n_codes=0, width=64, hidden=1024, batch_norm=False,
                   name="generator"):
    """G: z (B, latent_dim) [and a one-hot code (B, n_codes)] -> images (B, 28, 28, 1) in [-1, 1].

    With ``n_codes`` > 0 the model takes ``[z, code]`` and starts from their concatenation
    (the conditional GAN's and InfoGAN's G). ``batch_norm``: a ``GANBatchNormalization`` layer
    (momentum ``BN_MOMENTUM``) before every ReLU, and no bias in the layers it follows.
    """
    _check_shape(image_shape)
    z = keras.Input((latent_dim,), name="z")
    if not n_codes:
        return keras.Model(z, _generator_body(z, width, hidden, batch_norm), name=name)
    c = keras.Input((n_codes,), name="code")
    return keras.Model([z, c], _generator_body(layers.Concatenate()([z, c]), width, hidden, batch_norm),
                       name=name)


def conv_features(x, width=64, hidden=1024, batch_norm=False):
    """D's body: image (B, 28, 28, 1) -> features phi(x), (B, hidden) or (B, 7 * 7 * 2 * width) with hidden=0.

    ``batch_norm``: a ``GANBatchNormalization`` layer after each hidden layer but the first.
    """
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(x))
    h = _leaky(layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=not batch_norm)(h), batch_norm)
    h = layers.Flatten()(h)
    if hidden:
        h = _leaky(layers.Dense(hidden, use_bias=not batch_norm)(h), batch_norm)
    return h


def conv_discriminator(image_shape=(28, 28, 1), output_activation="sigmoid", width=64, hidden=1024, batch_norm=False,
                       name="discriminator"):
    """D: image -> (B, 1); ``output_activation=None`` makes it a critic (LSGAN, WGAN, WGAN-GP).

    ``batch_norm``: batch norm after each hidden layer but the first (not for WGAN-GP's critic).
    """
    _check_shape(image_shape)
    x = keras.Input(image_shape, name="image")
    h = conv_features(x, width, hidden, batch_norm)
    return keras.Model(x, layers.Dense(1, activation=output_activation)(h), name=name)


def conv_projection_discriminator(image_shape=(28, 28, 1), n_classes=10, width=64, hidden=1024, name="discriminator"):
    """Conditional D by projection (Miyato & Koyama 2018): [image, one-hot label] -> P(real and of that label).

    logit = psi(phi(x)) + embed(label) . phi(x), with phi the conv body above.
    """
    _check_shape(image_shape)
    x = keras.Input(image_shape, name="image")
    c = keras.Input((n_classes,), name="code")
    h = conv_features(x, width, hidden)
    projection = layers.Dot(axes=1)([layers.Dense(h.shape[-1], use_bias=False, name="embed")(c), h])
    logit = layers.Add()([layers.Dense(1, name="psi")(h), projection])
    return keras.Model([x, c], layers.Activation("sigmoid")(logit), name=name)


def conv_infogan_discriminator(image_shape=(28, 28, 1), n_codes=10, width=64, hidden=1024, name="discriminator"):
    """InfoGAN D and Q on one conv body: image -> [P(real) (B, 1), Q's code logits (B, n_codes)].

    Q is the paper's FC 128 -> LeakyReLU -> FC n_codes on D's features.
    """
    _check_shape(image_shape)
    x = keras.Input(image_shape, name="image")
    h = conv_features(x, width, hidden)
    p = layers.Dense(1, activation="sigmoid", name="d")(h)
    q = layers.Dense(n_codes, name="q")(layers.LeakyReLU(0.2)(layers.Dense(128, name="q_hidden")(h)))
    return keras.Model(x, [p, q], name=name)


# -- InfoGAN's MNIST networks as the authors' code built them (openai/InfoGAN) ---------------------
def _paper_init():
    return keras.initializers.TruncatedNormal(0.0, 0.02)


def _paper_norm(h):
    """Batch norm as the authors' code: batch statistics whenever training (frozen too), moving
    averages with decay 0.9, epsilon 1e-5, scale gamma ~ N(1, 0.02)."""
    return GANBatchNormalization(momentum=0.9, epsilon=1e-5,
                                 gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))(h)


def infogan_paper_generator(latent_dim=62, n_codes=10, n_continuous=2, name="generator"):
    """G: [z (B, 62), one-hot code (B, 10), continuous codes (B, 2)] -> images (B, 28, 28, 1) in [0, 1].

    ``n_continuous=0``: no third input.

    FC 1024 -> FC 7x7x128 -> 4x4 transposed conv 64, stride 2 -> 4x4 transposed conv 1, stride 2,
    sigmoid (the authors' G outputs a Bernoulli mean); batch norm and ReLU after each layer but the
    last; weights from a truncated N(0, 0.02).
    """
    inputs = [keras.Input((latent_dim,), name="z"), keras.Input((n_codes,), name="code")]
    if n_continuous:
        inputs.append(keras.Input((n_continuous,), name="continuous"))
    h = layers.Concatenate()(inputs)
    h = layers.ReLU()(_paper_norm(layers.Dense(1024, kernel_initializer=_paper_init())(h)))
    h = layers.ReLU()(_paper_norm(layers.Dense(7 * 7 * 128, kernel_initializer=_paper_init())(h)))
    h = layers.Reshape((7, 7, 128))(h)
    h = layers.Conv2DTranspose(64, 4, strides=2, padding="same", kernel_initializer=_paper_init())(h)
    h = layers.ReLU()(_paper_norm(h))
    out = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid",
                                 kernel_initializer=_paper_init())(h)
    return keras.Model(inputs, out, name=name)


def infogan_paper_discriminator(n_codes=10, n_continuous=2, slope=0.01, name="discriminator"):
    """D and Q on one body: image (B, 28, 28, 1) -> [P(real) (B, 1), code logits (B, 10), continuous (B, 2)].

    4x4 conv 64, stride 2 -> 4x4 conv 128, stride 2, batch norm -> FC 1024, batch norm; Q: FC 128,
    batch norm -> its outputs. LeakyReLU with the authors' slope 0.01 after each hidden layer.
    """
    x = keras.Input((28, 28, 1), name="image")
    h = layers.LeakyReLU(slope)(layers.Conv2D(64, 4, strides=2, padding="same", kernel_initializer=_paper_init())(x))
    h = layers.Conv2D(128, 4, strides=2, padding="same", kernel_initializer=_paper_init())(h)
    h = layers.LeakyReLU(slope)(_paper_norm(h))
    h = layers.LeakyReLU(slope)(_paper_norm(layers.Dense(1024, kernel_initializer=_paper_init())(layers.Flatten()(h))))
    p = layers.Dense(1, activation="sigmoid", kernel_initializer=_paper_init(), name="d")(h)
    q = layers.Dense(128, kernel_initializer=_paper_init(), name="q_hidden")(h)
    q = layers.LeakyReLU(slope)(_paper_norm(q))
    outputs = [p, layers.Dense(n_codes, kernel_initializer=_paper_init(), name="q")(q)]
    if n_continuous:
        outputs.append(layers.Dense(n_continuous, kernel_initializer=_paper_init(), name="q_continuous")(q))
    return keras.Model(x, outputs, name=name)


# -- the Chollet DCGAN (Deep Learning with Python, 1st ed., 8.5), for CIFAR-10 frogs -------------------------
def chollet_generator(latent_dim=32, image_shape=(32, 32, 3), name="generator"):
    """Dense(128*(H/2)*(W/2)) -> Conv 256x5 -> ConvT 256x4 /2 -> 2x Conv 256x5 -> Conv Cx7 tanh.

    LeakyReLU with Keras' default slope (0.3, as in the book) after each hidden layer.
    Built for 32x32x3 (CIFAR-10) or 28x28x1 (MNIST): H and W must be even.
    """
    height, width, channels = image_shape
    if height % 2 or width % 2:
        raise ValueError(f"image height and width must be even, got {image_shape}")
    z = keras.Input((latent_dim,), name="z")
    h = layers.LeakyReLU()(layers.Dense(128 * (height // 2) * (width // 2))(z))
    h = layers.Reshape((height // 2, width // 2, 128))(h)
    h = layers.LeakyReLU()(layers.Conv2D(256, 5, padding="same")(h))
    h = layers.LeakyReLU()(layers.Conv2DTranspose(256, 4, strides=2, padding="same")(h))
    h = layers.LeakyReLU()(layers.Conv2D(256, 5, padding="same")(h))
    h = layers.LeakyReLU()(layers.Conv2D(256, 5, padding="same")(h))
    out = layers.Conv2D(channels, 7, activation="tanh", padding="same")(h)
    return keras.Model(z, out, name=name)


def chollet_discriminator(image_shape=(32, 32, 3), name="discriminator"):
    """Conv 128x3 -> 3x Conv 128x4 /2 (LeakyReLU after each) -> Flatten -> Dropout 0.4 -> sigmoid."""
    x = keras.Input(image_shape, name="image")
    h = layers.LeakyReLU()(layers.Conv2D(128, 3)(x))
    for _ in range(3):
        h = layers.LeakyReLU()(layers.Conv2D(128, 4, strides=2)(h))
    h = layers.Dropout(0.4)(layers.Flatten()(h))
    return keras.Model(x, layers.Dense(1, activation="sigmoid")(h), name=name)


# -- Radford et al. (2015): the DCGAN rules, sized for 28x28x1 ---------------------------------------------
def _radford_init():
    """Radford et al.'s initial weights: N(0, 0.02)."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def _radford_norm(norm, momentum):
    """A batch-norm layer with Radford et al.'s initial scale, gamma ~ N(1, 0.02)."""
    return norm(momentum=momentum, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))


def radford_generator(latent_dim=100, image_shape=(28, 28, 1), base_filters=128,
                      bn_momentum=0.8, norm=GANBatchNormalization, name="generator"):
    """Project z to (H/4, W/4, 2F), then two stride-2 transposed convs; BN + ReLU, tanh out.

    No pooling, no dense hidden layers (the projection of z is the only dense layer, as
    in the paper); weights drawn from N(0, 0.02). ``norm``: the batch-norm layer class,
    ``GANBatchNormalization`` (pass ``keras.layers.BatchNormalization`` to see why: notebook 03).
    ``bn_momentum`` 0.8 lets the moving statistics, used in inference, follow training closely.
    """
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense((height // 4) * (width // 4) * 2 * base_filters, use_bias=False,
                     kernel_initializer=_radford_init())(z)
    h = layers.ReLU()(_radford_norm(norm, bn_momentum)(h))
    h = layers.Reshape((height // 4, width // 4, 2 * base_filters))(h)
    h = layers.Conv2DTranspose(base_filters, 4, strides=2, padding="same", use_bias=False,
                               kernel_initializer=_radford_init())(h)
    h = layers.ReLU()(_radford_norm(norm, bn_momentum)(h))
    out = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh",
                                 kernel_initializer=_radford_init())(h)
    return keras.Model(z, out, name=name)


def radford_discriminator(image_shape=(28, 28, 1), base_filters=64, bn_momentum=0.8,
                          norm=GANBatchNormalization, name="discriminator"):
    """Two stride-2 convs with LeakyReLU(0.2), BN on the second (not the input layer), sigmoid.

    Weights from N(0, 0.02); ``norm`` as for ``radford_generator``.
    """
    x = keras.Input(image_shape, name="image")
    h = layers.Conv2D(base_filters, 4, strides=2, padding="same", kernel_initializer=_radford_init())(x)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Conv2D(2 * base_filters, 4, strides=2, padding="same", use_bias=False,
                      kernel_initializer=_radford_init())(h)
    h = layers.LeakyReLU(0.2)(_radford_norm(norm, bn_momentum)(h))
    h = layers.Flatten()(h)
    return keras.Model(x, layers.Dense(1, activation="sigmoid", kernel_initializer=_radford_init())(h), name=name)
