"""Train the evaluation classifier and save its weights into gan_keras/assets/.

    GAN_KERAS_DATA=... python benchmarks/train_classifier.py --dataset mnist [--epochs 10]
    python benchmarks/train_classifier.py --dataset fashion_mnist  # Debian's Fashion-MNIST offline

Trains on the whole training split the loaders find (the committed MNIST weights: all 60,000
digits, 10 epochs) and prints the test accuracy when the test split is available. The weights
file is what gan_keras.evaluation.classifier() loads; it is committed so that every run
measures with the same features.
"""

import argparse
import time

import numpy as np

from gan_keras import data, evaluation


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x, y = data.LOADERS[args.dataset]()
    start = time.time()
    model = evaluation.train_classifier(x, y, epochs=args.epochs, seed=args.seed)
    print(f"trained on {len(x)} images, {args.epochs} epochs, {time.time() - start:.0f} s")
    try:
        xt, yt = data.LOADERS[args.dataset]("test")
        accuracy = float(np.mean(model.predict(xt, batch_size=500, verbose=0).argmax(1) == yt))
        print(f"test accuracy: {accuracy:.4f} on {len(xt)} test images")
    except FileNotFoundError as err:
        print("no test split to measure accuracy:", str(err).splitlines()[0])
    path = evaluation.save_classifier(model, args.dataset)
    print(f"saved {path} ({path.stat().st_size / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
