"""The command line as a user calls it (subprocesses): outputs, and one-line errors instead of tracebacks."""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gan_keras import checkpoints, recipes
from gan_keras.cli import parse_args

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--limit", "208", "--batch-size", "52"]  # 4 steps an epoch


def run_cli(*args, timeout=600, env=None):
    # JAX starts fastest; what is checked here does not depend on the backend
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "jax", **(env or {})}
    return subprocess.run([sys.executable, "-m", "gan_keras", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_user_error(proc, code, *phrases):
    """Exit ``code``, stderr ends with one line 'error: ...' holding every phrase, no traceback."""
    assert proc.returncode == code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and last.endswith(")"), last
    for phrase in phrases:
        assert phrase in last, (phrase, last)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small dense-mnist run (8 steps, a checkpoint every 4), shared by the tests below."""
    out = tmp_path_factory.mktemp("cli") / "run"
    proc = run_cli("train", "--steps", 8, "--checkpoint-every", 4, *SMALL, "--holdout", 100, "--out", out,
                   "--tensorboard", out.parent / "tensorboard")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_train_writes_every_output(trained):
    out, proc = trained
    for name in ("history.json", "generator.keras", "discriminator.keras", "losses.png", "d_probabilities.png",
                 "summary.json", "samples/final.png", "samples/step_0000008.png"):
        assert (out / name).is_file(), name
    assert [p.name for p in checkpoints.list_checkpoints(out)] == ["ckpt-0000004.npz", "ckpt-0000008.npz"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 8 and summary["images"] == 108 and summary["holdout"] == 100
    assert 0.0 <= summary["mean_d_real"] <= 1.0
    # what the files hold: the last checkpoint's G, trained since the first one, and its history
    import keras
    from PIL import Image

    _, first, _ = checkpoints.load(checkpoints.list_checkpoints(out)[0])
    _, last, history = checkpoints.load(checkpoints.list_checkpoints(out)[-1])
    g = keras.saving.load_model(out / "generator.keras", compile=False)
    saved = [keras.ops.convert_to_numpy(w) for w in g.weights]
    assert all(np.array_equal(a, b) for a, b in zip(saved, last["generator"][:len(saved)]))
    assert not all(np.array_equal(a, b) for a, b in zip(saved, first["generator"][:len(saved)]))
    assert json.loads((out / "history.json").read_text())["history"]["d_loss"] == history["d_loss"]
    assert len(history["d_loss"]) == 8
    images = keras.ops.convert_to_numpy(g(np.zeros((2, 100), np.float32)))
    assert images.shape == (2, 28, 28, 1) and np.abs(images).max() <= 1.0
    for name in ("samples/final.png", "losses.png"):
        pixels = np.asarray(Image.open(out / name).convert("L"), np.float32)
        assert min(pixels.shape) > 100 and pixels.std() > 5, name  # a picture, not a blank page


def test_progress_off_a_terminal_is_plain_lines(trained):
    _, proc = trained
    lines = [line for line in proc.stdout.splitlines() if line.startswith("step ")]
    assert "\b" not in proc.stdout and "\r" not in proc.stdout
    assert lines[-1].startswith("step 8/8 (100 %") and "d_loss" in lines[-1]
    assert 2 <= len(lines) <= 11  # about every 10 % of the run


def test_tensorboard_event_files_of_a_run_on_another_backend(trained):
    """The run above trained on JAX; its TensorBoard files hold every curve, histogram and grid."""
    from tensorboard.backend.event_processing import event_accumulator

    out, _ = trained
    events = event_accumulator.EventAccumulator(str(out.parent / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    history = json.loads((out / "history.json").read_text())["history"]
    steps = {tag: [e.step for e in events.Tensors(tag)] for tag in events.Tags()["tensors"]}
    assert steps["loss/d"] == steps["d_output/generated"] == list(range(1, 9))  # 8 steps: a point each
    assert steps["samples"] == steps["d_histogram/real"] == [1, 2, 3, 4, 5, 6, 7, 8]  # --sample-every 10 %
    from tensorboard.util import tensor_util

    d_fake = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events.Tensors("d_output/generated")]
    np.testing.assert_allclose(d_fake, history["d_fake"], rtol=1e-5)


def test_generate_writes_a_grid_or_an_array(trained, tmp_path):
    out, _ = trained
    proc = run_cli("generate", out, "--n", 12, "--seed", 3, "--out", tmp_path / "s.npy")
    assert proc.returncode == 0, proc.stderr[-2000:]
    images = np.load(tmp_path / "s.npy")
    assert images.shape == (12, 28, 28, 1) and images.dtype == np.float32 and np.abs(images).max() <= 1.0
    proc = run_cli("generate", out, "--out", tmp_path / "grid.png")
    assert proc.returncode == 0 and (tmp_path / "grid.png").stat().st_size > 1000
    assert_user_error(run_cli("generate", out, "--out", tmp_path / "s.txt"), 1, ".png or .npy")
    assert_user_error(run_cli("generate", out, "--labels", 3, "--out", tmp_path / "c.png"), 1, "no code input")
    assert_user_error(run_cli("generate", tmp_path, "--out", tmp_path / "x.png"), 1, "not a finished training run")


def test_evaluate_prints_a_table_and_writes_json(trained, tmp_path):
    """With the official test split (if this machine has it) or, without, half of the held-out digits."""
    from gan_keras import data

    try:
        data.resolve("mnist", "test", download=False)
        official = True
    except FileNotFoundError:
        official = False
    out, _ = trained
    proc = run_cli("evaluate", out, "--samples", 300, "--json", tmp_path / "e.json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = json.loads((tmp_path / "e.json").read_text())
    assert row["steps"] == 8 and np.isfinite(row["frechet"]) and "parzen" in row
    assert "frechet" in proc.stdout and "parzen" in proc.stdout
    said = "10000 digits of the official MNIST test split" if official else "50 held-out training digits, not"
    assert said in proc.stdout
    assert row["test_digits"] == ("official MNIST test split" if official else "held-out training digits")


def test_evaluate_offline_measures_on_held_out_digits_or_says_what_to_do(trained, tmp_path, monkeypatch, capsys):
    from gan_keras import cli, data

    monkeypatch.setattr(data, "_from_keras_download", lambda name, split: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.setattr(data, "KERAS_CACHE", tmp_path / "empty-cache")
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    out, _ = trained
    assert cli.main(["evaluate", str(out), "--samples", "200", "--json", str(tmp_path / "e.json")]) == 0
    printed = capsys.readouterr().out
    assert "measured on 50 held-out training digits, not the official test split: not comparable" in printed
    assert json.loads((tmp_path / "e.json").read_text())["test_digits"] == "held-out training digits"
    history = json.loads((out / "history.json").read_text())
    no_holdout = tmp_path / "run"
    no_holdout.mkdir()
    for name in ("generator.keras", "discriminator.keras", "history.json"):
        (no_holdout / name).write_bytes((out / name).read_bytes())
    (no_holdout / "summary.json").write_text(json.dumps({**json.loads((out / "summary.json").read_text()),
                                                         "holdout": 0}))
    assert history["meta"]["step"] == 8
    assert cli.main(["evaluate", str(no_holdout)]) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: MNIST test split not found") and error.endswith(")")
    assert "GAN_KERAS_DATA" in error and "--test-data" in error and "--holdout 1000" in error


def test_resume_after_a_truncated_checkpoint_uses_the_one_before(trained, tmp_path):
    out, _ = trained
    copy = tmp_path / "run"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    newest = checkpoints.latest_checkpoint(copy)
    newest.write_bytes(newest.read_bytes()[:2000])
    proc = run_cli("train", "--steps", 10, *SMALL, "--holdout", 100, "--out", copy, "--resume", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ckpt-0000008.npz cannot be read" in proc.stderr and "resumed from" in proc.stdout
    assert "ckpt-0000004.npz at step 4" in proc.stdout
    assert json.loads((copy / "summary.json").read_text())["steps"] == 10


def test_resume_with_another_model_names_the_model(trained):
    out, _ = trained
    before = sorted(p.name for p in out.rglob("*"))
    proc = run_cli("train", "--model", "paper-mnist", "--steps", 10, *SMALL, "--holdout", 100, "--out", out,
                   "--resume")
    assert_user_error(proc, 1, "model='dense-mnist'", "model='paper-mnist'")
    assert sorted(p.name for p in out.rglob("*")) == before


def test_an_earlier_run_is_never_overwritten(trained):
    out, _ = trained
    stamp = (out / "history.json").stat().st_mtime_ns
    assert_user_error(run_cli("train", "--steps", 2, *SMALL, "--out", out), 1, "--resume")
    assert (out / "history.json").stat().st_mtime_ns == stamp


def test_resume_without_a_checkpoint_starts_and_says_so(tmp_path):
    proc = run_cli("train", "--steps", 2, *SMALL, "--out", tmp_path / "new", "--resume", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no checkpoint in" in proc.stdout and "starting a new run" in proc.stdout


@pytest.mark.parametrize("args,phrase", [
    (["--steps", "-5"], "--steps: must be at least 1"),
    (["--steps", "0"], "--steps: must be at least 1"),
    (["--batch-size", "0"], "--batch-size: must be at least 1"),
    (["--k", "0"], "--k: must be at least 1"),
    (["--label-noise", "2"], "label noise must be in [0, 1)"),
    (["--limit", "twenty"], "not a whole number"),
    (["--data-dir", "/no/such/folder"], "is not a folder"),
    (["--model", "vae"], "invalid choice"),
])
def test_bad_arguments_are_one_line_errors(args, phrase):
    start = time.perf_counter()
    proc = run_cli("train", *args)
    assert_user_error(proc, 2, phrase)
    assert time.perf_counter() - start < 5, "argument errors come before any backend is imported"


def test_errors_found_before_training_come_at_once(tmp_path):
    bad = tmp_path / "corrupt"
    bad.mkdir()
    (bad / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 20)
    (bad / "train-labels-idx1-ubyte").write_bytes(b"junk")
    empty = tmp_path / "empty"
    empty.mkdir()
    target = tmp_path / "file"
    target.write_text("keep")
    start = time.perf_counter()
    assert_user_error(run_cli("train", "--steps", 1, "--data-dir", bad, "--out", tmp_path / "b"), 1, str(bad))
    assert_user_error(run_cli("train", "--steps", 1, "--data-dir", empty, "--out", tmp_path / "c"), 1,
                      "MNIST train split not found")
    assert_user_error(run_cli("train", "--steps", 1, "--out", target), 1, "is a file")
    assert target.read_text() == "keep"
    assert time.perf_counter() - start < 10, "no backend is imported to find these"
    proc = run_cli("--debug", "train", "--steps", 1, "--data-dir", empty, "--out", tmp_path / "d")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_errors_found_while_running(tmp_path):
    assert_user_error(run_cli("train", "--steps", 1, "--limit", 20, "--batch-size", 52, "--out", tmp_path / "a"),
                      1, "batch_size=52 is larger than the 20 images")


def test_help_is_fast_plain_and_complete():
    start = time.perf_counter()
    proc = run_cli("train", "--help")
    assert proc.returncode == 0 and time.perf_counter() - start < 3
    assert "`" not in proc.stdout and "{'" not in proc.stdout
    text = re.sub(r"-\s+", "-", " ".join(proc.stdout.split()))  # argparse wraps lines at hyphens
    for name, recipe in recipes.RECIPES.items():
        assert f"{name} {recipe.batch_size}" in text
    for option in ("--label-noise", "--label-smoothing", "--beta1", "--holdout", "--fast", "--quiet", "--seed"):
        after = text.split(option, 2)[-1][:120]
        assert len(after.split()) >= 3, f"{option} has no help"
    assert "(default: 0)" in text  # --seed's default is shown


def test_arguments():
    args = parse_args(["train", "--model", "paper-mnist", "--steps", "10", "--fast"])
    assert args.model == "paper-mnist" and args.steps == 10 and args.fast
    with pytest.raises(SystemExit):
        parse_args(["train", "--steps", "1", "--epochs", "1"])


def test_sigterm_writes_a_checkpoint_and_resume_ends_as_an_uninterrupted_run(tmp_path):
    """What a job scheduler, docker stop or a cloud notebook's shutdown sends: the running step ends, a
    checkpoint is written, the exit code is SIGTERM's (143), and --resume ends where a whole run ends."""
    args = ["train", "--steps", 120, *SMALL, "--checkpoint-every", 1000, "--sample-every", 1000]
    whole = run_cli(*args, "--out", tmp_path / "whole", "--quiet")
    assert whole.returncode == 0, whole.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "jax"}
    proc = subprocess.Popen([sys.executable, "-m", "gan_keras", *map(str, args), "--out", str(tmp_path / "cut")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    while first and not first.startswith("step "):  # the progress line of step 1: training has begun
        first = proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 143, err[-2000:]
    saved = checkpoints.list_checkpoints(tmp_path / "cut")
    assert len(saved) == 1 and 1 <= int(saved[0].stem.split("-")[1]) < 120, saved
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: stopped by SIGTERM at step ") and "--resume" in last and "Traceback" not in err
    resumed = run_cli(*args, "--out", tmp_path / "cut", "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a, b = (json.loads((tmp_path / name / "history.json").read_text())["history"] for name in ("whole", "cut"))
    assert a == b and len(a["step"]) == 120
    with np.load(checkpoints.latest_checkpoint(tmp_path / "whole")) as x, \
            np.load(checkpoints.latest_checkpoint(tmp_path / "cut")) as y:
        assert x.files == y.files and all(np.array_equal(x[k], y[k]) for k in x.files if k != "header")


def idx_bytes(array):
    """An IDX file (unsigned bytes) of ``array``, as the official MNIST files are written."""
    array = np.asarray(array, np.uint8)
    return bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape) + array.tobytes()


def test_damaged_data_files_end_in_one_line_naming_the_file(tmp_path):
    import gzip

    short = tmp_path / "short"  # 60 images, 59 labels
    short.mkdir()
    (short / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((60, 28, 28))))
    (short / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(59)))
    cut = tmp_path / "cut"  # a download cut short
    cut.mkdir()
    whole = gzip.compress(idx_bytes(np.zeros((60, 28, 28))))
    (cut / "train-images-idx3-ubyte.gz").write_bytes(whole[:len(whole) // 2])
    (cut / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(60))))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert_user_error(run_cli("train", "--steps", 1, "--data-dir", short, "--out", tmp_path / "a"), 1,
                      "60 images", "59 labels", "train-labels-idx1-ubyte")
    assert_user_error(run_cli("train", "--steps", 1, "--data-dir", cut, "--out", tmp_path / "b"), 1,
                      "train-images-idx3-ubyte.gz cannot be read", "download it again")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_damaged_or_misplaced_outputs_end_in_one_line(trained, tmp_path):
    out, _ = trained
    copy = tmp_path / "run"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    model = copy / "generator.keras"
    model.write_bytes(model.read_bytes()[:3000])
    assert_user_error(run_cli("generate", copy, "--out", tmp_path / "s.png"), 1,
                      "generator.keras cannot be read as a Keras model")
    (copy / "history.json").write_text('{"meta": {"step": ')
    assert_user_error(run_cli("evaluate", copy), 1, "history.json cannot be read as JSON")
    taken = tmp_path / "taken"
    taken.write_text("keep")
    assert_user_error(run_cli("train", "--steps", 1, *SMALL, "--out", tmp_path / "new", "--tensorboard", taken), 1,
                      f"--tensorboard {taken} is a file")
    assert_user_error(run_cli("train", "--steps", 1, *SMALL, "--out", taken / "run"), 1, f"cannot write into {taken}")
    assert taken.read_text() == "keep" and not (tmp_path / "new").exists()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if not os.access(locked, os.W_OK):  # (root writes into a read-only folder: nothing to test then)
        assert_user_error(run_cli("train", "--steps", 1, *SMALL, "--out", locked / "run"), 1, "cannot write into")
        assert not list(locked.iterdir())


def test_no_tensorflow_log_lines_reach_the_command_lines_stderr(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "tensorflow"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    proc = subprocess.run([sys.executable, "-m", "gan_keras", "train", "--steps", "2", *SMALL, "--quiet", "--out",
                           str(tmp_path / "tf")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not re.search(r"absl::|oneDNN|cpu_feature_guard|^[IWE]\d{4} ", proc.stderr, re.M), proc.stderr


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="keras.distribution's DataParallel: JAX")
def test_fit_with_data_parallel_trains_on_two_devices(tmp_path):
    """train --fit --data-parallel on two virtual CPU devices, each taking half of every minibatch, writes a run
    folder like the teaching path's (that the losses equal one device's: test_gan.py, on the same fit)."""
    quiet = ["--steps", 8, *SMALL, "--quiet", "--no-diagnostics"]
    two = run_cli("train", "--fit", "--data-parallel", *quiet, "--out", tmp_path / "two",
                  env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "CUDA_VISIBLE_DEVICES": ""})
    assert two.returncode == 0, two.stderr[-2000:]
    assert "Keras' fit on 2 devices," in two.stdout
    ran = json.loads((tmp_path / "two" / "history.json").read_text())
    assert ran["meta"]["trainer"] == "GAN" and ran["meta"]["step"] == 8 and ran["history"]["step"] == list(range(1, 9))
    assert all(np.isfinite(ran["history"][key]).all() for key in ("d_loss", "g_loss", "d_real", "d_fake"))
    assert ran["history"]["d_loss"][0] != ran["history"]["d_loss"][-1]  # it trained
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["steps"] == 8
    assert (tmp_path / "two" / "generator.keras").is_file() and (tmp_path / "two" / "backup").is_dir()
    again = run_cli("train", "--fit", *quiet, "--out", tmp_path / "two")
    assert_user_error(again, 1, "holds a backup of an earlier run", "--resume")


def test_fit_and_data_parallel_say_what_they_train(tmp_path):
    start = time.perf_counter()
    assert_user_error(run_cli("train", "--data-parallel", "--out", tmp_path / "a"), 1, "add --fit")
    assert_user_error(run_cli("train", "--fit", "--model", "cgan-mnist", "--out", tmp_path / "b"), 1,
                      "cgan-mnist has a code input", "leave --fit out")
    assert time.perf_counter() - start < 10, "no backend is imported to find these"
    proc = run_cli("train", "--fit", "--data-parallel", *SMALL, "--out", tmp_path / "c",
                   env={"KERAS_BACKEND": "tensorflow"})
    assert_user_error(proc, 1, "--data-parallel uses keras.distribution", "KERAS_BACKEND=jax")
