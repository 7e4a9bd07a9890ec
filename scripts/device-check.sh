#!/usr/bin/env bash
# On a CUDA machine with pip's torch (LibTorch 2.x inside it) and no apt:
# builds attune against that LibTorch, runs the whole test suite there, the
# GPU benchmarks (bench/run.py --gpu only) and end-to-end checks (the demo on
# the GPU in fp32, bf16 and fp16, predict on both devices, torchrun).
# Needs .device/root from scripts/device-deps.sh (made where apt works).
#
#   scripts/device-check.sh [STAGE ...]   stages: build tests bench e2e (default: all, in that order)
#
# A device call runs at most 10 minutes: run `build tests` in one call and
# `bench e2e` in the next while the machine is warm (the build is kept).
# Every log goes to $OUT (or /tmp), at most 8 files a call, as many as the
# device tool brings back: build-configure.log, build.log, ctest.log,
# failures.log (each failing test again, alone and unbriefed, so a crash shows
# its name), bench-gpu.log, results-gpu.json, e2e.log.
# The tests' references (PyTorch, scikit-learn, SciPy, pandas) come from this
# machine's python3, whose torch is the LibTorch built against
# (ATTUNE_TEST_PYTHON); a reference package it lacks (Optuna) is counted apart.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
ROOT=$PWD/.device/root
LIB=$ROOT/usr/lib/x86_64-linux-gnu
[ -d "$ROOT" ] || { echo "no .device/root: run scripts/device-deps.sh where apt works, and carry .device" >&2; exit 2; }
STAGES=${*:-build tests bench e2e}
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count())'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
# pip's wheels before torch 2.7 were built with libstdc++'s old string ABI;
# Debian's yaml-cpp, libpqxx and protobuf in .device/root with the new one.
# attune cannot link against both: say so now, not after minutes of compiling.
if [ "$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')" != 1 ]; then
  echo "this torch uses the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0), Debian's libraries the new one:" \
    "attune's build needs pip's torch 2.7 or later here" >&2
  exit 2
fi

