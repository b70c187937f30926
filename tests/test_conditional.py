"""The conditional GAN and InfoGAN (gan_keras/conditional.py): networks, trainers, validation."""

import keras
import numpy as np
import pytest

from gan_keras import conditional, run
from gan_keras.conditional import ConditionalGANTrainer, InfoGANTrainer

from .helpers import all_equal, ready, tiny_coded_models, tiny_images, tiny_models, weights

TRAINERS = {"cgan": ConditionalGANTrainer, "infogan": InfoGANTrainer, "infogan-continuous": InfoGANTrainer}


def test_networks_shapes():
    g = conditional.conditional_generator(latent_dim=8, n_classes=10)
    assert [tuple(i.shape) for i in g.inputs] == [(None, 8), (None, 10)] and g.output_shape == (None, 28, 28, 1)
    d = conditional.conditional_discriminator(n_classes=10)
    q = conditional.infogan_discriminator(n_codes=10)
    c = np.eye(10, dtype="float32")[[0, 4, 9]]
    x = np.zeros((3, 28, 28, 1), "float32")
    assert keras.ops.convert_to_numpy(d([x, c])).shape == (3, 1)
    p, logits = q(x)
    assert keras.ops.convert_to_numpy(p).shape == (3, 1) and keras.ops.convert_to_numpy(logits).shape == (3, 10)
    with pytest.raises(ValueError, match="conditioning"):
        conditional.conditional_discriminator(conditioning="film")


def test_the_projection_discriminator_depends_on_the_label():
    keras.utils.set_random_seed(0)
    d = conditional.conditional_discriminator(n_classes=10, dropout=0.0)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 28, 28, 1)).astype("float32")
    outs = [float(keras.ops.convert_to_numpy(d([x, np.eye(10, dtype="float32")[[k]]]))[0, 0]) for k in range(10)]
    assert max(outs) - min(outs) > 1e-4


def test_combined_models():
    g, d = tiny_coded_models("cgan")
    t = ConditionalGANTrainer(g, d)
    assert [tuple(i.shape) for i in t.d_model.inputs] == [(None, 8, 8, 1), (None, 4), (None, 3), (None, 3)]
    assert t.d_model.output_names == ["real", "fake"] and t.gan.output_shape == (None, 1)
    g, q = tiny_coded_models("infogan")
    t = InfoGANTrainer(g, q)
    assert t.d_model.output_names == ["real", "fake", "q"] and t.gan.output_names == ["p", "q"]


def test_models_must_fit_their_trainer():
    g, d = tiny_coded_models("cgan")
    _, plain_d = tiny_models()
    with pytest.raises(ValueError, match="1 input"):
        InfoGANTrainer(g, d)
    with pytest.raises(ValueError, match="2 input"):
        ConditionalGANTrainer(g, plain_d)
    with pytest.raises(ValueError, match="code input"):
        from gan_keras.training import GANTrainer
        GANTrainer(g, d)
    plain_g, _ = tiny_models()
    with pytest.raises(ValueError, match=r"\[z, code\]"):
        ConditionalGANTrainer(plain_g, d)


def test_conditional_training_validates_labels():
    g, d = tiny_coded_models("cgan")
    trainer = ConditionalGANTrainer(g, d)
    x = tiny_images(32)
    with pytest.raises(ValueError, match="needs the images' labels"):
        trainer.train(x, steps=1, batch_size=8)
    with pytest.raises(ValueError, match=r"shape \(32,\)"):
        trainer.train(x, labels=np.zeros(31, int), steps=1, batch_size=8)
    with pytest.raises(ValueError, match=r"ints in \[0, 3\)"):
        trainer.train(x, labels=np.full(32, 3), steps=1, batch_size=8)
    g, q = tiny_coded_models("infogan")
    with pytest.raises(ValueError, match="for conditional models"):
        InfoGANTrainer(g, q).train(x, labels=np.zeros(32, int), steps=1, batch_size=8)


