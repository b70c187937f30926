"""Named set-ups from the sources: architecture, optimizers, batch size, labels, data, budget.

``make_trainer(name, images)`` builds the models (seeded) and a trainer with the source's
hyperparameters; ``load_images(name)`` loads the data that set-up trains on. Every recipe
is one row of ``RECIPES``; an unknown name, field or trainer setting is an error.

| name                 | source                        | data                    | batch | optimizers                              | budget           |
|----------------------|-------------------------------|-------------------------|-------|-----------------------------------------|------------------|
| dense-mnist          | GANs demystified (PyTorch)    | MNIST, [-1, 1]          | 52    | PyTorch's Adam 2e-4 both                | 100 epochs       |
| paper-mnist          | Goodfellow et al. (2014)      | MNIST, [0, 1]           | 100   | SGD 0.1, momentum 0.5 -> 0.7            | 250 epochs       |
| dcgan-mnist          | Radford et al. (2015) rules   | MNIST, [-1, 1]          | 128   | Adam 2e-4, beta_1 0.5 both              | 25 epochs        |
| dcgan-cifar10-frog   | Chollet DCGAN (DLwP 8.5)      | CIFAR-10 frogs, [-1, 1] | 20    | RMSprop D 8e-4, G 4e-4, clip 1.0        | 10,000 steps     |
| lsgan-mnist          | Mao et al. (2017)             | MNIST, [-1, 1]          | 64    | PyTorch's Adam 2e-4, beta_1 0.5         | 20 epochs        |
| wgan-mnist           | Arjovsky et al. (2017)        | MNIST, [-1, 1]          | 64    | RMSprop 5e-5 both, n_critic 5           | 100 epochs       |
| wgan-gp-mnist        | Gulrajani et al. (2017)       | MNIST, [-1, 1]          | 64    | Adam 1e-4, betas (0.5, 0.9), n_critic 5 | 100 epochs       |
| cgan-mnist           | Mirza & Osindero (2014)       | MNIST + labels, [-1, 1] | 64    | PyTorch's Adam 2e-4, beta_1 0.5         | 20 epochs        |
| infogan-mnist        | Chen et al. (2016)            | MNIST, [-1, 1]          | 64    | PyTorch's Adam 2e-4, beta_1 0.5         | 20 epochs        |
| lsgan-conv-mnist     | Mao et al. (2017)             | MNIST, [-1, 1]          | 64    | Adam 2e-4, beta_1 0.5                   | 20 epochs        |
| wgan-conv-mnist      | Arjovsky et al. (2017)        | MNIST, [-1, 1]          | 64    | RMSprop 5e-5 both, n_critic 5           | 100 epochs       |
| wgan-gp-conv-mnist   | Gulrajani et al. (2017)       | MNIST, [-1, 1]          | 64    | Adam 1e-4, betas (0.5, 0.9), n_critic 5 | 100 epochs       |
| cgan-conv-mnist      | Mirza & Osindero (2014)       | MNIST + labels, [-1, 1] | 64    | Adam 2e-4, beta_1 0.5                   | 20 epochs        |
| infogan-conv-mnist   | Chen et al. (2016)            | MNIST, [-1, 1]          | 64    | Adam D 2e-4, G 1e-3, beta_1 0.5         | 20 epochs        |
| infogan-paper-mnist  | Chen et al. (2016), their code| MNIST, [0, 1]           | 128   | Adam D 2e-4, G 1e-3, beta_1 0.5         | 5,000 steps      |

(An epoch is N / (batch * k) steps: with n_critic = 5 the WGANs' 100 epochs are as many G
updates as 20 epochs of the others.) The variants keep the dense G and D of "GANs demystified"
so that the objective, not the architecture, is what changes: LSGAN and WGAN(-GP) replace D's
sigmoid with a raw score (the critics have no dropout and, as WGAN-GP requires, no batch
norm); CGAN and InfoGAN give G a one-hot code input (``gan_keras.conditional``). WGAN-GP
trains on the fast path only (``gan_keras.gradient_penalty``). The ``*-conv-mnist`` rows train the
same variants on the convolutional MNIST networks their papers used (``gan_keras.convnets``:
Chen et al.'s at the ``convnets.CPU`` size, with ``models.GANBatchNormalization`` in G -- not the
conditional GAN's -- and in LSGAN's and clipped WGAN's D), G with a 62-dimensional z as in InfoGAN;
InfoGAN's G learns at 1e-3, five times D's rate, as in the paper. The WGANs give the critic 5
updates every step; ``critic_schedule="arjovsky"`` (a trainer setting) gives it Arjovsky et al.'s
100 in each of the first 25 steps and in every 500th.

``infogan-paper-mnist`` is InfoGAN as the authors' code (openai/InfoGAN, ``run_mnist_exp.py``)
trained it: their networks at full size with batch norm in G, D and Q
(``convnets.infogan_paper_generator`` / ``infogan_paper_discriminator``, LeakyReLU 0.01, truncated
N(0, 0.02) weights, sigmoid output on [0, 1] pixels), a 10-way categorical code and two continuous
codes U(-1, 1) with weight 1 each, Adam D 2e-4 and G 1e-3 with beta_1 0.5, batch 128, 5,000 updates.
Where it differs: the training digits (60,000 here, 55,000 there), and the 62 noise values,
U[-sqrt 3, sqrt 3] here (the package's uniform noise) against U(-1, 1) there (the trainer setting
``latent_distribution="uniform1"`` draws theirs).

Errata of the Chollet DCGAN as the source wrote it, fixed here: the discriminator is compiled
(inside the trainer), its learning rate is the book's 8e-4 (the source wrote 0.008), Keras 3
spells ``learning_rate=`` and has no ``decay=`` (1e-8 per step changes the rate by 0.01 % over
10,000 steps, so it is dropped), and its labels are kept: 1 = generated, 0 = real
(``real_label=0``), the opposite of "GANs demystified".
"""

