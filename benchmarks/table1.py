"""Goodfellow et al. (2014), Table 1, on the paper's protocol: Parzen log-likelihood of the MNIST test set.

    KERAS_BACKEND=jax GAN_KERAS_DATA=... python benchmarks/table1.py \\
        [--rows real dense-mnist paper-mnist paper-mnist+simultaneous dense-mnist:300] [--seeds 0 1 2] \\
        [--out runs/table1] [--every 10000] [--epochs-scale 1.0] [--samples 10000]

Protocol (the paper's public code, parzen_ll.py): every generator trains on the first 50,000
training digits; sigma is chosen from logspace(-1, 0, 10) by the mean log-likelihood of the
first 1,000 of the other 10,000; 10,000 samples are the Parzen centres; the score is the mean
log-likelihood of the official 10,000 test digits, +- std / sqrt(n), pixels in [0, 1].

Each row trains its recipe on the fast path (one compiled step; same losses and updates as
``train_on_batch``, ``tests/test_fast.py``) with checkpoints in ``--out/<row>-seed<S>``, once per
``--seeds`` seed, and scores the generator every ``--every`` steps. The paper had no fixed length,
so the reported point of each run is the one a reader of the paper could pick: the step with the
highest *validation* log-likelihood (the 1,000 held-out digits), never the best test score; the
table gives its test score, the mean and spread over the seeds, and the last point of each curve.
``NAME:EPOCHS`` trains recipe NAME for another budget; ``+simultaneous`` trains it with the paper's
code's update (``GANTrainer(update="simultaneous")``: one step, D's loss halved); ``+half`` keeps the
alternating update and halves D's loss only (D's learning rate halved, the same update under SGD). The real-data row puts 10,000 of the 50,000
training digits in place of the samples. The script is resumable: run it again and each run
continues from its newest checkpoint, keeping the curve points already measured
(``--out/table1.json``). Writes ``--out/table1.md`` (the table, then every point of every curve) and prints the table.
"""

import argparse
import json
import time
from pathlib import Path

from gan_keras import data, evaluation, recipes, run, runtime

BUDGETS = {  # epochs of the 50,000 digits (an epoch is 50,000 / (batch * k) steps)
    "dense-mnist": 100,     # the tutorial's 100 epochs
    "paper-mnist": 250,     # the paper's momentum ramp ends at epoch 250
    "dcgan-mnist": 25,      # Radford et al.'s MNIST budget
    "wgan-gp-mnist": 100,   # as many G updates as 20 epochs with k = 1
}
LABELS = {"dense-mnist": "dense GAN of \"GANs demystified\" (batch 52, Adam)",
          "paper-mnist": "the paper's maxout GAN (SGD, momentum 0.5 -> 0.7)",
          "dcgan-mnist": "DCGAN by Radford et al.'s rules", "wgan-gp-mnist": "WGAN-GP (dense nets)",
          "real": "10,000 real training digits as centres"}
PAPER = [("DBN", "138 ± 2"), ("Stacked CAE", "121 ± 1.6"), ("Deep GSN", "214 ± 1.1"), ("Adversarial nets", "225 ± 2")]


def unit(images, value_range):
    """Images in ``value_range`` -> flattened pixels in [0, 1]."""
    return evaluation.to_range(images, value_range, (0.0, 1.0)).reshape(len(images), -1)


def score(centres01, valid01, test01):
    result = evaluation.parzen_evaluate(centres01, valid01, test01)
    return {"mean": result["mean"], "sem": result["sem"], "sigma": result["sigma"],
            "valid": result["validation"][result["sigma"]]}


SUFFIXES = {"simultaneous": {"update": "simultaneous"},  # the paper's code: one step, D's loss halved
            "half": {"d_loss": "half"}}  # alternating, D's loss halved (D's learning rate halved)


def parse_row(row):
    """'RECIPE[:EPOCHS][+simultaneous|+half]' -> (recipe name, epochs or None, settings)."""
    spec, _, suffix = row.partition("+")
    name, _, epochs = spec.partition(":")
    if suffix and suffix not in SUFFIXES:
        raise ValueError(f"unknown row suffix +{suffix} (+simultaneous or +half)")
    return name, int(epochs) if epochs else None, dict(SUFFIXES.get(suffix, {}))


def halve_d_loss(trainer):
    """Halve D's loss on ``paper-mnist``'s SGD by halving D's learning rate: classical momentum
    (inc = mu * inc - lr * g) is linear in the gradient, so the two updates are the same."""
    schedule = trainer.d_optimizer._learning_rate  # the recipe's FlooredExponentialDecay
    if not hasattr(schedule, "initial") or trainer.step:
        raise ValueError("+half needs a fresh trainer whose D learns at a FlooredExponentialDecay rate")
    schedule.initial, schedule.minimum = schedule.initial / 2, schedule.minimum / 2


