import keras
import numpy as np
import pytest

from gan_keras import models, recipes
from gan_keras.optimizers import RampedMomentumSGD, TorchAdam


def test_unknown_recipe():
    with pytest.raises(ValueError, match="dense-mnist"):
        recipes.get("wgan")


# G's noise width and the range of its images (tanh: -1..1, sigmoid: 0..1), as each source states them; the
# variants on the convolutional networks take InfoGAN's 62
SOURCES = {"dense-mnist": (100, (-1, 1)), "paper-mnist": (100, (0, 1)), "dcgan-mnist": (100, (-1, 1)),
           "dcgan-cifar10-frog": (32, (-1, 1)), "infogan-paper-mnist": (62, (0, 1))}
SOURCES.update({name: (62, (-1, 1)) for name in ("cgan-conv-mnist", "infogan-conv-mnist", "lsgan-conv-mnist",
                                                  "wgan-conv-mnist", "wgan-gp-conv-mnist")})
SOURCES.update({name: (100, (-1, 1)) for name in ("cgan-mnist", "infogan-mnist", "lsgan-mnist", "wgan-mnist",
                                                   "wgan-gp-mnist")})


def test_every_recipe_is_listed_with_its_source():
    assert sorted(SOURCES) == sorted(recipes.RECIPES)


@pytest.mark.parametrize("name", sorted(recipes.RECIPES))
def test_every_recipe_builds_for_28x28(name):
    latent, (lo, hi) = SOURCES[name]
    images = np.zeros((300, 28, 28, 1), np.float32) + lo
    t = recipes.make_trainer(name, images, seed=0)
    assert t.generator.inputs[0].shape[1:] == (latent,)  # the noise; a conditional G takes its code as well
    assert recipes.get(name).value_range == t.value_range == models.output_range(t.generator) == (lo, hi)
    samples = t.generate(16, seed=1)
    assert samples.shape == (16, 28, 28, 1) and lo <= samples.min() and samples.max() <= hi
    assert np.ptp(samples, axis=0).max() > 0  # other noise, another image
    labels = np.eye(10, dtype="float32")[np.arange(16) % 10]  # a conditional D also reads the digit's label
    judged = t.discriminator([samples, labels] if len(t.discriminator.inputs) == 2 else samples)
    judged = judged[0] if isinstance(judged, (list, tuple)) else judged  # InfoGAN's D also returns Q's codes
    assert tuple(judged.shape) == (16, 1)


def test_source_hyperparameters():
    d, g = recipes.make_optimizers("dense-mnist")
    assert isinstance(d, TorchAdam) and float(d.learning_rate) == pytest.approx(2e-4)
    d, g = recipes.make_optimizers("dcgan-cifar10-frog")
    assert isinstance(d, keras.optimizers.RMSprop) and d.clipvalue == 1.0
    assert float(d.learning_rate) == pytest.approx(8e-4) and float(g.learning_rate) == pytest.approx(4e-4)
    d, g = recipes.make_optimizers("paper-mnist", steps_per_epoch=500)
    assert isinstance(d, RampedMomentumSGD) and (d.ramp_start, d.ramp_end) == (500, 125000)
    assert recipes.get("dcgan-cifar10-frog").settings == {"real_label": 0, "label_noise": 0.05}
    assert recipes.get("paper-mnist").settings["latent_distribution"] == "uniform"
    assert [recipes.get(n).batch_size for n in ("dense-mnist", "paper-mnist", "dcgan-cifar10-frog")] == [52, 100, 20]


def test_same_seed_same_initial_weights():
    images = np.zeros((104, 28, 28, 1), np.float32)
    a = recipes.make_trainer("dense-mnist", images, seed=7)
    b = recipes.make_trainer("dense-mnist", images, seed=7)
    c = recipes.make_trainer("dense-mnist", images, seed=8)
    wa, wb, wc = (keras.ops.convert_to_numpy(t.generator.weights[0]) for t in (a, b, c))
    assert np.array_equal(wa, wb) and not np.array_equal(wa, wc)


def test_paper_generator_bias_comes_from_the_data():
    images = np.zeros((200, 28, 28, 1), np.float32)
    images[:, 10:18, 10:18] = 1.0
    t = recipes.make_trainer("paper-mnist", images, seed=0)
    for layer in t.generator.layers:
        if isinstance(layer, keras.layers.Dense):
            layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
    out = t.generate(1)[0, ..., 0]
    assert out[14, 14] > 0.99 and out[0, 0] < 0.01