from dataclasses import dataclass, field

import numpy as np

from .data import holdout_split, load_cifar10, load_fashion_mnist, load_mnist

# Nothing here imports keras until a model or optimizer is built, so that the command line
# answers --help at once (importing a Keras backend takes seconds).
DATASETS = ("mnist", "fashion_mnist", "cifar10-frog")
TRAINERS = ("gan", "fast", "cgan", "infogan")
CODED_TRAINERS = ("cgan", "infogan")  # G takes [z, code]; these train on the teaching path only
TRAINER_SETTINGS = ("k", "generator_loss", "real_label", "label_noise", "label_smoothing",
                    "latent_distribution", "objective", "info_weight", "update", "critic_schedule")

# Adam's beta_1 for dense-mnist and the variants on its nets. "GANs demystified" used PyTorch's
# default 0.9; with it the GAN falls into "D wins for good" collapses on some seeds, with 0.5 -- the
# DCGAN paper's choice -- on none tried (benchmarks/dense_stability.py; the counts are in docs/).
# Pass beta_1=0.9 (CLI: --beta1 0.9) for the tutorial's exact optimizer.
DENSE_BETA_1 = 0.5


# -- networks: (image_shape, latent_dim, pixel_means) -> (generator, discriminator) ---------------
def _dense_nets(shape, latent, means, **d_kwargs):
    from . import models
    return models.dense_generator(latent, shape), models.dense_discriminator(shape, **d_kwargs)


def _critic_nets(shape, latent, means):
    return _dense_nets(shape, latent, means, output_activation=None)


def _wgan_nets(shape, latent, means):
    return _dense_nets(shape, latent, means, dropout=0.0, output_activation=None)


def _paper_nets(shape, latent, means):
    from . import paper
    return paper.paper_generator(latent, shape, pixel_means=means), paper.paper_discriminator(shape)


