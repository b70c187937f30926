"""The committed notebooks: one real run each of the current code, with parameters papermill can set.

nbval re-executes them at smoke sizes (pytest.ini); these tests read what is committed.
"""

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LOG_LINES = re.compile(r"absl::|cpu_feature_guard|oneDNN|^[IWE]\d{4} \d\d:\d\d|meta_optimizer", re.M)


def cells(path):
    return json.loads(path.read_text())["cells"]


def text_outputs(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield "".join(out["text"])


def test_there_are_nine_numbered_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_", "08_", "09_"]


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


def printed_sources():
    """(notebook, cell, "module.name") for every ``print(inspect.getsource(module.name))`` in a notebook."""
    return [(path, cell, target) for path in NOTEBOOKS for cell in cells(path)
            for target in re.findall(r"print\(inspect\.getsource\(([\w.]+)\)\)", "".join(cell["source"]))]


def test_notebooks_print_the_package_code_they_teach():
    assert {path.stem for path, _, _ in printed_sources()} == {"01_theory", "03_dcgan", "06_wgan_lsgan"}


@pytest.mark.parametrize("path,cell,target", printed_sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_printed_source_is_the_package_code(path, cell, target):
    """A notebook that prints inspect.getsource(x) shows the package's code as it is now."""
    import inspect

    module, _, name = target.rpartition(".")
    obj = getattr(importlib.import_module(f"gan_keras.{module.split('.')[-1]}"), name)
    shown = "".join(text_outputs(cell))
    assert shown.strip() and inspect.getsource(obj) in shown, f"{path.name} prints an old {target}"


MAINTAINERS_TALK = re.compile(r"nbval|papermill|\bCI\b|NBVAL|/work/|/home/|/root/|/tmp/|/Users/|[A-Z]:\\\\")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_speak_to_students(path):
    """No words about the project's tooling and no machine paths: not in the text, the code, the outputs or the
    metadata (papermill's record of a run included); a cell whose output is compared is tagged "check-output"."""
    nb = json.loads(path.read_text())
    texts = [json.dumps(nb["metadata"])]
    for cell in nb["cells"]:
        texts += ["".join(cell["source"]), json.dumps(cell.get("metadata", {}))]
        texts += [json.dumps(out) for out in cell.get("outputs", []) if out.get("output_type") != "display_data"]
    found = sorted({m.group(0) for t in texts for m in MAINTAINERS_TALK.finditer(t)})
    assert not found, f"{path.name} mentions {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_ends_with_summary_exercises_and_its_run_record(path):
    """The last sections, in order: a Summary, 2–4 numbered Exercises, the Run record."""
    heads = ["".join(c["source"]).split("\n")[0] for c in cells(path) if c["cell_type"] == "markdown"]
    heads = [h for h in heads if h.startswith("## ")]
    assert heads[-3:] == ["## Summary", "## Exercises", "## Run record"], heads[-3:]
    exercises = next("".join(c["source"]) for c in cells(path) if "".join(c["source"]).startswith("## Exercises"))
    assert 2 <= len(re.findall(r"^\d+\. ", exercises, flags=re.M)) <= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_introduction_says_how_long_the_notebook_runs(path):
    """Its first cell gives the full-size wall time of the run shown (as the run record at its end says) and, for
    a notebook of more than 10 minutes, the parameter that makes a shorter version."""
    intro = "".join(cells(path)[0]["source"])
    assert "**Time.**" in intro, f"{path.name}: no time in the introduction"
    said = re.search(r"ran in\s+([\d,]+)\s+s", intro.split("**Time.**", 1)[1])
    record = "".join(text_outputs(cells(path)[-1]))
    wall = int(re.search(r"wall time (\d+) s", record).group(1))
    assert said and int(said.group(1).replace(",", "")) == wall, f"{path.name}: the run record says {wall} s"
    if wall > 600:
        assert re.search(r"`[A-Z_]+ = [\d,_]+`", intro.split("**Time.**", 1)[1]), "which parameter shortens it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_stay_small_enough_to_open_anywhere(path):
    assert path.stat().st_size < 1.5e6, f"{path.name}: {path.stat().st_size / 1e6:.2f} MB with its outputs"


def setup_head(path):
    """The part of a notebook's setup cell before keras is imported: backend, Colab install."""
    setup = next("".join(c["source"]) for c in cells(path) if "".join(c["source"]).startswith("# Setup."))
    return setup.split("\nimport keras\n")[0]


def test_every_setup_cell_is_the_same_but_for_the_backend_of_its_run():
    heads = {re.sub(r'import importlib.util\n|setdefault\("KERAS_BACKEND", .*', "", setup_head(p)) for p in NOTEBOOKS}
    assert len(heads) == 1, "one setup cell, copied into every notebook"
    assert all(json.loads(p.read_text())["metadata"].get("accelerator") == "GPU" for p in NOTEBOOKS)


def test_every_setup_cell_installs_this_release_on_colab():
    """On Colab the setup cell pip-installs gan-keras pinned to this release (GAN_KERAS_SOURCE overrides it)."""
    import gan_keras

    for path in NOTEBOOKS:
        head = setup_head(path)
        assert f'os.environ.get("GAN_KERAS_SOURCE", "gan-keras=={gan_keras.__version__}")' in head, path.name
        assert f"gan_keras-{gan_keras.__version__}-py3-none-any.whl" in head, path.name


def colab_stand_in(tmp_path):
    """(python, env) of a fresh virtual environment that sees this environment's packages, as Colab has Keras and
    TensorFlow, but not its gan_keras; pip there installs only from a local index holding a wheel of this checkout."""
    index, venv, shared = tmp_path / "index", tmp_path / "colab", tmp_path / "preinstalled"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(index)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    shared.mkdir()
    for site in {Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()}:
        for entry in site.iterdir():  # everything installed here but this package (and its editable finder)
            if not re.match(r"(__editable__|_?gan_keras)", entry.name) and not (shared / entry.name).exists():
                (shared / entry.name).symlink_to(entry)
    purelib = subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                      text=True).strip()
    Path(purelib, "preinstalled.pth").write_text(f"{shared}\n")
    kernels = tmp_path / "kernels"
    spec = kernels / "kernels" / "colab-stand-in"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({"argv": [str(python), "-m", "ipykernel_launcher", "-f",
                                                                  "{connection_file}"],
                                                         "display_name": "Colab stand-in", "language": "python"}))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GAN_KERAS_SOURCE")}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(index), JUPYTER_PATH=str(kernels), GAN_KERAS_SMOKE="1")
    return python, env


