"""How often does the dense GAN of "GANs demystified" collapse, with Adam beta_1 0.9 against 0.5?

    python benchmarks/dense_stability.py [--seeds 0 1 2 3 4 5 6 7] [--steps 2000] [--beta1 0.9 0.5]

Trains the dense-mnist recipe on the training digits the loaders find (the 5,000 offline ones, or all
60,000 with GAN_KERAS_DATA) once per seed and beta_1, and calls a run collapsed when
D wins for good: mean D(G(z)) over the last 300 steps below 0.02 (G then produces one blob
that D rejects with certainty). Prints one line per run and a summary per beta_1.
"""

import argparse
import time

import keras
import numpy as np

from gan_keras import recipes, runtime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(8)))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--beta1", nargs="+", type=float, default=[0.9, 0.5])
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args()
    images = recipes.load_images("dense-mnist")
    print(f"# {runtime.describe()}; {args.steps} steps per run, batch 52")
    for beta_1 in args.beta1:
        collapsed = []
        for seed in args.seeds:
            start = time.time()
            trainer = recipes.make_trainer("dense-mnist", images, seed=seed, beta_1=beta_1, fast=args.fast)
            history = trainer.train(images, steps=args.steps)
            late = float(np.mean(history["d_fake"][-300:]))
            collapsed.append(late < 0.02)
            print(f"beta_1={beta_1} seed={seed}: mean D(G(z)) over the last 300 steps {late:.3f}"
                  f"{'  COLLAPSED' if collapsed[-1] else ''} ({time.time() - start:.0f} s)", flush=True)
        print(f"beta_1={beta_1}: {sum(collapsed)} of {len(collapsed)} seeds collapsed "
              f"({keras.backend.backend()})", flush=True)


if __name__ == "__main__":
    main()
