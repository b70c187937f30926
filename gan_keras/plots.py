"""Plots: sample grids, loss curves, D(x) against D(G(z)), and the probability charts of "GANs demystified".

Every function takes plain numpy arrays or a history dict (``GANTrainer.history`` or the
``"history"`` of ``history.json``) and returns the matplotlib Figure; ``path=`` also saves
it as PNG. Images are float (N, H, W, C) in ``value_range``.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

REAL_COLOR, FAKE_COLOR = "tab:blue", "tab:orange"


def _save(fig, path):
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def to_unit(images, value_range=(-1.0, 1.0)):
    """Images in ``value_range`` -> float32 in [0, 1], clipped."""
    lo, hi = value_range
    return np.clip((np.asarray(images, np.float32) - lo) / (hi - lo), 0.0, 1.0)


def image_grid(images, value_range=(-1.0, 1.0), ncols=None, pad=1):
    """Tile (N, H, W, C) images into one (rows*(H+pad)-pad, cols*(W+pad)-pad, C) array in [0, 1]."""
    images = to_unit(images, value_range)
    n, h, w, c = images.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    grid = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c), np.float32)
    for i, img in enumerate(images):
        r, col = divmod(i, ncols)
        grid[r * (h + pad):r * (h + pad) + h, col * (w + pad):col * (w + pad) + w] = img
    return grid


def save_image_grid(images, path, value_range=(-1.0, 1.0), ncols=None, scale=3):
    """Write a grid of images as a PNG (each pixel ``scale`` x ``scale``); returns the path."""
    grid = image_grid(images, value_range, ncols)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if grid.shape[-1] == 1:
        plt.imsave(path, grid[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
    else:
        plt.imsave(path, grid)
    return path


def show_images(images, value_range=(-1.0, 1.0), ncols=None, title=None, ax=None, path=None):
    """Show a grid of images on ``ax`` (a new figure if None); returns the figure."""
    grid = image_grid(images, value_range, ncols)
    if ax is None:
        size = min(8.0, 0.6 * max(grid.shape[:2]) / 15)
        fig, ax = plt.subplots(figsize=(size, size))
    else:
        fig = ax.figure
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return _save(fig, path)


def moving_average(values, window):
    """Trailing mean over ``window`` points (shorter at the start); same length as ``values``."""
    values = np.asarray(values, np.float64)
    if window <= 1 or len(values) == 0:
        return values
    c = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def _curves(history, curves, window, ax):
    """Plot history keys against step: raw values faint, moving average on top.

    curves: (key, color, label) triples. Returns (figure, axes, window used).
    """
    steps = np.asarray(history["step"])
    window = window or max(1, len(steps) // 100)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(8, 4))
    for key, color, label in curves:
        ax.plot(steps, history[key], color=color, alpha=0.25, lw=0.6)
        ax.plot(steps, moving_average(history[key], window), color=color, label=label)
    ax.set_xlabel("step (generator updates)")
    ax.grid(alpha=0.3)
    return fig, ax, window


def plot_losses(history, window=None, ax=None, path=None, title="Losses"):
    """D and G loss against step: raw values faint, moving average on top."""
    fig, ax, window = _curves(history, (("d_loss", REAL_COLOR, "D loss (real + fake)"),
                                        ("g_loss", FAKE_COLOR, "G loss")), window, ax)
    ax.set_ylabel("binary cross-entropy")
    ax.set_title(title + (f" (moving average over {window} steps)" if window > 1 else ""))
    values = np.concatenate([np.ravel(history[k]) for k in ("d_loss", "g_loss")]).astype(float)
    values = values[np.isfinite(values)]
    lo, hi = np.percentile(values, [0.5, 99.5]) if values.size else (0.0, 1.0)
    pad = 0.1 * max(hi - lo, 1e-6)
    outside = np.sum((values < lo - pad) | (values > hi + pad))
    if outside:  # a few spikes would flatten every curve: cut them off, and say so
        ax.set_ylim(lo - pad, hi + pad)
        ax.text(0.99, 0.02, f"{outside} values off the axis (from {values.min():.3g} to {values.max():.3g})",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    ax.legend()
    return _save(fig, path)


def plot_d_outputs(history, window=None, ax=None, path=None):
    """Mean D(x) on real and mean D(G(z)) on generated minibatches against step, with 0.5."""
    fig, ax, _ = _curves(history, (("d_real", REAL_COLOR, "mean D(x), real"),
                                   ("d_fake", FAKE_COLOR, "mean D(G(z)), generated")), window, ax)
    ax.axhline(0.5, color="k", ls="--", lw=1, label="equilibrium 1/2")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("P(real) according to D")
    ax.set_title("What D says about real and generated images")
    ax.legend()
    return _save(fig, path)


def plot_training(history, path=None, note=None):
    """Losses and D outputs side by side (the CLI's ``losses.png``); note: a line above both."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4))
    plot_losses(history, ax=axes[0])
    plot_d_outputs(history, ax=axes[1])
    if note:
        fig.suptitle(note, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def plot_probability_bars(p_real, p_fake, path=None, n=None, note=None):
    """The charts of "GANs demystified": one bar per image, P(real) from D, green when >= 0.5, red below.

    p_real, p_fake: float (N,) probabilities for real and generated images; note: a line above both.
    """
    p_real, p_fake = np.ravel(p_real)[:n], np.ravel(p_fake)[:n]
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.5), sharey=True)
    for ax, p, title in ((axes[0], p_real, "real images"), (axes[1], p_fake, "generated images")):
        colors = np.where(p >= 0.5, "tab:green", "tab:red")
        ax.bar(np.arange(len(p)), p, color=colors, width=0.8)
        ax.axhline(0.5, color="k", ls="--", lw=1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("image")
        ax.set_title(f"D on {title}: mean {p.mean():.2f}, {np.mean(p >= 0.5):.0%} called real")
    axes[0].set_ylabel("P(real) according to D")
    if note:
        fig.suptitle(note, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def plot_d_histograms(p_real, p_fake, path=None, bins=25, ax=None):
    """Histograms of D's P(real) on real and on generated images as densities (each integrates to 1, so sets of
    different sizes compare), 0.5 marked."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 4))
    edges = np.linspace(0, 1, bins + 1)
    ax.hist(np.ravel(p_real), bins=edges, density=True, alpha=0.6, color=REAL_COLOR,
            label=f"{np.size(p_real)} real (mean {np.mean(p_real):.2f})")
    ax.hist(np.ravel(p_fake), bins=edges, density=True, alpha=0.6, color=FAKE_COLOR,
            label=f"{np.size(p_fake)} generated (mean {np.mean(p_fake):.2f})")
    ax.axvline(0.5, color="k", ls="--", lw=1)
    ax.set_xlabel("P(real) according to D")
    ax.set_ylabel("density")
    ax.legend()
    return _save(fig, path)


def plot_figure1(x, p_data, panels, mappings=None, path=None):
    """The paper's Figure 1: one panel per snapshot, data density (black dots), generator
    density (green) and discriminator (blue dashes) on the same axis.

    x: grid (M,); p_data: density on x; panels: list of (title, p_g on x, D on x[, D* on x]).
    mappings: per panel, None or (z, G(z)): points of the noise domain and where G sends them,
    drawn as the paper's arrows from a z line below the x axis (z rescaled to the x axis' width).
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), sharey=True)
    axes = np.atleast_1d(axes)
    top = 1.05 * max(np.max(p_data), *(np.max(p[1]) for p in panels))
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        title, p_g, d = panel[:3]
        ax.plot(x, p_data / top, "k:", lw=2, label="p_data")
        ax.plot(x, p_g / top, color="tab:green", lw=2, label="p_g (generator)")
        ax.plot(x, d, "--", color="tab:blue", lw=2, label="D(x)")
        if len(panel) > 3:
            ax.plot(x, panel[3], color="tab:purple", lw=1, alpha=0.7, label="D* = p_data/(p_data+p_g)")
        ax.axhline(0.5, color="grey", lw=0.5)
        if mappings is not None and mappings[i] is not None:
            z, gz = (np.ravel(a) for a in mappings[i])
            lo, hi = x[0], x[-1]
            zs = lo + (z - z.min()) / max(np.ptp(z), 1e-12) * (hi - lo)
            ax.axhline(-0.25, color="k", lw=1)
            ax.axhline(0.0, color="k", lw=1)
            for a, b in zip(zs, gz):
                ax.annotate("", xy=(b, 0.0), xytext=(a, -0.25), arrowprops={"arrowstyle": "->", "lw": 0.6})
            ax.text(lo, -0.23, "z", fontsize=9)
        ax.set_ylim(-0.3 if mappings is not None else 0, 1.05)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x")
    axes[0].set_ylabel("D(x); densities scaled to fit")
    legend = {label: handle for ax in axes for handle, label in zip(*ax.get_legend_handles_labels())}
    fig.legend(legend.values(), legend.keys(), loc="upper center", ncol=len(legend), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return _save(fig, path)


def interpolate(z0, z1, n=10, spherical=True):
    """n latent vectors from z0 to z1 (float32 (n, L)): along the great circle (slerp, the
    right path for Gaussian noise, whose mass sits near a sphere) or a straight line."""
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    if not spherical:
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    return ((np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)).astype(np.float32)


def plot_interpolation(generator, starts, ends, n=10, value_range=(-1.0, 1.0), path=None):
    """One row per (start, end) latent pair: G along the slerp path between them."""
    rows = [interpolate(a, b, n) for a, b in zip(starts, ends)]
    images = np.asarray(generator.predict(np.concatenate(rows), verbose=0))
    fig = show_images(images, value_range, ncols=n, title="latent interpolation (slerp), one row per pair")
    return _save(fig, path)


def make_gif(image_paths, path, seconds_per_frame=0.4, size=None):
    """Assemble PNG frames (e.g. the saved sample grids) into an animated GIF; returns path."""
    from PIL import Image

    frames = [Image.open(p).convert("L" if Image.open(p).mode in ("L", "LA") else "RGB")
              for p in image_paths]
    if not frames:
        raise ValueError("make_gif needs at least one frame")
    if size is not None:
        frames = [f.resize(size, Image.NEAREST) for f in frames]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, save_all=True, append_images=frames[1:],
                   duration=int(seconds_per_frame * 1000), loop=0, optimize=True)
    return path
