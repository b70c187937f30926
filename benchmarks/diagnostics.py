"""Does ``callbacks.Diagnostics`` name failures, and only failures? Scripted failures and healthy runs.

    KERAS_BACKEND=jax GAN_KERAS_DATA=... python benchmarks/diagnostics.py [--cases NAME ...] [--seeds 0 1 2]
                                                                          [--json FILE] [--histories DIR] [--scale 1]
    python benchmarks/diagnostics.py --merge FILE [FILE ...]                  # the table of finished runs

Each case trains on the MNIST training digits (the full 60,000 where ``GAN_KERAS_DATA`` finds them) with
``run.fit``'s default ``Diagnostics`` and records every finding with the step of its first alarm. Scripted
failures (one seed each unless ``--seeds`` says otherwise):

* ``stock-bn``: the Radford-rules DCGAN (``dcgan-mnist``) with Keras' ``BatchNormalization`` in G and D
  (``benchmarks/bn_gap.py``'s ``stock``), 2,000 steps: expected ``two_judges``;
* ``lsgan-collapse``: notebook 06's dense LSGAN, 10,000 generator updates: expected ``collapse``;
* ``d-lr-x100``: the dense GAN with D's learning rate 100 times the recipe's, 5,000 steps: expected ``d_wins``;
  as it turned out D saturates, calls everything generated and stops learning (``d_not_training``), and G, given
  no gradient, never varies (``collapse``): ``EXPECTED`` accepts those two since that run;
* ``beta1-0.9``: the dense GAN with the tutorial's Adam beta_1 = 0.9, which let D win for good on seeds 0 and 2
  (``docs/keras3.md``), 3,000 steps: expected ``d_wins`` (and ``collapse``);
* ``wgan-clip-0.1`` / ``wgan-clip-0.0001``: the dense clipped WGAN with clip 0.1 / 0.0001, 3,000 updates;
* ``frozen-d``: the dense GAN with D frozen for its own update too (the Keras 2 recipe under Keras 3), 1,000
  steps: expected ``d_not_training``. TensorFlow and torch only: there Keras 3 warns and trains nothing; on JAX
  its ``train_on_batch`` raises at once (the optimizer was built for D's weights, the step has none).

Healthy runs, where every finding is a false alarm: ``dense`` (20,000 steps), ``dcgan`` (2,000), ``wgan-gp-conv``
(2,000), three seeds each. Fast path where the recipe has one, but for the Radford-rules DCGAN on TensorFlow (its
teaching path is the faster there) and the frozen case. ``--json`` keeps every run and skips those already in it;
``--histories DIR`` keeps each run's history as ``DIR/CASE_SEED.npz``; a markdown row per run is printed.
"""

import argparse
import dataclasses
import json
import os
import time

import numpy as np

from gan_keras import recipes, run, runtime
from gan_keras.callbacks import Diagnostics, spread

FAILURES = ("stock-bn", "lsgan-collapse", "d-lr-x100", "beta1-0.9", "wgan-clip-0.1", "wgan-clip-0.0001", "frozen-d")
HEALTHY = ("dense", "dcgan", "wgan-gp-conv")
# what each scripted failure may rightly be called; on a healthy run every finding is a false alarm
EXPECTED = {"stock-bn": ("two_judges",), "lsgan-collapse": ("collapse",),
            "d-lr-x100": ("d_wins", "d_not_training", "collapse"), "beta1-0.9": ("d_wins", "collapse"),
            "wgan-clip-0.1": ("critic_flat",), "wgan-clip-0.0001": ("critic_flat",), "frozen-d": ("d_not_training",)}


