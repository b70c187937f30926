#!/usr/bin/env bash
# Build .carry/ (git-ignored) for runs on the offline GPU machine (Python 3.12, JAX and torch,
# no TensorFlow, no network): the cp312 wheels of tools/gpu_wheels.txt and the MNIST test split.
#
#   bash tools/gpu_bundle.sh [MNIST_TEST_DIR]        # default ../shared/data/mnist-test
#
# Then, with the device tool: run(command="bash tools/gpu_jobs.sh JOB ...", carry=[".carry"]).
set -euo pipefail
cd "$(dirname "$0")/.."
test_dir=${1:-../shared/data/mnist-test}
[ -f "$test_dir/t10k-images-idx3-ubyte.gz" ] || { echo "no t10k-images-idx3-ubyte.gz in $test_dir" >&2; exit 2; }
rm -rf .carry && mkdir -p .carry/wheels .carry/data
platforms=""
for p in manylinux_2_34 manylinux_2_28 manylinux_2_27 manylinux_2_26 manylinux_2_17 manylinux2014 manylinux1 manylinux_2_5; do
  platforms="$platforms --platform ${p}_x86_64"
done
grep -v '^#' tools/gpu_wheels.txt | xargs python3 -m pip download -q --no-deps --only-binary=:all: \
  --python-version 3.12 --implementation cp $platforms -d .carry/wheels
cp "$test_dir"/t10k-*-ubyte.gz .carry/data/
echo "$(ls .carry/wheels | wc -l) wheels, $(du -sh .carry | cut -f1) in .carry/"
