"""The Keras 3 fact this project lives on, checked on every installed backend.

Each backend runs tests/frozen_check.py in its own process (KERAS_BACKEND is read once,
at import). Weight snapshots show what each update changes.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = [b for b, module in (("tensorflow", "tensorflow"), ("jax", "jax"), ("torch", "torch"))
            if importlib.util.find_spec(module) is not None]


def run_check(backend, *flags):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "frozen_check.py"), *flags],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT "):])


@pytest.fixture(scope="module", params=BACKENDS)
def report(request):
    blocked = ["--block-tensorflow"] if request.param != "tensorflow" else []
    return run_check(request.param, "--fast", "--variants", *blocked)


def test_at_least_tensorflow_and_jax_are_installed():
    assert {"tensorflow", "jax"} <= set(BACKENDS)


def test_backend_is_the_one_asked_for(report, request):
    # the subprocess ran under the backend this parametrisation started it with
    assert report["backend"] == request.node.callspec.params["report"]


def test_classic_keras2_recipe_never_trains_d_under_keras3(report):
    # compile D, freeze it, compile the GAN, then D.train_on_batch: D stays as it was
    assert report["classic"]["d_changed"] is False


def test_both_training_paths_run_on_every_backend(report):
    trained = {"steps": 3, "finite": True, "losses_moved": True, "d_changed": True, "g_changed": True}
    assert report["short_runs"] == {"teaching": trained, "fast": trained}


@pytest.mark.parametrize("path", ["trainer", "trainer_bn", "trainer_gan_bn", "fast", "fast_bn", "fast_gan_bn"])
def test_each_update_changes_only_its_own_network(report, path):
    assert report[path]["d_step"] == {"d_changed": True, "g_changed": False}
    assert report[path]["g_step"] == {"d_changed": False, "g_changed": True}


VARIANTS = ["lsgan", "lsgan_fast", "wgan", "wgan_fast", "wgan-gp_fast", "cgan", "infogan",
            "wgan-gp-conv-mnist", "wgan-conv-mnist", "cgan-conv-mnist", "infogan-conv-mnist", "dcgan-mnist", "infogan-paper-mnist"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_update_changes_only_its_own_network(report, variant):
    got = report["variants"][variant]
    assert got["d_step"] == {"d_changed": True, "g_changed": False}
    assert got["g_step"] == {"d_changed": False, "g_changed": True}


@pytest.mark.parametrize("variant", ["wgan", "wgan_fast"])
def test_wgan_clips_the_critic_after_its_update(report, variant):
    # initial weights go beyond 0.01 (Glorot on 16 units); after one D update all are clipped
    assert report["variants"][variant]["d_max_abs_weight"] <= 0.01 + 1e-7
    assert report["variants"]["lsgan"]["d_max_abs_weight"] > 0.05


def test_gradient_penalty_has_the_known_value_on_every_backend(report):
    assert report["gp"] == pytest.approx(40.0, rel=1e-4)


def test_jax_and_torch_paths_run_without_tensorflow(report):
    """On JAX and torch the whole check (both paths, every variant, the gradient penalty) ran where
    ``import tensorflow`` fails, and every module of the package (listed from its folder) imported there."""
    assert report["tensorflow"] == ("imported" if report["backend"] == "tensorflow" else "blocked")
    assert report["modules"] == sorted(p.stem for p in (ROOT / "gan_keras").glob("*.py")
                                       if p.stem not in ("__init__", "__main__"))


def test_frozen_gan_batch_norm_uses_the_batch_and_keras_layer_does_not(report):
    """Called with training=True while frozen: the package's layer normalises with the batch's moments
    (a hand computation), Keras' with its moving statistics -- the layer's reason to exist."""
    errors = report["gan_batch_norm"]["frozen_error"]
    assert errors["gan"] < 1e-4
    assert errors["stock"] > 1.0


def test_the_combined_model_judges_with_the_discriminator_being_trained(report):
    """D(G(z)) inside gan = D(G(z)) with D frozen equals D's own verdict in training mode only with
    the package's layer; with Keras' the frozen copy is another discriminator."""
    gaps = report["gan_batch_norm"]["d_prime_gap"]
    assert gaps["gan"] < 1e-5
    assert gaps["stock"] > 1e-3


def test_gan_batch_norm_saves_and_loads(report):
    assert report["gan_batch_norm"]["roundtrip"] is True


@pytest.mark.parametrize("path", ["teaching", "fast"])
def test_simultaneous_update_is_the_papers_step(report, path):
    """update="simultaneous": one step equals the hand computation of both gradients at the same weights
    (D's loss halved); the alternating update, checked the same way, does not."""
    errors = report["simultaneous"]
    assert errors[path] < 1e-6 and errors["moved_" + path] > 1e-3
    assert errors["alternating"] > 1e-3
