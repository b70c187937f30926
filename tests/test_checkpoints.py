import keras
import numpy as np
import pytest

from gan_keras import checkpoints


def test_roundtrip_and_pruning(tmp_path):
    a = keras.Variable(np.arange(6, dtype="float32").reshape(2, 3))
    b = keras.Variable(np.array([7], dtype="int32"))
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