def _radford_nets(shape, latent, means):
    from . import convnets
    return convnets.radford_generator(latent, shape), convnets.radford_discriminator(shape)


def _chollet_nets(shape, latent, means):
    from . import convnets
    return convnets.chollet_generator(latent, shape), convnets.chollet_discriminator(shape)


def _cgan_nets(shape, latent, means):
    from . import conditional
    return conditional.conditional_generator(latent, 10, shape), conditional.conditional_discriminator(shape, 10)


def _infogan_nets(shape, latent, means):
    from . import conditional
    return conditional.conditional_generator(latent, 10, shape), conditional.infogan_discriminator(shape, 10)


def _conv_nets(output_activation, d_batch_norm):
    def nets(shape, latent, means):
        from . import convnets
        return (convnets.conv_generator(latent, shape, batch_norm=True, **convnets.CPU),
                convnets.conv_discriminator(shape, output_activation=output_activation, batch_norm=d_batch_norm,
                                            **convnets.CPU))
    return nets


def _conv_cgan_nets(shape, latent, means):
    from . import convnets
    return (convnets.conv_generator(latent, shape, n_codes=10, **convnets.CPU),
            convnets.conv_projection_discriminator(shape, 10, **convnets.CPU))


def _infogan_paper_nets(shape, latent, means):
    from . import convnets
    convnets._check_shape(shape)
    return convnets.infogan_paper_generator(latent), convnets.infogan_paper_discriminator()


def _conv_infogan_nets(shape, latent, means):
    from . import convnets
    return (convnets.conv_generator(latent, shape, n_codes=10, batch_norm=True, **convnets.CPU),
            convnets.conv_infogan_discriminator(shape, 10, **convnets.CPU))


# -- optimizers: (steps_per_epoch, beta_1 override) -> (d_optimizer, g_optimizer) -----------------
def _torch_adam(steps_per_epoch, beta_1):
    from .optimizers import TorchAdam
    b1 = DENSE_BETA_1 if beta_1 is None else beta_1
    return TorchAdam(2e-4, beta_1=b1), TorchAdam(2e-4, beta_1=b1)


def _paper_sgd(steps_per_epoch, beta_1):
    from .optimizers import FlooredExponentialDecay, RampedMomentumSGD

    def sgd():  # lr 0.1 / 1.000004^t (floor 1e-6); momentum 0.5 -> 0.7 from epoch 1 to 250
        return RampedMomentumSGD(FlooredExponentialDecay(0.1, 1.000004, 1e-6), momentum=0.5, final_momentum=0.7,
                                 ramp_start=steps_per_epoch, ramp_end=250 * steps_per_epoch)
    return sgd(), sgd()


def _radford_adam(steps_per_epoch, beta_1):
    import keras
    b1 = 0.5 if beta_1 is None else beta_1
    return keras.optimizers.Adam(2e-4, beta_1=b1), keras.optimizers.Adam(2e-4, beta_1=b1)


def _infogan_adam(steps_per_epoch, beta_1):
    import keras
    b1 = 0.5 if beta_1 is None else beta_1
    return keras.optimizers.Adam(2e-4, beta_1=b1), keras.optimizers.Adam(1e-3, beta_1=b1)


def _infogan_paper_adam(steps_per_epoch, beta_1):
    import keras
    b1 = 0.5 if beta_1 is None else beta_1  # TensorFlow 1's Adam: epsilon 1e-8
    return keras.optimizers.Adam(2e-4, beta_1=b1, epsilon=1e-8), keras.optimizers.Adam(1e-3, beta_1=b1, epsilon=1e-8)


def _chollet_rmsprop(steps_per_epoch, beta_1):
    import keras
    return (keras.optimizers.RMSprop(learning_rate=8e-4, clipvalue=1.0),
            keras.optimizers.RMSprop(learning_rate=4e-4, clipvalue=1.0))


def _wgan_rmsprop(steps_per_epoch, beta_1):
    import keras
    return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)


