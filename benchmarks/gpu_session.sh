#!/usr/bin/env bash
# The GPU checks of issue 16 in one prepared run, for a machine with an NVIDIA GPU whose Python
# already holds numba-cuda and CuPy (this workplace's device image does; nothing can be
# installed there, so the package runs from the checkout through PYTHONPATH):
#   1. the CUDA tests on the real GPU (the twins' checks, the 4 x 4 Ising model against its
#      density of states, RBM AIS against exact log Z, GPU training against the CPU's);
#   2. benchmarks/bench_gpu.py: every GPU figure of RESULTS.md's MISSING lines.
# Usage, from the repository root:  OUT=/some/folder bash benchmarks/gpu_session.sh
# Each step has its own time limit so that the whole run ends within 10 minutes.
set -u -o pipefail
out=${OUT:-/tmp/gpu_session}
mkdir -p "$out"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 NUMBA_ENABLE_CUDASIM=0
py=${PYTHON:-python3}
{
    date -u
    nvidia-smi -L || true
    $py -c "import sys, numpy, numba, numba.cuda as c; print(sys.version.split()[0], 'numpy',
numpy.__version__, 'numba', numba.__version__, 'gpu', c.is_available())"
    $py -c "import cupy; print('cupy', cupy.__version__)" || echo "cupy: not importable"
} 2>&1 | tee "$out/machine.txt"
timeout 200 $py -m pytest -q -p no:cacheprovider tests/test_cuda.py 2>&1 | tee "$out/tests.txt"
timeout 360 $py benchmarks/bench_gpu.py --sizes 4096 2>&1 | tee "$out/bench.txt"
