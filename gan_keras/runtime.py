"""Where the code runs: Keras version, backend and device, as one line for notebooks and logs."""

import os
import platform


def device():
    """'gpu (NAME)' or 'cpu (N cores)' for the current Keras backend."""
    import keras

    backend = keras.backend.backend()
    name = None
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        name = gpus[0].device_kind if gpus else None
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") if gpus else None
    elif backend == "torch":
        import torch

        name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return f"gpu ({name})" if name else f"cpu ({os.cpu_count()} cores)"


def describe():
    """e.g. 'Keras 3.15.1, backend jax, cpu (2 cores), Python 3.11.7'."""
    import keras

    return (f"Keras {keras.__version__}, backend {keras.backend.backend()}, {device()}, "
            f"Python {platform.python_version()}")
