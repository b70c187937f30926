"""The fused fast path keeps the teaching path's contract (gan_keras/fast.py)."""

import keras
import numpy as np
import pytest

from gan_keras import checkpoints, losses, run

from .helpers import (all_equal, fast_step_with_host_inputs, on_other_backends, other_backends, ready, tiny_images,
                      tiny_trainer, weights)


@pytest.mark.parametrize("backend", other_backends())
def test_on_every_backend(backend):
    """This module again under each other installed backend (in a subprocess: the backend is chosen at import)."""
    code, tail = on_other_backends(__file__, backend)
    assert code == 0, tail


def no_dropout_trainer(fast, **kwargs):
    t = tiny_trainer(fast=fast, seed=2, model_seed=3, **kwargs)
    for layer in t.discriminator.layers:
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    return t


@pytest.mark.parametrize("k", [1, 2])
def test_one_fused_step_equals_one_teaching_step(k):
    x = tiny_images()
    slow = no_dropout_trainer(False, k=k, label_noise=0.05)
    slow.train(x, steps=1, batch_size=16)
    fast = no_dropout_trainer(True, k=k, label_noise=0.05)
    ready(fast, x, batch_size=16)
    out = fast_step_with_host_inputs(fast, 0)  # on JAX too: the teaching path's inputs, not the device's
    expected = [slow.history[key][0] for key in ("d_loss", "g_loss", "d_real", "d_fake")]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-6)
    for a, b in zip(weights(fast.generator) + weights(fast.discriminator),
                    weights(slow.generator) + weights(slow.discriminator)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert int(fast.d_optimizer.iterations) == k and int(fast.g_optimizer.iterations) == 1


def test_fast_path_follows_the_arjovsky_critic_schedule(monkeypatch):
    # the schedule shrunk (first 2 steps and every 3rd: 7 critic updates, else k = 2) to compile quickly
    monkeypatch.setattr(losses, "ARJOVSKY", (2, 3, 7))
    x = tiny_images()
    runs = []
    for fast in (False, True):
        t = no_dropout_trainer(fast, k=2, objective="wgan", critic_schedule="arjovsky")
        d0 = weights(t.discriminator)
        t.train(x, steps=5, batch_size=16)  # 7 + 7 + 2 + 7 + 2 critic updates
        assert int(t.d_optimizer.iterations) == 25 and int(t.g_optimizer.iterations) == 5
        assert not all_equal(d0, weights(t.discriminator))
        runs.append(weights(t.generator) + weights(t.discriminator))
    if keras.backend.backend() == "jax":  # JAX's fast path draws its own noise: fed the teaching path's instead
        t = no_dropout_trainer(True, k=2, objective="wgan", critic_schedule="arjovsky")
        ready(t, x, batch_size=16)
        for step in range(5):
            fast_step_with_host_inputs(t, step)
        runs[1] = weights(t.generator) + weights(t.discriminator)
        assert int(t.d_optimizer.iterations) == 25
    for a, b in zip(*runs):  # the same minibatches and noise as the teaching path: the same weights
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_fast_training_learns_and_records_the_same_history():
    t = tiny_trainer(fast=True, d_optimizer=keras.optimizers.Adam(3e-3))
    h = t.train(tiny_images(), steps=30, batch_size=16)
    assert sorted(h) == sorted(["step", "d_loss", "g_loss", "d_real", "d_fake"])
    assert h["step"] == [float(i) for i in range(1, 31)]
    assert all(np.isfinite(h[k]).all() for k in h)
    assert np.mean(h["d_real"][10:]) > np.mean(h["d_fake"][10:]) + 0.1


def test_fast_path_is_deterministic():
    runs = [tiny_trainer(fast=True, seed=4).train(tiny_images(), steps=5, batch_size=16)
            for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("first,second", [(False, True), (True, False)])
def test_each_path_resumes_the_others_checkpoints(tmp_path, first, second):
    x = tiny_images()
    a = tiny_trainer(fast=first, seed=1)
    run.fit(a, x, steps=3, batch_size=16, out_dir=tmp_path, progress=False)
    saved = weights(a.generator)
    b = tiny_trainer(fast=second, seed=1, model_seed=42)
    run.fit(b, x, steps=3, batch_size=16, out_dir=tmp_path, resume=True, progress=False)
    assert all_equal(weights(b.generator), saved)  # loaded, nothing trained
    run.fit(b, x, steps=6, batch_size=16, out_dir=tmp_path, resume=True, progress=False)
    assert b.history["step"] == [float(i) for i in range(1, 7)]
    assert b.history["d_loss"][:3] == a.history["d_loss"]
    assert int(b.d_optimizer.iterations) == 6
    assert checkpoints.latest_checkpoint(tmp_path).name == "ckpt-0000006.npz"


def test_fast_samples_and_checkpoints_see_current_weights(tmp_path):
    t = tiny_trainer(fast=True)
    run.fit(t, tiny_images(), steps=4, batch_size=16, out_dir=tmp_path, checkpoint_every=2, sample_every=2,
            progress=False)
    _, groups, _ = checkpoints.load(checkpoints.latest_checkpoint(tmp_path))
    assert all_equal(groups["generator"][:len(t.generator.weights)], weights(t.generator))
    assert (tmp_path / "samples" / "step_0000002.png").is_file()


def test_chunks_end_where_a_callback_reads_the_weights():
    class Every(keras.callbacks.Callback):
        every = 7

    class Seen(keras.callbacks.Callback):
        every = 0  # reads no weights: no limit on the chunks

    for callbacks, first in (([Seen()], 20), ([Every(), Seen()], 7), ([keras.callbacks.LambdaCallback()], 1)):
        t = tiny_trainer(fast=True)
        ready(t, tiny_images(), batch_size=16)
        t.step = 0
        chunk = list(t.next_steps(20, callbacks))
        assert len(chunk) == first
    # and never more steps than one compiled chunk holds: 200 on JAX, 50 elsewhere
    t.step = 0
    assert len(list(t.next_steps(1000, [Seen()]))) == (200 if keras.backend.backend() == "jax" else 50)
