"""Generators and discriminators of the reproduced papers, in the Keras functional API.

Every model works on images shaped like the data, ``(H, W, C)`` channels-last:

* a generator maps ``z: float32 (B, latent_dim)`` to ``images: (B, H, W, C)`` in the range
  of its output activation (``tanh`` -> [-1, 1], ``sigmoid`` -> [0, 1]);
* a discriminator maps images to ``(B, 1)`` probabilities, ``sigmoid`` output (a critic
  for LSGAN / WGAN outputs a raw score instead).

The conditional GAN's and InfoGAN's networks are in ``gan_keras.conditional``.

``build_gan(generator, discriminator)`` makes the classic combined model
``z -> D(G(z))`` with D frozen. Under Keras 3 freezing D is *not* snapshotted at compile
time (Keras 2 did that): ``D.trainable`` is read on every train step, so whoever trains D
must set ``D.trainable = True`` before D's own step. ``GANTrainer`` does this.
"""

import math

import keras
import numpy as np
from keras import layers, ops


# ----------------------------------------------------------------------------------------
# "GANs demystified": the dense MNIST GAN (a PyTorch tutorial, rewritten for Keras)
# ----------------------------------------------------------------------------------------
def torch_dense(units, fan_in, **kwargs):
    """A Dense layer initialised as PyTorch's ``nn.Linear``: kernel and bias U(+-1/sqrt(fan_in)).

    "GANs demystified" is a PyTorch program, so its GAN was trained from this initialisation.
    Keras' default (Glorot-uniform kernel, zero bias) is not a neutral change here: on the
    5,000-digit MNIST subset the tutorial's GAN built with it lets D win for good within 300
    steps (G collapses to one blob), while from PyTorch's initialisation it recovers from
    D's early lead, as the PyTorch original does (both measured with this project).
    """
    bound = 1.0 / math.sqrt(fan_in)
    return layers.Dense(units,
                        kernel_initializer=keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"),
                        bias_initializer=keras.initializers.RandomUniform(-bound, bound), **kwargs)


def dense_generator(latent_dim=100, image_shape=(28, 28, 1), name="generator"):
    """The tutorial's G: z (100) -> 256 -> 512 -> 1024 -> 784, LeakyReLU(0.2), tanh out."""
    z = keras.Input((latent_dim,), name="z")
    h, fan_in = z, latent_dim
    for units in (256, 512, 1024):
        h = layers.LeakyReLU(0.2)(torch_dense(units, fan_in)(h))
        fan_in = units
    h = torch_dense(int(np.prod(image_shape)), fan_in, activation="tanh")(h)
    return keras.Model(z, layers.Reshape(image_shape)(h), name=name)


def dense_discriminator(image_shape=(28, 28, 1), dropout=0.3, output_activation="sigmoid",
                        name="discriminator"):
    """The tutorial's D: 784 -> 1024 -> 512 -> 256 -> 1, LeakyReLU(0.2) + Dropout(0.3), sigmoid.

    ``output_activation=None`` (and usually ``dropout=0``) makes it a critic with a raw
    score for LSGAN / WGAN (``gan_keras.losses.OBJECTIVES``).
    """
    x = keras.Input(image_shape, name="image")
    return keras.Model(x, _dense_body(layers.Flatten()(x), int(np.prod(image_shape)), dropout,
                                      output_activation), name=name)


def _dense_body(h, fan_in, dropout, output_activation):
    for units in (1024, 512, 256):
        h = layers.LeakyReLU(0.2)(torch_dense(units, fan_in)(h))
        if dropout:
            h = layers.Dropout(dropout)(h)
        fan_in = units
    return torch_dense(1, fan_in, activation=output_activation)(h)


# ----------------------------------------------------------------------------------------
# Goodfellow et al. 2014, the paper's own MNIST model (goodfeli/adversarial, mnist.yaml)
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# The Chollet DCGAN (Deep Learning with Python, 1st ed., 8.5), CIFAR-10 frogs
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# Batch normalisation that a frozen network can use
# ----------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="gan_keras")
class GANBatchNormalization(layers.BatchNormalization):
    """``BatchNormalization`` that normalises with the batch's statistics whenever ``training=True``.

    Keras 3's layer uses its moving statistics when it is frozen (``trainable = False``), even
    when called with ``training=True``. In ``gan = D(G(z))`` with D frozen, G would then be
    trained against a D that normalises the fakes with statistics gathered over earlier real
    and fake batches -- not the D being trained, which normalises each batch by its own.
    Keras 1/2-era DCGANs and Radford et al.'s code normalised with batch statistics whether or
    not the weights were being updated; this layer does the same:

    * ``training=True``, trainable: exactly ``BatchNormalization`` (batch statistics, moving
      statistics updated);
    * ``training=True``, frozen: batch statistics, and nothing changes -- neither gamma and
      beta (frozen) nor the moving statistics;
    * ``training=False`` (inference, ``predict``): the moving statistics.

    Inputs of any rank; the statistics are over every axis but ``axis`` (the channels).
    """

    def __init__(self, **kwargs):
        if kwargs.get("renorm") or kwargs.get("synchronized"):
            raise ValueError("GANBatchNormalization supports neither renorm nor synchronized")
        super().__init__(**kwargs)

    def call(self, inputs, training=None, mask=None):
        if not training or self.trainable:
            return super().call(inputs, training=training, mask=mask)
        if mask is not None:
            raise ValueError("GANBatchNormalization takes no mask")
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        axis = self.axis % len(x.shape)
        mean, variance = ops.moments(x, axes=[i for i in range(len(x.shape)) if i != axis])
        outputs = ops.batch_normalization(
            x, mean, variance, axis=axis, epsilon=self.epsilon,
            offset=ops.cast(self.beta, x.dtype) if self.center else None,
            scale=ops.cast(self.gamma, x.dtype) if self.scale else None)
        return ops.cast(outputs, self.compute_dtype)


