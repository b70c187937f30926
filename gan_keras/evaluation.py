"""Measuring generators the way the literature does.

* ``parzen_log_likelihood`` / ``parzen_evaluate``: Goodfellow et al.'s Table 1 protocol
  (Gaussian Parzen window on generated samples, sigma chosen on held-out data), batched
  with ``keras.ops`` so it runs on any backend and on a GPU;
* ``frechet_distance`` and ``kernel_inception_distance`` (KID) on features of a small
  MNIST / Fashion-MNIST classifier (``classifier``), which also gives ``mode_coverage``;
* ``density_coverage``: Naeem et al. (2020), k nearest neighbours in feature space;
* ``nearest_training``: each sample's closest training image (memorisation check).

Images everywhere are float (N, H, W, C); the Parzen functions take flattened pixels in
[0, 1] (as the paper's code), the rest take images in the range given by ``value_range``.
Log-likelihoods are in nats.
"""

import math
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

ASSETS = Path(__file__).with_name("assets")
PARZEN_SIGMAS = np.logspace(-1, 0, 10)


# ----------------------------------------------------------------------------------------
# Parzen-window log-likelihood (Goodfellow et al. 2014, Table 1; goodfeli/adversarial parzen_ll.py)
# ----------------------------------------------------------------------------------------
def _flat(x):
    x = np.asarray(x, np.float32)
    return x.reshape(len(x), -1)


def _sq_distances(queries, centres, centres_sq):
    """||q - c||^2 for a block of queries against all centres: (Bq, Nc), float32, >= 0."""
    q_sq = ops.sum(queries * queries, axis=1, keepdims=True)
    d = q_sq + centres_sq[None, :] - 2.0 * ops.matmul(queries, ops.transpose(centres))
    return ops.maximum(d, 0.0)


def parzen_log_likelihood(samples, queries, sigmas, batch_size=250):
    """log p(x) under a Gaussian Parzen window on ``samples``, for each query and sigma.

    samples: (Ns, D) kernel centres; queries: (Nq, D); both in the same units (pixels in
    [0, 1] for the paper's protocol). Returns float64 (len(sigmas), Nq):
    log p(x) = logmeanexp_i(-||x - s_i||^2 / (2 sigma^2)) - D log(sigma sqrt(2 pi)).
    Distances are computed once per block of queries and reused for every sigma.
    """
    samples, queries = _flat(samples), _flat(queries)
    d = samples.shape[1]
    # centre both sets on the samples' mean: smaller numbers, less float32 cancellation
    mean = samples.mean(axis=0, keepdims=True)
    centres = ops.convert_to_tensor(samples - mean)
    centres_sq = ops.sum(centres * centres, axis=1)
    sigmas = np.atleast_1d(np.asarray(sigmas, np.float64))
    out = np.empty((len(sigmas), len(queries)))
    log_n = math.log(len(samples))
    for start in range(0, len(queries), batch_size):
        block = ops.convert_to_tensor(queries[start:start + batch_size] - mean)
        dist = _sq_distances(block, centres, centres_sq)
        for i, sigma in enumerate(sigmas):
            lse = ops.logsumexp(-dist / (2.0 * sigma * sigma), axis=1)
            out[i, start:start + batch_size] = (
                ops.convert_to_numpy(lse).astype(np.float64) - log_n
                - d * math.log(sigma * math.sqrt(2 * math.pi)))
    return out


def parzen_evaluate(samples, validation, test, sigmas=PARZEN_SIGMAS, batch_size=250):
    """The paper's protocol: choose sigma by mean log-likelihood of ``validation``, report on ``test``.

    All three are flattened pixels in [0, 1]: samples (10,000 generated in the paper),
    validation (1,000 held-out training images), test (the 10,000 test images).
    Returns dict: sigma, mean, sem (std / sqrt(n)), validation means per sigma, per-image values.
    """
    valid_ll = parzen_log_likelihood(samples, validation, sigmas, batch_size).mean(axis=1)
    sigma = float(np.asarray(sigmas)[int(np.argmax(valid_ll))])
    ll = parzen_log_likelihood(samples, test, [sigma], batch_size)[0]
    return {"sigma": sigma, "mean": float(ll.mean()), "sem": float(ll.std() / math.sqrt(len(ll))),
            "validation": dict(zip(map(float, sigmas), map(float, valid_ll))), "per_image": ll}


