"""Evaluate a trained run, and the 4,000-digit split the earlier results table used.

    python benchmarks/evaluate.py runs/dense [--samples 10000] [--json OUT]

is ``python -m gan_keras evaluate runs/dense ...`` (Parzen, classifier Frechet distance and KID,
coverage, memorisation; see ``gan_keras.run.evaluate_run``). ``load_eval_data`` gives the
other benchmarks their data: the official MNIST test split and a class-balanced hold-out of the
training digits, found through ``gan_keras.data`` (GAN_KERAS_DATA, the Keras cache, a download).
"""

import sys

from gan_keras import data, recipes
from gan_keras.cli import main


def load_eval_data(holdout):
    """(test, validation, train) MNIST images in [-1, 1] for a GAN trained with ``holdout``."""
    test, _ = data.load_mnist("test")
    (train, _), (valid, _) = recipes.load_labelled("dense-mnist", holdout=holdout)
    if not len(valid):
        raise SystemExit("the run kept no images out (--holdout 0): Parzen's sigma needs held-out images")
    return test, valid, train


if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
