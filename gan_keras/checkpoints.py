"""Checkpoints: the whole training state in one ``.npz`` file, written atomically.

A checkpoint holds every variable of G and D (weights, BatchNormalization statistics and
the dropout seed states), both optimizers' variables (step counters, moments), the step
counter, the history so far and the trainer's settings. Restoring one gives back exactly
the state the run had, so a resumed run continues as if it had never stopped.

Files are named ``ckpt-0001000.npz`` (the step) inside ``<out_dir>/checkpoints``; the
newest ``keep`` are kept. ``save_trainer`` / ``restore_trainer`` do this for a
``GANTrainer``; a checkpoint that cannot be read (a run killed while the disk was full, a
truncated copy) is reported by name and the one before it is used.
"""

import json
import os
import re
import sys
import zipfile
from pathlib import Path

import numpy as np

_NAME = re.compile(r"^ckpt-(\d{7,})\.npz$")


def checkpoint_dir(out_dir):
    return Path(out_dir) / "checkpoints"


def list_checkpoints(out_dir):
    """Checkpoint paths in ``out_dir/checkpoints``, oldest first."""
    folder = checkpoint_dir(out_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def latest_checkpoint(out_dir):
    """Newest checkpoint path in ``out_dir/checkpoints``, or None."""
    found = list_checkpoints(out_dir)
    return found[-1] if found else None


def _values(variables):
    import keras  # here, not at the top: the command line checks folders before a backend loads

    return [keras.ops.convert_to_numpy(v) for v in variables]


def backend_rng_state():
    """RNG state that lives outside Keras variables: {name: uint8 array}.

    Only the torch backend needs this: its unseeded Dropout draws from torch's global
    generator (Keras' fast path), not from a Keras SeedGenerator variable.
    """
    import keras

    if keras.backend.backend() != "torch":
        return {}
    import torch

    state = {"torch_cpu": [torch.get_rng_state().numpy()]}
    if torch.cuda.is_available():
        state["torch_cuda"] = [s.numpy() for s in torch.cuda.get_rng_state_all()]
    return state


def restore_backend_rng_state(groups):
    """Put back what ``backend_rng_state`` saved (ignored on other backends)."""
    import keras

    if keras.backend.backend() != "torch" or "torch_cpu" not in groups:
        return
    import torch

    torch.set_rng_state(torch.from_numpy(np.asarray(groups["torch_cpu"][0])))
    if "torch_cuda" in groups and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.from_numpy(np.asarray(s)) for s in groups["torch_cuda"]])


def save(path, *, groups, step, history, meta, extra=None):
    """Write one checkpoint atomically.

    groups: {name: list of keras Variables} (e.g. "generator", "d_optimizer");
    history: {key: list of float}; meta: JSON-serialisable settings.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    layout = {}
    for name, variables in groups.items():
        layout[name] = [[v.path, list(v.shape)] for v in variables]
        for i, value in enumerate(_values(variables)):
            arrays[f"{name}/{i:04d}"] = value
    for key, values in history.items():
        arrays[f"history/{key}"] = np.asarray(values, dtype=np.float64)
    for name, values in (extra or {}).items():
        layout[name] = [[name, list(np.shape(v))] for v in values]
        for i, value in enumerate(values):
            arrays[f"{name}/{i:04d}"] = np.asarray(value)
    header = {"step": int(step), "meta": meta, "layout": layout, "history_keys": list(history)}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)
    return path


def load(path):
    """Read a checkpoint: returns (header dict, {group: [arrays]}, history dict)."""
    with np.load(path) as data:
        header = json.loads(bytes(data["header"]).decode())
        groups = {name: [data[f"{name}/{i:04d}"] for i in range(len(layout))]
                  for name, layout in header["layout"].items()}
        history = {k: data[f"history/{k}"].tolist() for k in header["history_keys"]}
    return header, groups, history


def assign(variables, values, what):
    """Copy arrays into keras Variables, checking that count and shapes agree."""
    if len(variables) != len(values):
        raise ValueError(f"checkpoint has {len(values)} {what} variables, the model has "
                         f"{len(variables)}: was it written for another architecture?")
    for v, value in zip(variables, values):
        if tuple(v.shape) != tuple(value.shape):
            raise ValueError(f"checkpoint {what} variable {v.path}: shape {value.shape}, "
                             f"model expects {tuple(v.shape)}")
        v.assign(value)


def prune(out_dir, keep):
    """Delete all but the newest ``keep`` checkpoints."""
    for path in list_checkpoints(out_dir)[:-keep] if keep > 0 else []:
        path.unlink()


class CheckpointError(ValueError):
    """A checkpoint exists but cannot be used (unreadable, or written by another set-up)."""


# settings that must agree between a checkpoint and the trainer that resumes it, in the
# order they are checked (the most telling difference is named first)
MUST_MATCH = ("model", "trainer", "objective", "update", "code_dim", "latent_dim", "data_size", "batch_size", "k",
              "critic_schedule", "seed", "generator_loss", "real_label")


def trainer_groups(trainer):
    """{group: [keras Variables]}: everything of a trainer's state that lives in variables."""
    return {"generator": trainer.generator.variables, "discriminator": trainer.discriminator.variables,
            "g_optimizer": trainer.g_optimizer.variables, "d_optimizer": trainer.d_optimizer.variables}


