"""gan_keras: GANs from Goodfellow et al. (2014) to DCGAN and its successors, in Keras 3.

The core a student can copy -- ``models.py`` (the dense GAN, the combined models, sampling G),
``losses.py`` (losses, the objectives table, critic schedules), ``training.py`` (``GANTrainer``:
Algorithm 1 with ``train_on_batch``) and ``checks.py`` (its input checks) -- imports only keras and
numpy. Around it: ``convnets`` (DCGANs, the variants' MNIST nets), ``paper`` (the paper's maxout nets),
``toy`` (notebook 01's 1-D GAN), ``conditional`` (CGAN, InfoGAN), ``gan`` (``GAN``: the same step as a
``keras.Model`` trained by ``fit``), ``fast`` (one compiled call per step), ``gradient_penalty`` (WGAN-GP),
``callbacks`` / ``run`` / ``checkpoints`` (a whole run: progress, sample grids, checkpoints, resume, Ctrl-C,
evaluation of its folder), ``recipes`` (the sources' set-ups), ``data``, ``evaluation`` (the metrics),
``optimizers``, ``theory``, ``plots``, ``runtime``, ``cli``.
"""

__version__ = "0.3.0"  # the release every notebook's setup cell installs on Colab


def __getattr__(name):
    """``gan_keras.GAN``, ``gan_keras.Minibatches`` (from ``gan_keras.gan``) and the modules (``gan_keras.callbacks``,
    ...), imported when first used, so that ``import gan_keras`` alone loads no Keras backend."""
    import importlib

    if name in ("GAN", "Minibatches"):
        return getattr(importlib.import_module(".gan", __name__), name)
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'gan_keras' has no attribute {name!r}")