def test_notebooks_run_from_the_installed_release_as_on_colab(tmp_path, monkeypatch):
    """What a student meets on Colab: notebooks 01 and 02, copied to an empty folder, run top to bottom in an
    environment without gan_keras, google.colab imported: the setup cell installs gan-keras==VERSION from the
    (here: local) package index, and every cell runs at smoke size from the installed package."""
    import nbclient
    import nbformat

    import gan_keras

    python, env = colab_stand_in(tmp_path)
    probe = subprocess.run([str(python), "-c", "import importlib.util; print(importlib.util.find_spec('gan_keras'))"],
                           env=env, cwd=tmp_path, capture_output=True, text=True)
    assert probe.stdout.strip() == "None", probe.stderr  # gan_keras is not installed there
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    student = tmp_path / "student"
    student.mkdir()
    for path in NOTEBOOKS[:2]:
        nb = nbformat.read(path, as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(  # google.colab as Colab has it (JAX imports its output)
            "import sys, types\ncolab = types.ModuleType('google.colab')\ncolab.output = types.ModuleType('output')\n"
            "sys.modules.update({'google.colab': colab, 'google.colab.output': colab.output})"))
        nb.cells.append(nbformat.v4.new_code_cell("import gan_keras\nprint(gan_keras.__version__, gan_keras.__file__)"))
        nbclient.NotebookClient(nb, kernel_name="colab-stand-in", timeout=600,
                                resources={"metadata": {"path": str(student)}}).execute()
        printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        assert printed.startswith(gan_keras.__version__ + " ") and str(tmp_path / "colab") in printed, printed


def test_run_notebook_removes_papermills_record_of_a_run():
    """tools/run_notebook.py keeps what the notebook is and drops what papermill wrote about the run."""
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "tools" / "run_notebook.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    original = {"metadata": {"kernelspec": {"name": "python3"}}, "cells": []}
    ran = {"metadata": {"kernelspec": {"name": tool.KERNEL}, "papermill": {"input_path": "/tmp/x.ipynb"}},
           "cells": [{"metadata": {"tags": ["parameters"], "papermill": {"duration": 1.0}, "execution": {}}}]}
    cleaned = tool.clean(ran, original)
    assert cleaned["metadata"] == {"kernelspec": {"name": "python3"}}
    assert cleaned["cells"][0]["metadata"] == {"tags": ["parameters"]}
