"""A whole training run on top of ``GANTrainer`` and its folder: output, resume, Ctrl-C, progress, evaluation.

``fit(trainer, images, out_dir=..., steps=..., batch_size=...)`` is what the command line
and the notebooks use. Into ``out_dir`` go ``checkpoints/`` (the newest ``keep``),
``history.json`` and ``samples/step_XXXXXXX.png`` grids; ``resume=True`` continues from the
newest readable checkpoint there (same step counter, weights, optimizer state and history,
so the run ends as an uninterrupted one would). Ctrl-C is held until the running step ends;
a checkpoint is then written and ``KeyboardInterrupt`` raised. A NaN or infinite loss stops
the run with ``NonFiniteLossError``; the checkpoints on disk are from before it. ``load_run`` reads
a finished run's folder back, ``evaluate_run`` scores its generator with ``gan_keras.evaluation``.
"""

import contextlib
import json
import signal
import threading
from pathlib import Path

import numpy as np

from . import checkpoints, evaluation
from .callbacks import Checkpoints, Progress, SampleGrids, StopOnNonFinite
from .conditional import code_sampler
from .losses import as_p_real
from .models import sample
from .training import Stream


@contextlib.contextmanager
def deferred_interrupt(trainer):
    """Turn the first Ctrl-C into ``trainer.stop_training = True``; yields a list that records it.

    A second Ctrl-C stops at once. Outside the main thread, signals cannot be caught: no-op.
    """
    pressed = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if pressed:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        pressed.append(signum)
        trainer.stop_training = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def fit(trainer, images, *, out_dir=None, steps=None, epochs=None, batch_size=52, labels=None,
        sample_every=0, checkpoint_every=0, keep=2, resume=False, progress=True, meta=None,
        callbacks=(), log=print):
    """Train ``trainer`` on ``images`` with the run's outputs in ``out_dir``; returns the history.

    steps / epochs / batch_size / labels: as ``GANTrainer.train``.
    sample_every, checkpoint_every: steps between sample grids / checkpoints (0: at the end only).
    resume: continue from the newest checkpoint in ``out_dir``; with none there, a new run
        starts and ``log`` says so. Without it, an ``out_dir`` holding checkpoints is refused
        (ValueError; nothing is overwritten).
    progress: True shows progress (a bar on a terminal, plain lines elsewhere).
    meta: settings recorded in every checkpoint and checked on resume (e.g. {"model": name}).
    callbacks: more ``keras.callbacks.Callback`` objects, called after the run's own.
    """
    if out_dir is None and (resume or sample_every or checkpoint_every):
        raise ValueError("resume, sample_every and checkpoint_every need out_dir")
    out = Path(out_dir) if out_dir is not None else None
    run_meta = {**(meta or {}), "batch_size": int(batch_size), "data_size": len(images)}
    if out is not None and out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give another out_dir")
    if out is not None and resume:
        path = checkpoints.restore_trainer(trainer, out, meta=run_meta)
        log(f"resumed from {path} at step {trainer.step}" if path else
            f"no checkpoint in {checkpoints.checkpoint_dir(out)}: starting a new run at step 0")
    elif out is not None and trainer.step == 0 and checkpoints.list_checkpoints(out):
        raise ValueError(f"{out} holds checkpoints of an earlier run: resume it, or give another "
                         "output folder (nothing was overwritten)")
    run = [StopOnNonFinite(out)]
    if out is not None:
        run += [Checkpoints(out, checkpoint_every, keep, meta), SampleGrids(out, sample_every)]
    if progress:
        run.append(Progress())
    with deferred_interrupt(trainer) as pressed:
        history = trainer.train(images, steps=steps, epochs=epochs, batch_size=batch_size, labels=labels,
                                callbacks=run + list(callbacks))
    if pressed:  # the run's end wrote a checkpoint (Checkpoints.on_train_end)
        where = f"; checkpoint {checkpoints.latest_checkpoint(out)}; resume to continue" if out else ""
        log(f"interrupted at step {trainer.step}{where}")
        raise KeyboardInterrupt
    return history


def load_run(run_dir):
    """(generator, discriminator, meta) of a finished run folder (``python -m gan_keras train``).

    meta: the trainer's settings and the step count from ``history.json``, plus
    ``summary.json``'s fields (model, dataset, holdout, ...). FileNotFoundError naming what
    is missing otherwise.
    """
    run = Path(run_dir)
    needed = [run / "generator.keras", run / "discriminator.keras", run / "history.json"]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{run} is not a finished training run: {', '.join(missing)} missing "
                                "(train one with python -m gan_keras train --out FOLDER)")
    import keras

    from . import models, paper  # noqa: F401  (registers the custom layers for loading)

    meta = json.loads((run / "history.json").read_text())["meta"]
    if (run / "summary.json").is_file():
        meta.update(json.loads((run / "summary.json").read_text()))
    return keras.saving.load_model(needed[0]), keras.saving.load_model(needed[1]), meta


def run_samples(generator, meta, n_samples=10000, seed=0):
    """(samples, codes) of a saved generator: ``n_samples`` images in its range; codes 0, 1, ...
    in turn for a generator with a code input (else None; InfoGAN's continuous codes drawn U(-1, 1))."""
    code_dim = meta.get("code_dim", 0)
    codes = np.arange(n_samples) % code_dim if code_dim else None
    rng = np.random.default_rng([seed, Stream.EVALUATION])
    draw = code_sampler(generator, codes) if code_dim else None
    return sample(generator, n_samples, rng, meta["latent_distribution"], draw, batch_size=500), codes


def evaluate_run(run_dir, test, validation, train, n_samples=10000, seed=0):
    """Every metric for the generator saved in ``run_dir``: (one results-table row, the samples).

    test / validation / train: MNIST images in [-1, 1] (see ``evaluate_samples``; without
    validation images Parzen's sigma cannot be chosen and the Parzen fields are left out).
    Generators with a code input get codes 0..9 in turn; the row then also has
    ``class_agreement`` (CGAN: share of samples of the requested digit) or ``code_purity`` /
    ``code_classes`` (InfoGAN). D's mean output is reported only for the original objective
    with an unconditional D (a probability); critics give scores.
    """
    g, d, meta = load_run(run_dir)
    samples, codes = run_samples(g, meta, n_samples, seed)
    value_range = tuple(meta["value_range"])
    probabilities = meta.get("objective", "gan") == "gan" and len(d.inputs) == 1

    def p_real(images):  # images in the generator's value range; D's probability of "real"
        p = d.predict(images, batch_size=500, verbose=0)
        p = np.asarray(p[0] if isinstance(p, (list, tuple)) else p)[:, 0]
        return as_p_real(p, meta["real_label"])

    model = evaluation.classifier("mnist")
    row = evaluation.evaluate_samples(
        samples, test=test, validation=validation, train=train, value_range=value_range, model=model,
        p_real_test=p_real(evaluation.to_range(test, (-1, 1), value_range)) if probabilities else None,
        p_real_samples=p_real(samples) if probabilities else None)
    if codes is not None:
        probs = evaluation.classify(model, evaluation.to_range(samples, value_range, (-1, 1)))[1]
        if len(d.inputs) == 2:
            row["class_agreement"] = evaluation.class_agreement(probs, codes)
        else:
            purity = evaluation.code_purity(probs, codes, meta["code_dim"])
            row["code_purity"], row["code_classes"] = purity["purity"], purity["classes"]
    row["steps"] = meta["step"]
    return row, samples
