"""Where one fast-path step of the dense GAN spends its time, on the current backend (for docs/speed.md).

    KERAS_BACKEND=B python benchmarks/profile_step.py [--batch 52] [--steps 200]

Warms up, then over ``--steps`` steps of the fast path at batch ``--batch`` times the host's share (drawing a
step's indices, noise and targets: ``Engine.inputs``) and runs cProfile; prints ms/step, the share of the time in
Python code of each package (own time: keras, the backend's Python, gan_keras, numpy) and in compiled code, and
the functions with the most own time. For the tutorial's PyTorch loop, the same numbers for comparison.
"""

import argparse
import collections
import cProfile
import pstats
import time

import keras
import numpy as np

from gan_keras import recipes, runtime
from speed import tutorial_loop

PACKAGES = ("keras", "tensorflow", "torch", "jax", "jaxlib", "gan_keras", "numpy")


def package(filename):
    """The package a profiled function belongs to: the first of PACKAGES in its path, or 'compiled / other'."""
    if filename.startswith("~") or filename.startswith("<"):  # built-ins: C functions, the backend's kernels
        return "built-in (C) calls"
    parts = filename.replace("\\", "/").split("/")
    for name in PACKAGES:
        if name in parts:
            return name
    return "other Python"


def profile(run, steps):
    """(ms per step, {package: share of own time}, top functions) of ``run(steps)``."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(run, steps)
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    shares, top = collections.Counter(), []
    for (filename, line, name), (_, _, own, _, _) in stats.stats.items():
        shares[package(filename)] += own
        top.append((own, f"{package(filename)}: {name} ({filename.rsplit('/', 1)[-1]}:{line})"))
    total = sum(shares.values())
    return 1000 * wall / steps, {k: v / total for k, v in shares.most_common()}, sorted(top, reverse=True)[:8]


def keras_fast(batch):
    images = np.random.default_rng(0).uniform(-1, 1, (1024, 28, 28, 1)).astype("float32")
    trainer = recipes.make_trainer("dense-mnist", images, seed=0, fast=True)
    trainer.train(images, steps=50, batch_size=batch)  # compiles

    def run(steps):
        trainer.train(images, steps=trainer.step + steps, batch_size=batch)

    def inputs(steps):
        for t in range(steps):
            trainer.engine.inputs(t)
    return run, None if keras.backend.backend() == "jax" else inputs  # JAX draws them on the device


def torch_loop(batch):
    step = tutorial_loop(batch)

    def run(steps):
        for i in range(steps):
            step(i)
    return run, None


def report(title, run, inputs, steps):
    run(steps)  # warm-up at this size (the fast path compiles one chunk length at a time)
    ms, shares, top = profile(run, steps)
    plain_start = time.perf_counter()
    run(steps)
    plain = 1000 * (time.perf_counter() - plain_start) / steps
    print(f"\n## {title}: {plain:.2f} ms/step ({ms:.2f} under the profiler)")
    if inputs is not None:
        start = time.perf_counter()
        inputs(steps)
        print(f"host inputs (indices, noise, targets): {1000 * (time.perf_counter() - start) / steps:.2f} ms/step")
    print("own time by package: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if v >= 0.01))
    for own, name in top:
        print(f"  {1000 * own / steps:6.2f} ms/step  {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=52)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(f"# {runtime.describe()}; dense-mnist, batch {args.batch}, {args.steps} steps after warm-up")
    report(f"fast path, {keras.backend.backend()}", *keras_fast(args.batch), args.steps)
    report("the tutorial's PyTorch loop", *torch_loop(args.batch), args.steps)


if __name__ == "__main__":
    main()