# ----------------------------------------------------------------------------------------
# A small classifier: features for Frechet distance / KID, labels for mode coverage
# ----------------------------------------------------------------------------------------
def build_classifier(image_shape=(28, 28, 1), n_classes=10, name="classifier"):
    """Conv 32 -> pool -> conv 64 -> pool -> conv 128 -> global mean -> Dense 128 ("features") -> 10.

    Input: images in [-1, 1]. 110k weights (0.4 MB), so its weights can live in the repository.
    """
    x = keras.Input(image_shape, name="image")
    h = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(64, 3, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(128, 3, padding="same", activation="relu")(h)
    h = layers.GlobalAveragePooling2D()(h)
    features = layers.Dense(128, activation="relu", name="features")(h)
    out = layers.Dense(n_classes, activation="softmax", name="probabilities")(layers.Dropout(0.3)(features))
    return keras.Model(x, out, name=name)


def train_classifier(images, labels, epochs=30, seed=0, batch_size=64, verbose=0):
    """Train ``build_classifier`` on images in [-1, 1] with small shifts as augmentation."""
    keras.utils.set_random_seed(seed)
    model = build_classifier(images.shape[1:], int(labels.max()) + 1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    for _ in range(epochs):  # random shifts of up to 2 pixels: 5,000 digits become enough
        shifted = np.stack([np.roll(img, tuple(rng.integers(-2, 3, 2)), axis=(0, 1)) for img in images])
        model.fit(shifted, labels, batch_size=batch_size, epochs=1, verbose=verbose, shuffle=True)
    return model


def classifier(dataset="mnist"):
    """The project's classifier for 'mnist' or 'fashion_mnist', weights from gan_keras/assets.

    The weights were made by ``benchmarks/train_classifier.py`` (see there for the data
    and the measured test accuracy). FileNotFoundError if that file is missing.
    """
    path = ASSETS / f"{dataset}_classifier.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `python benchmarks/train_classifier.py "
                                f"--dataset {dataset}` to make it")
    model = build_classifier()
    with np.load(path) as f:
        model.set_weights([f[f"w{i:02d}"] for i in range(len(f.files))])
    return model


def save_classifier(model, dataset="mnist"):
    """Write the classifier's weights to gan_keras/assets/<dataset>_classifier.npz (float32)."""
    path = ASSETS / f"{dataset}_classifier.npz"
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **{f"w{i:02d}": w for i, w in enumerate(model.get_weights())})
    return path


def _feature_model(model):
    return keras.Model(model.inputs, [model.get_layer("features").output, model.outputs[0]])


def classify(model, images, batch_size=500):
    """(features (N, 128) float64, class probabilities (N, C) float64) for images in [-1, 1]."""
    feats, probs = _feature_model(model).predict(np.asarray(images, np.float32), batch_size=batch_size,
                                                  verbose=0)
    return np.asarray(feats, np.float64), np.asarray(probs, np.float64)


