"""GANs with a code: the conditional GAN (Mirza & Osindero 2014) and InfoGAN (Chen et al. 2016).

Both give G a second input, a one-hot code ``c: (B, n)``, and differ in what D does with it:

* **conditional GAN**: D sees the code too, ``[image, c] -> P(real and of class c)``; real
  images come with their labels, fakes with random codes. The D here conditions by
  *projection* (Miyato & Koyama 2018): logit = psi(phi(x)) + embed(c) . phi(x); with the label
  concatenated to D's input instead (Mirza & Osindero) G learns the classes far more slowly
  (``benchmarks/conditioning.py``, ``benchmarks/records/history.md``).
* **InfoGAN**: D never sees the code; a head Q on D's body guesses it from the image, and D
  and G both minimise Q's cross-entropy (weight ``info_weight``), which maximises a lower
  bound on the mutual information between code and image. Nobody tells it which code is
  which digit.

The networks are "GANs demystified"'s dense ones with the code added; the trainers are
``GANTrainer`` with other inputs and targets for the same two ``train_on_batch`` calls. InfoGAN
also takes continuous codes, as in the paper: a G with a third input ``(B, m)`` gets U(-1, 1) codes
there, and its D a third output, Q's guess of them (``convnets.infogan_paper_*``).
"""

import keras
import numpy as np
from keras import layers, ops

from .losses import as_p_real
from .models import dense_features, sample, sample_latent, torch_dense
from .training import GANTrainer, Stream


def check_labels(labels, n_images, n_classes):
    """Validate class labels: ints (N,) in [0, n_classes); returns them as int64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n_images:
        raise ValueError(f"labels must have shape ({n_images},), one per image, got {labels.shape}")
    if labels.dtype.kind not in "iu" or (len(labels) and (labels.min() < 0 or labels.max() >= n_classes)):
        raise ValueError(f"labels must be ints in [0, {n_classes}), got dtype {labels.dtype}, "
                         f"range [{labels.min()}, {labels.max()}]")
    return labels.astype(np.int64)


# -- the codes ------------------------------------------------------------------------------------
def one_hot(labels, n):
    """float32 (N, n) one-hot rows of int labels (N,) in [0, n)."""
    return np.eye(n, dtype=np.float32)[np.asarray(labels)]


def continuous_codes(rng, n, m):
    """float32 (n, m) continuous codes: U(-1, 1) from a numpy Generator, or zeros when ``rng`` is None."""
    return np.zeros((n, m), np.float32) if rng is None else rng.uniform(-1.0, 1.0, (n, m)).astype(np.float32)


def code_inputs(generator, labels, rng=None):
    """G's code inputs for int labels (n,): [one-hot labels], and for an InfoGAN G with a third input,
    continuous codes (``continuous_codes(rng, n, m)``)."""
    codes = [one_hot(labels, int(generator.inputs[1].shape[-1]))]
    if len(generator.inputs) == 3:
        codes.append(continuous_codes(rng, len(codes[0]), int(generator.inputs[2].shape[-1])))
    return codes


def code_sampler(generator, labels=None, continuous=None):
    """``codes`` for ``models.sample``: classes drawn uniformly (or ``labels``, int (n,)), then InfoGAN's
    continuous codes U(-1, 1) (replaced by ``continuous``, (n, m), if given)."""
    def draw(rng, n):
        codes = code_inputs(generator, rng.integers(0, int(generator.inputs[1].shape[-1]), n)
                            if labels is None else labels, rng)
        return codes[:1] + [np.asarray(continuous, np.float32)] if continuous is not None else codes
    return draw


def code_crossentropy(y_true, y_pred):
    """InfoGAN's mutual-information term: cross-entropy of one-hot codes (B, n) under Q's logits (B, n), (B,).

    Minimising it maximises the variational lower bound on I(c; G(z, c)) (up to H(c)).
    """
    return -ops.sum(ops.cast(y_true, "float32") * ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1), axis=-1)


def continuous_code_nll(y_true, y_pred):
    """InfoGAN's term for continuous codes c (B, m) and Q's guess mu (B, m): 1/2 sum (c - mu)^2, (B,): the
    negative log-likelihood of c under a unit-variance Gaussian at Q's guess, constant dropped."""
    return 0.5 * ops.sum(ops.square(ops.cast(y_true, "float32") - ops.cast(y_pred, "float32")), axis=-1)


# -- the networks ---------------------------------------------------------------------------------
def conditional_generator(latent_dim=100, n_classes=10, image_shape=(28, 28, 1), name="generator"):
    """CGAN / InfoGAN G: [z (B, latent_dim), one-hot code (B, n)] -> the dense G on concat(z, code)."""
    z = keras.Input((latent_dim,), name="z")
    c = keras.Input((n_classes,), name="code")
    h, fan_in = layers.Concatenate()([z, c]), latent_dim + n_classes
    for units in (256, 512, 1024):
        h = layers.LeakyReLU(0.2)(torch_dense(units, fan_in)(h))
        fan_in = units
    h = torch_dense(int(np.prod(image_shape)), fan_in, activation="tanh")(h)
    return keras.Model([z, c], layers.Reshape(image_shape)(h), name=name)


