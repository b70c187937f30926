"""Goodfellow et al. (2014), Table 1, on the paper's protocol: Parzen log-likelihood of the MNIST test set.

    KERAS_BACKEND=jax GAN_KERAS_DATA=... python benchmarks/table1.py \\
        [--rows real dense-mnist paper-mnist dcgan-mnist wgan-gp-mnist dense-mnist:300] [--out runs/table1] \\
        [--every 10000] [--epochs-scale 1.0] [--samples 10000]

Protocol (the paper's public code, parzen_ll.py): every generator trains on the first 50,000
training digits; sigma is chosen from logspace(-1, 0, 10) by the mean log-likelihood of the
first 1,000 of the other 10,000; 10,000 samples are the Parzen centres; the score is the mean
log-likelihood of the official 10,000 test digits, +- std / sqrt(n), pixels in [0, 1].

Each row trains its recipe on the fast path (one compiled step; same losses and updates as
``train_on_batch``, ``tests/test_fast.py``) with checkpoints in ``--out/<row>``, and scores the
generator every ``--every`` steps: the curve says whether more steps would help. The script
is resumable: run it again and each row continues from its newest checkpoint; the curve
points already measured are kept (``--out/table1.json``). ``NAME:EPOCHS`` is a row of its own
that trains recipe NAME for another budget (longer than the source's, say). The real-data row
puts 10,000 of the 50,000 training digits in place of the samples. Prints the markdown table.
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
    return {"mean": result["mean"], "sem": result["sem"], "sigma": result["sigma"]}


def train_row(row, out, every, epochs, samples, valid01, test01, record, save):
    name = row.split(":")[0]
    recipe = recipes.get(name)
    (train, _), _ = data.paper_split(*recipes.load_labelled(name, verbose=False)[0])
    trainer = recipes.make_trainer(name, train, seed=0, fast=True)
    total = recipes.steps_for(name, len(train), epochs=epochs)
    curve = record.setdefault("curve", {})
    resume = True
    for target in list(range(every, total, every)) + [total]:
        if str(target) in curve:
            continue
        start = time.time()
        run.fit(trainer, train, out_dir=out / row.replace(":", "-"), steps=target, batch_size=recipe.batch_size,
                checkpoint_every=every, resume=resume, progress=False, meta={"model": name})
        resume = False
        record["train_seconds"] = record.get("train_seconds", 0.0) + time.time() - start
        start = time.time()
        curve[str(target)] = score(unit(trainer.generate(samples, seed=0), recipe.value_range), valid01, test01)
        curve[str(target)]["eval_seconds"] = round(time.time() - start, 1)
        print(f"{row} step {target}/{total}: {curve[str(target)]['mean']:.1f} ± {curve[str(target)]['sem']:.1f} "
              f"nats (sigma {curve[str(target)]['sigma']:.3f}), {record['train_seconds']:.0f} s of training",
              flush=True)
        save()
    record.update(steps=total, epochs=epochs, batch_size=recipe.batch_size, k=trainer.k, **curve[str(total)])
    save()


def table(results):
    lines = ["| model | Parzen log-likelihood (nats) | steps (epochs of 50,000) | best on the curve | training |",
             "|---|---|---|---|---|"]
    for row, r in results.items():
        if row == "real":
            lines.append(f"| {LABELS[row]} | {r['mean']:.1f} ± {r['sem']:.1f} | – | – | – |")
            continue
        if "steps" not in r:
            continue
        best_step, best = max(r["curve"].items(), key=lambda kv: kv[1]["mean"])
        lines.append(f"| {LABELS[row.split(':')[0]]} | {r['mean']:.1f} ± {r['sem']:.1f} | {r['steps']:,} ({r['epochs']}) | "
                     f"{best['mean']:.1f} at step {int(best_step):,} | {r['train_seconds'] / 60:.0f} min |")
    lines += [f"| Goodfellow et al. (2014), Table 1: {label} | {value} | | | |" for label, value in PAPER]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=["real", *BUDGETS], help="real, a recipe of BUDGETS, or RECIPE:EPOCHS")
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
        name, _, epochs = row.partition(":")
        if name not in ("real", *BUDGETS):
            parser.error(f"unknown row {row!r}: real, {', '.join(BUDGETS)} or RECIPE:EPOCHS")
        record = results.setdefault(row, {})
        if name == "real":
            if "mean" not in record:
                record.update(score(unit(train[:args.samples], (-1, 1)), valid01, test01))
                save()
            continue
        epochs = max(1, round((int(epochs) if epochs else BUDGETS[name]) * args.epochs_scale))
        train_row(row, out, args.every, epochs, args.samples, valid01, test01, record, save)
    markdown = table({k: v for k, v in results.items() if k != "device"})
    (out / "table1.md").write_text(markdown + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
