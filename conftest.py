"""pytest set-up shared by tests/ and the notebooks run through nbval.

GAN_KERAS_SMOKE=1 switches every notebook to its smoke configuration (tiny step counts
and data subsets); it is set here so that a plain ``pytest`` run stays fast. Export
GAN_KERAS_SMOKE=0 to re-execute the notebooks at full size instead.
"""

import os

os.environ.setdefault("GAN_KERAS_SMOKE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow C++ log lines in tests or notebooks
