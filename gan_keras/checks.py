"""Input checks of ``GANTrainer`` (each raises ValueError saying what is wrong and how to mend it), and its budget."""

import numpy as np

from .models import LATENT

CHOICES = {"generator_loss": ("non_saturating", "minimax"), "real_label": (1, 0), "latent_distribution": tuple(LATENT),
           "update": ("alternating", "simultaneous"), "critic_schedule": ("constant", "arjovsky")}

def check_images(images, image_shape, value_range, batch_size):
    """Validate training images; return them as float32. Raises ValueError saying what is wrong.

    images: (N, H, W, C) with (H, W, C) == image_shape, N >= batch_size, finite, values
    inside value_range (the generator's output range).
    """
    images = np.asarray(images)
    if images.dtype.kind not in "fiu":
        raise ValueError(f"images must be numeric, got dtype {images.dtype}")
    if images.ndim != 4:
        raise ValueError(f"images must be 4-D (N, H, W, C) with (H, W, C) = {tuple(image_shape)}, "
                         f"got shape {images.shape}")
    if tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"images have shape (N, H, W, C) = {images.shape}, but the models expect "
                         f"(N, {', '.join(map(str, image_shape))})")
    if len(images) == 0:
        raise ValueError("images is empty: got 0 images")
    if len(images) < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {len(images)} images given")
    images = images.astype(np.float32, copy=False)
    bad = np.size(images) - np.count_nonzero(np.isfinite(images))
    if bad:
        raise ValueError(f"images contain {bad} NaN or infinite values")
    lo, hi = value_range
    mn, mx = float(images.min()), float(images.max())
    if mn < lo - 1e-3 or mx > hi + 1e-3:
        raise ValueError(
            f"image values lie in [{mn:g}, {mx:g}] but the generator outputs [{lo:g}, {hi:g}]; "
            "scale the data to that range (uint8 pixels: x / 127.5 - 1 for [-1, 1], x / 255 for "
            "[0, 1]; the gan_keras.data loaders take value_range=...)")
    return images


def check_settings(t):
    """Raise ValueError for a setting of trainer ``t`` outside its range (``CHOICES``: the allowed values)."""
    if not isinstance(t.k, (int, np.integer)) or isinstance(t.k, bool) or t.k < 1:
        raise ValueError(f"k (discriminator steps per generator step) must be an int >= 1, got {t.k!r}")
    for name, allowed in CHOICES.items():
        if getattr(t, name) not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {getattr(t, name)!r}")
    if not (0.0 <= t.label_noise < 1.0 and 0.0 <= t.label_smoothing < 0.5):
        raise ValueError(f"label_noise must be in [0, 1) and label_smoothing in [0, 0.5), got {t.label_noise!r}, "
                         f"{t.label_smoothing!r}")
    if t.update == "simultaneous" and (t.k, t.objective.name, t.critic_schedule) != (1, "gan", "constant"):
        raise ValueError("update='simultaneous' (the paper's code) takes one D and one G gradient per step of the "
                         "original objective: k=1, objective='gan'")
    if t.objective.name != "gan" and (t.generator_loss, t.real_label, t.label_noise, t.label_smoothing) != (
            "non_saturating", 1, 0.0, 0.0):
        raise ValueError(f"objective {t.objective.name!r} fixes its own losses and targets: leave generator_loss, "
                         "real_label, label_noise and label_smoothing at their defaults")


def check_models(g, d, g_inputs=(1,), objective=None):
    """Raise ValueError unless G (``g_inputs`` inputs: z, then codes) makes the images D takes, D's first
    output is (B, 1) and ``objective`` (None: any) can be trained with ``train_on_batch``."""
    if len(g.inputs) not in g_inputs:
        raise ValueError("GANTrainer takes G: z -> images and D: images -> (B, 1); for a generator with a code input "
                         "use gan_keras.conditional" if g_inputs == (1,) else
                         f"this trainer takes G: [z, code]{' or [z, code, continuous codes]' if 3 in g_inputs else ''} "
                         f"-> images, got a G with {len(g.inputs)} input(s)")
    if tuple(g.output_shape[1:]) != tuple(d.inputs[0].shape[1:]):
        raise ValueError(f"generator makes images of shape {tuple(g.output_shape[1:])}, discriminator takes "
                         f"{tuple(d.inputs[0].shape[1:])}")
    if tuple(d.outputs[0].shape[1:]) != (1,) or (g_inputs == (1,) and (len(d.inputs), len(d.outputs)) != (1, 1)):
        raise ValueError(f"discriminator must output (B, 1), got {[tuple(o.shape) for o in d.outputs]}")
    if objective is not None and objective.gradient_penalty:
        raise ValueError(f"objective {objective.name!r} needs gradients with respect to D's input, which "
                         "train_on_batch cannot take: use gan_keras.fast.FastGANTrainer")


def steps_per_epoch(n_images, batch_size, k=1):
    """Steps that use each real image about once: N // (batch_size * k), at least 1."""
    return max(1, n_images // (batch_size * k))


def check_budget(t, images, steps, epochs, batch_size, labels=None):
    """(float32 images, the step counter's target) for ``t.train``; ValueError for a bad batch size, budget,
    images, labels given or missing, or a batch size or dataset other than the trainer trained with before."""
    if (labels is not None) != t.takes_labels:
        raise ValueError("a conditional discriminator needs the images' labels: train(images, labels=...)"
                         if t.takes_labels else "labels= is for conditional models (gan_keras.conditional)")
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    images = check_images(images, t.image_shape, t.value_range, batch_size)
    total = steps if epochs is None else epochs * steps_per_epoch(len(images), batch_size, t.k)
    if (steps is None) == (epochs is None) or not isinstance(total, (int, np.integer)) or total < 1:
        raise ValueError(f"give exactly one of steps= or epochs=, as positive ints: got {steps=}, {epochs=}")
    if (t.batch_size or batch_size, t.data_size or len(images)) != (batch_size, len(images)):
        raise ValueError("this trainer already trained with another batch size or dataset; make a new one")
    return images, int(total)