def train_row(row, seed, out, every, epochs, samples, valid01, test01, record, save):
    name, _, settings = parse_row(row)
    recipe = recipes.get(name)
    (train, _), _ = data.paper_split(*recipes.load_labelled(name, verbose=False)[0])
    trainer = recipes.make_trainer(name, train, seed=seed, fast=True,
                                   **{k: v for k, v in settings.items() if k != "d_loss"})
    if settings.get("d_loss") == "half":
        halve_d_loss(trainer)
    total = recipes.steps_for(name, len(train), epochs=epochs)
    curve = record.setdefault("curve", {})
    resume = True
    folder = out / f"{row.replace(':', '-').replace('+', '-')}-seed{seed}"
    for target in list(range(every, total, every)) + [total]:
        if str(target) in curve:
            continue
        start = time.time()
        run.fit(trainer, train, out_dir=folder, steps=target, batch_size=recipe.batch_size,
                checkpoint_every=every, resume=resume, progress=False, meta={"model": name, **settings})
        resume = False
        record["train_seconds"] = record.get("train_seconds", 0.0) + time.time() - start
        start = time.time()
        curve[str(target)] = score(unit(trainer.generate(samples, seed=0), recipe.value_range), valid01, test01)
        curve[str(target)]["eval_seconds"] = round(time.time() - start, 1)
        point = curve[str(target)]
        print(f"{row} seed {seed} step {target}/{total}: test {point['mean']:.1f} ± {point['sem']:.1f} nats, "
              f"validation {point['valid']:.1f} (sigma {point['sigma']:.3f}), {record['train_seconds']:.0f} s of "
              "training", flush=True)
        save()
    record.update(steps=total, epochs=epochs, batch_size=recipe.batch_size, k=trainer.k, **curve[str(total)])
    save()


def chosen(record):
    """(step, point) of a run's curve with the highest validation log-likelihood."""
    step, point = max(record["curve"].items(), key=lambda kv: kv[1].get("valid", kv[1]["mean"]))
    return int(step), point


def table(results):
    lines = ["| model | Parzen log-likelihood (nats), step chosen by validation: mean over seeds (range) | "
             "seeds: test ± s.e. at the chosen step | last point of the curves | training per seed |",
             "|---|---|---|---|---|"]
    for row, r in results.items():
        if row == "real":
            lines.append(f"| {LABELS['real']} | {r['mean']:.1f} ± {r['sem']:.1f} | – | – | – |")
            continue
        runs = {seed: run_ for seed, run_ in r.get("seeds", {}).items() if "steps" in run_}
        if not runs:
            continue
        picks = {seed: chosen(run_) for seed, run_ in runs.items()}
        means = [point["mean"] for _, point in picks.values()]
        name, _, settings = parse_row(row)
        label = LABELS[name] + {"update": ", simultaneous update, D's loss halved (the paper's code)",
                                "d_loss": ", D's loss halved"}.get(next(iter(settings), ""), "")
        per_seed = "; ".join(f"seed {seed}: {p['mean']:.1f} ± {p['sem']:.1f} at step {step:,}"
                             for seed, (step, p) in picks.items())
        last = "; ".join(f"{run_['mean']:.1f} at {run_['steps']:,}" for run_ in runs.values())
        minutes = sum(run_["train_seconds"] for run_ in runs.values()) / len(runs) / 60
        lines.append(f"| {label} | {sum(means) / len(means):.1f} ({min(means):.1f} to {max(means):.1f}) | "
                     f"{per_seed} | {last} | {minutes:.0f} min |")
    lines += [f"| Goodfellow et al. (2014), Table 1: {label} | {value} | | | |" for label, value in PAPER]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=["real", *BUDGETS],
                        help="real, or a recipe of BUDGETS with an optional :EPOCHS and +simultaneous or +half")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="one run of every row per seed")
    parser.add_argument("--out", default="runs/table1")
    parser.add_argument("--every", type=int, default=10000, help="steps between Parzen measurements")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every budget (smoke: 0.01)")
    parser.add_argument("--samples", type=int, default=10000, help="Parzen centres (the paper: 10,000)")
    parser.add_argument("--merge", nargs="+", default=[], metavar="JSON",
                        help="train nothing: add the runs of these table1.json files (made in parallel, one --out "
                             "each) to --out's and write its table and curve figure")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "table1.json"
    results = json.loads(path.read_text()) if path.is_file() else {}

    def save():
        path.write_text(json.dumps(results, indent=1))

    if args.merge:
        for other in args.merge:
            merge(results, json.loads(Path(other).read_text()))
        save()
        return finish(results, out)
    results["device"] = runtime.describe()

    x, y = data.load_mnist("train")
    (train, _), (valid, _) = data.paper_split(x, y)
    test, _ = data.load_mnist("test")
    valid01, test01 = unit(valid, (-1, 1)), unit(test, (-1, 1))
    print(f"# {runtime.describe()}; train {len(train)}, sigma chosen on {len(valid)}, test {len(test)}", flush=True)
    for row in args.rows:
        if row == "real":
            record = results.setdefault(row, {})
            if "mean" not in record:
                record.update(score(unit(train[:args.samples], (-1, 1)), valid01, test01))
                save()
            continue
        try:
            name, epochs, _ = parse_row(row)
        except ValueError as err:
            parser.error(str(err))
        if name not in BUDGETS:
            parser.error(f"unknown row {row!r}: real, or {', '.join(BUDGETS)} with :EPOCHS and +simultaneous or +half")
        epochs = max(1, round((epochs or BUDGETS[name]) * args.epochs_scale))
        for seed in args.seeds:
            record = results.setdefault(row, {}).setdefault("seeds", {}).setdefault(str(seed), {})
            train_row(row, seed, out, args.every, epochs, args.samples, valid01, test01, record, save)
    finish(results, out)


