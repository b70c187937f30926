"""Fingerprints of short runs of every recipe: compare two versions of the code bit for bit.

    KERAS_BACKEND=B python benchmarks/fingerprints.py OUT.json [--small] [--compare OTHER.json]

Trains each recipe (and the dense and maxout recipes with each trainer setting) for a few steps of
batch 16 on 96 random images in its range, on the teaching path and, where it has one, the fast path,
from seed 1; records the history, a digest of G's and D's weights and a digest of generated images.
Run it with one version of the package on ``PYTHONPATH``, then with the other, and ``--compare``: a
refactoring that keeps every behaviour gives identical fingerprints (on one backend, one thread, CPU).
``--small`` leaves out the convolutional recipes, whose compilation dominates on JAX.
"""

import argparse
import hashlib
import json

import keras
import numpy as np

from gan_keras import recipes, run


def digest(arrays):
    return hashlib.sha1(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def cases(small):
    for name, r in recipes.RECIPES.items():
        if small and ("conv" in name or "dcgan" in name or name == "infogan-paper-mnist"):
            continue
        paths = [False] if r.trainer in recipes.CODED_TRAINERS else [True] if r.trainer == "fast" else [False, True]
        for fast in paths:
            yield name, fast, {}
    for settings in ({"update": "simultaneous"}, {"label_noise": 0.05, "real_label": 0}, {"label_smoothing": 0.1},
                     {"generator_loss": "minimax"}, {"k": 2}, {"latent_distribution": "uniform1"}):
        for fast in (False, True):
            yield "dense-mnist", fast, settings
    for fast in (False, True):
        yield "wgan-mnist", fast, {"critic_schedule": "arjovsky"}
        yield "paper-mnist", fast, {"update": "simultaneous"}


def fingerprints(small):
    rng, out = np.random.default_rng(0), {}
    for name, fast, settings in cases(small):
        r = recipes.get(name)
        shape = (32, 32, 3) if r.dataset == "cifar10-frog" else (28, 28, 1)
        images = rng.uniform(*r.value_range, (96,) + shape).astype("float32")
        labels = rng.integers(0, 10, 96)
        trainer = recipes.make_trainer(name, images, seed=1, fast=fast, batch_size=16, **settings)
        steps = 3 if settings.get("critic_schedule") else 5
        history = run.fit(trainer, images, steps=steps, batch_size=16, progress=False,
                          **({"labels": labels} if r.trainer == "cgan" else {}))
        weights = [keras.ops.convert_to_numpy(v) for v in trainer.generator.weights + trainer.discriminator.weights]
        key = f"{name}|fast={fast}|{json.dumps(settings, sort_keys=True)}"
        out[key] = {"history": {k: [float(x) for x in v] for k, v in history.items()},
                    "weights": digest(weights), "generate": digest([trainer.generate(4, seed=0)])}
        print(key, out[key]["weights"][:10], flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--small", action="store_true", help="leave out the convolutional recipes")
    parser.add_argument("--compare", help="another fingerprints file: print what differs")
    args = parser.parse_args()
    prints = fingerprints(args.small)
    with open(args.out, "w") as f:
        json.dump(prints, f, indent=1)
    if args.compare:
        with open(args.compare) as f:
            other = json.load(f)
        common = sorted(set(prints) & set(other))
        differ = [k for k in common if prints[k] != other[k]]
        for key in differ:
            gap = max(abs(a - b) for h in prints[key]["history"] for a, b in
                      zip(prints[key]["history"][h], other[key]["history"][h]))
            print(f"differs: {key} (largest history difference {gap:.1e})")
        print(f"{len(common) - len(differ)} of {len(common)} runs identical")


if __name__ == "__main__":
    main()
