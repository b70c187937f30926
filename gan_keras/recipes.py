"""Named set-ups from the sources: architecture, optimizers, batch size, labels, data.

``make_trainer(name, images)`` builds the models (seeded) and a ``GANTrainer`` with the
source's hyperparameters; ``load_images(name)`` loads the data that set-up trains on.

| name                 | source                    | data                       | batch | optimizers                         |
|----------------------|---------------------------|----------------------------|-------|------------------------------------|
| dense-mnist          | seed 001 (PyTorch blog)   | MNIST, [-1, 1]             | 52    | PyTorch's Adam 2e-4 both          |
| paper-mnist          | Goodfellow et al. 2014    | MNIST, [0, 1]              | 100   | SGD 0.1, momentum 0.5 -> 0.7       |
| dcgan-mnist          | Radford et al. 2015 rules | MNIST, [-1, 1]             | 128   | Adam 2e-4, beta_1 0.5 both         |
| dcgan-cifar10-frog   | seed 004 (Chollet)        | CIFAR-10 frogs, [-1, 1]    | 20    | RMSprop D 8e-4, G 4e-4, clip 1.0   |
| lsgan-mnist          | Mao et al. 2017           | MNIST, [-1, 1]             | 64    | PyTorch's Adam 2e-4, beta_1 0.5    |
| wgan-mnist           | Arjovsky et al. 2017      | MNIST, [-1, 1]             | 64    | RMSprop 5e-5 both, n_critic 5      |
| wgan-gp-mnist        | Gulrajani et al. 2017     | MNIST, [-1, 1]             | 64    | Adam 1e-4, betas (0.5, 0.9), n_critic 5 |
| cgan-mnist           | Mirza & Osindero 2014     | MNIST + labels, [-1, 1]    | 64    | PyTorch's Adam 2e-4, beta_1 0.5    |
| infogan-mnist        | Chen et al. 2016          | MNIST, [-1, 1]             | 64    | PyTorch's Adam 2e-4, beta_1 0.5    |

The variants keep seed 001's dense G and D bodies (so that the objective, not the
architecture, is what changes; dense nets also train in minutes on a CPU): LSGAN and WGAN(-GP)
replace D's sigmoid with a raw score (the critics have no dropout and, as WGAN-GP requires,
no batch norm); CGAN and InfoGAN give G a one-hot code input, CGAN's D sees the label too,
InfoGAN's D gains a Q head. CGAN's D conditions by projection (Miyato & Koyama
2018; ``models.conditional_discriminator`` says why). WGAN-GP trains on the fast path only (``gan_keras.objectives``).

Seed 004 errata fixed here: the discriminator is compiled (inside ``GANTrainer``), the
discriminator learning rate is Chollet's 8e-4 (the seed wrote 0.008), Keras 3 spells
``learning_rate=`` and has no ``decay=`` (1e-8 per step changes the rate by 0.01 % over
10,000 steps, so it is dropped), and its labels are kept: 1 = generated, 0 = real
(``real_label=0``), the opposite of seed 001.
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from . import models
from .data import holdout_split, load_cifar10, load_fashion_mnist, load_mnist
from .optimizers import FlooredExponentialDecay, RampedMomentumSGD, TorchAdam
from .training import GANTrainer

DATASETS = ("mnist", "fashion_mnist", "cifar10-frog")

# Adam's beta_1 for dense-mnist. Seed 001 used PyTorch's default 0.9; with it, the GAN
# trained on the 5,000-digit offline MNIST subset falls into "D wins for good" collapses
# for a sizeable share of seeds (benchmarks/dense_stability.py measures the share), while
# 0.5 -- the DCGAN paper's choice, standard for GANs since -- did not collapse in any seed
# tried. Pass beta_1=0.9 (CLI: --beta1 0.9) for the seed's exact optimizer.
DENSE_BETA_1 = 0.5


@dataclass(frozen=True)
class Recipe:
    name: str
    source: str
    dataset: str
    batch_size: int
    latent_dim: int
    value_range: tuple
    budget: str                    # what the source trained for, in words
    budget_steps: dict             # {"epochs": n} or {"steps": n}: the source's budget
    trainer_kwargs: dict = field(default_factory=dict)


RECIPES = {
    "dense-mnist": Recipe(
        "dense-mnist", "seed 001: dense GAN, PyTorch original", "mnist", 52, 100, (-1.0, 1.0),
        "100 epochs of 60,000 digits", {"epochs": 100}),
    "paper-mnist": Recipe(
        "paper-mnist", "Goodfellow et al. 2014, mnist.yaml: ReLU G, maxout D", "mnist", 100, 100,
        (0.0, 1.0), "until convergence; momentum saturates after 250 epochs", {"epochs": 250},
        {"latent_distribution": "uniform"}),
    "dcgan-mnist": Recipe(
        "dcgan-mnist", "Radford et al. 2015 DCGAN rules, 28x28x1", "mnist", 128, 100, (-1.0, 1.0),
        "25 epochs (a common DCGAN budget on MNIST)", {"epochs": 25}),
    "dcgan-cifar10-frog": Recipe(
        "dcgan-cifar10-frog", "seed 004: Chollet's DCGAN, CIFAR-10 frogs", "cifar10-frog", 20, 32,
        (-1.0, 1.0), "10,000 steps", {"steps": 10000},
        {"real_label": 0, "label_noise": 0.05}),
    "lsgan-mnist": Recipe(
        "lsgan-mnist", "Mao et al. 2017: least-squares GAN (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
        "20 epochs", {"epochs": 20}, {"objective": "lsgan"}),
    "wgan-mnist": Recipe(
        "wgan-mnist", "Arjovsky et al. 2017: WGAN, weight clipping (dense nets)", "mnist", 64, 100,
        (-1.0, 1.0), "generator steps as the dense GAN's 20 epochs", {"epochs": 100},
        {"objective": "wgan", "k": 5}),
    "wgan-gp-mnist": Recipe(
        "wgan-gp-mnist", "Gulrajani et al. 2017: WGAN-GP (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
        "generator steps as the dense GAN's 20 epochs", {"epochs": 100},
        {"objective": "wgan-gp", "k": 5, "fast": True}),
    "cgan-mnist": Recipe(
        "cgan-mnist", "Mirza & Osindero 2014: conditional GAN (dense nets)", "mnist", 64, 100, (-1.0, 1.0),
        "20 epochs", {"epochs": 20}),
    "infogan-mnist": Recipe(
        "infogan-mnist", "Chen et al. 2016: InfoGAN, 10-way categorical code (dense nets)", "mnist", 64,
        100, (-1.0, 1.0), "20 epochs", {"epochs": 20}, {"info_weight": 1.0}),
}
CONDITIONAL = ("cgan-mnist",)  # trained with the images' labels


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
    if dataset == "mnist":
        x, y = load_mnist(**kw)
    elif dataset == "fashion_mnist":
        x, y = load_fashion_mnist(**kw)
    elif dataset == "cifar10-frog":
        x, y = load_cifar10(classes=["frog"], **kw)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {DATASETS}")
    if not holdout:
        return (x, y), (x[:0], y[:0])
    return holdout_split(x, y, holdout)


def build_models(name, image_shape, pixel_means=None):
    """(generator, discriminator) of recipe ``name`` for images of ``image_shape``."""
    recipe = get(name)
    if name == "dense-mnist":
        return (models.dense_generator(recipe.latent_dim, image_shape),
                models.dense_discriminator(image_shape))
    if name == "paper-mnist":
        return (models.paper_generator(recipe.latent_dim, image_shape, pixel_means=pixel_means),
                models.paper_discriminator(image_shape))
    if name == "dcgan-mnist":
        return (models.radford_generator(recipe.latent_dim, image_shape),
                models.radford_discriminator(image_shape))
    if name == "lsgan-mnist":
        return (models.dense_generator(recipe.latent_dim, image_shape),
                models.dense_discriminator(image_shape, output_activation=None))
    if name in ("wgan-mnist", "wgan-gp-mnist"):
        return (models.dense_generator(recipe.latent_dim, image_shape),
                models.dense_discriminator(image_shape, dropout=0.0, output_activation=None))
    if name == "cgan-mnist":
        return (models.conditional_generator(recipe.latent_dim, 10, image_shape),
                models.conditional_discriminator(image_shape, 10))
    if name == "infogan-mnist":
        return (models.conditional_generator(recipe.latent_dim, 10, image_shape),
                models.infogan_discriminator(image_shape, 10))
    return (models.chollet_generator(recipe.latent_dim, image_shape),
            models.chollet_discriminator(image_shape))


def make_optimizers(name, steps_per_epoch=1, beta_1=None):
    """(d_optimizer, g_optimizer) of recipe ``name``; ``steps_per_epoch`` sets the paper's ramp.

    ``beta_1`` overrides Adam's first-moment decay of the Adam recipes (dense-mnist: 0.5 by
    default, see DENSE_BETA_1; dcgan-mnist: 0.5).
    """
    if name == "dense-mnist":  # seed 001 is PyTorch: its Adam, not Keras' (see TorchAdam)
        b1 = DENSE_BETA_1 if beta_1 is None else beta_1
        return TorchAdam(2e-4, beta_1=b1), TorchAdam(2e-4, beta_1=b1)
    if name == "paper-mnist":
        def sgd():
            return RampedMomentumSGD(FlooredExponentialDecay(0.1, 1.000004, 1e-6), momentum=0.5,
                                     final_momentum=0.7, ramp_start=steps_per_epoch,
                                     ramp_end=250 * steps_per_epoch)
        return sgd(), sgd()
    if name == "dcgan-mnist":
        b1 = 0.5 if beta_1 is None else beta_1
        return (keras.optimizers.Adam(2e-4, beta_1=b1), keras.optimizers.Adam(2e-4, beta_1=b1))
    if name in ("lsgan-mnist", "cgan-mnist", "infogan-mnist"):  # seed 001's nets: its optimizer
        b1 = DENSE_BETA_1 if beta_1 is None else beta_1
        return TorchAdam(2e-4, beta_1=b1), TorchAdam(2e-4, beta_1=b1)
    if name == "wgan-mnist":
        return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)
    if name == "wgan-gp-mnist":
        b1 = 0.5 if beta_1 is None else beta_1
        return (keras.optimizers.Adam(1e-4, beta_1=b1, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=b1, beta_2=0.9))
    get(name)
    return (keras.optimizers.RMSprop(learning_rate=8e-4, clipvalue=1.0),
            keras.optimizers.RMSprop(learning_rate=4e-4, clipvalue=1.0))


def make_trainer(name, images, *, seed=0, batch_size=None, fast=False, beta_1=None, **overrides):
    """Seed everything, build recipe ``name``'s models for ``images`` and return a GANTrainer.

    images: the training images (their shape sizes the models, their mean sets the paper
    G's output bias). ``overrides`` replace GANTrainer keyword arguments (k, label_noise, ...).
    """
    recipe = get(name)
    keras.utils.set_random_seed(seed)
    image_shape = tuple(np.shape(images)[1:])
    pixel_means = None
    if name == "paper-mnist":
        lo, hi = recipe.value_range
        pixel_means = (np.mean(images, axis=0) - lo) / (hi - lo)
    generator, discriminator = build_models(name, image_shape, pixel_means)
    batch = batch_size or recipe.batch_size
    kwargs = {"fast": fast, **recipe.trainer_kwargs, **overrides}
    k = kwargs.get("k", 1)
    d_opt, g_opt = make_optimizers(name, max(1, len(images) // (batch * k)), beta_1=beta_1)
    return GANTrainer(generator, discriminator, d_optimizer=d_opt, g_optimizer=g_opt, seed=seed, **kwargs)
