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
code's update (``GANTrainer(update="simultaneous")``). The real-data row puts 10,000 of the 50,000
training digits in place of the samples. The script is resumable: run it again and each run
continues from its newest checkpoint, keeping the curve points already measured
(``--out/table1.json``). Prints the markdown table.
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


def parse_row(row):
    """'RECIPE[:EPOCHS][+simultaneous]' -> (recipe name, epochs or None, trainer settings)."""
    spec, _, update = row.partition("+")
    name, _, epochs = spec.partition(":")
    if update not in ("", "simultaneous"):
        raise ValueError(f"unknown row suffix +{update} (only +simultaneous)")
    return name, int(epochs) if epochs else None, {"update": update} if update else {}


def train_row(row, seed, out, every, epochs, samples, valid01, test01, record, save):
    name, _, settings = parse_row(row)
    recipe = recipes.get(name)
    (train, _), _ = data.paper_split(*recipes.load_labelled(name, verbose=False)[0])
    trainer = recipes.make_trainer(name, train, seed=seed, fast=True, **settings)
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
        label = LABELS[name] + (", simultaneous update (the paper's code)" if settings else "")
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
                        help="real, or a recipe of BUDGETS with an optional :EPOCHS and +simultaneous")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="one run of every row per seed")
    parser.add_argument("--out", default="runs/table1")
    parser.add_argument("--every", type=int, default=10000, help="steps between Parzen measurements")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every budget (smoke: 0.01)")
    parser.add_argument("--samples", type=int, default=10000, help="Parzen centres (the paper: 10,000)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "table1.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results["device"] = runtime.describe()

    def save():
        path.write_text(json.dumps(results, indent=1))

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
            parser.error(f"unknown row {row!r}: real, or {', '.join(BUDGETS)} with :EPOCHS and +simultaneous")
        epochs = max(1, round((epochs or BUDGETS[name]) * args.epochs_scale))
        for seed in args.seeds:
            record = results.setdefault(row, {}).setdefault("seeds", {}).setdefault(str(seed), {})
            train_row(row, seed, out, args.every, epochs, args.samples, valid01, test01, record, save)
    markdown = table({k: v for k, v in results.items() if k != "device"})
    (out / "table1.md").write_text(markdown + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
