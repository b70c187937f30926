"""Are the variants' collapses one unlucky seed? Several seeds, a longer budget, measured along the way.

    KERAS_BACKEND=jax python benchmarks/variant_seeds.py [--models lsgan-mnist wgan-mnist wgan-gp-mnist]
        [--seeds 0 1 2] [--steps 5000] [--every 1000] [--samples 2000]

Each run trains recipe ``--models`` on the 4,000 offline training digits (the results table's
split: 1,000 of the 5,000 held out) with the recipe's batch size, objective and optimizers, on
the fast path (one compiled step; ``benchmarks/paths_agree.py`` shows both paths train alike).
``--steps`` counts generator updates (a WGAN step is n_critic = 5 critic updates and one G update).
Every ``--every`` steps, ``--samples`` generated digits are read by the project's classifier
against as many digits of the official MNIST test split (found through
$GAN_KERAS_DATA or the Keras cache): digit classes covered (>= 1 % of samples), KL of the class histogram to
uniform, Frechet distance of the classifier features, and coverage (Naeem et al. 2020).
``--lsgan-targets A B C`` trains LSGAN with another coding (Mao et al. give a = -1, b = 1,
c = 0 beside the recipe's 0, 1, 1: fake, real and G's target). Prints a floor row (real
training digits), one markdown row per measurement, then a summary per model: at the last
step, how many seeds cover all ten digits and the median Frechet distance and coverage.
"""

import argparse
import dataclasses
import time

import numpy as np

from gan_keras import evaluation, losses, recipes, runtime

from evaluate import load_eval_data


def measure(images, model, real_features):
    """Class coverage, KL to uniform, Frechet distance and coverage of ``images`` (N, H, W, C) in [-1, 1]."""
    features, probs = evaluation.classify(model, images)
    modes = evaluation.mode_coverage(probs)
    return {"classes": modes["covered"], "kl": modes["kl_to_uniform"],
            "frechet": evaluation.frechet_distance(real_features, features),
            "coverage": evaluation.density_coverage(real_features, features)["coverage"]}


def row(name, seed, steps, m, seconds):
    return (f"| {name} | {seed} | {steps} | {m['classes']} ({m['kl']:.2f}) | {m['frechet']:.2f} "
            f"| {m['coverage']:.2f} | {seconds} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["lsgan-mnist", "wgan-mnist", "wgan-gp-mnist"],
                        choices=sorted(recipes.RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--lsgan-targets", nargs=3, type=float, metavar=("A", "B", "C"),
                        help="LSGAN's fake, real and generator targets (recipe: 0 1 1)")
    args = parser.parse_args()
    if args.every < 1 or args.steps < args.every:
        parser.error("need 1 <= --every <= --steps")
    if set(args.models) & set(recipes.CONDITIONAL) or "infogan-mnist" in args.models:
        parser.error("code models are measured by benchmarks/conditioning.py")
    test, _, train = load_eval_data(1000)
    model = evaluation.classifier("mnist")
    real_features = evaluation.classify(model, test[:args.samples])[0]
    overrides = {}
    if args.lsgan_targets:
        a, b, c = args.lsgan_targets
        overrides["lsgan-mnist"] = {"objective": dataclasses.replace(
            losses.get_objective("lsgan"), fake_target=a, real_target=b, g_target=c)}
        print(f"# LSGAN targets: fake {a:g}, real {b:g}, G {c:g}")
    print(f"# {runtime.describe()}; {len(train)} training digits; {args.samples} samples vs "
          f"{len(real_features)} test digits; fast path")
    print("| model | seed | G updates | classes (KL to uniform) | Frechet | coverage | seconds |")
    print("|---|---|---|---|---|---|---|")
    real = train[np.random.default_rng(0).permutation(len(train))[:args.samples]]  # train is sorted by digit
    print(row("real training digits (floor)", "–", "–", measure(real, model, real_features), "–"))
    last = {}
    for name in args.models:
        for seed in args.seeds:
            trainer = recipes.make_trainer(name, train, seed=seed, fast=True, **overrides.get(name, {}))
            batch = recipes.get(name).batch_size
            start = time.time()
            for steps in range(args.every, args.steps + 1, args.every):
                trainer.train(train, steps=steps, batch_size=batch)
                samples = trainer.generate(args.samples, seed=1)
                m = measure(evaluation.to_range(samples, trainer.value_range, (-1.0, 1.0)), model, real_features)
                print(row(name, seed, steps, m, f"{time.time() - start:.0f}"), flush=True)
            last.setdefault(name, []).append(m)
    print()
    for name, rows in last.items():
        full = sum(r["classes"] == 10 for r in rows)
        print(f"{name}: after {args.steps} G updates {full} of {len(rows)} seeds cover all 10 digits; "
              f"classes {[r['classes'] for r in rows]}; median Frechet {np.median([r['frechet'] for r in rows]):.2f}; "
              f"median coverage {np.median([r['coverage'] for r in rows]):.2f}")


if __name__ == "__main__":
    main()
