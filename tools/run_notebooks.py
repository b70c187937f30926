"""Execute notebooks in place (outputs saved), e.g. to refresh the committed full-run outputs.

    KERAS_BACKEND=jax python tools/run_notebooks.py notebooks/01_theory.ipynb ...
    GAN_KERAS_SMOKE=1 python tools/run_notebooks.py --out /tmp notebooks/*.ipynb   # a smoke check
    python tools/run_notebooks.py -p STEPS=300 -p "RUN_NOTE='CPU: 300 steps'" notebooks/03_dcgan.ipynb

``-p NAME=VALUE`` adds a cell tagged ``injected-parameters`` after the cell tagged
``parameters`` (papermill's convention), so a run with other sizes says so in the notebook;
the overrides apply only when ``SMOKE`` is false, so nbval still re-executes it at smoke sizes.

Prints each notebook's wall time; stops at the first cell that raises.
"""

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def injected_source(params):
    """The injected cell: the overrides apply to full runs only, so that the committed notebook
    still re-executes at smoke sizes under GAN_KERAS_SMOKE=1 (every parameters cell defines SMOKE)."""
    lines = "\n".join(f"    {p}" for p in params)
    return ("# Parameters injected by tools/run_notebooks.py for this run (smoke runs keep their own sizes)\n"
            f"if not SMOKE:\n{lines}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--out", help="write executed copies here instead of in place")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds per cell")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter (VALUE is Python source)")
    args = parser.parse_args()
    for name in args.notebooks:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        if args.param:
            where = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
            if not where:
                raise SystemExit(f"{path}: no cell tagged 'parameters' to override")
            cell = nbformat.v4.new_code_cell(injected_source(args.param))
            cell.metadata["tags"] = ["injected-parameters"]
            nb.cells.insert(where[0] + 1, cell)
        start = time.time()
        NotebookClient(nb, timeout=args.timeout, kernel_name="python3", coalesce_streams=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        target = Path(args.out) / path.name if args.out else path
        nbformat.write(nb, target)
        mode = "smoke" if os.environ.get("GAN_KERAS_SMOKE") == "1" else "full"
        print(f"{path.name}: {mode}, backend {os.environ.get('KERAS_BACKEND', 'default')}, "
              f"{time.time() - start:.0f} s, {target.stat().st_size / 2**20:.2f} MB -> {target}", flush=True)


if __name__ == "__main__":
    main()
