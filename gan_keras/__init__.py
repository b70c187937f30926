"""gan_keras: GANs from Goodfellow et al. (2014) to DCGAN and its successors, in Keras 3.

One concept per module: ``data`` (datasets, online or offline), ``models`` (generators
and discriminators of the sources), ``losses``, ``objectives`` (GAN, LSGAN, WGAN,
WGAN-GP), ``training`` (Algorithm 1 with
train_on_batch: ``GANTrainer``), ``fast`` (one compiled function per step),
``checkpoints``, ``optimizers`` (PyTorch's Adam, the paper's SGD), ``recipes`` (the
sources' hyperparameters by name), ``evaluation`` (Parzen, Frechet, KID, coverage),
``theory`` (section 4 of the paper on a grid), ``plots``, ``runtime``, ``cli``.
Every module imports only keras, numpy and matplotlib (and Pillow for GIFs).
"""

__version__ = "0.1.0"