def _wgan_gp_adam(steps_per_epoch, beta_1):
    import keras
    b1 = 0.5 if beta_1 is None else beta_1
    return (keras.optimizers.Adam(1e-4, beta_1=b1, beta_2=0.9), keras.optimizers.Adam(1e-4, beta_1=b1, beta_2=0.9))


@dataclass(frozen=True)
class Recipe:
    """One set-up: what it trains on, its networks, optimizers, trainer and budget."""

    name: str
    source: str
    dataset: str
    batch_size: int
    latent_dim: int
    value_range: tuple
    budget: dict                   # the source's budget: {"epochs": n} or {"steps": n}
    models: object                 # (image_shape, latent_dim, pixel_means) -> (generator, discriminator)
    optimizers: object             # (steps_per_epoch, beta_1) -> (d_optimizer, g_optimizer)
    trainer: str = "gan"           # a key of TRAINERS
    settings: dict = field(default_factory=dict)  # GANTrainer keyword arguments

    def __post_init__(self):
        if self.dataset not in DATASETS or self.trainer not in TRAINERS or len(self.budget) != 1 \
                or set(self.budget) - {"epochs", "steps"} or set(self.settings) - set(TRAINER_SETTINGS):
            raise ValueError(f"recipe {self.name!r}: unknown dataset, trainer, budget or setting")


RECIPES = {r.name: r for r in (
    Recipe("dense-mnist", "GANs demystified: dense GAN, PyTorch original", "mnist", 52, 100, (-1.0, 1.0),
           {"epochs": 100}, _dense_nets, _torch_adam),
    Recipe("paper-mnist", "Goodfellow et al. (2014), mnist.yaml: ReLU G, maxout D", "mnist", 100, 100,
           (0.0, 1.0), {"epochs": 250}, _paper_nets, _paper_sgd, settings={"latent_distribution": "uniform"}),
    Recipe("dcgan-mnist", "Radford et al. (2015) DCGAN rules, 28x28x1", "mnist", 128, 100, (-1.0, 1.0),
           {"epochs": 25}, _radford_nets, _radford_adam),
    Recipe("dcgan-cifar10-frog", "Chollet DCGAN (DLwP 8.5), CIFAR-10 frogs", "cifar10-frog", 20, 32, (-1.0, 1.0),
           {"steps": 10000}, _chollet_nets, _chollet_rmsprop, settings={"real_label": 0, "label_noise": 0.05}),
    Recipe("lsgan-mnist", "Mao et al. (2017): least-squares GAN (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
           {"epochs": 20}, _critic_nets, _torch_adam, settings={"objective": "lsgan"}),
    Recipe("wgan-mnist", "Arjovsky et al. (2017): WGAN, weight clipping (dense nets)", "mnist", 64, 100,
           (-1.0, 1.0), {"epochs": 100}, _wgan_nets, _wgan_rmsprop, settings={"objective": "wgan", "k": 5}),
    Recipe("wgan-gp-mnist", "Gulrajani et al. (2017): WGAN-GP (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
           {"epochs": 100}, _wgan_nets, _wgan_gp_adam, trainer="fast", settings={"objective": "wgan-gp", "k": 5}),
    Recipe("cgan-mnist", "Mirza & Osindero (2014): conditional GAN (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
           {"epochs": 20}, _cgan_nets, _torch_adam, trainer="cgan"),
    Recipe("infogan-mnist", "Chen et al. (2016): InfoGAN, 10-way categorical code (dense nets)", "mnist", 64,
           100, (-1.0, 1.0), {"epochs": 20}, _infogan_nets, _torch_adam, trainer="infogan",
           settings={"info_weight": 1.0}),
    # The same variants on convolutional networks (gan_keras.convnets: Chen et al.'s MNIST nets).
    Recipe("lsgan-conv-mnist", "Mao et al. (2017): least-squares GAN, conv nets", "mnist", 64, 62, (-1.0, 1.0),
           {"epochs": 20}, _conv_nets(None, True), _radford_adam, settings={"objective": "lsgan"}),
    Recipe("wgan-conv-mnist", "Arjovsky et al. (2017): WGAN, weight clipping, conv nets", "mnist", 64, 62,
           (-1.0, 1.0), {"epochs": 100}, _conv_nets(None, True), _wgan_rmsprop, settings={"objective": "wgan", "k": 5}),
    Recipe("wgan-gp-conv-mnist", "Gulrajani et al. (2017): WGAN-GP, conv nets", "mnist", 64, 62, (-1.0, 1.0),
           {"epochs": 100}, _conv_nets(None, False), _wgan_gp_adam, trainer="fast",
           settings={"objective": "wgan-gp", "k": 5}),
    Recipe("cgan-conv-mnist", "Mirza & Osindero (2014): conditional GAN, conv G, projection D", "mnist", 64, 62,
           (-1.0, 1.0), {"epochs": 20}, _conv_cgan_nets, _radford_adam, trainer="cgan"),
    Recipe("infogan-conv-mnist", "Chen et al. (2016): InfoGAN, 10-way code, the paper's MNIST nets", "mnist", 64,
           62, (-1.0, 1.0), {"epochs": 20}, _conv_infogan_nets, _infogan_adam, trainer="infogan",
           settings={"info_weight": 1.0}),
    # InfoGAN as the authors' code trained it on MNIST (openai/InfoGAN): 50 x 100 updates of batch 128
    Recipe("infogan-paper-mnist", "Chen et al. (2016): InfoGAN as the authors' code, 10-way + 2 continuous codes",
           "mnist", 128, 62, (0.0, 1.0), {"steps": 5000}, _infogan_paper_nets, _infogan_paper_adam,
           trainer="infogan", settings={"info_weight": 1.0, "latent_distribution": "uniform"}),
)}