# ----------------------------------------------------------------------------------------
# Distances between feature distributions
# ----------------------------------------------------------------------------------------
def _sqrtm_psd(c):
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(features_a, features_b):
    """||mu_a - mu_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2)) between two (N, F) feature sets."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    c_a, c_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    s = _sqrtm_psd(c_a)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(s @ c_b @ s), 0, None)).sum()
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(c_a) + np.trace(c_b) - 2 * cross)


def kernel_inception_distance(features_a, features_b, subset_size=1000, subsets=20, seed=0):
    """KID (Binkowski et al. 2018): unbiased MMD^2 with the kernel (x.y / F + 1)^3.

    Averaged over ``subsets`` random subsets of ``subset_size`` from each set; returns
    (mean, std over subsets). Unbiased, so it is ~0 (and can be slightly negative) for
    two samples of the same distribution, whatever their size.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(a), len(b))
    f = a.shape[1]
    values = []
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T / f + 1) ** 3, (y @ y.T / f + 1) ** 3, (x @ y.T / f + 1) ** 3)
        values.append((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
                      + (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1)) - 2 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


# ----------------------------------------------------------------------------------------
# Mode collapse, density/coverage, memorisation
# ----------------------------------------------------------------------------------------
def mode_coverage(probabilities, min_share=0.01):
    """Class histogram of samples under the classifier, as the numeric face of mode collapse.

    probabilities: (N, C) class probabilities of generated samples. Returns dict:
    histogram (C,) fractions, covered (classes with >= min_share of the samples),
    kl_to_uniform (nats, 0 = all classes equally often, log C = a single class) and
    confidence (mean max probability: low for unrecognisable samples).
    """
    p = np.asarray(probabilities, np.float64)
    c = p.shape[1]
    hist = np.bincount(p.argmax(1), minlength=c) / len(p)
    nz = hist > 0
    return {"histogram": hist, "covered": int(np.sum(hist >= min_share)),
            "kl_to_uniform": float(np.sum(hist[nz] * np.log(hist[nz] * c))),
            "confidence": float(p.max(1).mean())}


def class_agreement(probabilities, requested):
    """Conditional GAN: share of samples the classifier reads as the class they were asked for.

    probabilities: (N, C) classifier outputs; requested: int (N,). Chance level is 1 / C
    for balanced requests; 1.0 = every sample is of its requested class.
    """
    return float(np.mean(np.argmax(probabilities, axis=-1) == np.asarray(requested)))


def code_purity(probabilities, codes, n_codes):
    """InfoGAN: how far a categorical code has come to mean a digit class (no labels used in training).

    probabilities: (N, C) classifier outputs of samples made with codes int (N,) in [0, n_codes).
    Returns dict: purity (mean over code values of the share of its samples in its most
    frequent class; 1/C for a code G ignores), classes (distinct majority classes over the
    code values: n_codes when each code value has its own digit), mapping (majority class
    of each code value), confusion (n_codes, C) counts.
    """
    pred = np.argmax(probabilities, axis=-1)
    codes = np.asarray(codes)
    confusion = np.zeros((n_codes, probabilities.shape[-1]), np.int64)
    np.add.at(confusion, (codes, pred), 1)
    used = confusion.sum(axis=1) > 0
    purity = float(np.mean(confusion[used].max(axis=1) / confusion[used].sum(axis=1)))
    mapping = confusion.argmax(axis=1)
    return {"purity": purity, "classes": int(len(set(mapping[used].tolist()))), "mapping": mapping.tolist(),
            "confusion": confusion}


def matched_accuracy(predicted, labels, n):
    """Accuracy of cluster ids under their best one-to-one assignment to classes (InfoGAN's measure).

    predicted, labels: int (N,) in [0, n). Each cluster id is given its own class so that the
    share of ``labels`` matched is highest (an exact search over assignments, n <= 16). Returns
    dict: accuracy in [0, 1], mapping (class of each cluster id, list of n ints).
    """
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if predicted.shape != labels.shape or predicted.ndim != 1 or not 1 <= n <= 16:
        raise ValueError(f"need two int arrays of one shape (N,) and 1 <= n <= 16, got {predicted.shape}, "
                         f"{labels.shape}, n={n}")
    counts = np.zeros((n, n), np.int64)
    np.add.at(counts, (predicted, labels), 1)
    # best[mask]: most matches with cluster ids 0..popcount(mask)-1 given the classes in mask
    best, choice = np.full(1 << n, -1, np.int64), np.zeros(1 << n, np.int64)
    best[0] = 0
    for mask in range(1 << n):
        if best[mask] < 0:
            continue
        cluster = bin(mask).count("1")
        if cluster == n:
            continue
        for cls in range(n):
            if not mask >> cls & 1:
                new = mask | 1 << cls
                if best[mask] + counts[cluster, cls] > best[new]:
                    best[new], choice[new] = best[mask] + counts[cluster, cls], cls
    mapping, mask = [0] * n, (1 << n) - 1
    for cluster in reversed(range(n)):
        mapping[cluster] = int(choice[mask])
        mask &= ~(1 << mapping[cluster])
    return {"accuracy": float(best[-1] / max(1, len(labels))), "mapping": mapping}


def _pairwise_sq(a, b):
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0.0)


def _kth_neighbour_radius(real, k, block=2000):
    radii = np.empty(len(real))
    for s in range(0, len(real), block):
        d = _pairwise_sq(real[s:s + block], real)
        radii[s:s + block] = np.sqrt(np.partition(d, k, axis=1)[:, k])  # column 0 is the point itself
    return radii


