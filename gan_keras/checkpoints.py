"""Checkpoints: the whole training state in one ``.npz`` file, written atomically.

A checkpoint holds every variable of G and D (weights, BatchNormalization statistics and
the dropout seed states), both optimizers' variables (step counters, moments), the step
counter, the history so far and the trainer's settings. Restoring one gives back exactly
the state the run had, so a resumed run continues as if it had never stopped.

Files are named ``ckpt-0001000.npz`` (the step) inside ``<out_dir>/checkpoints``; the
newest ``keep`` are kept.
"""

import json
import os
import re
from pathlib import Path

import keras
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
    return [keras.ops.convert_to_numpy(v) for v in variables]


def backend_rng_state():
    """RNG state that lives outside Keras variables: {name: uint8 array}.

    Only the torch backend needs this: its unseeded Dropout draws from torch's global
    generator (Keras' fast path), not from a Keras SeedGenerator variable.
    """
    if keras.backend.backend() != "torch":
        return {}
    import torch

    state = {"torch_cpu": [torch.get_rng_state().numpy()]}
    if torch.cuda.is_available():
        state["torch_cuda"] = [s.numpy() for s in torch.cuda.get_rng_state_all()]
    return state


def restore_backend_rng_state(groups):
    """Put back what ``backend_rng_state`` saved (ignored on other backends)."""
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
