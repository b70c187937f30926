"""Why does WGAN with weight clipping stall on the dense nets? Critic estimate, sample diversity, clipped weights.

    KERAS_BACKEND=jax python benchmarks/wgan_clip.py [--steps 2000] [--seed 0]

Trains the ``wgan-mnist`` recipe (fast path, 4,000 training digits, batch 64, n_critic 5) and
prints: the Wasserstein estimate (mean critic score on real minus generated, averaged over the
first, middle and last 100 generator updates), how much 500 samples differ from one another
(per-pixel standard deviation across samples, against 500 real digits: a generator that ignores
z scores about 0), and the share of critic weights sitting at the clip (|w| >= 0.99 * 0.01).
"""

import argparse

import keras
import numpy as np

from gan_keras import recipes, runtime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.steps < 300:
        parser.error("--steps must be at least 300 (three windows of 100)")
    (train, _), _ = recipes.load_labelled("wgan-mnist", holdout=1000, verbose=False)
    trainer = recipes.make_trainer("wgan-mnist", train, seed=args.seed, fast=True)
    history = trainer.train(train, steps=args.steps, batch_size=64)
    estimate = np.asarray(history["d_real"]) - np.asarray(history["d_fake"])
    mid = args.steps // 2
    print(f"# {runtime.describe()}; wgan-mnist, seed {args.seed}, {args.steps} generator updates")
    print(f"Wasserstein estimate, mean over updates 1-100: {estimate[:100].mean():.4g}; "
          f"{mid - 99}-{mid}: {estimate[mid - 100:mid].mean():.4g}; "
          f"{args.steps - 99}-{args.steps}: {estimate[-100:].mean():.4g}")
    samples = trainer.generate(500, seed=1).reshape(500, -1)
    real = train[np.random.default_rng(0).permutation(len(train))[:500]].reshape(500, -1)
    print(f"per-pixel std across 500 images: generated {samples.std(axis=0).mean():.3f}, "
          f"real {real.std(axis=0).mean():.3f}")
    weights = np.concatenate([np.abs(keras.ops.convert_to_numpy(v)).ravel()
                              for v in trainer.discriminator.trainable_weights])
    clip = trainer.objective.clip_value
    print(f"critic weights at the clip: {np.mean(weights >= 0.99 * clip):.3f} of {weights.size:,}")


if __name__ == "__main__":
    main()
