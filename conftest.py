"""pytest set-up shared by tests/ and the notebooks run through nbval.

GAN_KERAS_SMOKE=1 switches every notebook to its smoke configuration (tiny step counts
and data subsets); it is set here so that a plain ``pytest`` run stays fast. Export
GAN_KERAS_SMOKE=0 to re-execute the notebooks at full size instead.
"""

import os
import re

import pytest
from nbval import plugin as nbval_plugin

nbval_plugin.metadata_tags["check-output"] = "check"  # cells tagged "check-output": outputs compared on re-execution
os.environ.setdefault("GAN_KERAS_SMOKE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow C++ log lines in tests or notebooks

ANSI_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed notebook cell's traceback comes from the kernel in colour: plain text unless on a colour terminal."""
    outcome = yield
    report = outcome.get_result()
    if isinstance(report.longrepr, str) and not item.config.get_terminal_writer().hasmarkup:
        report.longrepr = ANSI_CODES.sub("", report.longrepr)
