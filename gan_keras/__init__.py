"""gan_keras: GANs from Goodfellow et al. (2014) to DCGAN, reproduced in Keras 3.

Modules (one concept each): ``data`` (datasets, online or offline), ``models``
(generators and discriminators), ``training`` (Algorithm 1 with train_on_batch),
``fast`` (one compiled function per step), ``checkpoints``, ``optimizers`` (the paper's
SGD), ``recipes`` (the sources' hyperparameters), ``plots``.
"""

__version__ = "0.1.0"
