"""The variants over several seeds, measured along the way: do they work, or was it one lucky seed?

    KERAS_BACKEND=tensorflow python benchmarks/variant_seeds.py --models lsgan-conv-mnist wgan-gp-conv-mnist
        [--seeds 0 1 2] [--steps 3000] [--every 500] [--samples 2000] [--holdout 1000] [--json FILE]

Each run trains recipe ``--models`` (the Chollet DCGAN, ``dcgan-cifar10-frog``, on digits too, at
28x28x1) on the MNIST training digits (found through $GAN_KERAS_DATA,
the Keras cache or a download; ``--holdout`` of them kept out, class-balanced, seed 0: 59,000 of the
full 60,000 with the default 1,000, or 4,000 of the 5,000 offline digits) with the recipe's
batch size, objective and optimizers; unconditional recipes on the fast path (one compiled step;
``benchmarks/paths_agree.py`` shows both paths train alike), the conditional GAN and InfoGAN on the
teaching path. ``--steps`` counts generator updates (a WGAN step is n_critic = 5 critic updates and
one G update). Every ``--every`` steps, ``--samples`` generated digits (codes 0..9 in turn for the
models with a code) are read by the project's classifier against as many digits of the official
MNIST test split: digit classes covered (>= 1 % of samples), KL of the class histogram to uniform,
Frechet distance of the classifier features, coverage (Naeem et al. 2020), and for the coded models
the share of samples of the requested digit (CGAN) or the code purity and the number of distinct
majority digits over the ten code values (InfoGAN; no labels in its training), and for InfoGAN the
paper's measure: Q's categorical code for each official test digit, matched to the labels by the best
one-to-one assignment (``evaluation.matched_accuracy``) -> test accuracy.

``--json FILE`` keeps every measurement and each run's loss history (for the WGAN critic's
Wasserstein estimate); a run already in the file is not trained again, so an interrupted job
resumes at the run it was in. ``--lsgan-targets A B C`` trains LSGAN with another coding (Mao et
al. give a = -1, b = 1, c = 0 beside the recipe's 0, 1, 1: fake, real and G's target). Prints a
floor row (real training digits), one markdown row per measurement, then a summary per model.
"""

import argparse
import dataclasses
import json
import os
import time

import numpy as np

from gan_keras import data, evaluation, losses, recipes, runtime

CODED = recipes.CODED_TRAINERS


def scores(model, images, real_features):
    """Class coverage, KL to uniform, Frechet distance and coverage of ``images`` in [-1, 1]; and the class probabilities."""
    features, probs = evaluation.classify(model, images)
    modes = evaluation.mode_coverage(probs)
    return {"classes": modes["covered"], "kl": modes["kl_to_uniform"],
            "frechet": evaluation.frechet_distance(real_features, features),
            "coverage": evaluation.density_coverage(real_features, features)["coverage"]}, probs


def measure(trainer, model, real_features, n, kind, test=None):
    """``scores`` of n samples (codes 0..9 in turn for the coded models) and the code's grip if any.

    test: (images in [-1, 1], labels) of the official test split; for InfoGAN, Q's code for each of
    them, matched to the labels by the best one-to-one assignment, gives ``test_accuracy`` (the paper's measure).
    """
    codes = np.arange(n) % 10
    samples = trainer.generate(n, seed=1, labels=codes) if kind in CODED else trainer.generate(n, seed=1)
    m, probs = scores(model, evaluation.to_range(samples, trainer.value_range, (-1.0, 1.0)), real_features)
    if kind == "cgan":
        m["requested"] = evaluation.class_agreement(probs, codes)
    if kind == "infogan":
        purity = evaluation.code_purity(probs, codes, 10)
        m.update(purity=purity["purity"], distinct=purity["classes"], mapping=purity["mapping"])
        if test is not None:
            q = trainer.q_codes(evaluation.to_range(test[0], (-1.0, 1.0), trainer.value_range))
            m["test_accuracy"] = evaluation.matched_accuracy(q, test[1], 10)["accuracy"]
    return m


def row(name, seed, steps, m, seconds):
    code = ""
    if "requested" in m:
        code = f"requested digit {m['requested']:.3f}"
    elif "purity" in m:
        code = f"purity {m['purity']:.3f}, {m['distinct']} digits" + (
            f", test accuracy {m['test_accuracy']:.3f}" if "test_accuracy" in m else "")
    return (f"| {name} | {seed} | {steps} | {m['classes']} ({m['kl']:.2f}) | {m['frechet']:.2f} "
            f"| {m['coverage']:.2f} | {code} | {seconds} |")


