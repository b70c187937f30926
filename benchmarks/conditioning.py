"""Does the generator make the digit it is asked for? CGAN conditioning and InfoGAN's code over training.

    KERAS_BACKEND=jax python benchmarks/conditioning.py [--runs projection concat infogan] [--steps 4000] [--every 500]

* ``projection``: the ``cgan-mnist`` recipe (D conditions by projection, Miyato & Koyama 2018);
* ``concat``: the same with the one-hot label concatenated to D's input (Mirza & Osindero);
* ``infogan``: the ``infogan-mnist`` recipe (no labels; the 10-way code should come to mean the digit).

Every ``--every`` steps, 500 samples (codes 0..9 in turn) are read by the project's classifier:
the share of samples of the requested digit (CGAN; chance 0.1), or the code purity and the
number of distinct digits over the code values (InfoGAN). Trained on the 5,000 offline
digits, batch 64, seed 0. Prints a markdown table.
"""

import argparse
import time

import keras
import numpy as np

from gan_keras import conditional, evaluation, recipes, runtime
from gan_keras.optimizers import TorchAdam


def make(run, images, seed):
    if run == "concat":
        keras.utils.set_random_seed(seed)
        g = conditional.conditional_generator(100, 10, images.shape[1:])
        d = conditional.conditional_discriminator(images.shape[1:], 10, conditioning="concat")
        return conditional.ConditionalGANTrainer(g, d, d_optimizer=TorchAdam(2e-4, beta_1=0.5),
                                                 g_optimizer=TorchAdam(2e-4, beta_1=0.5), seed=seed)
    return recipes.make_trainer("cgan-mnist" if run == "projection" else "infogan-mnist", images, seed=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="*", default=["projection", "concat", "infogan"],
                        choices=["projection", "concat", "infogan"])
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (images, labels), _ = recipes.load_labelled("cgan-mnist")
    clf = evaluation.classifier("mnist")
    codes = np.arange(500) % 10
    print(f"# {runtime.describe()}")
    print("| run | steps | requested digit (CGAN) / code purity (InfoGAN) | distinct digits | seconds |")
    print("|---|---|---|---|---|")
    for run in args.runs:
        trainer = make(run, images, args.seed)
        start = time.time()
        for steps in range(args.every, args.steps + 1, args.every):
            is_cgan = isinstance(trainer, conditional.ConditionalGANTrainer)
            trainer.train(images, labels=labels if is_cgan else None, steps=steps, batch_size=64)
            probs = evaluation.classify(clf, trainer.generate(500, seed=1, labels=codes))[1]
            purity = evaluation.code_purity(probs, codes, 10)
            score = evaluation.class_agreement(probs, codes) if is_cgan else purity["purity"]
            print(f"| {run} | {steps} | {score:.3f} | {purity['classes']} | {time.time() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