# ----------------------------------------------------------------------------------------
# Radford et al. 2015: DCGAN rules, sized for 28x28x1
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# A 1-D toy for the theory notebook (the paper's Figure 1)
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# Putting G and D together
# ----------------------------------------------------------------------------------------
def build_gan(generator, discriminator, name="gan"):
    """The combined model ``z -> D(G(z))`` with D frozen (``discriminator.trainable = False``).

    Train G with ``gan.train_on_batch(z, targets)``. Keras 3 reads ``trainable`` at every step, so D
    stays frozen for its own ``train_on_batch`` too unless set back to ``True`` first. A G with code
    inputs ([z, code, ...]) makes ``[z, code, ...] -> D(G(...))``; a D that takes [image, code] (the
    conditional GAN) sees G's code; a D with more outputs (InfoGAN's Q) gives them all, named
    "p", "q", "q_continuous".
    """
    discriminator.trainable = False
    inputs = _inputs(generator)
    images = generator(inputs if len(inputs) > 1 else inputs[0])
    out = discriminator([images, inputs[1]] if len(discriminator.inputs) == 2 else images)
    if isinstance(out, (list, tuple)):
        out = [layers.Identity(name=n)(o) for n, o in zip(("p", "q", "q_continuous"), out)]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], out, name=name)


def build_discriminator_step(generator, discriminator, name="discriminator_step"):
    """``[x, z, codes...] -> {"real": D(x), "fake": D(G(z, ...)), ...}`` with G frozen: one call trains D.

    D sees the real and the generated minibatch separately (its loss is the sum of the two, and batch
    normalisation never mixes them). A D that takes [image, code] gets the real images' labels as a
    last input and the fakes' codes from G's; a D with more outputs adds Q's guesses for the fakes
    ("q", "q_continuous"). ``generator=None``: ``[x, generated images] -> [D(x), D(images)]``.
    """
    x = keras.Input(discriminator.inputs[0].shape[1:], name="image")
    if generator is None:
        g_inputs = [keras.Input(discriminator.inputs[0].shape[1:], name="generated")]
        fake = g_inputs[0]
    else:
        generator.trainable = False
        g_inputs = _inputs(generator)
        fake = generator(g_inputs if len(g_inputs) > 1 else g_inputs[0])
    labels = [keras.Input(discriminator.inputs[1].shape[1:], name="labels")] if len(discriminator.inputs) == 2 else []
    real = discriminator([x, *labels] if labels else x)
    fake = discriminator([fake, g_inputs[1]] if labels else fake)
    real, fake, q = (real[0], fake[0], fake[1:]) if isinstance(fake, (list, tuple)) else (real, fake, [])
    outputs = [layers.Identity(name="real")(real), layers.Identity(name="fake")(fake)]
    outputs += [layers.Identity(name=n)(t) for n, t in zip(("q", "q_continuous"), q)]
    return keras.Model([x, *g_inputs, *labels], outputs, name=name)


def _inputs(generator):
    """Fresh ``keras.Input`` s shaped like G's inputs: z, then its codes."""
    return [keras.Input(t.shape[1:], name=n) for t, n in zip(generator.inputs, ("z", "code", "continuous"))]


def output_range(generator):
    """(lo, hi) of a generator's output, read from its last activation (tanh or sigmoid)."""
    for layer in reversed(generator.layers):
        act = getattr(layer, "activation", None)
        if act is None or getattr(act, "__name__", "") == "linear":
            continue
        name = getattr(act, "__name__", "")
        if name == "tanh":
            return (-1.0, 1.0)
        if name == "sigmoid":
            return (0.0, 1.0)
        break
    raise ValueError(
        f"cannot tell the output range of generator {generator.name!r}: its last activation "
        "is not tanh or sigmoid; pass value_range=(lo, hi) to GANTrainer")


def count_params(model):
    """Number of weights (trainable or not) in ``model``; an int."""
    return int(sum(math.prod(v.shape) for v in model.weights))