def test_a_short_conditional_run_makes_the_requested_digit_more_often_than_chance():
    from gan_keras import evaluation

    (x, y), _ = recipes.load_labelled("cgan-mnist", limit=5000, verbose=False)
    trainer = recipes.make_trainer("cgan-mnist", x, seed=0)
    trainer.train(x, labels=y, steps=400, batch_size=64)
    requested = np.arange(500) % 10
    probs = evaluation.classify(evaluation.classifier("mnist"), trainer.generate(500, seed=1, labels=requested))[1]
    agreement = evaluation.class_agreement(probs, requested)
    assert agreement > 0.2, f"samples of the requested digit: {agreement:.3f} (chance 0.1)"


def test_the_table_has_no_fall_through():
    with pytest.raises(ValueError, match="unknown trainer settings"):
        recipes.make_trainer("dense-mnist", np.zeros((104, 28, 28, 1), np.float32), lable_noise=0.1)
    row = recipes.get("dense-mnist")
    with pytest.raises(ValueError, match="unknown dataset, trainer, budget or setting"):
        recipes.Recipe("x", "src", "mnist", 52, 100, (-1, 1), {"epochs": 1}, row.models, row.optimizers, trainer="vae")
    with pytest.raises(ValueError, match="unknown dataset, trainer, budget or setting"):
        recipes.Recipe("x", "src", "mnist", 52, 100, (-1, 1), {"hours": 1}, row.models, row.optimizers)
    with pytest.raises(TypeError):
        recipes.Recipe("x", "src", "mnist", 52, 100, (-1, 1), {"epochs": 1}, row.models, row.optimizers, budget_steps=1)
    with pytest.raises(ValueError, match="teaching path only"):
        recipes.make_trainer("cgan-mnist", np.zeros((104, 28, 28, 1), np.float32), fast=True)


def test_one_budget_per_recipe():
    assert recipes.steps_for("dense-mnist", 60000) == 100 * (60000 // 52)   # the tutorial's 100 epochs
    assert recipes.steps_for("wgan-mnist", 60000) == 100 * (60000 // (64 * 5))
    assert recipes.steps_for("dcgan-cifar10-frog", 5000) == 10000
    assert recipes.steps_for("dense-mnist", 5200, epochs=2) == 200
    assert all(len(r.budget) == 1 for r in recipes.RECIPES.values())


def test_trainer_kind_per_recipe():
    from gan_keras.conditional import ConditionalGANTrainer, InfoGANTrainer
    from gan_keras.fast import FastGANTrainer

    images = np.zeros((300, 28, 28, 1), np.float32) - 1
    assert type(recipes.make_trainer("dense-mnist", images)).__name__ == "GANTrainer"
    assert isinstance(recipes.make_trainer("dense-mnist", images, fast=True), FastGANTrainer)
    assert isinstance(recipes.make_trainer("wgan-gp-mnist", images), FastGANTrainer)
    assert isinstance(recipes.make_trainer("cgan-mnist", images), ConditionalGANTrainer)
    assert isinstance(recipes.make_trainer("infogan-mnist", images), InfoGANTrainer)


@pytest.mark.parametrize("name,settings", [("wgan-gp-mnist", {}), ("paper-mnist", {"label_noise": 0.05})])
def test_make_gan_is_make_trainers_recipe_for_fit(name, settings):
    """The same initial networks, optimizers and settings as make_trainer's, for Keras' fit."""
    x = np.random.default_rng(0).uniform(*recipes.get(name).value_range, (104, 28, 28, 1)).astype("float32")
    trainer = recipes.make_trainer(name, x, seed=3, **settings)
    gan = recipes.make_gan(name, x, seed=3, **settings)
    for a, b in ((trainer.generator, gan.generator), (trainer.discriminator, gan.discriminator)):
        assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
    assert type(gan.d_optimizer) is type(trainer.d_optimizer)
    assert float(gan.d_optimizer.learning_rate) == float(trainer.d_optimizer.learning_rate)
    ours = {key: value for key, value in trainer.config().items() if key not in ("batch_size", "data_size", "fast")}
    assert gan.config() == {**ours, "trainer": "GAN"}
    assert gan.config()["label_noise"] == settings.get("label_noise", 0.0)


def test_make_gan_refuses_what_fit_does_not_train():
    x = np.zeros((104, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match="has a code input"):
        recipes.make_gan("cgan-mnist", x)
    with pytest.raises(ValueError, match="update='simultaneous'"):
        recipes.make_gan("paper-mnist", x, update="simultaneous")
