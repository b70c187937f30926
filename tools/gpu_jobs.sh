#!/usr/bin/env bash
# On the GPU machine (device tool, carry [".carry"] built by tools/gpu_bundle.sh): install the
# carried wheels, then run each named job on the JAX backend, writing what comes back under $OUT.
#
#   bash tools/gpu_jobs.sh speed | results[:ROW,ROW] | variants | nb:01 nb:02 ...
#
# speed: the dense GAN and the MNIST DCGAN, both paths and the PyTorch reference (speed.md);
# results: every row of the README's results table, or the rows named after ':' (results.md, results.json);
# variants: benchmarks/variant_seeds.py's three seeds (variant_seeds.md);
# nb:NN: notebook NN at its full configuration, run in place and copied back (one tar).
# SMOKE=1 runs every job at tiny sizes (a check of this script, not a measurement).
# One device call runs 10 minutes at most: give each call the jobs that fit.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .carry/wheels/*.whl
export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax GAN_KERAS_DATA="$PWD/.carry/data" PYTHONUNBUFFERED=1
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
smoke=${SMOKE:-0}
notebooks=()
for job in "$@"; do
  case $job in
    speed)
      args=(--steps 1000 --repeats 5); [ "$smoke" = 1 ] && args=(--steps 5 --repeats 1 --batch-sizes 52)
      python3 -c "import torch" 2>/dev/null || { echo "torch missing: no PyTorch reference"; args+=(--no-torch); }
      python3 benchmarks/speed.py --models dense-mnist "${args[@]}" | tee "$OUT/speed.md"
      python3 benchmarks/speed.py --models dcgan-mnist "${args[@]}" | tee -a "$OUT/speed.md" ;;
    results|results:*)
      args=(); [ "$smoke" = 1 ] && args=(--epochs-scale 0.01 --samples 500)
      if [ "$job" != results ]; then IFS=, read -ra rows <<< "${job#results:}"; args+=(--only "${rows[@]}"); fi
      python3 benchmarks/results.py --out runs/results "${args[@]}" | tee "$OUT/results.md"
      cp runs/results/results.json "$OUT/" ;;
    variants)
      args=(--seeds 0 1 2 --steps 5000 --every 1000); [ "$smoke" = 1 ] && args=(--seeds 0 --steps 4 --every 2)
      args+=(--models lsgan-mnist wgan-mnist wgan-gp-mnist dense-mnist)
      (cd benchmarks && python3 variant_seeds.py "${args[@]}") | tee "$OUT/variant_seeds.md" ;;
    nb:*)
      nb=$(ls notebooks/"${job#nb:}"_*.ipynb)
      GAN_KERAS_SMOKE=$smoke python3 tools/run_notebooks.py "$nb"
      notebooks+=("$nb") ;;
    *) echo "unknown job $job (speed, results, variants, nb:NN)" >&2; exit 2 ;;
  esac
done
if [ ${#notebooks[@]} -gt 0 ]; then tar -cf "$OUT/notebooks.tar" "${notebooks[@]}"; fi
nvidia-smi --query-gpu=name,memory.used --format=csv > "$OUT/gpu.txt" 2>&1 || true
