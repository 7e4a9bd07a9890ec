#!/usr/bin/env python3
"""`make bench`: runs attune's benchmarks side by side with their baselines in
one run (alternating, median of several), prints a table and writes
bench/results.json. Ratios matter, not absolute times: the machines are noisy.

Usage: bench/run.py BUILD_DIR [--only NAME ...] [--repeats N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"


def run_json_lines(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def bench_bert_load(build, repeats, work):
    """Issue 5: a BERT-base-sized (110M parameters) HuggingFace folder loaded into
    attune's BertModel: config, modules, weights, from safetensors (memory-mapped)
    and from torch.save's pytorch_model.bin; baseline: Python's torch.load of the
    .bin alone (no model built)."""
    folder = os.path.join(work, "bert-base")
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        subprocess.run([PYTHON, os.path.join(HERE, "make_bert_base.py"), folder], check=True, capture_output=True)
    binary = os.path.join(build, "bench", "bench_bert_load")
    times = {"attune_safetensors": [], "attune_bin": [], "python_torch_load_bin": []}
    for _ in range(repeats):  # alternate, so that drift hits every variant alike
        times["attune_safetensors"] += [r["seconds"] for r in
                                        run_json_lines([binary, folder, os.path.join(folder, "model.safetensors")])]
        times["attune_bin"] += [r["seconds"] for r in
                                run_json_lines([binary, folder, os.path.join(folder, "pytorch_model.bin")])]
        code = ("import time, torch; t = time.perf_counter(); torch.load(%r); "
                "print('{\"seconds\": %%.4f}' %% (time.perf_counter() - t))" % os.path.join(folder, "pytorch_model.bin"))
        times["python_torch_load_bin"] += [r["seconds"] for r in run_json_lines([PYTHON, "-c", code])]
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {"name": "bert_load", "unit": "seconds (median)", "runs": times, "median": medians,
            "rows": [(k, f"{v:.3f} s") for k, v in medians.items()],
            "checks": {"safetensors load under 2 s": medians["attune_safetensors"] < 2.0}}


BENCHMARKS = {"bert_load": bench_bert_load}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    work = os.path.join(tempfile.gettempdir(), "attune-bench")
    os.makedirs(work, exist_ok=True)
    results = {"machine": {"cpus": os.cpu_count()}, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "benchmarks": []}
    for name, fn in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        result = fn(os.path.abspath(args.build), args.repeats, work)
        results["benchmarks"].append(result)
        for label, value in result["rows"]:
            print(f"  {label:<40} {value}")
        for check, ok in result["checks"].items():
            print(f"  {'PASS' if ok else 'FAIL'}: {check}")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    failed = [c for r in results["benchmarks"] for c, ok in r["checks"].items() if not ok]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
