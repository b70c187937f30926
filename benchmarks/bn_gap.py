"""Radford-rules DCGAN with Keras' batch norm or the package's: D against D' along a whole run.

    KERAS_BACKEND=jax GAN_KERAS_DATA=... python benchmarks/bn_gap.py --norm gan stock \\
        [--seeds 0 1 2] [--epochs 5] [--gap-every 50] [--samples 2000] [--json FILE] [--teaching] [--plot PNG]

Trains the ``dcgan-mnist`` recipe (Radford et al.'s rules: batch norm in G and D, Adam 2e-4 with
beta_1 0.5, batch 128) on the MNIST training digits (1,000 held out, class-balanced, seed 0: 59,000 of
the full 60,000) for ``--epochs`` epochs -- notebook 03's budget is 5 -- with the batch-norm layer
``--norm``: ``gan`` (``models.GANBatchNormalization``) or ``stock`` (``keras.layers.BatchNormalization``).

Every ``--gap-every`` steps ``callbacks.DiscriminatorGap`` measures, on 256 fixed noise vectors, the
probability of "real" that the discriminator being trained gives G's samples (D trainable, training
mode) and the one the combined model's frozen copy gives the same samples (D frozen, training mode:
what G's update is judged by), without changing any weight or statistic. Their difference is the
D vs D' gap: zero when the two are one discriminator. At each tenth of the run ``--samples`` generated digits are read
by the project's classifier against as many official test digits (classes covered, Frechet distance
of the classifier features, as ``benchmarks/variant_seeds.py``).

Runs on the fast path (one compiled step; ``tests/test_frozen_discriminator.py`` shows it updates
what the teaching path updates, batch norm included), or with ``--teaching`` on ``train_on_batch``.
``--json FILE`` keeps every run; runs already in it are skipped. Prints a markdown row per run.
"""

import argparse
import json
import os
import time

import numpy as np

from gan_keras import convnets, data, evaluation, models, recipes, runtime
from gan_keras.callbacks import DiscriminatorGap
from variant_seeds import scores

NORMS = {"gan": "GANBatchNormalization", "stock": "BatchNormalization"}


def build(norm, seed, teaching):
    import keras

    from gan_keras.fast import FastGANTrainer
    from gan_keras.training import GANTrainer
    layer = models.GANBatchNormalization if norm == "gan" else keras.layers.BatchNormalization
    keras.utils.set_random_seed(seed)
    g = convnets.radford_generator(100, (28, 28, 1), norm=layer)
    d = convnets.radford_discriminator((28, 28, 1), norm=layer)
    d_opt, g_opt = recipes.make_optimizers("dcgan-mnist")
    cls = GANTrainer if teaching else FastGANTrainer
    return cls(g, d, d_optimizer=d_opt, g_optimizer=g_opt, seed=seed)


def train_one(norm, seed, args, images, classifier, real_features):
    trainer = build(norm, seed, args.teaching)
    total = args.epochs * (len(images) // 128)
    gap, rows, start = DiscriminatorGap(args.gap_every), [], time.time()
    for tenth in range(1, 11):
        trainer.train(images, steps=total * tenth // 10, batch_size=128, callbacks=[gap])
        m = scores(classifier, trainer.generate(args.samples, seed=1), real_features)[0]
        m.update(step=trainer.step, seconds=round(time.time() - start, 1))
        rows.append(m)
        print(f"{norm} seed {seed} step {trainer.step}/{total}: D {gap.trained[-1]:.3f} vs D' {gap.frozen[-1]:.3f}; "
              f"{m['classes']} classes, Frechet {m['frechet']:.2f}; {m['seconds']:.0f} s", flush=True)
    gaps = [{"step": s, "trained": t, "frozen": f} for s, t, f in zip(gap.steps, gap.trained, gap.frozen)]
    history = {key: [float(v) for v in values] for key, values in trainer.history.items()}
    return {"norm": norm, "seed": seed, "steps": total, "teaching": args.teaching, "device": runtime.describe(),
            "gaps": gaps, "rows": rows, "history": history}


TABLE = ("| batch norm | seed | abs(D - D'): mean, max | last tenth: D vs D' (mean P(real)) | classes | Frechet "
         "(best on the way) | coverage | minutes |\n|---|---|---|---|---|---|---|---|")


def summary(r):
    """One markdown row of ``TABLE`` for a run: the gap along it and the samples at its end."""
    gaps = np.array([abs(g["trained"] - g["frozen"]) for g in r["gaps"]])
    tail = r["gaps"][-max(1, len(gaps) // 10):]
    m, best = r["rows"][-1], min(r["rows"], key=lambda row: row["frechet"])
    return (f"| {NORMS[r['norm']]} | {r['seed']} | {gaps.mean():.3f}, {gaps.max():.3f} | "
            f"{np.mean([g['trained'] for g in tail]):.3f} vs {np.mean([g['frozen'] for g in tail]):.3f} | "
            f"{m['classes']} | {m['frechet']:.1f} ({best['frechet']:.1f} at step {best['step']:,}) | "
            f"{m['coverage']:.2f} | {m['seconds'] / 60:.0f} |")


def plot(runs, path):
    """D and D' along each run (one panel per layer, seeds as line styles) -> an image file at ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    norms = [n for n in NORMS if any(r["norm"] == n for r in runs)]
    fig, axes = plt.subplots(1, len(norms), figsize=(6 * len(norms), 3.8), sharey=True, squeeze=False)
    for ax, norm in zip(axes[0], norms):
        for i, r in enumerate(x for x in runs if x["norm"] == norm):
            steps = [g["step"] for g in r["gaps"]]
            ax.plot(steps, [g["trained"] for g in r["gaps"]], color=f"C{i}", lw=1.2,
                    label=f"seed {r['seed']}: D being trained")
            ax.plot(steps, [g["frozen"] for g in r["gaps"]], color=f"C{i}", ls="--", lw=1.2,
                    label=f"seed {r['seed']}: D' (frozen copy)")
        ax.set_title(f"{NORMS[norm]} in G and D")
        ax.set_xlabel("step (batch 128)")
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("mean P(real) of 256 generated digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--norm", nargs="+", choices=sorted(NORMS), default=["gan", "stock"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--gap-every", type=int, default=50)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--teaching", action="store_true", help="train_on_batch instead of the fast path")
    parser.add_argument("--json", help="keep every run here; runs already in it are skipped")
    parser.add_argument("--plot", help="draw D and D' along the runs of --json into this image file")
    args = parser.parse_args()
    if args.epochs < 1 or args.gap_every < 1:
        parser.error("need --epochs >= 1 and --gap-every >= 1")
    images = recipes.load_images("dcgan-mnist", holdout=1000)
    test, _ = data.load_mnist("test")
    classifier = evaluation.classifier("mnist")
    real_features = evaluation.classify(classifier, test[:args.samples])[0]
    done = json.load(open(args.json)) if args.json and os.path.exists(args.json) else []
    print(f"# {runtime.describe()}; {len(images)} training digits", flush=True)
    for norm in args.norm:
        for seed in args.seeds:
            if any((r["norm"], r["seed"], r["teaching"]) == (norm, seed, args.teaching) for r in done):
                continue
            done.append(train_one(norm, seed, args, images, classifier, real_features))
            if args.json:
                with open(args.json + ".tmp", "w") as f:
                    json.dump(done, f)
                os.replace(args.json + ".tmp", args.json)
    print(TABLE)
    for r in sorted(done, key=lambda r: (r["norm"] != "stock", r["seed"])):
        print(summary(r))
    if args.plot:
        plot(done, args.plot)


if __name__ == "__main__":
    main()
