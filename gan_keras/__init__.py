"""gan_keras: GANs from Goodfellow et al. (2014) to DCGAN and its successors, in Keras 3.

The core a student can copy -- ``models.py`` (the networks and the combined models),
``losses.py`` (losses and the objectives table) and ``training.py`` (``GANTrainer``:
Algorithm 1 with ``train_on_batch``) -- imports only keras and numpy. Around it:
``conditional`` (CGAN, InfoGAN), ``fast`` (one compiled function per step),
``gradient_penalty`` (WGAN-GP), ``callbacks`` / ``run`` / ``checkpoints`` (a whole run:
progress, sample grids, checkpoints, resume, Ctrl-C), ``recipes`` (the sources' set-ups),
``data``, ``evaluation``, ``optimizers``, ``theory``, ``plots``, ``runtime``, ``cli``.
"""

__version__ = "0.2.0"
