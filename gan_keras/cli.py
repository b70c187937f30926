"""Command line: train a GAN of the sources, sample from it, measure it.

    python -m gan_keras train --model dense-mnist --out runs/dense-mnist
    python -m gan_keras generate runs/dense-mnist --n 64 --out samples.png
    python -m gan_keras evaluate runs/dense-mnist --json scores.json

train writes into --out: history.json, generator.keras, discriminator.keras, losses.png,
d_probabilities.png, samples/step_XXXXXXX.png grids, summary.json and checkpoints/ (the
newest two). --resume continues from the newest readable checkpoint there; with none
there, it starts a new run and says so. Ctrl-C, and SIGTERM (what a job scheduler or docker
stop sends), end the running step and write a checkpoint before stopping (exit code 130 or 143).
A wrong argument ends with one line "error: ..." and exit code 2; a problem found while
running (missing data, a checkpoint of another model, ...) with one such line and exit
code 1; --debug shows the traceback instead.
"""

import argparse
import importlib.abc
import importlib.util
import json
import os
import platform
import signal
import sys
import time
from pathlib import Path

from . import recipes


class UserError(Exception):
    """Something the user can fix; printed as one line."""


class Help(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        quiet = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if not quiet and "default" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _whole(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


_positive, _count = _whole(1), _whole(0)


def _fraction(low, high, what):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value < high:
            raise argparse.ArgumentTypeError(f"{what} must be in [{low:g}, {high:g}), got {value:g}")
        return value
    return parse


def _folder(text):
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return text


def _train_parser(sub):
    models = sorted(recipes.RECIPES)
    batches = ", ".join(f"{name} {recipes.RECIPES[name].batch_size}" for name in models)
    budgets = ", ".join(f"{name} {v} {k}" for name in models for k, v in recipes.RECIPES[name].budget.items())
    t = sub.add_parser("train", help="train one of the reproduced GANs",
                       formatter_class=Help,
                       description="Train a GAN of the sources and write its outputs to --out.")
    t.add_argument("--model", choices=models, default="dense-mnist", help="which set-up (gan_keras.recipes)")
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_positive, help="generator updates in total (default: the model's "
                        f"budget: {budgets})")
    budget.add_argument("--epochs", type=_positive, help="passes over the data instead of --steps")
    t.add_argument("--batch-size", type=_positive, help=f"images per minibatch (default per model: {batches})")
    t.add_argument("--seed", type=int, default=0, help="seeds the models, data order and noise")
    t.add_argument("--out", help="output folder (default: runs/<model>)")
    t.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    t.add_argument("--dataset", choices=recipes.DATASETS, help="train on other data than the model's own")
    t.add_argument("--data-dir", type=_folder, help="folder with the dataset files (gan_keras.data)")
    t.add_argument("--limit", type=_positive, help="use only this many training images (all if not given)")
    t.add_argument("--holdout", type=_count, default=0, help="images held out, class-balanced, for evaluation")
    t.add_argument("--k", type=_positive, help="D updates per G update (default: the model's; 1, WGANs 5)")
    t.add_argument("--generator-loss", choices=["non_saturating", "minimax"],
                   help="for the original GAN objective (default non_saturating)")
    t.add_argument("--update", choices=["alternating", "simultaneous"],
                   help="alternating (default: D's update, then G's) or simultaneous (the paper's public code: "
                   "both gradients at the same weights from one minibatch, D's loss halved; k = 1)")
    t.add_argument("--critic-schedule", choices=["constant", "arjovsky"],
                   help="constant (default: k D updates every step) or arjovsky (Arjovsky et al.'s code: 100 D "
                   "updates in each of the first 25 steps and in every 500th)")
    t.add_argument("--label-noise", type=_fraction(0, 1, "label noise"),
                   help="add this times U[0,1) to D's targets (default: the model's; 0.05 for the Chollet DCGAN)")
    t.add_argument("--label-smoothing", type=_fraction(0, 0.5, "label smoothing"),
                   help="one-sided: real targets move this far towards 1/2 (default 0)")
    t.add_argument("--beta1", type=_fraction(0, 1, "beta1"),
                   help="Adam's beta_1 for the Adam models (dense-mnist default 0.5; 0.9 = the tutorial's)")
    t.add_argument("--sample-every", type=_positive, help="steps between sample grids (default: 10 %% of the run)")
    t.add_argument("--checkpoint-every", type=_positive, help="steps between checkpoints (default: 10 %% of the run)")
    engine = t.add_mutually_exclusive_group()
    engine.add_argument("--fast", action="store_true", help="fused one-function-per-step training (gan_keras.fast)")
    engine.add_argument("--fit", action="store_true", help="Keras' own trainer: the model as a gan_keras.GAN "
                        "trained by fit() (whole epochs; resume from the last finished one)")
    t.add_argument("--data-parallel", action="store_true", help="with --fit on JAX: every batch split over the "
                   "local devices (GPUs, or a CPU's virtual ones) by keras.distribution.DataParallel")
    t.add_argument("--quiet", action="store_true", help="no progress output")
    t.add_argument("--no-diagnostics", action="store_true", help="do not watch for failures while training (D "
                   "wins, collapse, two judges, an untrained network, a flat critic, NaN; gan_keras.callbacks."
                   "Diagnostics, on by default)")
    t.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files there: losses, "
                   "mean D(x) and D(G(z)), histograms of D's outputs and the sample grid (needs TensorFlow "
                   "installed; view with: tensorboard --logdir DIR)")