def build(case, images, seed):
    """(trainer, steps, batch size) of ``case``."""
    import keras

    from gan_keras import convnets, losses
    from gan_keras.fast import FastGANTrainer
    from gan_keras.training import GANTrainer

    if case == "stock-bn":
        keras.utils.set_random_seed(seed)
        layer = keras.layers.BatchNormalization
        g, d = convnets.radford_generator(100, (28, 28, 1), norm=layer), convnets.radford_discriminator(norm=layer)
        d_opt, g_opt = recipes.make_optimizers("dcgan-mnist")
        trainer = FastGANTrainer if keras.backend.backend() == "jax" else GANTrainer
        return trainer(g, d, d_optimizer=d_opt, g_optimizer=g_opt, seed=seed), 2000, 128
    if case.startswith("wgan-clip-"):
        clipped = dataclasses.replace(losses.OBJECTIVES["wgan"], clip_value=float(case.split("-")[-1]))
        return recipes.make_trainer("wgan-mnist", images, seed=seed, fast=True, objective=clipped), 3000, 64
    if case == "frozen-d":
        class FrozenForGood(GANTrainer):
            def set_phase(self, phase):
                self.discriminator.trainable = False
                self.generator.trainable = phase in ("g", None)

        t = recipes.make_trainer("dense-mnist", images, seed=seed)
        return FrozenForGood(t.generator, t.discriminator, d_optimizer=t.d_optimizer, g_optimizer=t.g_optimizer,
                             seed=seed), 1000, 52
    if case == "beta1-0.9":
        return recipes.make_trainer("dense-mnist", images, seed=seed, fast=True, beta_1=0.9), 3000, 52
    name, steps = {"lsgan-collapse": ("lsgan-mnist", 10000), "d-lr-x100": ("dense-mnist", 5000),
                   "dense": ("dense-mnist", 20000), "dcgan": ("dcgan-mnist", 2000),
                   "wgan-gp-conv": ("wgan-gp-conv-mnist", 2000)}[case]
    fast = case != "dcgan" or keras.backend.backend() == "jax"  # TensorFlow's teaching path is its faster one
    trainer = recipes.make_trainer(name, images, seed=seed, fast=fast)
    if case == "d-lr-x100":
        trainer.d_optimizer.learning_rate = float(trainer.d_optimizer.learning_rate) * 100
    return trainer, steps, recipes.get(name).batch_size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(FAILURES + HEALTHY), choices=FAILURES + HEALTHY)
    parser.add_argument("--seeds", nargs="+", type=int, help="default: 0 for failures, 0 1 2 for healthy runs")
    parser.add_argument("--json", help="keep every run here; runs already in it are skipped")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every run's steps (a quick check)")
    parser.add_argument("--merge", nargs="+", help="print the table of these --json files, training nothing")
    parser.add_argument("--histories", help="a folder for every run's history (npz)")
    parser.add_argument("--trace", action="store_true", help="print the samples' spread against the data's at every "
                        "look (the collapse finding's measure)")
    args = parser.parse_args()
    if args.merge:
        rows = [row for path in args.merge for row in json.loads(open(path).read())]
        order = {case: i for i, case in enumerate(FAILURES + HEALTHY)}
        print("| case | seed | steps | expected | findings (step of first alarm) | false alarms | seconds | backend |")
        print("|---|---|---|---|---|---|---|---|")
        for row in sorted(rows, key=lambda r: (order[r["case"]], r["seed"])):
            print(markdown(row) + f" {row['backend'].split(', ')[1].replace('backend ', '')} |")
        return
    done = json.loads(open(args.json).read()) if args.json and os.path.exists(args.json) else []
    images = {}
    print(f"# {runtime.describe()}")
    print("| case | seed | steps | expected | findings (step of first alarm) | false alarms | seconds |")
    print("|---|---|---|---|---|---|---|")
    for row in done:
        print(markdown(row), flush=True)
    for case in args.cases:
        for seed in args.seeds or ([0] if case in FAILURES else [0, 1, 2]):
            if any(r["case"] == case and r["seed"] == seed for r in done):
                continue
            if case == "frozen-d" and keras_backend() == "jax":
                print(f"| {case} | {seed} | – | – | skipped on JAX (run it with KERAS_BACKEND=tensorflow) | – | – |")
                continue
            recipe = {"stock-bn": "dcgan-mnist", "frozen-d": "dense-mnist"}.get(case, "dense-mnist")
            value_range = recipes.get(recipe).value_range
            if value_range not in images:
                images[value_range] = recipes.load_images(recipe)
            trainer, steps, batch = build(case, images[value_range], seed)
            steps = max(1, int(steps * args.scale))
            start = time.time()
            watch = (Traced if args.trace else Diagnostics)(images[value_range])
            history = run.fit(trainer, images[value_range], steps=steps, batch_size=batch, progress=False,
                              diagnostics=watch)
            if args.histories:
                os.makedirs(args.histories, exist_ok=True)
                np.savez(os.path.join(args.histories, f"{case}_{seed}.npz"), **{k: np.asarray(v) for k, v in history.items()})
            row = {"case": case, "seed": seed, "steps": steps, "expected": list(EXPECTED.get(case, ())),
                   "findings": trainer.findings, "seconds": round(time.time() - start, 1),
                   "backend": runtime.describe()}
            done.append(row)
            print(markdown(row), flush=True)
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(done, f, indent=1)


class Traced(Diagnostics):
    """``Diagnostics`` that also prints, at every look, how much G's samples vary against the training images."""

    def inspect(self):
        super().inspect()
        ratio = spread(self.watched.generate(self.n, seed=self.seed)) / self.spread
        print(f"  step {self.step}: samples vary {ratio:.3f} times as much as the data", flush=True)


def keras_backend():
    import keras

    return keras.backend.backend()


def markdown(row):
    found = ", ".join(f"{f['name']} ({f['step']:,})" for f in row["findings"]) or "none"
    expected = row.get("expected", EXPECTED.get(row["case"], ()))  # as recorded when the run was made
    expected = [expected] if isinstance(expected, str) else list(expected or ())
    false = "–" if row["case"] in FAILURES else len(row["findings"])  # on a healthy run every finding is one
    return (f"| {row['case']} | {row['seed']} | {row['steps']:,} | {' or '.join(expected) or '–'} | {found} | {false} "
            f"| {row['seconds']:.0f} |")


if __name__ == "__main__":
    main()
