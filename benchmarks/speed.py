"""Training speed: the teaching path (train_on_batch), the fused fast path, Keras' fit, and plain PyTorch.

    python benchmarks/speed.py [--models dense-mnist dcgan-mnist dcgan-cifar10-frog]
                               [--batch-sizes 52 256] [--steps 200] [--repeats 5] [--no-torch]
                               [--all-backends] [--diagnostics]

For each model and batch size: build the recipe's models on random data of the right
shape, warm up (compilation, first chunk), then time ``--steps`` steps ``--repeats`` times
and report the median ms/step and images/s (real images through D per second). The
reference is a plain PyTorch eager loop of the dense GAN of "GANs demystified" -- the tutorial's own code
path -- run in the same process on the same device (dense-mnist only). Backend and device
are printed; run it once per backend (KERAS_BACKEND=...). Timings measure steady state:
each timed call trains a chunk whose size the fast path has already compiled. The conditional
GAN and InfoGAN recipes train on the teaching path only: their fast column is empty.

The fit columns train the same networks and optimizers as ``gan_keras.gan.GAN`` with ``fit``, compiled
(``jit_compile=True``: XLA on TensorFlow and JAX, ``torch.compile`` on torch), one step per execution and
ten (``steps_per_execution=10``; Keras' torch trainer takes one); their warm-up is one epoch of ``--steps``
steps. ``--all-backends`` runs this script once per installed backend, one after the other, into one table.
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

import keras
import numpy as np

from gan_keras import recipes, runtime


def time_keras(name, batch, fast, steps, repeats, diagnostics=False):
    recipe = recipes.get(name)
    shape = (28, 28, 1) if name != "dcgan-cifar10-frog" else (32, 32, 3)
    lo, hi = recipe.value_range
    images = np.random.default_rng(0).uniform(lo, hi, (max(4 * batch, 1024), *shape)).astype("float32")
    trainer = recipes.make_trainer(name, images, seed=0, fast=fast)
    labels = np.arange(len(images)) % 10 if recipe.trainer == "cgan" else None
    watch = []
    if diagnostics:  # what run.fit adds by default: callbacks.Diagnostics on 256 of the images
        from gan_keras.callbacks import Diagnostics

        watch = [Diagnostics(images, stream=open(os.devnull, "w"))]
    trainer.train(images, steps=steps, batch_size=batch, labels=labels, callbacks=watch)  # warm-up: compiles
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        trainer.train(images, steps=(r + 2) * steps, batch_size=batch, labels=labels, callbacks=watch)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def time_fit(name, batch, steps, repeats, steps_per_execution=1):
    """ms per step of ``GAN.fit`` (compiled) on the recipe's networks and optimizers: median of ``repeats`` epochs
    of ``steps`` steps after one epoch of warm-up."""
    from gan_keras.gan import GAN

    recipe = recipes.get(name)
    shape = (28, 28, 1) if name != "dcgan-cifar10-frog" else (32, 32, 3)
    lo, hi = recipe.value_range
    k = recipe.settings.get("k", 1)
    images = np.random.default_rng(0).uniform(lo, hi, (steps * batch * k, *shape)).astype("float32")
    trainer = recipes.make_trainer(name, images, seed=0)
    gan = GAN(trainer.generator, trainer.discriminator, seed=0, latent_distribution=trainer.latent_distribution,
              value_range=trainer.value_range)
    settings = {key: getattr(trainer, key) for key in ("k", "generator_loss", "real_label", "label_noise",
                                                        "label_smoothing")}
    gan.compile(trainer.d_optimizer, trainer.g_optimizer, objective=trainer.objective, jit_compile=True,
                steps_per_execution=steps_per_execution, **settings)
    times = []
    for r in range(repeats + 1):
        start = time.perf_counter()
        gan.fit(images, batch_size=batch * k, epochs=1, verbose=0, shuffle=False)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times[1:])


def tutorial_loop(batch, device="cpu"):
    """One step of the tutorial's PyTorch loop (eager) as a function of the step number, models built and seeded."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(1024, 512),
                      nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                      nn.Dropout(0.3), nn.Linear(256, 1), nn.Sigmoid()).to(device)
    g = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                      nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh()).to(device)
    d_opt, g_opt = torch.optim.Adam(d.parameters(), 2e-4), torch.optim.Adam(g.parameters(), 2e-4)
    bce = nn.BCELoss()
    data = torch.rand(4 * batch, 784, device=device) * 2 - 1
    ones, zeros = torch.ones(batch, 1, device=device), torch.zeros(batch, 1, device=device)

    def step(i):
        real = data[(i % 4) * batch:(i % 4 + 1) * batch]
        d_opt.zero_grad()
        loss = bce(d(real), ones) + bce(d(g(torch.randn(batch, 100, device=device)).detach()), zeros)
        loss.backward()
        d_opt.step()
        g_opt.zero_grad()
        g_loss = bce(d(g(torch.randn(batch, 100, device=device))), ones)
        g_loss.backward()
        g_opt.step()
        return loss.item(), g_loss.item()  # the tutorial logs the losses every step
    return step


