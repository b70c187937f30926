"""The earlier results table (docs/results.md): train each generator on the 4,000-digit split, then evaluate.

    python benchmarks/results.py [--only dense-mnist ...] [--out runs/results] [--epochs-scale 1.0]

For every row it runs the CLI (`python -m gan_keras train ... --holdout 1000`), then
`python -m gan_keras evaluate`'s protocol on the official MNIST test split, and adds two
reference rows: the 4,000 real training digits used as Parzen centres / Frechet
features (the real-data floor). Writes <out>/results.json and <out>/results.md and
prints the markdown table with the wall time of each run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import keras

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import load_eval_data  # noqa: E402

from gan_keras import evaluation  # noqa: E402
from gan_keras.run import evaluate_run  # noqa: E402

ROWS = {  # name: (CLI arguments, epochs of the 4,000 digits)
    "dense-mnist": (["--model", "dense-mnist"], 100),
    "dense-mnist-minimax": (["--model", "dense-mnist", "--generator-loss", "minimax"], 100),
    "paper-mnist": (["--model", "paper-mnist"], 100),
    "dcgan-mnist": (["--model", "dcgan-mnist"], 25),
    # the variants: the dense nets of "GANs demystified", the same number of G updates (~1,250)
    "lsgan-mnist": (["--model", "lsgan-mnist"], 20),
    "wgan-mnist": (["--model", "wgan-mnist"], 100),
    "wgan-gp-mnist": (["--model", "wgan-gp-mnist"], 100),
    "cgan-mnist": (["--model", "cgan-mnist"], 20),
    "infogan-mnist": (["--model", "infogan-mnist"], 20),
}
LABELS = {"dense-mnist": "dense GAN of \"GANs demystified\" (non-saturating G loss)",
          "dense-mnist-minimax": "the same, minimax (saturating) G loss",
          "paper-mnist": "paper's maxout GAN (SGD + momentum)",
          "dcgan-mnist": "Radford-rules DCGAN",
          "lsgan-mnist": "LSGAN (dense nets)",
          "wgan-mnist": "WGAN, weight clipping (dense nets)",
          "wgan-gp-mnist": "WGAN-GP (dense nets, fast path)",
          "cgan-mnist": "conditional GAN (dense, projection D)",
          "infogan-mnist": "InfoGAN, 10-way code (dense nets)"}
ORDER = ["dcgan-mnist", "dense-mnist", "dense-mnist-minimax", "paper-mnist", "lsgan-mnist", "wgan-mnist",
         "wgan-gp-mnist", "cgan-mnist", "infogan-mnist"]


def fmt(row):
    d = f"{row['d_real_test']:.2f} / {row['d_fake']:.2f}" if "d_fake" in row else "–"
    if "class_agreement" in row:
        d += f"; requested digit {row['class_agreement']:.2f}"
    if "code_purity" in row:
        d += f"; code purity {row['code_purity']:.2f}, distinct majority digits {row['code_classes']}"
    return (f"{row['parzen']:.0f} ± {row['parzen_sem']:.1f} | {row['frechet']:.2f} | "
            f"{1000 * row['kid']:.1f} | {row['classes_covered']} ({row['kl_to_uniform']:.2f}) | "
            f"{row['coverage']:.2f} / {row['density']:.2f} | {row['copies']:.3f} | {d}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(ROWS), help="rows to (re)make")
    parser.add_argument("--out", default="runs/results")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every budget (smoke: 0.01)")
    parser.add_argument("--samples", type=int, default=10000)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    test, valid, train = load_eval_data(1000)
    model = evaluation.classifier("mnist")
    test_features = evaluation.classify(model, test)[0]

    if "real-4000" not in results or args.only is None:
        start = time.time()
        row = evaluation.evaluate_samples(train, test=test, validation=valid, train=train, model=model,
                                          real_features=test_features)
        row.update(wall_time_s=round(time.time() - start, 1), command="benchmarks/results.py (real data row)")
        results["real-4000"] = row
    for name in args.only or sorted(ROWS):
        cli, epochs = ROWS[name]
        epochs = max(1, round(epochs * args.epochs_scale))
        command = [sys.executable, "-m", "gan_keras", "train", *cli, "--holdout", "1000", "--epochs",
                   str(epochs), "--out", str(out / name), "--quiet"]
        if (out / name).exists():  # re-making a row: keep the last run beside, train afresh
            previous = out / f"{name}.previous"
            shutil.rmtree(previous, ignore_errors=True)
            (out / name).rename(previous)
            print(f"{out / name} moved to {previous}; training the row afresh", flush=True)
        start = time.time()
        subprocess.run(command, check=True, env=os.environ)
        train_time = time.time() - start
        row, _ = evaluate_run(out / name, test, valid, train, args.samples)
        row.update(train_wall_time_s=round(train_time, 1), epochs=epochs, backend=keras.backend.backend(),
                   command=" ".join(["python -m gan_keras train", *cli, "--holdout 1000", f"--epochs {epochs}",
                                     f"--out {out / name}"]))
        results[name] = row
        results_path.write_text(json.dumps(results, indent=1))
        print(name, json.dumps(row), flush=True)
    results_path.write_text(json.dumps(results, indent=1))

    lines = ["| generator | Parzen LL (nats) | Fréchet (classifier) | KID ×1000 | classes (KL to uniform) "
             "| coverage / density | copies | mean D: test / samples (conditioning) | steps | train time |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in ORDER:
        if name in results:
            r = results[name]
            lines.append(f"| {LABELS[name]} | {fmt(r)} | {r['steps']} | {r['train_wall_time_s'] / 60:.1f} min |")
    r = results["real-4000"]
    lines.append(f"| 4,000 real training digits (floor) | {fmt(r)} | – | – |")
    for label, value in (("DBN", "138 ± 2"), ("Stacked CAE", "121 ± 1.6"), ("Deep GSN", "214 ± 1.1"),
                         ("Adversarial nets", "225 ± 2")):
        lines.append(f"| paper Table 1: {label} (trained on 50,000 digits) | {value} | | | | | | | | |")
    table = "\n".join(lines)
    (out / "results.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