def parse_args(argv=None):
    parser = Parser(prog="python -m gan_keras", description=__doc__,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _train_parser(sub)
    g = sub.add_parser("generate", help="samples from a trained run", description="Samples from a run's generator.",
                       formatter_class=Help)
    g.add_argument("run", type=_folder, help="output folder of train")
    g.add_argument("--n", type=_positive, default=64, help="how many samples")
    g.add_argument("--seed", type=int, default=0, help="seeds the noise")
    g.add_argument("--labels", type=int, nargs="+", help="codes/classes to generate, cycled (CGAN, InfoGAN)")
    g.add_argument("--out", required=True,
                   help="FILE.png (a grid) or FILE.npy (float32 (n, H, W, C) in the generator's pixel range)")
    e = sub.add_parser("evaluate", help="measure a trained run", description="Parzen log-likelihood, classifier "
                       "Frechet distance and KID, coverage and memorisation of a run's generator (MNIST).",
                       formatter_class=Help)
    e.add_argument("run", type=_folder, help="output folder of train")
    e.add_argument("--test-data", type=_folder, help="folder with the MNIST test split (t10k IDX files); "
                   "default: found like the training data (GAN_KERAS_DATA, Keras cache, download); where "
                   "it is missing, half of the digits the run held out (train --holdout) stand in for it, "
                   "and the output says so")
    e.add_argument("--samples", type=_positive, default=10000, help="generated images to score")
    e.add_argument("--json", help="also write the row as JSON to this file")
    return parser.parse_args(argv)


def _writable_folder(option, path):
    """UserError unless ``path`` is, or can become, a folder this process can write into (nothing is created)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path} is a file (choose a folder)")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: cannot write into {existing} (choose a folder you can write to)")
    return path


def _output_folder(args):
    from . import checkpoints

    out = _writable_folder("--out", args.out or f"runs/{args.model}")
    if not args.resume and (checkpoints.list_checkpoints(out) or (out / "backup").is_dir()):
        what = "a backup" if (out / "backup").is_dir() else "checkpoints"
        raise UserError(f"{out} holds {what} of an earlier run (add --resume to continue it, or choose another "
                        "--out; nothing was changed)")
    return out


def train(args):
    if args.data_parallel and not args.fit:
        raise UserError("--data-parallel splits the batches of Keras' fit (add --fit)")
    if args.fit and recipes.get(args.model).trainer in recipes.CODED_TRAINERS:
        raise UserError(f"{args.model} has a code input and trains on the teaching path only (leave --fit out)")
    if args.data_parallel and (backend := _backend()) != "jax":
        raise UserError(f"--data-parallel uses keras.distribution, which trains on JAX: set KERAS_BACKEND=jax "
                        f"(this run: {backend})")
    out = _output_folder(args)
    if args.tensorboard:
        _check_tensorboard(args.tensorboard)
    (images, labels), _ = recipes.load_labelled(args.model, dataset=args.dataset, limit=args.limit,
                                                data_dir=args.data_dir, holdout=args.holdout)
    import keras

    from . import run
    from .checks import steps_per_epoch

    recipe = recipes.get(args.model)
    given = {"k": args.k, "generator_loss": args.generator_loss, "label_smoothing": args.label_smoothing,
             "label_noise": args.label_noise, "update": args.update, "critic_schedule": args.critic_schedule}
    given = {k: v for k, v in given.items() if v is not None}
    if args.fit:
        return _train_with_fit(args, out, images, given)
    trainer = recipes.make_trainer(args.model, images, seed=args.seed, batch_size=args.batch_size, fast=args.fast,
                                   beta_1=args.beta1, **given)
    batch = args.batch_size or recipe.batch_size
    steps = args.steps or recipes.steps_for(args.model, len(images), batch, trainer.k, args.epochs)
    every = max(1, steps // 10)
    print(f"[gan_keras] {args.model} on {len(images)} images, batch {batch}, {steps} steps "
          f"({steps / steps_per_epoch(len(images), batch, trainer.k):.1f} epochs), backend {keras.backend.backend()}, "
          f"{type(trainer).__name__}, writing to {out}", flush=True)
    d_labels = labels if recipe.trainer == "cgan" else None
    extra = []
    if args.tensorboard:
        from .callbacks import TensorBoard

        extra.append(TensorBoard(args.tensorboard, images, args.sample_every or every, labels=d_labels))
    start = time.perf_counter()
    from .callbacks import Diagnostics

    watch = False if args.no_diagnostics else Diagnostics(images, log_dir=args.tensorboard)
    history = run.fit(trainer, images, out_dir=out, steps=steps, batch_size=batch, labels=d_labels,
                      sample_every=args.sample_every or every, checkpoint_every=args.checkpoint_every or every,
                      resume=args.resume, progress=not args.quiet, meta={"model": args.model}, callbacks=extra,
                      diagnostics=watch,
                      log=lambda message: print(f"[gan_keras] {message}", flush=True))
    return _save_run(args, trainer, history, images, d_labels, out, time.perf_counter() - start)


def _train_with_fit(args, out, images, given):
    """train --fit: the recipe as a ``gan_keras.GAN`` trained by Keras' ``fit`` (``run.fit_model``)."""
    import keras

    from . import run
    from .callbacks import Diagnostics, TensorBoard
    from .checks import steps_per_epoch

    batch = args.batch_size or recipes.get(args.model).batch_size
    devices = _data_parallel(batch) if args.data_parallel else 1
    gan = recipes.make_gan(args.model, images, seed=args.seed, batch_size=args.batch_size, beta_1=args.beta1, **given)
    per_epoch = steps_per_epoch(len(images), batch, gan.k)
    steps = args.steps or recipes.steps_for(args.model, len(images), batch, gan.k, args.epochs)
    epochs = -(-steps // per_epoch)  # fit trains whole epochs
    every = max(1, epochs * per_epoch // 10)
    print(f"[gan_keras] {args.model} on {len(images)} images, batch {batch}, {epochs * per_epoch} steps ({epochs} "
          f"epochs), backend {keras.backend.backend()}, Keras' fit on {devices} device{'s' * (devices > 1)}, "
          f"writing to {out}", flush=True)
    extra = [TensorBoard(args.tensorboard, images, args.sample_every or every)] if args.tensorboard else []
    watch = False if args.no_diagnostics else Diagnostics(images, log_dir=args.tensorboard)
    start = time.perf_counter()
    history = run.fit_model(gan, images, out_dir=out, epochs=epochs, batch_size=batch,
                            sample_every=args.sample_every or every, resume=args.resume, progress=not args.quiet,
                            meta={"model": args.model}, callbacks=extra, diagnostics=watch,
                            log=lambda message: print(f"[gan_keras] {message}", flush=True))
    return _save_run(args, gan, history, images, None, out, time.perf_counter() - start)


def _backend():
    """The Keras backend of this run, without importing one where KERAS_BACKEND names it (Keras reads it first)."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    import keras

    return keras.backend.backend()


def _data_parallel(batch):
    """Spread Keras' batches over every local device (JAX); returns how many there are."""
    import jax
    import keras

    devices = jax.devices()
    if batch % len(devices):
        raise UserError(f"--data-parallel: a minibatch of {batch} images does not split over {len(devices)} devices "
                        f"(choose a --batch-size that is a multiple of {len(devices)})")
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return len(devices)


def _check_tensorboard(folder):
    """UserError unless ``folder`` can take TensorBoard files and TensorFlow's tf.summary is installed."""
    _writable_folder("--tensorboard", folder)
    from importlib.util import find_spec

    missing = [name for name in ("tensorflow", "tensorboard") if find_spec(name) is None]
    if missing:
        raise UserError(f"--tensorboard writes with TensorFlow's tf.summary: pip install {' '.join(missing)} "
                        "(or leave --tensorboard out)")


def _save_run(args, trainer, history, images, labels, out, wall):
    """A finished run's files in ``out`` (networks, plots, grids, summary.json); returns the summary."""
    import keras
    import numpy as np

    from . import plots

    trainer.generator.save(out / "generator.keras")
    trainer.discriminator.save(out / "discriminator.keras")
    plots.plot_training(history, path=out / "losses.png", note=(
        "During training: each step's minibatch, in training mode (dropout on); d_probabilities.png shows D "
        "after training, in inference mode"))
    p = _final_outputs(trainer, images, labels, out, args.seed)
    summary = {"model": args.model, "steps": trainer.step, "wall_time_s": round(wall, 1),
               "backend": keras.backend.backend(), "python": platform.python_version(), "keras": keras.__version__,
               "dataset": args.dataset or recipes.get(args.model).dataset, "images": len(images),
               "limit": args.limit, "holdout": args.holdout, "seed": args.seed,
               "mean_d_real": float(np.mean(p[0])), "mean_d_fake": float(np.mean(p[1])),
               "findings": trainer.findings}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    what = "P(real)" if trainer.objective.probabilities else "critic score"
    print(f"[gan_keras] done: {trainer.step} steps in {wall:.0f} s; D on 50 real / 50 generated images "
          f"(inference mode): mean {what} {summary['mean_d_real']:.2f} / {summary['mean_d_fake']:.2f}; "
          f"outputs in {out}")
    return summary


def _final_outputs(trainer, images, labels, out, seed):
    """The final sample grid and the probability bar charts; D's outputs on 50 real / 50 fakes.

    labels: the images' labels for a conditional D (None otherwise)."""
    from . import plots
    from .callbacks import d_on_real_and_generated

    p_real, p_fake, fake = d_on_real_and_generated(trainer, images, labels, 50, seed)
    if trainer.objective.probabilities:
        plots.plot_probability_bars(p_real, p_fake, path=out / "d_probabilities.png", note=(
            "After training, in inference mode (dropout off): D's verdicts differ from the training-mode means "
            "at the end of losses.png"))
    coded = hasattr(trainer, "code_dim")
    plots.save_image_grid(fake if coded else fake[:49], out / "samples" / "final.png",
                          value_range=trainer.value_range, ncols=10 if coded else None)
    return p_real, p_fake


def generate(args):
    out = Path(args.out)
    if out.suffix not in (".png", ".npy"):
        raise UserError(f"--out {out} must end in .png or .npy (FILE.png writes a grid, FILE.npy the array)")
    if out.is_dir():
        raise UserError(f"--out {out} is a folder (give a file name ending in .png or .npy)")
    _writable_folder("--out", out.parent)
    from .run import read_json

    history = Path(args.run) / "history.json"
    if args.labels is not None and history.is_file() and not read_json(history)["meta"].get("code_dim"):
        coded = sorted(n for n, r in recipes.RECIPES.items() if r.trainer in recipes.CODED_TRAINERS)
        raise UserError(f"{args.run} has no code input (--labels is for {', '.join(coded)})")
    import numpy as np

    from . import plots
    from .conditional import code_sampler
    from .models import sample
    from .run import load_run
    from .training import Stream

    g, _, meta = load_run(args.run)
    code_dim = meta.get("code_dim", 0)
    wanted = None
    if code_dim:
        wanted = np.resize(np.asarray(args.labels if args.labels is not None else np.arange(code_dim)), args.n)
        if wanted.min() < 0 or wanted.max() >= code_dim:
            raise UserError(f"--labels must lie in 0..{code_dim - 1} (one value per code of the run)")
    codes = code_sampler(g, wanted) if code_dim else None
    images = sample(g, args.n, np.random.default_rng([args.seed, Stream.GENERATE]), meta["latent_distribution"], codes)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npy":
        np.save(out, images)
    else:
        plots.save_image_grid(images, out, value_range=tuple(meta["value_range"]), ncols=10 if code_dim else None)
    print(f"[gan_keras] {args.n} samples of {args.run} ({meta.get('model', 'model')}, step {meta['step']}) -> {out}")


def evaluate(args):
    import numpy as np

    from . import data
    from .run import evaluate_run, load_run

    if args.json:
        _writable_folder("--json", Path(args.json).parent)
    _, _, meta = load_run(args.run)
    if (meta.get("dataset") or "mnist") != "mnist":
        raise UserError(f"{args.run} trained on {meta['dataset']}: evaluate measures MNIST generators only "
                        "(its classifier reads digits)")
    # the run's training images and the ones it held out, split as train did, in [-1, 1]
    (train_images, _), (valid, valid_labels) = recipes.load_labelled(
        "dense-mnist", dataset="mnist", limit=meta.get("limit"), holdout=meta.get("holdout", 0))
    try:  # the official test split; where it is missing, half of the run's held-out digits stand in
        (valid, _), (test, _), official = data.mnist_test_split(
            valid, valid_labels, data_dir=args.test_data, held_out_ok=len(valid) >= 20, n_held_out=len(valid) // 2)
    except FileNotFoundError as err:
        hint = "" if args.test_data else (" Or train with --holdout 1000: evaluate then measures on half of "
                                          "the digits the run held out")
        raise UserError(f"{' '.join(str(err).split())}{hint} (see evaluate --help)") from None
    if not len(valid):
        print("[gan_keras] the run held no images out (train with --holdout 1000): Parzen is left out")
    row, _ = evaluate_run(args.run, test, valid, train_images, args.samples)
    row = {"test_digits": "official MNIST test split" if official else "held-out training digits", **row}
    lines = [f"{key:>22}  {value:.4g}" if isinstance(value, float) else f"{key:>22}  {value}"
             for key, value in row.items()]
    what = (f"{len(test)} digits of the official MNIST test split" if official else
            f"{len(test)} held-out training digits, not the official test split: not comparable with Table 1")
    print("\n".join([f"evaluation of {args.run} ({args.samples} samples; measured on {what})"] + lines))
    if args.json:
        Path(args.json).write_text(json.dumps({"run": str(args.run), **row}, indent=1, default=np.asarray))
    return row


COMMANDS = {"train": train, "generate": generate, "evaluate": evaluate}
USER_ERRORS = (UserError, ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
               PermissionError, EOFError, FloatingPointError)


class QuietTensorFlowImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports TensorFlow, when something first imports it, with the process's stderr (file descriptor 2) sent to
    /dev/null: its C++ logging writes two lines at import (absl's, oneDNN's) that TF_CPP_MIN_LOG_LEVEL does not
    silence. Python's own errors are raised after stderr is back."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once, and the real finders do the finding
        spec = importlib.util.find_spec(name)
        if spec is not None:
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 2)
                self.loader.exec_module(module)
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before a backend is imported: no C++ log lines
    if "tensorflow" not in sys.modules:
        sys.meta_path.insert(0, QuietTensorFlowImport())
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:  # run.Stopped once a checkpoint is written
        signum = getattr(exc, "signum", signal.SIGINT)
        what = str(exc) or "interrupted"
        print(f"error: {what} (run the same command with --resume to continue)", file=sys.stderr)
        return 128 + signum
    except USER_ERRORS as exc:
        if args.debug:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        hint = "" if isinstance(exc, UserError) or message.endswith(")") else " (--debug shows where it happened)"
        print(f"error: {message}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
