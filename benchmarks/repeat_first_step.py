"""Does a first step repeat? Trainers built from the same seed in one process, one objective, one path.

    KERAS_BACKEND=tensorflow python benchmarks/repeat_first_step.py [--objective wgan] [--trainers 8] [--path teaching]

Builds the tests' tiny G and a raw-score critic (``tests/test_gan.py``'s ``critic_models``) from seed 5 again and
again and takes one step on the same minibatch and noise: ``GANTrainer``'s (``--path teaching``, two
``train_on_batch`` calls) or ``gan_keras.GAN``'s (``--path fit``, its ``train_step`` fed the teaching path's draws).
Prints how often each mean D(x) came out. One number: the step repeats.
"""

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402

from gan_keras import runtime  # noqa: E402
from gan_keras.gan import GAN  # noqa: E402
from gan_keras.training import GANTrainer  # noqa: E402
from tests.helpers import ready, teaching_inputs, tiny_images  # noqa: E402
from tests.test_gan import critic_models  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objective", default="wgan", choices=["gan", "lsgan", "wgan"])
    parser.add_argument("--trainers", type=int, default=8)
    parser.add_argument("--path", default="teaching", choices=["teaching", "fit"])
    args = parser.parse_args()
    means = []
    for _ in range(args.trainers):
        keras.utils.set_random_seed(5)
        g, d = critic_models()
        adam = [keras.optimizers.Adam(1e-3) for _ in range(2)]
        trainer = GANTrainer(g, d, seed=2, objective=args.objective, d_optimizer=adam[0], g_optimizer=adam[1])
        ready(trainer, tiny_images(), batch_size=16)
        if args.path == "teaching":
            means.append(round(trainer.algorithm_1_step(0)["d_real"], 4))
            continue
        inputs = teaching_inputs(trainer, 0)
        keras.utils.set_random_seed(5)
        gan = GAN(*critic_models(), seed=0)
        gan.compile(*[keras.optimizers.Adam(1e-3) for _ in range(2)], objective=args.objective)
        means.append(round(float(gan.train_on_batch(inputs, return_dict=True)["d_real"]), 4))
    counts = dict(collections.Counter(means))
    print(f"# {runtime.describe()}; {args.path} path, objective {args.objective}, {args.trainers} trainers: "
          f"mean D(x) of the first step: {counts}")


if __name__ == "__main__":
    main()
