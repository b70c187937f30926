"""Do the teaching path (train_on_batch) and the fused fast path train the same GAN?

    python benchmarks/paths_agree.py [--steps 3000] [--seed 0] [--samples 5000]

Trains the dense-mnist recipe twice from the same seed (same initial weights, same data
order), once per path, on the current backend; prints the moving averages of the loss
curves side by side and the evaluation metrics of both generators (classifier Frechet
distance, KID, coverage, classes). On TensorFlow and torch both paths see identical
minibatches, noise and labels; on JAX the fast path draws its noise on the device, so the
runs agree statistically rather than step for step.
"""

import argparse
import time

import numpy as np

from gan_keras import data, evaluation, recipes, runtime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=5000)
    args = parser.parse_args()
    images = recipes.load_images("dense-mnist")
    test, _ = data.load_mnist("test")
    clf = evaluation.classifier("mnist")
    test_features = evaluation.classify(clf, test)[0]
    print(f"# {runtime.describe()}; dense-mnist, {args.steps} steps, seed {args.seed}")
    runs = {}
    for fast in (False, True):
        start = time.time()
        trainer = recipes.make_trainer("dense-mnist", images, seed=args.seed, fast=fast)
        history = trainer.train(images, steps=args.steps)
        seconds = time.time() - start
        feats, probs = evaluation.classify(clf, trainer.generate(args.samples, seed=1))
        runs["fast" if fast else "teaching"] = (history, {
            "frechet": evaluation.frechet_distance(test_features, feats),
            "kid_x1000": 1000 * evaluation.kernel_inception_distance(test_features, feats)[0],
            "coverage": evaluation.density_coverage(test_features[:5000], feats)["coverage"],
            "classes": evaluation.mode_coverage(probs)["covered"], "seconds": seconds})
    window = max(1, args.steps // 10)
    print("| steps | teaching d_loss | fast d_loss | teaching g_loss | fast g_loss | teaching D(G(z)) | fast D(G(z)) |")
    print("|---|---|---|---|---|---|---|")
    for end in range(window, args.steps + 1, window):
        cells = [np.mean(runs[p][0][k][end - window:end]) for k in ("d_loss", "g_loss", "d_fake") for p in ("teaching", "fast")]
        print(f"| {end - window + 1}-{end} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print("\n| path | Fréchet (classifier) | KID ×1000 | coverage | classes | train time |")
    print("|---|---|---|---|---|---|")
    for name, (_, m) in runs.items():
        print(f"| {name} | {m['frechet']:.2f} | {m['kid_x1000']:.1f} | {m['coverage']:.3f} | {m['classes']} "
              f"| {m['seconds']:.0f} s |")


if __name__ == "__main__":
    main()
