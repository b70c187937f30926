"""The dense GAN of "GANs demystified", the combined models that train it, and a batch norm that works frozen.

A generator maps ``z: float32 (B, latent_dim)`` (and codes, for the conditional models) to images
``(B, H, W, C)`` channels-last in the range of its output activation (tanh: [-1, 1], sigmoid: [0, 1]); a
discriminator maps images to ``(B, 1)`` probabilities (a critic: raw scores). Other networks: ``convnets``
(DCGANs), ``paper`` (the paper's maxout nets), ``conditional``, ``toy`` (notebook 01).
"""

import math

import keras
import numpy as np
from keras import layers, ops


# ----------------------------------------------------------------------------------------
# "GANs demystified": the dense MNIST GAN (a PyTorch tutorial, rewritten for Keras)
# ----------------------------------------------------------------------------------------
def torch_dense(units, fan_in, **kwargs):
    """A Dense layer initialised as PyTorch's ``nn.Linear`` (kernel and bias U(+-1/sqrt(fan_in))), as "GANs
    demystified" was trained; Keras' default (Glorot kernel, zero bias) trains it differently."""
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
    h = dense_features(layers.Flatten()(x), int(np.prod(image_shape)), dropout)
    return keras.Model(x, torch_dense(1, 256, activation=output_activation)(h), name=name)


def dense_features(h, fan_in, dropout):
    """The tutorial's D without its output unit: (B, fan_in) -> (B, 256) features."""
    for units in (1024, 512, 256):
        h = layers.LeakyReLU(0.2)(torch_dense(units, fan_in)(h))
        if dropout:
            h = layers.Dropout(dropout)(h)
        fan_in = units
    return h


# ----------------------------------------------------------------------------------------
# Batch normalisation that a frozen network can use
# ----------------------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="gan_keras")
class GANBatchNormalization(layers.BatchNormalization):
    """``BatchNormalization`` that normalises with the batch's statistics whenever ``training=True``.

    Keras 3's layer uses its moving statistics when frozen, even in training mode, so in ``gan = D(G(z))`` G
    would learn against another D than the one being trained (``docs/keras3.md``). This layer does what
    Radford et al.'s code did. Trainable: exactly ``BatchNormalization``. Frozen, ``training=True``: batch
    statistics, nothing updated. ``training=False``: the moving statistics. Statistics over all axes but ``axis``.
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
    acts = (getattr(layer, "activation", None) for layer in generator.layers)
    last = ([n for n in (getattr(a, "__name__", "?") for a in acts if a is not None) if n != "linear"] or ["?"])[-1]
    if last in ("tanh", "sigmoid"):
        return (-1.0, 1.0) if last == "tanh" else (0.0, 1.0)
    raise ValueError(
        f"cannot tell the output range of generator {generator.name!r}: its last activation "
        "is not tanh or sigmoid; pass value_range=(lo, hi) to GANTrainer")


def count_params(model):
    """Number of weights (trainable or not) in ``model``; an int."""
    return int(sum(math.prod(v.shape) for v in model.weights))


# ----------------------------------------------------------------------------------------
# What a generator is fed, and sampling it
# ----------------------------------------------------------------------------------------
# None: N(0, I); a number a: U[-a, a]. U[-sqrt 3, sqrt 3] (unit variance) is Goodfellow et al.'s, U(-1, 1) InfoGAN's.
LATENT = {"normal": None, "uniform": float(np.sqrt(3.0)), "uniform1": 1.0}


def sample_latent(rng, n, dim, distribution="normal"):
    """float32 (n, dim) noise from a numpy Generator, distributed as ``LATENT[distribution]`` says."""
    if distribution not in LATENT:
        raise ValueError(f"latent_distribution must be one of {tuple(LATENT)}, got {distribution!r}")
    bound = LATENT[distribution]
    return rng.standard_normal((n, dim), np.float32) if bound is None else \
        rng.uniform(-bound, bound, (n, dim)).astype(np.float32)


def sample(generator, n, rng, latent_distribution="normal", codes=None, batch_size=256):
    """n images of ``generator`` in inference mode, float32 (n, H, W, C) in its range.

    rng: a numpy Generator; it draws z (n, latent_dim), then ``codes(rng, n)`` draws the code inputs of a G
    that has them (a list of arrays; ``conditional.code_sampler`` makes one).
    """
    if (codes is None) != (len(generator.inputs) == 1):
        raise ValueError(f"generator {generator.name!r} has {len(generator.inputs)} input(s): pass codes= exactly "
                         "when it takes codes besides z")
    z = sample_latent(rng, n, int(generator.inputs[0].shape[-1]), latent_distribution)
    inputs = z if codes is None else [z, *codes(rng, n)]
    return np.asarray(keras.ops.convert_to_numpy(generator.predict(inputs, batch_size=batch_size, verbose=0)), np.float32)
