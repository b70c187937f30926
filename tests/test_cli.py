import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_keras import checkpoints
from gan_keras.cli import parse_args

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gan_keras", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_train_writes_every_output_and_resumes(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "--model", "dense-mnist", "--steps", "4", "--limit", "208",
                   "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[gan_keras.data] MNIST train: 208 images" in proc.stdout
    for name in ("history.json", "generator.keras", "discriminator.keras", "losses.png",
                 "d_probabilities.png", "summary.json", "samples/final.png"):
        assert (out / name).is_file(), name
    history = json.loads((out / "history.json").read_text())["history"]
    assert history["step"] == [1.0, 2.0, 3.0, 4.0]
    assert all(np.isfinite(history["d_loss"]))
    assert checkpoints.latest_checkpoint(out).name == "ckpt-0000004.npz"

    again = run_cli("train", "--model", "dense-mnist", "--steps", "4", "--limit", "208",
                    "--out", str(out), "--quiet")
    assert again.returncode != 0 and "--resume" in again.stderr

    proc = run_cli("train", "--model", "dense-mnist", "--steps", "6", "--limit", "208",
                   "--out", str(out), "--quiet", "--resume")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resumed from" in proc.stdout and "at step 4" in proc.stdout
    resumed = json.loads((out / "history.json").read_text())["history"]
    assert resumed["step"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert resumed["d_loss"][:4] == history["d_loss"]


def test_saved_generator_loads_and_generates(tmp_path):
    import keras

    import gan_keras.models  # noqa: F401  (registers the custom Maxout layer)

    out = tmp_path / "run"
    proc = run_cli("train", "--model", "paper-mnist", "--steps", "2", "--limit", "200",
                   "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    g = keras.saving.load_model(out / "generator.keras")
    images = keras.ops.convert_to_numpy(g(np.zeros((2, 100), "float32")))
    assert images.shape == (2, 28, 28, 1) and 0 <= images.min() and images.max() <= 1
    keras.saving.load_model(out / "discriminator.keras")


def test_missing_dataset_is_a_clear_error(tmp_path):
    proc = run_cli("train", "--model", "dense-mnist", "--steps", "1", "--data-dir", str(tmp_path),
                   "--out", str(tmp_path / "run"))
    assert proc.returncode != 0
    assert "FileNotFoundError" in proc.stderr and "train-images-idx3-ubyte" in proc.stderr


def test_arguments():
    args = parse_args(["train", "--model", "dcgan-mnist", "--epochs", "2", "--k", "2", "--fast"])
    assert (args.model, args.epochs, args.k, args.fast) == ("dcgan-mnist", 2, 2, True)
    with pytest.raises(SystemExit):
        parse_args(["train", "--model", "no-such-gan"])
    with pytest.raises(SystemExit):
        parse_args(["train", "--steps", "3", "--epochs", "1"])