export PATH=$ROOT/usr/bin:$PATH
export PKG_CONFIG=$ROOT/usr/bin/pkgconf PKG_CONFIG_SYSROOT_DIR=$ROOT
export PKG_CONFIG_LIBDIR=$LIB/pkgconfig:$ROOT/usr/share/pkgconfig
export LD_LIBRARY_PATH=$LIB:$ROOT/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
# Debian's .so links are absolute (/usr/lib/...): point them into the root.
for link in "$LIB"/*.so; do
  target=$(readlink "$link" || true)
  case "$target" in /*) ln -sf "$ROOT$target" "$link" ;; esac
done

BUILD=build-device
start=$(date +%s)
has() { case " $STAGES " in *" $1 "*) return 0 ;; esac; return 1; }

if has build; then
  # pip's NCCL (nvidia-nccl-*) holds nccl.h and libnccl.so.2 for the NCCL backend.
  NCCL_H=$(find "$(python3 -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')/nvidia" -name nccl.h 2>/dev/null | head -1)
  NCCL_ROOT=${NCCL_H:+$(dirname "$(dirname "$NCCL_H")")}
  echo "nccl: ${NCCL_ROOT:-not found}"
  cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTUNE_BUILD_TESTS=ON \
    -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$ROOT/usr;$LIB/cmake" \
    -DCMAKE_INCLUDE_PATH="$ROOT/usr/include" -DCMAKE_LIBRARY_PATH="$LIB;$ROOT/lib/x86_64-linux-gnu" \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DNCCL_ROOT="$NCCL_ROOT" > $OUT/build-configure.log 2>&1 || { tail -40 $OUT/build-configure.log; exit 1; }
  cp $OUT/build-configure.log $BUILD/configure.log  # for the later stages, whose $OUT is another folder
  grep -E "gloo|nccl|Torch|attention" $OUT/build-configure.log || true
  # -k 0: one call shows every file that does not compile against this LibTorch.
  if ! cmake --build $BUILD -j "$(nproc)" -- -k 0 > $OUT/build.log 2>&1; then
    grep -E "error|Error" $OUT/build.log | head -60
    echo "build failed after $(( $(date +%s) - start )) s; whole log in build.log"
    # A test binary that crashes as it starts fails the build (listing its
    # tests is a build step): run it here for its crash report.
    if [ -x $BUILD/tests/attune_tests ]; then timeout 120 $BUILD/tests/attune_tests --gtest_list_tests 2>&1 | tail -40; fi
    exit 1
  fi
  echo "build: $(( $(date +%s) - start )) s"
fi

if has tests; then
  # The whole suite, one process per test (a crash fails that test alone).
  t=$(date +%s)
  export ATTUNE_TEST_PYTHON=${ATTUNE_TEST_PYTHON:-$(command -v python3)}
  (cd $BUILD && timeout 420 ctest -j "$(nproc)" --timeout 300 --output-on-failure) > $OUT/ctest.log 2>&1
  echo "ctest exit $? after $(( $(date +%s) - t )) s"
  grep -E "tests passed|tests failed" $OUT/ctest.log || tail -5 $OUT/ctest.log
  grep -cE "Not Run|\*\*\*Skipped" $OUT/ctest.log | sed 's/^/skipped: /'
  # Each failure again, alone and unbriefed, into failures.log, sorted: those
  # that need a reference package this python3 lacks, and the real failures.
  : > $OUT/failures.log
  names=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*)$/\1/p' $OUT/ctest.log | sort -u)
  references=0; real=0; unchecked=0; rerun_until=$(( $(date +%s) + ${RERUN_SECONDS:-150} ))
  while read -r name; do
    [ -n "$name" ] || continue
    if [ "$(date +%s)" -ge "$rerun_until" ]; then unchecked=$((unchecked + 1)); echo "not rerun (time): $name"; continue; fi
    log=$(timeout 60 $BUILD/tests/attune_tests --gtest_filter="$name" 2>&1)
    printf '=== %s\n%s\n' "$name" "$log" >> $OUT/failures.log
    if grep -qE "No module named|python3: (not found|No such file)|python3: can't open" <<< "$log"; then
      references=$((references + 1)); echo "needs a Python reference package missing here: $name"
    else
      real=$((real + 1)); echo "FAILED: $name"; grep -E -A14 "Failure|error|crashed: signal|what\(\)" <<< "$log" | head -40
    fi
  done <<< "$names"
  echo "failures: $real real, $references for want of a Python reference package, $unchecked not rerun (see ctest.log)"
fi

if has bench; then
  # The GPU rows of make bench, the baselines in this machine's torch.
  t=$(date +%s)
  ATTUNE_BENCH_PYTHON=$(command -v python3) timeout 540 python3 bench/run.py $BUILD --gpu only --repeats "${REPEATS:-2}" \
    --out $OUT/results-gpu.json 2>&1 | tee $OUT/bench-gpu.log
  echo "bench: $(( $(date +%s) - t )) s"
fi

has e2e || { echo "total: $(( $(date +%s) - start )) s"; exit 0; }
exec > >(tee $OUT/e2e.log) 2>&1
# The demo model on the GPU for one epoch (DEVICES="cuda cpu" adds the CPU).
for device in ${DEVICES:-cuda}; do
  rm -rf /tmp/device-$device
  $BUILD/attune train experiments/sst2_transformer.yaml device=$device train.epochs=1 train.progress=none \
    --run-dir /tmp/device-$device > /dev/null
  python3 - "$device" <<'PY'
import json, sys
s = json.load(open(f"/tmp/device-{sys.argv[1]}/summary.json"))
print(f"{sys.argv[1]:5s} samples/s {s['samples_per_second']:10.1f}  val_accuracy {s['final']['val_accuracy']:.4f}  device {s['device']}")
PY
done
# Mixed precision on the GPU: the demo for one epoch in bf16 and in fp16
# (loss scaling as GradScaler), against fp32 above.
if [ -d /tmp/device-cuda ]; then
  for precision in bf16 fp16; do
    rm -rf /tmp/device-$precision
    $BUILD/attune train experiments/sst2_transformer.yaml device=cuda precision=$precision train.epochs=1 \
      train.progress=none --run-dir /tmp/device-$precision > /tmp/device-$precision.log 2>&1 || tail -20 /tmp/device-$precision.log
    python3 - "$precision" <<'PY' || true
import json, sys
s = json.load(open(f"/tmp/device-{sys.argv[1]}/summary.json"))
scale = s.get("loss_scale", {})
print(f"{sys.argv[1]:5s} samples/s {s['samples_per_second']:10.1f}  val_accuracy {s['final']['val_accuracy']:.4f}  "
      f"loss scale {scale.get('scale', '-')} skipped {scale.get('skipped_steps', '-')}")
PY
  done
fi
# The GPU run labels SST-2 dev on the GPU and on the CPU: the same labels
# (bar float ties) and predict's accuracy equal to eval's on each device.
if [ -d /tmp/device-cuda ]; then
  for device in cuda cpu; do
    $BUILD/attune predict /tmp/device-cuda --data data/sst2/dev.tsv --device $device > /tmp/device-predict-$device.tsv
  done
  python3 - <<'PY' || true
import csv
def column(path, name):
    with open(path) as f:
        return [r[name] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
gold = column("data/sst2/dev.tsv", "label")
gpu, cpu = column("/tmp/device-predict-cuda.tsv", "prediction"), column("/tmp/device-predict-cpu.tsv", "prediction")
agree = sum(a == b for a, b in zip(gpu, cpu))
print(f"predict: cuda and cpu agree on {agree} of {len(gpu)}; accuracy cuda {sum(a == g for a, g in zip(gpu, gold)) / len(gold):.4f}, "
      f"cpu {sum(a == g for a, g in zip(cpu, gold)) / len(gold):.4f}")
PY
  $BUILD/attune eval /tmp/device-cuda --data data/sst2/dev.tsv --device cuda | grep val_accuracy || true
fi
# torchrun runs attune as-is: pip's real torchrun (static rendezvous: its agent
# serves the store, TORCHELASTIC_USE_AGENT_STORE=True) and `attune launch` train
# one small experiment with two ranks; both must exit 0 with the same
# metrics.csv (wall-time columns aside). Two ranks need Gloo (CPU) or a GPU
# each: NCCL refuses two ranks on one GPU, and pip's LibTorch has no Gloo headers.
TR=/tmp/device-torchrun
rm -rf $TR && mkdir -p $TR
gpus=$(python3 -c 'import torch; print(torch.cuda.device_count())')
tr_device=""
if ! grep -q "gloo headers not found" $BUILD/configure.log; then tr_device=cpu
elif [ "$gpus" -ge 2 ]; then tr_device=cuda; fi
if [ -z "$tr_device" ]; then
  echo "torchrun: skipped: two ranks need Gloo (this build has none) or two GPUs for NCCL (this machine has $gpus)"
else
  { head -n 1 data/sst2/dev.tsv; sed -n 2,201p data/sst2/dev.tsv; } > $TR/train.tsv
  { head -n 1 data/sst2/dev.tsv; sed -n 202,265p data/sst2/dev.tsv; } > $TR/valid.tsv
  cat > $TR/tiny.yaml <<YAML
name: tiny
seed: 3
device: $tr_device
data:
  type: text_classification
  train: $TR/train.tsv
  valid: $TR/valid.tsv
  tokenizer: {type: wordpiece, vocab: $PWD/data/vocab/bert-base-uncased.txt}
  max_length: 48
model: {type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 1, ff_dim: 32, dropout: 0.1}
optimizer: {type: adamw, lr: 0.003}
train: {epochs: 2, batch_size: 8, progress: none}
YAML
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # One thread per rank in both (torchrun's default), so that both compute alike.
  if ! OMP_NUM_THREADS=1 timeout 600 $BUILD/attune launch --nproc 2 train $TR/tiny.yaml --run-dir $TR/launch \
      > $TR/launch.log 2>&1; then
    echo "torchrun: attune launch FAILED"; tail -20 $TR/launch.log
  elif ! OMP_NUM_THREADS=1 timeout 600 python3 -m torch.distributed.run --nproc_per_node 2 --master_port "$port" \
      --no_python $BUILD/attune train $TR/tiny.yaml --run-dir $TR/torchrun > $TR/torchrun.log 2>&1; then
    echo "torchrun: FAILED"; tail -30 $TR/torchrun.log
  else
    python3 - $TR $tr_device <<'PY' || true
import csv, sys
root, device = sys.argv[1], sys.argv[2]
def rows(run):
    with open(f"{root}/{run}/metrics.csv") as f:
        return [{k: float(v) for k, v in r.items() if "second" not in k and "time" not in k and v != ""}
                for r in csv.DictReader(f)]
a, b = rows("launch"), rows("torchrun")
# CPU (Gloo) computes alike to the bit; NCCL's reductions may round differently.
tolerance = 0.0 if device == "cpu" else 1e-5
same = len(a) == len(b) > 0 and all(x.keys() == y.keys() and all(abs(x[k] - y[k]) <= tolerance for k in x)
                                    for x, y in zip(a, b))
print(f"torchrun ({device}): exit 0; metrics {'equal' if same else 'DIFFER from'} attune launch's "
      f"({len(b)} epochs, final val_loss {b[-1]['val_loss'] if b else 'none'})")
if not same:
    print("launch:  ", a, "\ntorchrun:", b)
PY
  fi
fi

echo "total: $(( $(date +%s) - start )) s"