def write_history(trainer, path, meta=None, history=None, step=None):
    """``{"meta": settings, "history": {key: [float]}, "findings": [...]}`` as JSON (findings: what
    ``callbacks.Diagnostics`` named during the run). history, step: the trainer's unless given."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump({"meta": {**trainer.config(), **(meta or {}), "step": trainer.step if step is None else step},
                   "history": trainer.history if history is None else history,
                   "findings": getattr(trainer, "findings", [])}, f)


def save_trainer(trainer, out_dir, keep=2, meta=None):
    """Write ``out_dir/checkpoints/ckpt-<step>.npz`` and ``out_dir/history.json``; keep ``keep``.

    meta: more settings to record beside ``trainer.config()`` (e.g. the recipe's name as
    ``model``), checked again on resume.
    """
    path = checkpoint_dir(out_dir) / f"ckpt-{trainer.step:07d}.npz"
    save(path, groups=trainer_groups(trainer), step=trainer.step, history=trainer.history,
         meta={**trainer.config(), **(meta or {})}, extra=backend_rng_state())
    prune(out_dir, keep)
    write_history(trainer, Path(out_dir) / "history.json", meta)
    return path


def check_meta(path, saved, expected):
    """CheckpointError naming the first setting of MUST_MATCH that differs (keys in both)."""
    for key in MUST_MATCH:
        if key in saved and key in expected and expected[key] is not None and saved[key] != expected[key]:
            raise CheckpointError(f"checkpoint {path} was written with {key}={saved[key]!r}, this run has "
                                  f"{key}={expected[key]!r} (resume with the run's own settings, or train "
                                  "into another folder)")


def _warn(message):
    print(f"warning: {message}", file=sys.stderr, flush=True)


def load_into(trainer, path, meta=None):
    """Load checkpoint ``path`` into ``trainer``: weights, optimizer state, step counter, history.

    CheckpointError if its settings differ from the trainer's (and ``meta``'s); the file's
    own read errors (OSError, ValueError, zipfile.BadZipFile, ...) pass through. Returns its header.
    """
    header, groups, history = load(path)
    check_meta(path, header["meta"], {**trainer.config(), **(meta or {})})
    for name, variables in trainer_groups(trainer).items():
        assign(variables, groups[name], name)
    restore_backend_rng_state(groups)
    trainer.step = int(header["step"])
    trainer.history = {key: list(history.get(key, [])) for key in trainer.history}
    return header


def restore_trainer(trainer, out_dir, meta=None, warn=_warn):
    """Load the newest readable checkpoint of ``out_dir`` into ``trainer``; its path, or None.

    An unreadable newest checkpoint is reported through ``warn`` and the previous one used;
    CheckpointError if none can be read or the settings differ (``meta`` adds expected
    settings, e.g. ``{"model": ..., "batch_size": ...}``).
    """
    found = list_checkpoints(out_dir)
    for path in reversed(found):
        try:
            load_into(trainer, path, meta)
        except CheckpointError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            warn(f"checkpoint {path} cannot be read ({type(exc).__name__}: {str(exc)[:100]}); "
                 "trying the one before it")
            continue
        return path
    if found:
        raise CheckpointError(f"none of the {len(found)} checkpoints in {checkpoint_dir(out_dir)} can be "
                              "read (move the folder aside and train afresh)")
    return None
