"""Training speed: the teaching path (train_on_batch), the fused fast path, and plain PyTorch.

    python benchmarks/speed.py [--models dense-mnist dcgan-mnist dcgan-cifar10-frog]
                               [--batch-sizes 52 256] [--steps 200] [--repeats 5] [--no-torch]

For each model and batch size: build the recipe's models on random data of the right
shape, warm up (compilation, first chunk), then time ``--steps`` steps ``--repeats`` times
and report the median ms/step and images/s (real images through D per second). The
reference is a plain PyTorch eager loop of the dense GAN of "GANs demystified" -- the tutorial's own code
path -- run in the same process on the same device (dense-mnist only). Backend and device
are printed; run it once per backend (KERAS_BACKEND=...). Timings measure steady state:
each timed call trains a chunk whose size the fast path has already compiled. The conditional
GAN and InfoGAN recipes train on the teaching path only: their fast column is empty.
"""

import argparse
import statistics
import time

import keras
import numpy as np

from gan_keras import recipes, runtime


def time_keras(name, batch, fast, steps, repeats):
    recipe = recipes.get(name)
    shape = (28, 28, 1) if name != "dcgan-cifar10-frog" else (32, 32, 3)
    lo, hi = recipe.value_range
    images = np.random.default_rng(0).uniform(lo, hi, (max(4 * batch, 1024), *shape)).astype("float32")
    trainer = recipes.make_trainer(name, images, seed=0, fast=fast)
    labels = np.arange(len(images)) % 10 if recipe.trainer == "cgan" else None
    trainer.train(images, steps=steps, batch_size=batch, labels=labels)  # warm-up: compiles a chunk of `steps`
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        trainer.train(images, steps=(r + 2) * steps, batch_size=batch, labels=labels)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["dense-mnist"], choices=sorted(recipes.RECIPES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[52, 256])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    args = parser.parse_args()
    print(f"# {runtime.describe()}; median of {args.repeats} x {args.steps} steps after warm-up")
    print("| model | backend | device | batch | teaching ms/step | fast ms/step | PyTorch eager ms/step "
          "| fast vs teaching | fast vs PyTorch | teaching vs PyTorch | fast images/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        for batch in args.batch_sizes:
            teach = time_keras(name, batch, False, args.steps, args.repeats)
            if recipes.get(name).trainer in recipes.CODED_TRAINERS:  # teaching path only
                print(f"| {name} | {keras.backend.backend()} | {runtime.device()} | {batch} | {1000 * teach:.2f} "
                      f"| – | – | – | – | – | – |", flush=True)
                continue
            fast = time_keras(name, batch, True, args.steps, args.repeats)
            ref, ratio_f, ratio_t = "–", "–", "–"
            if name == "dense-mnist" and not args.no_torch:
                t_ref, _ = time_torch(batch, args.steps, args.repeats)
                ref, ratio_f, ratio_t = f"{1000 * t_ref:.2f}", f"{t_ref / fast:.1f}×", f"{t_ref / teach:.2f}×"
            print(f"| {name} | {keras.backend.backend()} | {runtime.device()} | {batch} | {1000 * teach:.2f} "
                  f"| {1000 * fast:.2f} | {ref} | {teach / fast:.1f}× | {ratio_f} | {ratio_t} "
                  f"| {batch / fast:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
