"""Command line: ``python -m gan_keras train --model dense-mnist --out runs/dense-mnist``.

Writes into ``--out``: ``history.json``, ``generator.keras``, ``discriminator.keras``,
``losses.png`` (losses and D outputs), ``d_probabilities.png`` (seed 001's bar charts),
``samples/step_XXXXXXX.png`` grids and ``checkpoints/``. ``--resume`` continues from the
newest checkpoint there. Ctrl-C writes a checkpoint before stopping.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

DEFAULT_EPOCHS = {"dense-mnist": 60, "paper-mnist": 60, "dcgan-mnist": 5, "dcgan-cifar10-frog": None,
                  "lsgan-mnist": 20, "wgan-mnist": 100, "wgan-gp-mnist": 100, "cgan-mnist": 20,
                  "infogan-mnist": 20}
DEFAULT_STEPS = {"dcgan-cifar10-frog": 10000}


def parse_args(argv=None):
    from .recipes import DATASETS, RECIPES

    parser = argparse.ArgumentParser(prog="python -m gan_keras", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one of the reproduced GANs")
    t.add_argument("--model", choices=sorted(RECIPES), default="dense-mnist")
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="generator updates in total")
    budget.add_argument("--epochs", type=int,
                        help=f"passes over the data (default per model: {DEFAULT_EPOCHS}, "
                             f"or steps {DEFAULT_STEPS})")
    t.add_argument("--batch-size", type=int, help="default: the source's (52, 100, 128, 20)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default=None, help="output folder (default runs/<model>)")
    t.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    t.add_argument("--dataset", choices=DATASETS, help="train on other data than the model's own")
    t.add_argument("--data-dir", help="folder with the dataset files (see gan_keras.data)")
    t.add_argument("--limit", type=int, help="use only this many training images")
    t.add_argument("--holdout", type=int, default=0,
                   help="hold this many images out (stratified, for evaluation; benchmarks/evaluate.py)")
    t.add_argument("--k", type=int, default=None, help="D updates per G update (Algorithm 1; default "
                   "the model's: 1, WGANs 5)")
    t.add_argument("--generator-loss", choices=["non_saturating", "minimax"], default=None,
                   help="for the original GAN objective (default non_saturating)")
    t.add_argument("--label-noise", type=float, help="add this times U[0,1) to D's targets")
    t.add_argument("--label-smoothing", type=float, default=None, help="one-sided, on real targets")
    t.add_argument("--beta1", type=float, default=None,
                   help="Adam beta_1 of the Adam recipes (dense-mnist default 0.5; 0.9 = seed 001 exactly)")
    t.add_argument("--sample-every", type=int, default=None, help="steps between sample grids")
    t.add_argument("--checkpoint-every", type=int, default=None, help="steps between checkpoints")
    t.add_argument("--fast", action="store_true", help="fused one-function-per-step training")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def train(args):
    import keras
    import numpy as np

    from . import checkpoints, plots, recipes

    out = Path(args.out or f"runs/{args.model}")
    if not args.resume and checkpoints.latest_checkpoint(out) is not None:
        raise SystemExit(f"{out} holds checkpoints of an earlier run: add --resume to continue it, "
                         "or choose another --out")
    (images, labels), _ = recipes.load_labelled(args.model, dataset=args.dataset, limit=args.limit,
                                                data_dir=args.data_dir, holdout=args.holdout)
    given = {"k": args.k, "generator_loss": args.generator_loss, "label_smoothing": args.label_smoothing,
             "label_noise": args.label_noise}
    overrides = {key: value for key, value in given.items() if value is not None}
    trainer = recipes.make_trainer(args.model, images, seed=args.seed, batch_size=args.batch_size,
                                   fast=args.fast, beta_1=args.beta1, **overrides)
    batch = args.batch_size or recipes.get(args.model).batch_size
    per_epoch = trainer.steps_per_epoch(len(images), batch)
    if args.steps is None and args.epochs is None:
        epochs = DEFAULT_EPOCHS.get(args.model)
        steps = DEFAULT_STEPS.get(args.model) if epochs is None else epochs * per_epoch
    else:
        steps = args.steps if args.steps is not None else args.epochs * per_epoch
    every = max(1, steps // 10)
    print(f"[gan_keras] {args.model} on {len(images)} images, batch {batch}, {steps} steps "
          f"({steps / per_epoch:.1f} epochs), backend {keras.backend.backend()}, "
          f"{'fast fused' if trainer.fast else 'train_on_batch'} path, writing to {out}")
    start = time.perf_counter()
    history = trainer.train(images, labels=labels if trainer.conditional else None, steps=steps, batch_size=batch, out_dir=out,
                            sample_every=args.sample_every or every,
                            checkpoint_every=args.checkpoint_every or every,
                            resume=args.resume, verbose=2 if args.quiet else 1)
    wall = time.perf_counter() - start
    trainer.generator.save(out / "generator.keras")
    trainer.discriminator.save(out / "discriminator.keras")
    plots.plot_training(history, path=out / "losses.png")
    pick = np.random.default_rng(args.seed).choice(len(images), 50, replace=False)
    fake_labels = np.arange(50) % 10 if trainer.code_dim else None
    fake = trainer.generate(50, seed=args.seed, labels=fake_labels)
    if trainer.conditional:
        p = [trainer.p_real(images[pick], labels=labels[pick]), trainer.p_real(fake, labels=fake_labels)]
    else:
        p = [trainer.p_real(images[pick]), trainer.p_real(fake)]
    if trainer.objective.probabilities:
        plots.plot_probability_bars(p[0], p[1], path=out / "d_probabilities.png")
    plots.save_image_grid(fake if trainer.code_dim else fake[:49], out / "samples" / "final.png",
                          value_range=trainer.value_range, ncols=10 if trainer.code_dim else None)
    summary = {"model": args.model, "steps": trainer.step, "wall_time_s": round(wall, 1),
               "backend": keras.backend.backend(), "python": platform.python_version(),
               "keras": keras.__version__, "holdout": args.holdout, "seed": args.seed,
               "dataset": args.dataset or recipes.get(args.model).dataset,
               "mean_d_real": float(np.mean(p[0])),
               "mean_d_fake": float(np.mean(p[1]))}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    what = "P(real)" if trainer.objective.probabilities else "critic score"
    print(f"[gan_keras] done: {trainer.step} steps in {wall:.0f} s; D on 50 real / 50 generated "
          f"images (inference mode): mean {what} {summary['mean_d_real']:.2f} / "
          f"{summary['mean_d_fake']:.2f}; outputs in {out}")
    return summary


def main(argv=None):
    args = parse_args(argv)
    if args.command == "train":
        train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