def get(name):
    """The Recipe called ``name``; ValueError listing the names otherwise."""
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(RECIPES)}")
    return RECIPES[name]


def load_images(name, dataset=None, limit=None, data_dir=None, verbose=True, holdout=0):
    """Training images for recipe ``name`` in its value range: float32 (N, H, W, C).

    ``dataset`` overrides the recipe's ('mnist', 'fashion_mnist', 'cifar10-frog');
    ``holdout`` > 0 drops that many images (``data.holdout_split``, seed 0) and returns
    the rest, so that the held-out ones can serve evaluation.
    """
    return load_labelled(name, dataset, limit, data_dir, verbose, holdout)[0][0]


def load_labelled(name, dataset=None, limit=None, data_dir=None, verbose=True, holdout=0):
    """((train images, labels), (held-out images, labels)) in recipe ``name``'s value range."""
    recipe = get(name)
    dataset = dataset or recipe.dataset
    kw = dict(value_range=recipe.value_range, limit=limit, data_dir=data_dir, verbose=verbose)
    loaders = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist,
               "cifar10-frog": lambda **k: load_cifar10(classes=["frog"], **k)}
    if dataset not in loaders:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {DATASETS}")
    x, y = loaders[dataset](**kw)
    if not holdout:
        return (x, y), (x[:0], y[:0])
    return holdout_split(x, y, holdout)


def build_models(name, image_shape, pixel_means=None):
    """(generator, discriminator) of recipe ``name`` for images of ``image_shape``."""
    recipe = get(name)
    return recipe.models(tuple(image_shape), recipe.latent_dim, pixel_means)


def make_optimizers(name, steps_per_epoch=1, beta_1=None):
    """(d_optimizer, g_optimizer) of recipe ``name``; ``steps_per_epoch`` sets the paper's ramp.

    ``beta_1`` overrides Adam's first-moment decay of the Adam recipes.
    """
    return get(name).optimizers(steps_per_epoch, beta_1)


