"""A whole training run on top of ``GANTrainer`` and its folder: output, resume, Ctrl-C, progress, evaluation.

``fit(trainer, images, out_dir=..., steps=..., batch_size=...)`` is what the command line
and the notebooks use. Into ``out_dir`` go ``checkpoints/`` (the newest ``keep``),
``history.json`` and ``samples/step_XXXXXXX.png`` grids; ``resume=True`` continues from the
newest readable checkpoint there (same step counter, weights, optimizer state and history,
so the run ends as an uninterrupted one would). Ctrl-C and SIGTERM (a scheduler's stop) are held
until the running step ends; a checkpoint is then written and ``Stopped`` (a ``KeyboardInterrupt``)
raised. A NaN or infinite loss stops
the run with ``NonFiniteLossError``; the checkpoints on disk are from before it. ``load_run`` reads
a finished run's folder back, ``evaluate_run`` scores its generator with ``gan_keras.evaluation``.
``fit_model(gan, images, out_dir=..., epochs=...)`` is the same for a ``gan_keras.GAN`` trained by Keras'
``fit``, resumed by Keras' ``BackupAndRestore`` (the command line's ``train --fit``).
"""

import contextlib
import json
import signal
import threading
from pathlib import Path

import numpy as np

from . import checkpoints, evaluation
from .callbacks import Checkpoints, Diagnostics, Progress, SampleGrids, StepCallback, StopOnNonFinite
from .conditional import code_sampler
from .losses import as_p_real
from .models import sample
from .training import Stream


