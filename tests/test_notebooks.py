"""The committed notebooks: one real run each of the current code, with parameters papermill can set.

nbval re-executes them at smoke sizes (pytest.ini); these tests read what is committed.
"""

import importlib
import json
import re
from pathlib import Path

import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
LOG_LINES = re.compile(r"absl::|cpu_feature_guard|oneDNN|^[IWE]\d{4} \d\d:\d\d|meta_optimizer", re.M)


def cells(path):
    return json.loads(path.read_text())["cells"]


def text_outputs(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield "".join(out["text"])


def test_there_are_eight_numbered_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_", "08_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_that_papermill_reads(path):
    tagged = [c for c in cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    names = papermill.inspect_notebook(str(path))  # what `papermill -p NAME VALUE` can set
    assert "SEED" in names and all(name.isupper() for name in names)
    assert "SMOKE = os.environ.get(\"GAN_KERAS_SMOKE\"" in "".join(tagged[0]["source"])
    assert not [c for c in cells(path) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_one_clean_full_run(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    assert all(c.get("outputs") is not None for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    counts = [c["execution_count"] for c in code if c.get("execution_count")]
    assert counts == list(range(1, len(code) + 1)), "every code cell ran once, top to bottom"
    logs = [m.group(0) for c in code for t in text_outputs(c) for m in [LOG_LINES.search(t)] if m]
    assert not logs, f"library log lines in the outputs: {logs[:3]}"
    record = "".join(text_outputs(code[-1]))
    assert record.startswith("Run of ") and "full sizes" in record and "backend" in record
    assert re.search(r"\b(cpu|gpu) \(", record), record


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.stem)
def test_committed_runs_trained_on_the_full_training_split(path):
    printed = "".join(t for c in cells(path) for t in text_outputs(c))
    sizes = [int(n) for n in re.findall(r"MNIST train: (\d+) images", printed)]
    assert sizes and min(sizes) >= 50000, sizes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_printed_source_is_the_package_code(path):
    """A notebook that prints inspect.getsource(x) shows the package's code as it is now."""
    import inspect

    for cell in cells(path):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for target in re.findall(r"print\(inspect\.getsource\(([\w.]+)\)\)", source):
            module, _, name = target.rpartition(".")
            obj = getattr(importlib.import_module(f"gan_keras.{module.split('.')[-1]}"), name)
            shown = "".join(text_outputs(cell))
            assert inspect.getsource(obj) in shown, f"{path.name} prints an old {target}"