def train_one(name, seed, args, images, labels, model, real_features, overrides, test):
    kind = recipes.get(name).trainer
    images = evaluation.to_range(images, (-1.0, 1.0), recipes.get(name).value_range)
    trainer = recipes.make_trainer(name, images, seed=seed, fast=kind not in CODED, **overrides.get(name, {}))
    batch, rows, start = recipes.get(name).batch_size, [], time.time()
    for steps in range(args.every, args.steps + 1, args.every):
        trainer.train(images, steps=steps, batch_size=batch, labels=labels if kind == "cgan" else None)
        m = measure(trainer, model, real_features, args.samples, kind, test)
        m.update(steps=steps, seconds=round(time.time() - start, 1))
        rows.append(m)
        print(row(name, seed, steps, m, f"{m['seconds']:.0f}"), flush=True)
    history = {key: [float(v) for v in values] for key, values in trainer.history.items()}
    return {"model": name, "seed": seed, "steps": args.steps, "rows": rows, "history": history,
            "settings": {key: str(value) for key, value in overrides.get(name, {}).items()}}


def summary(name, runs):
    last = [r["rows"][-1] for r in runs]
    text = (f"{name}: after {runs[0]['steps']} G updates {sum(m['classes'] == 10 for m in last)} of {len(last)} "
            f"seeds cover all 10 digits; classes {[m['classes'] for m in last]}; median Frechet "
            f"{np.median([m['frechet'] for m in last]):.2f}; median coverage {np.median([m['coverage'] for m in last]):.2f}")
    if "requested" in last[0]:
        text += f"; requested digit {[round(m['requested'], 3) for m in last]}"
    if "purity" in last[0]:
        text += f"; purity {[round(m['purity'], 3) for m in last]}, distinct digits {[m['distinct'] for m in last]}"
    if "test_accuracy" in last[0]:
        text += f"; Q's test accuracy {[round(m['test_accuracy'], 3) for m in last]}"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["lsgan-mnist", "wgan-mnist", "wgan-gp-mnist"],
                        choices=sorted(recipes.RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--holdout", type=int, default=1000)
    parser.add_argument("--json", help="keep measurements and histories here; runs already in it are skipped")
    parser.add_argument("--lsgan-targets", nargs=3, type=float, metavar=("A", "B", "C"),
                        help="LSGAN's fake, real and generator targets (recipe: 0 1 1)")
    parser.add_argument("--latent-distribution", choices=["normal", "uniform", "uniform1"],
                        help="z's distribution (default: the recipe's)")
    parser.add_argument("--critic-schedule", choices=["constant", "arjovsky"],
                        help="the WGANs' critic schedule (recipe: constant, k = 5 every step)")
    args = parser.parse_args()
    if args.every < 1 or args.steps < args.every:
        parser.error("need 1 <= --every <= --steps")
    if any(recipes.get(m).dataset != "mnist" and m != "dcgan-cifar10-frog" for m in args.models):
        parser.error("the classifier reads MNIST digits: choose MNIST recipes (or dcgan-cifar10-frog, "
                     "which then trains on the digits, as notebook 03 does offline)")
    (images, labels), _ = recipes.load_labelled("dense-mnist", holdout=args.holdout)
    test, test_labels = data.load_mnist("test")
    model = evaluation.classifier("mnist")
    real_features = evaluation.classify(model, test[:args.samples])[0]
    overrides = {}
    if args.lsgan_targets:
        a, b, c = args.lsgan_targets
        for name in args.models:
            if recipes.get(name).settings.get("objective") == "lsgan":
                overrides[name] = {"objective": dataclasses.replace(
                    losses.get_objective("lsgan"), fake_target=a, real_target=b, g_target=c)}
        print(f"# LSGAN targets: fake {a:g}, real {b:g}, G {c:g}")
    if args.critic_schedule:
        for name in args.models:
            if recipes.get(name).settings.get("objective", "").startswith("wgan"):
                overrides.setdefault(name, {})["critic_schedule"] = args.critic_schedule
        print(f"# critic schedule: {args.critic_schedule}")
    if args.latent_distribution:
        for name in args.models:
            overrides.setdefault(name, {})["latent_distribution"] = args.latent_distribution
        print(f"# latent distribution: {args.latent_distribution}")
    done = []
    if args.json and os.path.exists(args.json):
        with open(args.json) as f:
            done = json.load(f)
    print(f"# {runtime.describe()}; {len(images)} training digits; {args.samples} samples vs "
          f"{len(real_features)} test digits")
    print("| model | seed | G updates | classes (KL to uniform) | Frechet | coverage | code | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    real = images[np.random.default_rng(0).permutation(len(images))[:args.samples]]
    floor = scores(model, real, real_features)[0]
    print(row("real training digits (floor)", "–", "–", floor, "–"))
    for name in args.models:
        for seed in args.seeds:
            old = [r for r in done if (r["model"], r["seed"], r["steps"]) == (name, seed, args.steps)]
            if old:
                for m in old[0]["rows"]:
                    print(row(name, seed, m["steps"], m, f"{m['seconds']:.0f}") + " (from --json)")
                continue
            done.append(train_one(name, seed, args, images, labels, model, real_features, overrides,
                                  (test, test_labels)))
            if args.json:
                with open(args.json + ".tmp", "w") as f:
                    json.dump(done, f)
                os.replace(args.json + ".tmp", args.json)
    print()
    for name in args.models:
        runs = [r for r in done if r["model"] == name and r["seed"] in args.seeds and r["steps"] == args.steps]
        print(summary(name, runs))


if __name__ == "__main__":
    main()
