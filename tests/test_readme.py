"""The README's promises that a file can check: its two commands, what CI runs, the models it lists."""

import json
import re
from pathlib import Path

from gan_keras import recipes

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def commands(text):
    """Shell commands of a block or script: continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", "", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def quickstart_blocks():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_the_quickstart_opens_with_two_self_contained_commands():
    main_job, tests = (commands(block) for block in quickstart_blocks()[:2])
    for block in (main_job, tests):
        assert len(block) == 1, "each is one command a user can paste"
        assert block[0].startswith("python3 -m venv .venv && . .venv/bin/activate && "), "the venv is part of it"
    assert "-r requirements.txt" in main_job[0] and "gan_keras train --model dense-mnist" in main_job[0]
    assert "-r requirements-dev.txt" in tests[0] and tests[0].endswith("python3 -m pytest")


def test_ci_runs_the_readme_test_command_and_nothing_else():
    """CI is a new user: the README's test command on a clean clone, no data folder, nothing exported."""
    script = commands((ROOT / ".ci" / "run").read_text())
    assert script[:2] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."']
    assert script[2:] == commands(quickstart_blocks()[1])  # nothing exported, no data folder found for it


def test_every_model_of_the_command_line_is_listed():
    listed = README.split("## The command line", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in recipes.RECIPES if f"`{name}`" not in listed]
    assert not missing, f"README does not list {missing}"


def test_the_runtime_table_gives_every_notebooks_full_size_time():
    """One row per notebook: its full sizes, backend and wall time in seconds on the 2-core CPU."""
    section = README.split("### How long each notebook takes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\d\d_\w+)` \|.*\| ([\d,]+) s \|$", section, flags=re.M))
    assert sorted(rows) == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert all(int(seconds.replace(",", "")) > 0 for seconds in rows.values())
    for stem, seconds in rows.items():  # the table copies each notebook's own run record: they must agree
        record = json.dumps(json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"][-1]["outputs"])
        assert f"wall time {seconds.replace(',', '')} s" in record, f"{stem}: README says {seconds} s"