def make_trainer(name, images, *, seed=0, batch_size=None, fast=False, beta_1=None, **settings):
    """Seed everything, build recipe ``name``'s models for ``images`` and return its trainer.

    images: the training images (their shape sizes the models, their mean sets the paper
    G's output bias). ``fast``: a ``FastGANTrainer`` (unconditional recipes). ``settings``
    replace the recipe's trainer settings (k, label_noise, ...; see TRAINER_SETTINGS).
    """
    recipe = get(name)
    if fast and recipe.trainer in CODED_TRAINERS:
        raise ValueError(f"{name} trains on the teaching path only (fast=False)")
    from .conditional import ConditionalGANTrainer, InfoGANTrainer
    from .fast import FastGANTrainer
    from .training import GANTrainer

    trainers = {"gan": GANTrainer, "fast": FastGANTrainer, "cgan": ConditionalGANTrainer, "infogan": InfoGANTrainer}
    kind = "fast" if fast and recipe.trainer == "gan" else recipe.trainer
    (generator, discriminator, d_opt, g_opt), kwargs = _networks(name, images, seed, batch_size, beta_1, settings)
    return trainers[kind](generator, discriminator, d_optimizer=d_opt, g_optimizer=g_opt, seed=seed, **kwargs)


def make_gan(name, images, *, seed=0, batch_size=None, beta_1=None, **settings):
    """Recipe ``name`` as a compiled ``gan_keras.GAN``, to train with Keras' ``fit``: the same networks,
    initial weights, optimizers and settings as ``make_trainer`` gives (unconditional recipes whose step
    is the alternating one with k constant D updates: what ``GAN`` trains)."""
    if get(name).trainer in CODED_TRAINERS:
        raise ValueError(f"{name} has a code input: it trains with make_trainer (the teaching path), not fit")
    (generator, discriminator, d_opt, g_opt), kwargs = _networks(name, images, seed, batch_size, beta_1, settings)
    update, schedule = kwargs.pop("update", "alternating"), kwargs.pop("critic_schedule", "constant")
    if (update, schedule) != ("alternating", "constant"):
        raise ValueError(f"GAN's fit trains the alternating update with k constant D updates, not update={update!r}, "
                         f"critic_schedule={schedule!r}")
    from .gan import GAN

    gan = GAN(generator, discriminator, seed=seed, latent_distribution=kwargs.pop("latent_distribution", "normal"))
    gan.compile(d_opt, g_opt, **kwargs)
    return gan


def _networks(name, images, seed, batch_size, beta_1, settings):
    """((G, D, D's optimizer, G's optimizer), trainer settings) of recipe ``name``, keras seeded with ``seed``."""
    recipe = get(name)
    unknown = set(settings) - set(TRAINER_SETTINGS)
    if unknown:
        raise ValueError(f"unknown trainer settings {sorted(unknown)}; choose from {TRAINER_SETTINGS}")
    import keras

    from .checks import steps_per_epoch

    keras.utils.set_random_seed(seed)
    pixel_means = None
    if name == "paper-mnist":  # the paper's G starts at the data's mean image
        lo, hi = recipe.value_range
        pixel_means = (np.mean(images, axis=0) - lo) / (hi - lo)
    generator, discriminator = build_models(name, tuple(np.shape(images)[1:]), pixel_means)
    kwargs = {**recipe.settings, **settings}
    per_epoch = steps_per_epoch(len(images), batch_size or recipe.batch_size, kwargs.get("k", 1))
    return (generator, discriminator, *make_optimizers(name, per_epoch, beta_1=beta_1)), kwargs


def steps_for(name, n_images, batch_size=None, k=None, epochs=None):
    """Steps of recipe ``name``'s budget (or of ``epochs`` epochs) on ``n_images`` images."""
    recipe = get(name)
    budget = {"epochs": epochs} if epochs is not None else recipe.budget
    if "steps" in budget:
        return budget["steps"]
    k = k or recipe.settings.get("k", 1)
    from .checks import steps_per_epoch

    return budget["epochs"] * steps_per_epoch(n_images, batch_size or recipe.batch_size, k)