def time_torch(batch, steps, repeats):
    """The tutorial's PyTorch loop (eager), on CUDA when available."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    step = tutorial_loop(batch, device)
    for i in range(20):
        step(i)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(steps):
            step(i)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times), device


HEADER = ("| model | backend | device | batch | teaching ms/step | fast ms/step | fit ms/step | fit, 10 steps per "
          "execution | PyTorch eager ms/step | fast vs PyTorch | fit vs PyTorch | fit vs fast |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["dense-mnist"], choices=sorted(recipes.RECIPES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[52, 256])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    parser.add_argument("--all-backends", action="store_true", help="one process per installed backend")
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--diagnostics", action="store_true", help="only the fast path, without and with "
                        "callbacks.Diagnostics (the cost on the hot path), interleaved, median of --repeats pairs")
    args = parser.parse_args()
    if args.all_backends:
        print(HEADER, flush=True)
        rest = [a for a in sys.argv[1:] if a != "--all-backends"] + ["--rows-only"]
        for backend in ("jax", "tensorflow", "torch"):
            if importlib.util.find_spec(backend) is not None:
                subprocess.run([sys.executable, __file__, *rest], env={**os.environ, "KERAS_BACKEND": backend},
                               check=True)
        return
    if args.diagnostics:
        print(f"# {runtime.describe()}; fast path, median of {args.repeats} x {args.steps} steps after warm-up")
        for name in args.models:
            for batch in args.batch_sizes:
                pairs = [(time_keras(name, batch, True, args.steps, 1),
                          time_keras(name, batch, True, args.steps, 1, diagnostics=True)) for _ in range(args.repeats)]
                plain, watched = (statistics.median(p) for p in zip(*pairs))
                print(f"{name} batch {batch}: {1000 * plain:.2f} ms/step without Diagnostics, {1000 * watched:.2f} "
                      f"with ({100 * (watched / plain - 1):+.1f} %)", flush=True)
        return
    if not args.rows_only:
        print(f"# {runtime.describe()}; median of {args.repeats} x {args.steps} steps after warm-up")
        print(HEADER)
    ms = lambda t: f"{1000 * t:.2f}"  # noqa: E731
    for name in args.models:
        for batch in args.batch_sizes:
            teach = time_keras(name, batch, False, args.steps, args.repeats)
            row = f"| {name} | {keras.backend.backend()} | {runtime.device()} | {batch} | {ms(teach)} "
            if recipes.get(name).trainer in recipes.CODED_TRAINERS:  # teaching path only
                print(row + "| – " * 7 + "|", flush=True)
                continue
            fast = time_keras(name, batch, True, args.steps, args.repeats)
            fit = time_fit(name, batch, args.steps, args.repeats)
            fit10 = time_fit(name, batch, args.steps, args.repeats, 10) if keras.backend.backend() != "torch" else None
            ref, vs_fast, vs_fit = "–", "–", "–"
            if name == "dense-mnist" and not args.no_torch:
                t_ref, _ = time_torch(batch, args.steps, args.repeats)
                ref, vs_fast, vs_fit = ms(t_ref), f"{t_ref / fast:.1f}×", f"{t_ref / min(fit, fit10 or fit):.1f}×"
            print(row + f"| {ms(fast)} | {ms(fit)} | {ms(fit10) if fit10 else '–'} | {ref} | {vs_fast} | {vs_fit} "
                  f"| {fast / min(fit, fit10 or fit):.2f}× |", flush=True)


if __name__ == "__main__":
    main()