def density_coverage(real_features, fake_features, k=5, block=2000):
    """Density and coverage of Naeem et al. (2020) with k nearest neighbours.

    Each real point gets a ball reaching its k-th nearest real neighbour. density: mean
    number of balls a fake point falls in, divided by k (about 1 for matching
    distributions, can exceed 1); coverage: fraction of real balls holding at least one
    fake point (about 1 - 2^-k... close to 1 when matching, the fraction of real modes
    reached when G collapses).
    """
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    radii = _kth_neighbour_radius(real, k, block)
    counts = np.zeros(len(fake))
    covered = np.zeros(len(real), bool)
    for s in range(0, len(real), block):
        inside = np.sqrt(_pairwise_sq(real[s:s + block], fake)) <= radii[s:s + block, None]
        counts += inside.sum(0)
        covered[s:s + block] = inside.any(1)
    return {"density": float(counts.mean() / k), "coverage": float(covered.mean())}


def nearest_training(queries, training, block=1000):
    """For each query image its nearest training image in pixel space.

    Returns (distances (Nq,) float64, indices (Nq,) int). Compare the distances of
    generated samples with those of test images (``queries=test``): a generator that
    copies its training set gives many distances below anything the test set shows.
    """
    q, t = _flat(queries).astype(np.float64), _flat(training).astype(np.float64)
    dist, idx = np.empty(len(q)), np.empty(len(q), int)
    for s in range(0, len(q), block):
        d = _pairwise_sq(q[s:s + block], t)
        idx[s:s + block] = d.argmin(1)
        dist[s:s + block] = np.sqrt(d[np.arange(len(d)), idx[s:s + block]])
    return dist, idx


# ----------------------------------------------------------------------------------------
# Everything at once: one row of the results table
# ----------------------------------------------------------------------------------------
def to_range(images, value_range, target):
    """Rescale images from value_range (lo, hi) to target (lo, hi), float32."""
    (lo, hi), (tlo, thi) = value_range, target
    return ((np.asarray(images, np.float32) - lo) / (hi - lo) * (thi - tlo) + tlo).astype(np.float32)


def evaluate_samples(samples, *, test, validation, train, value_range=(-1.0, 1.0), model=None,
                     p_real_test=None, p_real_samples=None, real_features=None):
    """All metrics for ``samples`` (N, H, W, C) in ``value_range``; returns a flat dict.

    test: the test images (Parzen, Frechet/KID reference, coverage reference);
    validation: held-out training images that choose Parzen's sigma;
    train: the generator's training images (memorisation check).
    test/validation/train are in [-1, 1]. ``model``: the classifier (default: MNIST's).
    p_real_test / p_real_samples: D's P(real) on test images and on the samples, if given.
    """
    model = model or classifier("mnist")
    s11 = to_range(samples, value_range, (-1.0, 1.0))
    s01 = to_range(samples, value_range, (0.0, 1.0))
    row = {}
    if validation is not None and len(validation):
        parzen = parzen_evaluate(_flat(s01), _flat(to_range(validation, (-1, 1), (0, 1))),
                                 _flat(to_range(test, (-1, 1), (0, 1))))
        row = {"parzen": parzen["mean"], "parzen_sem": parzen["sem"], "parzen_sigma": parzen["sigma"]}
    if real_features is None:
        real_features = classify(model, test)[0]
    feats, probs = classify(model, s11)
    kid, kid_std = kernel_inception_distance(real_features, feats)
    dc = density_coverage(real_features, feats)
    modes = mode_coverage(probs)
    nn_fake, _ = nearest_training(s11, train)
    nn_test, _ = nearest_training(test[:len(s11)], train)
    row.update({"frechet": frechet_distance(real_features, feats), "kid": kid, "kid_std": kid_std,
           "classes_covered": modes["covered"], "kl_to_uniform": modes["kl_to_uniform"],
           "confidence": modes["confidence"], "density": dc["density"], "coverage": dc["coverage"],
           "nn_train_median": float(np.median(nn_fake)), "nn_train_median_test": float(np.median(nn_test)),
           "copies": float(np.mean(nn_fake < np.percentile(nn_test, 1)))})
    if p_real_test is not None:
        row["d_real_test"] = float(np.mean(p_real_test))
    if p_real_samples is not None:
        row["d_fake"] = float(np.mean(p_real_samples))
    return row