def conditional_discriminator(image_shape=(28, 28, 1), n_classes=10, dropout=0.3, conditioning="projection",
                              name="discriminator"):
    """CGAN D: [image, one-hot label] -> P(real and of that label), (B, 1).

    conditioning: "projection" (Miyato & Koyama, the default) or "concat" (the one-hot
    label appended to the flattened image, Mirza & Osindero; kept for comparison).
    """
    x = keras.Input(image_shape, name="image")
    c = keras.Input((n_classes,), name="code")
    if conditioning == "concat":
        h = layers.Concatenate()([layers.Flatten()(x), c])
        h = dense_features(h, int(np.prod(image_shape)) + n_classes, dropout)
        return keras.Model([x, c], torch_dense(1, 256, activation="sigmoid")(h), name=name)
    if conditioning != "projection":
        raise ValueError(f"conditioning must be 'projection' or 'concat', got {conditioning!r}")
    h = dense_features(layers.Flatten()(x), int(np.prod(image_shape)), dropout)
    projection = layers.Dot(axes=1)([layers.Dense(256, use_bias=False, name="embed")(c), h])
    logit = layers.Add()([torch_dense(1, 256, name="psi")(h), projection])
    return keras.Model([x, c], layers.Activation("sigmoid")(logit), name=name)


def infogan_discriminator(image_shape=(28, 28, 1), n_codes=10, dropout=0.3, name="discriminator"):
    """InfoGAN D and Q sharing a body: image -> [P(real) (B, 1), Q's code logits (B, n_codes)]."""
    x = keras.Input(image_shape, name="image")
    h = dense_features(layers.Flatten()(x), int(np.prod(image_shape)), dropout)
    p = torch_dense(1, 256, activation="sigmoid", name="d")(h)
    q = layers.Dense(n_codes, name="q")(layers.LeakyReLU(0.2)(layers.Dense(128, name="q_hidden")(h)))
    return keras.Model(x, [p, q], name=name)


# -- the trainers ---------------------------------------------------------------------------------
class CodedGANTrainer(GANTrainer):
    """What the conditional GAN and InfoGAN share: G takes [z, one-hot code] (InfoGAN: and continuous codes)."""

    g_inputs = (2,)

    def __init__(self, generator, discriminator, **kwargs):
        self.code_dim = int(generator.inputs[1].shape[-1]) if len(generator.inputs) > 1 else 0
        self.n_continuous = int(generator.inputs[2].shape[-1]) if len(generator.inputs) == 3 else 0
        if kwargs.get("update", "alternating") != "alternating":
            raise ValueError("the conditional GAN and InfoGAN train with alternating updates only")
        self.check_discriminator(discriminator)
        super().__init__(generator, discriminator, **kwargs)
        if self.objective.gradient_penalty:
            raise ValueError("WGAN-GP is not available for models with a code")

    def codes(self, n, stream, *key):
        """float32 (n, code_dim) one-hot codes of uniformly drawn classes."""
        return one_hot(self.rng(stream, *key).integers(0, self.code_dim, n), self.code_dim)

    def continuous(self, n, stream, *key):
        """float32 (n, n_continuous) codes U(-1, 1) for InfoGAN's continuous inputs (a stream of their own)."""
        return continuous_codes(self.rng(stream, *key, 1), n, self.n_continuous)

    def drawn_codes(self, stream, *key):
        """The codes G gets in one update: [one-hot (B, code_dim)] (and InfoGAN's continuous (B, m))."""
        codes = [self.codes(self.batch_size, stream, *key)]
        return codes + [self.continuous(self.batch_size, stream, *key)] if self.n_continuous else codes

    def g_batch(self, s):
        z, y = super().g_batch(s)
        return [z, *self.drawn_codes(Stream.G_CODES, s["step"])], y

    def grid_inputs(self):
        """Sample-grid inputs: one row per code value, the same 10 noise vectors in every row (continuous codes 0)."""
        z = sample_latent(self.rng(Stream.SAMPLE_GRID), 10, self.latent_dim, self.latent_distribution)
        return [np.tile(z, (self.code_dim, 1)), *code_inputs(self.generator, np.repeat(np.arange(self.code_dim), 10))]

    def generate(self, n, seed=0, labels=None, continuous=None):
        """n images of codes ``labels`` (int (n,); drawn uniformly when None), float32 (n, H, W, C).

        continuous: InfoGAN's continuous codes, (n, n_continuous) in [-1, 1]; drawn U(-1, 1) when None.
        """
        labels = None if labels is None else check_labels(labels, n, self.code_dim)
        if continuous is not None and (not self.n_continuous or np.shape(continuous) != (n, self.n_continuous)):
            raise ValueError(f"continuous codes must have shape ({n}, {self.n_continuous}), got {np.shape(continuous)}")
        return sample(self.generator, n, np.random.default_rng([seed, Stream.GENERATE]), self.latent_distribution,
                      code_sampler(self.generator, labels, continuous))

    def config(self):
        return {**super().config(), "code_dim": self.code_dim, "n_continuous": self.n_continuous}