@pytest.mark.parametrize("kind", ["cgan", "infogan", "infogan-continuous"])
def test_coded_models_train_generate_and_resume(tmp_path, kind):
    x, labels = tiny_images(48), np.arange(48) % 3
    kw = {"labels": labels} if kind == "cgan" else {}
    full = TRAINERS[kind](*tiny_coded_models(kind), seed=1)
    g0, d0 = weights(full.generator), weights(full.discriminator)
    full.train(x, steps=4, batch_size=8, **kw)
    assert not all_equal(g0, weights(full.generator)) and not all_equal(d0, weights(full.discriminator))
    part = TRAINERS[kind](*tiny_coded_models(kind), seed=1)
    run.fit(part, x, steps=2, batch_size=8, out_dir=tmp_path, checkpoint_every=2, progress=False, **kw)
    resumed = TRAINERS[kind](*tiny_coded_models(kind), seed=1)
    run.fit(resumed, x, steps=4, batch_size=8, out_dir=tmp_path, resume=True, progress=False, **kw)
    assert resumed.history.keys() == full.history.keys()
    for key in full.history:  # a reported loss may differ in its last float32 bit on TensorFlow with a busy CPU
        np.testing.assert_allclose(resumed.history[key], full.history[key], rtol=1e-6, atol=0)
    assert all_equal(weights(resumed.generator), weights(full.generator))
    images = full.generate(6, labels=[0, 1, 2, 0, 1, 2])
    assert images.shape == (6, 8, 8, 1) and np.abs(images).max() <= 1.0
    assert sorted((tmp_path / "samples").glob("*.png")), "a sample grid (one row per code value) was written"
    if kind.startswith("infogan"):
        assert full.q_codes(x).shape == (48,) and set(full.q_codes(x)) <= {0, 1, 2}
    else:
        assert full.realness(x, labels).shape == (48,)


def test_grid_inputs_are_one_row_per_code():
    t = InfoGANTrainer(*tiny_coded_models("infogan"))
    z, codes = t.grid_inputs()
    assert z.shape == (30, 4) and codes.shape == (30, 3)
    assert np.array_equal(z[:10], z[10:20]) and np.array_equal(codes.argmax(1), np.repeat([0, 1, 2], 10))


def test_infogan_continuous_codes_reach_g_and_q():
    x = tiny_images(32)
    t = InfoGANTrainer(*tiny_coded_models("infogan-continuous"), seed=0)
    assert t.n_continuous == 2 and t.config()["n_continuous"] == 2
    ready(t, x, batch_size=8)
    inputs, targets = t.g_batch(t.step_inputs(0))
    assert len(inputs) == 3 and inputs[2].shape == (8, 2) and np.abs(inputs[2]).max() <= 1.0
    assert np.array_equal(targets[2], inputs[2])  # Q is asked for the codes G was given
    assert np.abs(inputs[2]).max() > 0.5 and not np.array_equal(inputs[2], t.g_batch(t.step_inputs(1))[0][2])
    head = t.discriminator.layers[-1]  # Q's guess of the continuous codes
    before = weights(head)
    t.train(x, steps=2, batch_size=8)
    assert not all_equal(before, weights(head)), "D's update trains Q's continuous head"
    low = t.generate(4, labels=[0] * 4, continuous=np.full((4, 2), -1.0))
    high = t.generate(4, labels=[0] * 4, continuous=np.full((4, 2), 1.0))
    assert not np.allclose(low, high)
    with pytest.raises(ValueError, match="continuous codes must have shape"):
        t.generate(4, continuous=np.zeros((4, 3)))
    z, codes, continuous = t.grid_inputs()
    assert continuous.shape == (30, 2) and not continuous.any()
    g, d = tiny_coded_models("infogan-continuous")
    with pytest.raises(ValueError, match="output"):
        InfoGANTrainer(g, tiny_coded_models("infogan")[1])


def test_code_crossentropy_is_minus_log_softmax_of_the_code():
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], np.float32)
    codes = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    expected = [-(2.0 - np.log(np.exp(2.0) + 2.0)), np.log(3.0)]
    got = keras.ops.convert_to_numpy(conditional.code_crossentropy(codes, logits))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_continuous_code_nll_is_half_the_squared_error():
    c = np.array([[0.5, -1.0], [0.0, 0.2]], np.float32)
    mu = np.array([[0.0, 1.0], [0.0, 0.2]], np.float32)
    got = keras.ops.convert_to_numpy(conditional.continuous_code_nll(c, mu))
    np.testing.assert_allclose(got, [0.5 * (0.25 + 4.0), 0.0], rtol=1e-6)


def test_sampling_a_coded_generator_draws_z_then_the_codes():
    from gan_keras import convnets, models

    info = convnets.infogan_paper_generator(8)
    rng = np.random.default_rng(4)
    z, labels = models.sample_latent(rng, 5, 8), rng.integers(0, 10, 5)
    expected = info.predict([z, *conditional.code_inputs(info, labels, rng)], verbose=0)
    got = models.sample(info, 5, np.random.default_rng(4), codes=conditional.code_sampler(info))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    zeros = np.zeros((5, 2), np.float32)
    fixed = models.sample(info, 5, np.random.default_rng(4), codes=conditional.code_sampler(info, [2] * 5, zeros))
    z = models.sample_latent(np.random.default_rng(4), 5, 8)
    want = info.predict([z, conditional.one_hot([2] * 5, 10), zeros], verbose=0)
    np.testing.assert_allclose(fixed, want, atol=1e-6)
    with pytest.raises(ValueError, match="pass codes= exactly when"):
        models.sample(info, 2, np.random.default_rng(0))
