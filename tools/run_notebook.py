"""Re-make notebooks' committed outputs: one full-size run of the current code each, top to bottom.

    KERAS_BACKEND=jax GAN_KERAS_DATA=/path/to/data python tools/run_notebook.py notebooks/02_dense_mnist_gan.ipynb [...]

Each notebook runs with papermill from the notebooks' folder at full size (``GAN_KERAS_SMOKE=0``), in a Python
kernel that keeps TensorFlow's C++ log lines out of the cells (``--IPKernelApp.capture_fd_output=False``:
TensorFlow writes them to the process's stderr when it is imported, and ipykernel would copy them into the
cell). The run is written to a temporary file and replaces the notebook only when it finished; what papermill
records about the run rather than the notebook (file paths, timings, the kernel's name) is removed. The
notebook's last cell prints the machine and the wall time.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

KERNEL = "gan-keras-quiet"


def quiet_kernel(folder):
    """A kernelspec named KERNEL under ``folder`` (for JUPYTER_PATH): this Python, fd output not captured."""
    spec = Path(folder) / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--IPKernelApp.capture_fd_output=False"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))


def clean(ran, original):
    """The run's notebook without papermill's records; the original's kernelspec."""
    ran["metadata"].pop("papermill", None)
    ran["metadata"]["kernelspec"] = original["metadata"].get("kernelspec", ran["metadata"].get("kernelspec"))
    for cell in ran["cells"]:
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
    return ran


def run(path):
    import papermill

    path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        papermill.execute_notebook(str(path), str(out), kernel_name=KERNEL, cwd=str(path.parent), progress_bar=True)
        ran = clean(json.loads(out.read_text()), json.loads(path.read_text()))
    path.write_text(json.dumps(ran, indent=1, ensure_ascii=False) + "\n")
    print(f"{path.name}: outputs written")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    os.environ["GAN_KERAS_SMOKE"] = "0"
    with tempfile.TemporaryDirectory() as kernels:
        quiet_kernel(kernels)
        os.environ["JUPYTER_PATH"] = kernels + os.pathsep + os.environ.get("JUPYTER_PATH", "")
        for path in args.notebooks:
            run(path)


if __name__ == "__main__":
    main()