class ConditionalGANTrainer(CodedGANTrainer):
    """Conditional GAN: ``train(images, labels=...)``; D: [image, one-hot label] -> (B, 1)."""

    kind, takes_labels = "ConditionalGANTrainer", True

    @staticmethod
    def check_discriminator(d):
        if (len(d.inputs), len(d.outputs)) != (2, 1):
            raise ValueError(f"ConditionalGANTrainer needs a D with 2 input(s) and 1 output(s), got {len(d.inputs)} "
                             f"and {len(d.outputs)}")

    def put_data(self, images, labels=None):
        labels = check_labels(labels, len(images), self.code_dim)
        self.data = keras.ops.convert_to_tensor(images)
        self.data_codes = keras.ops.convert_to_tensor(one_hot(labels, self.code_dim))

    def d_batch(self, s, j):
        (x, z), targets = super().d_batch(s, j)
        c = keras.ops.convert_to_tensor(self.codes(self.batch_size, Stream.D_CODES, s["step"], j))
        return [x, z, c, keras.ops.take(self.data_codes, s["idx"][j], axis=0)], targets

    def realness(self, images, labels, batch_size=256):
        """D's P(real and of class ``labels``) for each image, float32 (N,), inference mode."""
        codes = one_hot(check_labels(labels, len(images), self.code_dim), self.code_dim)
        d = keras.ops.convert_to_numpy(self.discriminator.predict([images, codes], batch_size=batch_size, verbose=0))
        return as_p_real(d[:, 0], self.real_label)


class InfoGANTrainer(CodedGANTrainer):
    """InfoGAN: D: image -> [P(real), Q's code logits]; ``info_weight`` weighs Q's cross-entropy.

    With continuous codes (the paper's two for MNIST), G: [z, code, continuous (B, m)] and
    D: image -> [P(real), Q's code logits, Q's guess of the continuous codes (B, m)]; their term,
    ``losses.continuous_code_nll``, has the same weight.
    """

    kind = "InfoGANTrainer"
    g_inputs = (2, 3)

    def __init__(self, generator, discriminator, *, info_weight=1.0, **kwargs):
        self.info_weight = float(info_weight)
        info = [code_crossentropy, continuous_code_nll][:len(generator.inputs) - 1]  # Q's terms, weighted alike
        self.extra_losses = (info, [self.info_weight] * len(info))
        super().__init__(generator, discriminator, **kwargs)

    def check_discriminator(self, d):
        if len(d.inputs) != 1 or len(d.outputs) != (3 if self.n_continuous else 2):
            raise ValueError(f"InfoGANTrainer needs a D with 1 input(s) and {3 if self.n_continuous else 2} "
                             f"output(s), got {len(d.inputs)} and {len(d.outputs)}")
        if tuple(d.outputs[1].shape[1:]) != (self.code_dim,):
            raise ValueError(f"Q's output must be (B, {self.code_dim}) logits, got {d.outputs[1].shape}")
        if self.n_continuous and tuple(d.outputs[2].shape[1:]) != (self.n_continuous,):
            raise ValueError(f"Q's guess of the continuous codes must be (B, {self.n_continuous}), "
                             f"got {d.outputs[2].shape}")

    def d_batch(self, s, j):
        (x, z), targets = super().d_batch(s, j)
        codes = self.drawn_codes(Stream.D_CODES, s["step"], j)
        return [x, z, *(keras.ops.convert_to_tensor(c) for c in codes)], targets + codes

    def g_batch(self, s):
        (z, *codes), y = super().g_batch(s)
        return [z, *codes], [y, *codes]

    def realness(self, images, batch_size=256):
        """D's P(real) for each image, float32 (N,), inference mode."""
        d = keras.ops.convert_to_numpy(self.discriminator.predict(images, batch_size=batch_size, verbose=0)[0])
        return as_p_real(d[:, 0], self.real_label)

    def q_codes(self, images, batch_size=256):
        """Q's most likely code for each image, int (N,)."""
        q = self.discriminator.predict(images, batch_size=batch_size, verbose=0)[1]
        return np.argmax(keras.ops.convert_to_numpy(q), axis=-1)

    def config(self):
        return {**super().config(), "info_weight": self.info_weight}
