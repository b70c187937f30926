import keras
import numpy as np
import pytest

from gan_keras import checkpoints

from .helpers import on_other_backends, other_backends


@pytest.mark.parametrize("backend", other_backends())
def test_on_every_backend(backend):
    """This module again under each other installed backend (in a subprocess: the backend is chosen at import)."""
    code, tail = on_other_backends(__file__, backend)
    assert code == 0, tail


def test_roundtrip_and_pruning(tmp_path):
    a = keras.Variable(np.arange(6, dtype="float32").reshape(2, 3))
    b = keras.Variable(np.array([7], dtype="int32"), trainable=False)  # an int counter, as an optimizer keeps
    for step in (1, 2, 3):
        checkpoints.save(checkpoints.checkpoint_dir(tmp_path) / f"ckpt-{step:07d}.npz",
                         groups={"model": [a, b]}, step=step, history={"d_loss": [0.5] * step},
                         meta={"seed": 1})
        checkpoints.prune(tmp_path, keep=2)
    names = [p.name for p in checkpoints.list_checkpoints(tmp_path)]
    assert names == ["ckpt-0000002.npz", "ckpt-0000003.npz"]
    header, groups, history = checkpoints.load(checkpoints.latest_checkpoint(tmp_path))
    assert header["step"] == 3 and header["meta"] == {"seed": 1}
    assert history == {"d_loss": [0.5, 0.5, 0.5]}
    np.testing.assert_array_equal(groups["model"][0], np.arange(6).reshape(2, 3))
    a.assign(np.zeros((2, 3), "float32"))
    checkpoints.assign([a, b], groups["model"], "model")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), np.arange(6).reshape(2, 3))
    assert not list(checkpoints.checkpoint_dir(tmp_path).glob("*.tmp"))


def test_assign_refuses_other_architectures():
    v = keras.Variable(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="shape"):
        checkpoints.assign([v], [np.zeros((3, 2), "float32")], "generator")
    with pytest.raises(ValueError, match="another architecture"):
        checkpoints.assign([v], [], "generator")


def test_no_checkpoint(tmp_path):
    assert checkpoints.latest_checkpoint(tmp_path) is None


def _trained(tmp_path, steps=4):
    from .helpers import tiny_images, tiny_trainer

    t = tiny_trainer(seed=1)
    t.train(tiny_images(), steps=2, batch_size=16)
    checkpoints.save_trainer(t, tmp_path)
    t.train(tiny_images(), steps=steps, batch_size=16)
    checkpoints.save_trainer(t, tmp_path)
    return t


def test_a_truncated_newest_checkpoint_is_reported_and_the_previous_one_used(tmp_path):
    from .helpers import tiny_trainer

    _trained(tmp_path)
    newest = checkpoints.latest_checkpoint(tmp_path)
    newest.write_bytes(newest.read_bytes()[:1000])  # a copy cut short
    warned, t = [], tiny_trainer(seed=1)
    path = checkpoints.restore_trainer(t, tmp_path, warn=warned.append)
    assert path.name == "ckpt-0000002.npz" and t.step == 2 and len(t.history["d_loss"]) == 2
    assert len(warned) == 1 and "ckpt-0000004.npz" in warned[0] and "cannot be read" in warned[0]


def test_no_readable_checkpoint_is_an_error(tmp_path):
    from .helpers import tiny_trainer

    _trained(tmp_path)
    for path in checkpoints.list_checkpoints(tmp_path):
        path.write_bytes(b"not a checkpoint")
    with pytest.raises(checkpoints.CheckpointError, match="none of the 2 checkpoints"):
        checkpoints.restore_trainer(tiny_trainer(seed=1), tmp_path, warn=lambda m: None)


def test_a_checkpoint_records_and_checks_the_run_settings(tmp_path):
    from .helpers import tiny_images, tiny_trainer

    t = tiny_trainer(seed=1)
    t.train(tiny_images(), steps=1, batch_size=16)
    path = checkpoints.save_trainer(t, tmp_path, meta={"model": "dense-mnist"})
    meta = checkpoints.load(path)[0]["meta"]
    assert meta["model"] == "dense-mnist" and meta["batch_size"] == 16 and meta["trainer"] == "GANTrainer"
    with pytest.raises(checkpoints.CheckpointError, match="model='dense-mnist'.*model='paper-mnist'"):
        checkpoints.restore_trainer(tiny_trainer(seed=1), tmp_path, meta={"model": "paper-mnist"})