class Stopped(KeyboardInterrupt):
    """The run was stopped by a signal -- Ctrl-C (SIGINT) or a scheduler's, ``docker stop``'s or a cloud notebook's
    shutdown (SIGTERM) -- after its running step ended and its checkpoint was written. ``signum``: the signal."""

    def __init__(self, signum, message=""):
        super().__init__(message or f"stopped by {signal.Signals(signum).name}")
        self.signum = int(signum)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_interrupt(trainer=None):
    """Turn the first Ctrl-C or SIGTERM into ``trainer.stop_training = True`` (None: only record it); yields a list
    that records it.

    A second one stops at once (Ctrl-C: ``KeyboardInterrupt``; SIGTERM: the process ends as SIGTERM ends it).
    Outside the main thread, signals cannot be caught: no-op.
    """
    caught = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

    def handler(signum, frame):
        if caught:
            for number, old in previous.items():
                signal.signal(number, old)
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.raise_signal(signum)  # the handler the run found (by default: the process ends)
            return
        caught.append(signum)
        if trainer is not None:
            trainer.stop_training = True

    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)
    try:
        yield caught
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def fit(trainer, images, *, out_dir=None, steps=None, epochs=None, batch_size=52, labels=None,
        sample_every=0, checkpoint_every=0, keep=2, resume=False, progress=True, meta=None,
        callbacks=(), log=print, diagnostics=True):
    """Train ``trainer`` on ``images`` with the run's outputs in ``out_dir``; returns the history.

    steps / epochs / batch_size / labels: as ``GANTrainer.train``.
    sample_every, checkpoint_every: steps between sample grids / checkpoints (0: at the end only).
    resume: continue from the newest checkpoint in ``out_dir``; with none there, a new run
        starts and ``log`` says so. Without it, an ``out_dir`` holding checkpoints is refused
        (ValueError; nothing is overwritten).
    progress: True shows progress (a bar on a terminal, plain lines elsewhere).
    meta: settings recorded in every checkpoint and checked on resume (e.g. {"model": name}).
    callbacks: more ``keras.callbacks.Callback`` objects, called after the run's own.
    diagnostics: True names failures while they happen (``callbacks.Diagnostics`` on ``images``; its findings
        go into ``trainer.findings`` and ``history.json``); a ``Diagnostics`` instance to set it up; False: off.
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
    if diagnostics is True:
        diagnostics = Diagnostics(images)
    run = [diagnostics] if diagnostics else []
    trainer.findings = diagnostics.findings if diagnostics else []
    run.append(StopOnNonFinite(out))
    if out is not None:
        run += [Checkpoints(out, checkpoint_every, keep, meta), SampleGrids(out, sample_every)]
    if progress:
        run.append(Progress())
    with deferred_interrupt(trainer) as caught:
        history = trainer.train(images, steps=steps, epochs=epochs, batch_size=batch_size, labels=labels,
                                callbacks=run + list(callbacks))
    if caught:  # the run's end wrote a checkpoint (Checkpoints.on_train_end)
        where = f"; checkpoint {checkpoints.latest_checkpoint(out)}; resume to continue" if out else ""
        how = "interrupted" if caught[0] == signal.SIGINT else f"stopped by {signal.Signals(caught[0]).name}"
        log(f"{how} at step {trainer.step}{where}")
        raise Stopped(caught[0], f"{how} at step {trainer.step}")
    return history


def fit_model(gan, images, *, out_dir, epochs, batch_size=52, sample_every=0, resume=False, progress=True,
              meta=None, callbacks=(), log=print, diagnostics=True):
    """Train a compiled ``gan_keras.GAN`` with Keras' ``fit`` for ``epochs`` passes, the run's outputs in ``out_dir``.

    Into ``out_dir`` go ``backup/`` (Keras' ``BackupAndRestore`` at every epoch's end: weights, both
    optimizers, the random generators' states), ``history.json`` (every step's logs, at every epoch's end)
    and the ``samples/`` grids. resume: continue from the backup, the last finished epoch, as an
    uninterrupted run would; without it a folder holding a backup is refused (ValueError). Ctrl-C and
    SIGTERM stop the run after the running step with ``Stopped``; the steps of the unfinished epoch are
    then trained again on resume. batch_size: images per D update (fit's batch holds k of them).
    diagnostics: as ``fit``. Returns the history, floats per key, every step of the run.
    """
    import keras

    from .gan import Minibatches

    out, run_meta = Path(out_dir), {**(meta or {}), "batch_size": int(batch_size), "data_size": len(images)}
    backup = out / "backup"
    if backup.exists() and not resume:
        raise ValueError(f"{out} holds the backup of an earlier run: resume it, or give another output folder "
                         "(nothing was overwritten)")
    if resume and not backup.exists():
        log(f"no backup in {backup}: starting a new run at step 0")
    if diagnostics is True:
        diagnostics = Diagnostics(images)
    gan.findings = diagnostics.findings if diagnostics else []
    steps = StepHistory(out, run_meta)
    run = [keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False), steps]
    run += [diagnostics] if diagnostics else []
    run += [SampleGrids(out, sample_every)] + [Progress()] * bool(progress)
    with deferred_interrupt() as caught:  # not stop_training: fit would end the epoch early and back it up
        run.append(keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: _stop_if(caught, steps)))
        gan.fit(Minibatches(gan, images, batch_size=batch_size), epochs=epochs, verbose=0,
                callbacks=run + list(callbacks))
    return steps.history


def _stop_if(caught, steps):
    if caught:
        how = "interrupted" if caught[0] == signal.SIGINT else f"stopped by {signal.Signals(caught[0]).name}"
        raise Stopped(caught[0], f"{how} at step {steps.step}; the backup holds the last finished epoch; resume "
                      "to continue from it")


class StepHistory(StepCallback):
    """Keeps every step's logs of a ``fit`` run in ``self.history`` (a dict of lists, as ``GANTrainer``'s) and
    writes ``out_dir/history.json`` at every epoch's end; on resume it reads back the steps restored."""

    def __init__(self, out_dir, meta):
        super().__init__()
        self.out_dir, self.meta = Path(out_dir), meta

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        path, keys = self.out_dir / "history.json", ("step", "d_loss", "g_loss", "d_real", "d_fake")
        kept = read_json(path)["history"] if self.step and path.is_file() else {}
        self.history = {key: list(kept.get(key, []))[:self.step] for key in keys}

    def on_train_batch_end(self, batch, logs=None):
        step = self.count(batch)
        for key, values in self.history.items():
            values.append(float(step) if key == "step" else float(logs[key]))

    def on_epoch_end(self, epoch, logs=None):
        checkpoints.write_history(self.watched, self.out_dir / "history.json", self.meta, self.history, self.step)


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

    meta = read_json(run / "history.json")["meta"]
    if (run / "summary.json").is_file():
        meta.update(read_json(run / "summary.json"))
    return _load_model(needed[0]), _load_model(needed[1]), meta


def read_json(path):
    """A run's JSON file; ValueError naming it when it cannot be read (a copy cut short, another file)."""
    try:
        data = json.loads(Path(path).read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} cannot be read as JSON ({' '.join(str(err).split())[:80]}): the run's folder is "
                         "damaged; train again, or restore the file from a copy") from None
    if not isinstance(data, dict) or ("history" in Path(path).name and "meta" not in data):
        raise ValueError(f"{path} is not a training run's {Path(path).name}: train again, or restore it from a copy")
    return data


def _load_model(path):
    """A saved Keras model; ValueError naming the file when it is not a readable .keras file."""
    import zipfile

    import keras

    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} cannot be read as a Keras model (cut short, or not a .keras file): train again, "
                         "or restore it from a copy")
    try:
        return keras.saving.load_model(path)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} cannot be read as a Keras model ({' '.join(str(err).split())[:100]}): train "
                         "again, or restore it from a copy") from None


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