def merge(results, other):
    """Add ``other``'s rows and seeds to ``results`` (a seed already there is kept)."""
    for row, record in other.items():
        if row == "device":
            devices = {results.get("device"), record} - {None}
            results["device"] = "; ".join(sorted(devices))
        elif "seeds" not in record:
            results.setdefault(row, record)
        else:
            for seed, run_ in record["seeds"].items():
                results.setdefault(row, {}).setdefault("seeds", {}).setdefault(seed, run_)


def curves(row, r):
    """Markdown: every point of a row's curves, test (validation) per seed; * where sigma is not 0.215."""
    runs = dict(sorted(r.get("seeds", {}).items()))
    batch = recipes.get(parse_row(row)[0]).batch_size
    lines = [f"`{row}`: test log-likelihood (validation) in nats", "",
             "| updates (epochs) | " + " | ".join(f"seed {seed}" for seed in runs) + " |", "|---|" + "---|" * len(runs)]
    for step in sorted({int(s) for run_ in runs.values() for s in run_["curve"]}):
        points = [run_["curve"].get(str(step)) for run_ in runs.values()]
        cells = ["" if p is None else f"{p['mean']:.1f} ({p['valid']:.1f})" + "*" * (abs(p["sigma"] - 0.2154) > 1e-3)
                 for p in points]
        lines.append(f"| {step:,} ({step * batch / 50000:.0f}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def finish(results, out):
    """Write ``table1.md`` (the table, then every curve) and ``table1_curve.png`` into ``out``; print the table."""
    rows = {k: v for k, v in results.items() if k != "device"}
    markdown = table(rows)
    tables = [curves(row, r) for row, r in rows.items() if row != "real" and r.get("seeds")]
    (out / "table1.md").write_text("\n\n".join([markdown, *tables]) + "\n")
    figure(rows, out / "table1_curve.png")
    print(markdown)


def figure(rows, path):
    """Test log-likelihood against epochs, one line per run; a dot where validation chose."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for row, r in rows.items():
        runs = {seed: run_ for seed, run_ in r.get("seeds", {}).items() if run_.get("curve")}
        if not runs:
            continue
        colour, name = next(colours), parse_row(row)[0]
        batch = recipes.get(name).batch_size
        for i, (seed, run_) in enumerate(sorted(runs.items())):
            steps = sorted(int(s) for s in run_["curve"])
            epochs = [s * batch / 50000 for s in steps]
            ax.plot(epochs, [run_["curve"][str(s)]["mean"] for s in steps], color=colour, lw=1.2,
                    ls=("-", "--", ":")[i % 3], label=f"{row}, seed {seed}")
            step, point = chosen(run_)
            ax.plot(step * batch / 50000, point["mean"], "o", color=colour, ms=5)
    ax.axhline(225, color="k", lw=1, ls="--", label="Goodfellow et al. (2014): 225 ± 2")
    if "real" in rows:
        ax.axhline(rows["real"]["mean"], color="grey", lw=1, ls=":", label="10,000 real training digits")
    ax.set_xlabel("epochs of the 50,000 training digits")
    ax.set_ylabel("Parzen log-likelihood of the test digits (nats)")
    ax.set_ylim(bottom=max(ax.get_ylim()[0], -500))
    ax.set_title("Table 1's protocol along training (dot: the step chosen by validation)")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
