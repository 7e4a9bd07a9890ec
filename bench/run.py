#!/usr/bin/env python3
"""`make bench`: runs attune's benchmarks side by side with their baselines in
one run (alternating, median of several), prints a table and writes
bench/results.json. Ratios matter, not absolute times: the machines are noisy.

Usage: bench/run.py BUILD_DIR [--only NAME ...] [--repeats N]
"""
import argparse
import ctypes
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# The Python of the baselines: Debian's python3-torch (the same LibTorch as
# attune's build), or where pip's torch is (the GPU machines) ATTUNE_BENCH_PYTHON.
PYTHON = os.environ.get("ATTUNE_BENCH_PYTHON", "/usr/bin/python3")


def run_json_lines(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def bert_base_folder(work):
    """A BERT-base-sized HuggingFace folder (bench/make_bert_base.py), made once."""
    folder = os.path.join(work, "bert-base")
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        subprocess.run([PYTHON, os.path.join(HERE, "make_bert_base.py"), folder], check=True, capture_output=True)
    return folder


def bench_bert_load(build, repeats, work):
    """A BERT-base-sized (110M parameters) HuggingFace folder loaded into
    attune's BertModel: config, modules, weights, from safetensors (memory-mapped)
    and from torch.save's pytorch_model.bin; baseline: Python's torch.load of the
    .bin alone (no model built)."""
    folder = bert_base_folder(work)
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


def run_measured(cmd, env=None, cwd=None):
    """Runs cmd; returns (stdout, wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return out, seconds


def run_with_peak(cmd, env=None, cwd=None):
    """Runs cmd; returns (stdout, wall seconds, its peak resident memory in MiB), via wait4."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **(env or {})}, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read()[-2000:]}")
        return out.read(), seconds, usage.ru_maxrss / 1024.0


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def demo_subset(work, rows):
    """The demo's first `rows` training phrases as a TSV (a short, steady epoch)."""
    import gzip
    path = os.path.join(work, f"sst2_train_{rows}.tsv")
    if not os.path.exists(path):
        with gzip.open(os.path.join(ROOT, "data", "sst2", "train.tsv.gz"), "rt") as f, open(path, "w") as out:
            for i, line in enumerate(f):
                if i > rows:
                    break
                out.write(line)
    return path


def packed_padded_against_python(build, repeats, work, name, experiment, overrides):
    """`attune train experiment overrides` twice, as it trains by default
    (padding not computed: a batch's real tokens packed) and with
    `model.pack_sequences=false` (padding computed, as the Python loop does:
    the same work), against python_train.py on the same model, weights,
    batches, optimizer, scheduler and clipping in PyTorch's Python API
    (Debian's python3-torch, the same LibTorch), alternating runs: samples/s
    of each run and their medians, both ratios, the peak memory (MiB) of
    attune's default and Python's, and the table rows."""
    dump, py_config = dump_for_python(build, experiment, overrides, work, name)
    runs = {"attune": [], "attune_padded": [], "python": []}
    memory = {"attune": [], "python": []}
    for i in range(repeats):
        for variant, extra in (("attune", []), ("attune_padded", ["model.pack_sequences=false"])):
            run_dir = os.path.join(work, f"{name}_run_{i}")
            subprocess.run(["rm", "-rf", run_dir])
            _, _, peak = run_with_peak([os.path.join(build, "attune"), "train", experiment, *overrides, *extra,
                                        "--run-dir", run_dir])
            runs[variant].append(json.load(open(os.path.join(run_dir, "summary.json")))["samples_per_second"])
            if variant == "attune":
                memory["attune"].append(peak)
        out, _, peak = run_with_peak([PYTHON, os.path.join(HERE, "python_train.py"), dump, json.dumps(py_config)])
        runs["python"].append(json_lines(out)[0]["samples_per_second"])
        memory["python"].append(peak)
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = medians["attune"] / medians["python"]
    padded_ratio = medians["attune_padded"] / medians["python"]
    rate = lambda value: f"{value:.1f}" if value < 100 else f"{value:.0f}"  # noqa: E731
    rows = [("attune samples/s", rate(medians["attune"])),
            ("attune samples/s, padding computed", rate(medians["attune_padded"])),
            ("python samples/s", rate(medians["python"])),
            ("ratio attune / python", f"{ratio:.2f}"),
            ("ratio, padding computed (same work)", f"{padded_ratio:.2f}"),
            ("peak memory attune / python", f"{max(memory['attune']):.0f} / {max(memory['python']):.0f} MiB")]
    return {"unit": "samples/s (median)", "runs": runs, "median": medians,
            "peak_memory_mib": {k: max(v) for k, v in memory.items()}, "ratio": ratio, "padded_ratio": padded_ratio,
            "rows": rows}


def bench_train_throughput(build, repeats, work):
    """The demo model's training throughput over SST-2's first 12,800
    phrases: attune, packed and padded, against the Python loop."""
    demo = os.path.join(ROOT, "experiments", "sst2_transformer.yaml")
    overrides = [f"data.train={demo_subset(work, 12800)}", "train.epochs=1", "train.progress=none"]
    result = packed_padded_against_python(build, repeats, work, "train", demo, overrides)
    return {"name": "train_throughput", **result, "checks": {"attune / python >= 2.0": result["ratio"] >= 2.0}}


def bench_bert_finetune(build, repeats, work):
    """Fine-tuning a BERT-base-sized classifier (bench/make_bert_base.py's
    random weights; bench/bert_base_step.yaml: AdamW with HuggingFace's param
    groups, warmup then cosine, clipping) on the CPU for 10 steps of 32 of
    SST-2's phrases (sequences as long as each batch's longest): attune, packed
    and padded, against the Python loop. At most 2 repeats: a Python step
    takes seconds here."""
    experiment = os.path.join(HERE, "bert_base_step.yaml")
    overrides = [f"model.pretrained={bert_base_folder(work)}", f"data.train={demo_subset(work, 320)}",
                 f"data.valid={bert_step_data(work, 32, seed=1)}", "device=cpu", "train.epochs=1",
                 "train.progress=none"]
    result = packed_padded_against_python(build, min(repeats, 2), work, "bert_finetune", experiment, overrides)
    return {"name": "bert_finetune", **result, "checks": {"attune / python >= 1.0": result["ratio"] >= 1.0}}


def dump_for_python(build, experiment, overrides, work, name):
    """What the Python loop needs to train what `attune train experiment
    overrides` trains (bench_train_dump, built on the CPU: the same initial
    weights and batches), and its config for python_train.py."""
    dump = os.path.join(work, f"{name}_dump")
    os.makedirs(dump, exist_ok=True)
    info = json_lines(run_measured([os.path.join(build, "bench", "bench_train_dump"), experiment, dump, *overrides,
                                    "device=cpu"])[0])[0]
    config = json.load(open(os.path.join(dump, "config.json")))  # as resolved, overrides applied
    model = {k: v for k, v in config["model"].items() if k not in ("type", "pretrained", "num_labels")}
    py_config = {**info, "model": model, "model_type": config["model"]["type"], "optimizer": config["optimizer"],
                 "warmup_steps": config["scheduler"]["warmup_steps"], "total_steps": info["steps"],
                 "grad_clip_norm": config["train"]["grad_clip_norm"]}
    if config["model"]["type"] == "bert_classifier":
        py_config["bert_config"] = json.load(open(os.path.join(config["model"]["pretrained"], "config.json")))
    return dump, py_config


def matmul_rate(device, dtype, size):
    """The device's measured matmul rate (FLOP/s, best of several) for dtype:
    what a model's FLOPs are a share of."""
    code = ("import json, sys, time, torch\n"
            "device, dtype, n = torch.device(sys.argv[1]), getattr(torch, sys.argv[2]), int(sys.argv[3])\n"
            "a, b = (torch.randn(n, n, device=device).to(dtype) for _ in range(2))\n"
            "sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)\n"
            "best = 1e9\n"
            "for _ in range(8):\n"
            "    sync(); t = time.perf_counter(); a @ b; sync(); best = min(best, time.perf_counter() - t)\n"
            "print(json.dumps({'flops': 2.0 * n ** 3 / best}))\n")
    return json_lines(run_measured([PYTHON, "-c", code, device, dtype, str(size)])[0])[0]["flops"]


def gpu_training(build, repeats, work, name, experiment, overrides, device, precision):
    """One training row on the GPU: `attune train` against python_train.py on
    the same weights and batches, alternating; and attune again with
    train.finite_check_every=100 (the gradient norm read every 100 steps
    instead of after each): what the per-step check costs."""
    overrides = [*overrides, "train.epochs=1", "train.progress=none", f"precision={precision}"]
    dump, py_config = dump_for_python(build, experiment, overrides, work, name)
    py_config.update({"device": device, "precision": precision})
    runs = {"attune": [], "python": [], "attune_check_every_100": []}
    flops = None
    for i in range(repeats):
        for variant, extra in (("attune", []), ("attune_check_every_100", ["train.finite_check_every=100"])):
            run_dir = os.path.join(work, f"{name}_run_{i}")
            subprocess.run(["rm", "-rf", run_dir])
            run_measured([os.path.join(build, "attune"), "train", experiment, *overrides, *extra, f"device={device}",
                          "--run-dir", run_dir])
            runs[variant].append(json.load(open(os.path.join(run_dir, "summary.json")))["samples_per_second"])
        out, _ = run_measured([PYTHON, os.path.join(HERE, "python_train.py"), dump, json.dumps(py_config)])
        line = json_lines(out)[0]
        runs["python"].append(line["samples_per_second"])
        flops, gpu, torch_version = line["flops"], line["device"], line["torch"]
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = medians["attune"] / medians["python"]
    check_cost = medians["attune_check_every_100"] / medians["attune"] - 1
    examples = py_config["examples"]
    rate = matmul_rate(device, "bfloat16" if precision == "bf16" else "float32", 1024 if device == "cpu" else 8192)
    mfu = {k: flops * medians[k] / examples / rate for k in ("attune", "python")}
    return {"name": name, "unit": "samples/s (median)", "device": gpu, "torch": torch_version, "precision": precision,
            "runs": runs, "median": medians, "ratio": ratio, "flops_per_epoch": flops, "matmul_flops_per_second": rate,
            "mfu": mfu, "per_step_check_cost": check_cost,
            "rows": [("device", f"{gpu}, torch {torch_version}, {precision}"),
                     ("attune samples/s", f"{medians['attune']:.0f}"), ("python samples/s", f"{medians['python']:.0f}"),
                     ("ratio attune / python", f"{ratio:.2f}"),
                     ("model FLOPs utilisation attune / python", f"{mfu['attune']:.1%} / {mfu['python']:.1%}"),
                     (f"matmul rate ({precision})", f"{rate / 1e12:.1f} TFLOP/s"),
                     ("attune, finite check every 100 steps", f"{medians['attune_check_every_100']:.0f} "
                                                              f"(per-step check costs {check_cost:+.1%})")],
            "checks": {"attune / python >= 1.0": ratio >= 1.0}}


def bert_step_data(work, rows, seed=0):
    """Sentences of 140 random whole words of BERT's vocabulary (each a
    sequence of the full 128 tokens), with random labels, as a TSV."""
    import random
    path = os.path.join(work, f"bert_step_{rows}.tsv")
    if not os.path.exists(path):
        words = [w for w in open(os.path.join(ROOT, "data", "vocab", "bert-base-uncased.txt")).read().split("\n")
                 if w.isalpha() and w.islower()]
        rng = random.Random(seed)
        with open(path, "w") as out:
            out.write("sentence\tlabel\n")
            for _ in range(rows):
                out.write(" ".join(rng.choice(words) for _ in range(140)) + f"\t{rng.randint(0, 1)}\n")
    return path


def gpu_bert(build, repeats, work, device, smoke=False):
    """BERT-base fine-tuning steps (seq 128, batch 32) in fp32 and in bf16
    (smoke: 2 steps of the 2-layer bert-tiny fixture at seq 64)."""
    folder = os.path.join(ROOT, "tests", "fixtures", "bert-tiny") if smoke else bert_base_folder(work)
    steps = 2 if smoke else 60
    overrides = [f"model.pretrained={folder}", f"data.train={bert_step_data(work, 32 * steps)}",
                 f"data.valid={bert_step_data(work, 32, seed=1)}"] + (["data.max_length=64"] if smoke else [])
    experiment = os.path.join(HERE, "bert_base_step.yaml")
    return [gpu_training(build, repeats, work, f"gpu_bert_{precision}", experiment, overrides, device, precision)
            for precision in ("fp32", "bf16")]


def gpu_demo(build, repeats, work, device, rows=None):
    """The demo model (experiments/sst2_transformer.yaml) for one epoch of
    SST-2's 67,349 phrases (or its first `rows`)."""
    demo = os.path.join(ROOT, "experiments", "sst2_transformer.yaml")
    overrides = [f"data.train={demo_subset(work, rows)}"] if rows else []
    return [gpu_training(build, repeats, work, "gpu_demo", demo, overrides, device, "fp32")]


def bench_encoder_stack(build, repeats, work, layers=12, steps=3):
    """A BERT-base-sized encoder stack (768 wide, 12 heads, ff 3072,
    seq 128, batch 8), forward + backward: FLOP/s, against the sgemm rate
    measured in the same process (model FLOPs utilisation), and against the
    same stack in Python."""
    runs = {"attune": [], "python": []}
    sgemm = []
    memory = {"attune": [], "python": []}
    flops = None
    for _ in range(repeats):
        out, _, peak = run_with_peak([os.path.join(build, "bench", "bench_encoder_stack"), str(layers), str(steps)])
        lines = json_lines(out)
        sgemm.append(lines[0]["sgemm_flops"])
        flops = lines[1]["flops"]
        runs["attune"] += [r["seconds"] for r in lines[1:]]
        memory["attune"].append(peak)
        out, _, peak = run_with_peak([PYTHON, os.path.join(HERE, "python_encoder_stack.py"), str(layers), str(steps)])
        runs["python"] += [r["seconds"] for r in json_lines(out)]
        memory["python"].append(peak)
    seconds = {k: statistics.median(v) for k, v in runs.items()}
    rate = flops / seconds["attune"]
    sgemm_rate = statistics.median(sgemm)
    mfu = rate / sgemm_rate
    ratio = seconds["python"] / seconds["attune"]
    return {"name": "encoder_stack", "unit": "seconds per step (median)", "runs": runs, "median": seconds,
            "flops_per_step": flops, "attune_flops_per_second": rate, "sgemm_flops_per_second": sgemm_rate,
            "mfu": mfu, "ratio": ratio, "peak_memory_mib": {k: max(v) for k, v in memory.items()},
            "rows": [("attune step", f"{seconds['attune']:.3f} s"), ("python step", f"{seconds['python']:.3f} s"),
                     ("ratio attune / python (speed)", f"{ratio:.2f}"),
                     ("attune GFLOP/s", f"{rate / 1e9:.1f}"), ("sgemm GFLOP/s", f"{sgemm_rate / 1e9:.1f}"),
                     ("model FLOPs utilisation", f"{mfu:.0%}"),
                     ("peak memory attune / python", f"{max(memory['attune']):.0f} / {max(memory['python']):.0f} MiB")],
            "checks": {"attune / python >= 1.0": ratio >= 1.0, "MFU >= 75% of sgemm": mfu >= 0.75}}


def bench_data_prep(build, repeats, work):
    """Reading and tokenizing SST-2's 67,349 training phrases (and
    the dev set) with attune's WordPiece tokenizer, and collating one epoch of
    batches, as a share of the demo's epoch time (its samples/s from
    train_throughput's attune runs, or measured here if that did not run)."""
    demo = os.path.join(ROOT, "experiments", "sst2_transformer.yaml")
    results = []
    memory = []
    for _ in range(repeats):
        out, _, peak = run_with_peak([os.path.join(build, "bench", "bench_data_prep"), demo])
        results.append(json_lines(out)[0])
        memory.append(peak)
    tokenize = statistics.median(r["load_and_tokenize_seconds"] for r in results)
    collate = statistics.median(r["collate_epoch_seconds"] for r in results)
    rate = statistics.median(r["sentences_per_second"] for r in results)
    train_examples = results[0]["train_examples"]
    return {"name": "data_prep", "unit": "seconds (median)", "runs": results, "sentences_per_second": rate,
            "load_and_tokenize_seconds": tokenize, "collate_epoch_seconds": collate,
            "train_examples": train_examples, "peak_memory_mib": max(memory),
            "rows": [("tokenize sentences/s", f"{rate:.0f}"), ("read + tokenize", f"{tokenize:.2f} s"),
                     ("collate one epoch", f"{collate:.2f} s"), ("peak memory", f"{max(memory):.0f} MiB")],
            "checks": {}}


def bench_sweep_overhead(build, repeats, work):
    """N short trials through `attune sweep` (one worker, no CV, no
    pruning) against the same N trainings run one after another by `attune train`."""
    demo = os.path.join(ROOT, "experiments", "sweep_digits.yaml")
    lrs = [3.0e-4, 1.0e-3, 3.0e-3, 1.0e-2]
    common = ["train.epochs=3", "search.cv_folds=0", "search.pruner.type=none", "search.refit=false"]
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    sweep_times, train_times, memory = [], [], {"sweep": [], "train": []}
    for i in range(repeats):
        sweep_dir = os.path.join(work, f"sweep_{i}")
        subprocess.run(["rm", "-rf", sweep_dir])
        space = "search.space={optimizer.lr: [%s]}" % ", ".join(str(lr) for lr in lrs)
        _, seconds, peak = run_with_peak([os.path.join(build, "attune"), "sweep", demo, *common, space, "threads=1",
                                          "--workers", "1", "--sweep-dir", sweep_dir], env=env)
        sweep_times.append(seconds)
        memory["sweep"].append(peak)
        total = 0.0
        for j, lr in enumerate(lrs):
            run_dir = os.path.join(work, f"sweep_train_{i}_{j}")
            subprocess.run(["rm", "-rf", run_dir])
            _, seconds, peak = run_with_peak([os.path.join(build, "attune"), "train", demo, *common, f"optimizer.lr={lr}",
                                              "threads=1", "train.progress=none", "--run-dir", run_dir], env=env)
            total += seconds
            memory["train"].append(peak)
        train_times.append(total)
    sweep, train = statistics.median(sweep_times), statistics.median(train_times)
    overhead = sweep / train - 1
    return {"name": "sweep_overhead", "unit": "seconds (median)", "trials": len(lrs),
            "runs": {"sweep": sweep_times, "train": train_times}, "overhead": overhead,
            "peak_memory_mib": {k: max(v) for k, v in memory.items()},
            "rows": [(f"sweep of {len(lrs)} trials", f"{sweep:.2f} s"), (f"{len(lrs)} x attune train", f"{train:.2f} s"),
                     ("sweep overhead", f"{overhead:+.1%}")],
            "checks": {"sweep overhead < 5%": overhead < 0.05}}


def bench_predict(build, repeats, work):
    """`attune predict` on SST-2's 872 dev sentences with a demo-sized model
    (trained briefly here), end to end as a process: load, read, tokenize,
    forward, write TSV rows; against a Python loop over the same model exported
    with `attune export --to torchscript` (torch.jit.load), given the token ids
    ready-made, in the same batches."""
    attune = os.path.join(build, "attune")
    demo = os.path.join(ROOT, "experiments", "sst2_transformer.yaml")
    dev = os.path.join(ROOT, "data", "sst2", "dev.tsv")
    run_dir = os.path.join(work, "predict_run")
    if not os.path.exists(os.path.join(run_dir, "checkpoints", "best.pt")):
        subprocess.run(["rm", "-rf", run_dir])
        subprocess.run([attune, "train", demo, f"data.train={demo_subset(work, 2000)}", "train.epochs=1",
                        "train.progress=none", "--run-dir", run_dir], check=True, capture_output=True)
    model = os.path.join(work, "predict_model.pt")
    subprocess.run([attune, "export", run_dir, "--to", "torchscript", model], check=True, capture_output=True)
    with open(dev) as f:
        header = f.readline().rstrip("\n").split("\t")
        texts = [line.rstrip("\n").split("\t")[header.index("sentence")] for line in f]
    texts_path, tokens_path = os.path.join(work, "dev_texts.json"), os.path.join(work, "dev_tokens.json")
    json.dump(texts, open(texts_path, "w"))
    vocab = os.path.join(ROOT, "data", "vocab", "bert-base-uncased.txt")
    tokens = subprocess.run([attune, "tokenize", "--vocab", vocab, "--max-length", "64", "--input", texts_path],
                            check=True, capture_output=True, text=True).stdout
    open(tokens_path, "w").write(tokens)
    batch = 256  # train.eval_batch_size, attune predict's default
    runs = {"attune": [], "python": [], "python_loop_only": []}
    for _ in range(repeats):  # alternate; both timed as whole processes, start-up included
        _, seconds = run_measured([attune, "predict", run_dir, "--data", dev, "--device", "cpu"])
        runs["attune"].append(len(texts) / seconds)
        out, seconds = run_measured([PYTHON, os.path.join(HERE, "python_predict.py"), model, tokens_path, str(batch),
                                     "0"])
        python = json_lines(out)[0]
        runs["python"].append(python["sentences"] / seconds)
        runs["python_loop_only"].append(python["sentences"] / python["seconds"])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = medians["attune"] / medians["python"]
    return {"name": "predict", "unit": "sentences/s (median)", "runs": runs, "median": medians, "ratio": ratio,
            "rows": [("attune predict (process: read, tokenize, forward, write)", f"{medians['attune']:.0f}"),
                     ("python torch.jit loop (process, ids given)", f"{medians['python']:.0f}"),
                     ("python torch.jit loop (after import and load)", f"{medians['python_loop_only']:.0f}"),
                     ("ratio attune / python process", f"{ratio:.2f}")],
            "checks": {"attune predict / python torchscript >= 1.0": ratio >= 1.0}}

def bench_attention(build, repeats, work):
    """The attention core (scores, mask, softmax, dropout, weighted values),
    forward + backward, through attune's path on this LibTorch against the
    explicit operations (PyTorch's kernels), alternating in one process, at
    the demo's shape and BERT-base's."""
    out, _ = run_measured([os.path.join(build, "bench", "bench_attention"), str(max(repeats, 7))])
    rows, checks, shapes = [], {}, {}
    for line in json_lines(out):
        fast, explicit = statistics.median(line["fast"]), statistics.median(line["explicit"])
        ratio = explicit / fast
        shapes[line["shape"]] = {"path": line["path"], "fast_seconds": fast, "explicit_seconds": explicit,
                                 "ratio": ratio}
        rows.append((f"{line['shape']}: {line['path']} / explicit", f"{fast * 1e3:.1f} / {explicit * 1e3:.1f} ms"))
        rows.append((f"{line['shape']}: ratio", f"{ratio:.2f}"))
        checks[f"{line['shape']}: {line['path']} at least as fast as explicit"] = ratio >= 1.0
    return {"name": "attention", "unit": "seconds, forward + backward (median)", "shapes": shapes, "rows": rows,
            "checks": checks}


BENCHMARKS = {"train_throughput": bench_train_throughput, "encoder_stack": bench_encoder_stack,
              "bert_finetune": bench_bert_finetune,
              "attention": bench_attention,
              "data_prep": bench_data_prep, "sweep_overhead": bench_sweep_overhead, "bert_load": bench_bert_load,
              "predict": bench_predict}


def fitting_blas_kernels():
    """What attune does at start (core/system/blas_core.h), for every program
    the benchmarks run, baselines included: where Debian's OpenBLAS fell back
    to its Prescott kernels for a CPU newer than itself, the kernels the CPU
    can run. Both sides of every comparison then use the same kernels."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return os.environ["OPENBLAS_CORETYPE"]
    try:
        blas = ctypes.CDLL("libopenblas.so.0")
        blas.openblas_get_corename.restype = ctypes.c_char_p
        core = blas.openblas_get_corename().decode()
    except OSError:
        return "not OpenBLAS"
    flags = set(open("/proc/cpuinfo").read().split())
    if core == "Prescott" and "avx512f" in flags:
        core = os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif core == "Prescott" and {"avx2", "fma"} <= flags:
        core = os.environ["OPENBLAS_CORETYPE"] = "Haswell"
    return core


def cuda_devices():
    """The GPUs that the baselines' torch sees (0 without CUDA)."""
    code = "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)"
    try:
        return int(subprocess.run([PYTHON, "-c", code], check=True, capture_output=True, text=True).stdout)
    except (subprocess.CalledProcessError, ValueError, OSError):
        return 0


def attune_cuda_devices(build):
    """The GPUs that attune's LibTorch sees, from `attune --version` (0 when
    it was built without CUDA)."""
    try:
        text = subprocess.run([os.path.join(build, "attune"), "--version"], check=True, capture_output=True,
                              text=True).stdout
    except (subprocess.CalledProcessError, OSError):
        return 0
    match = re.search(r"CUDA: (\d+) device", text)
    return int(match[1]) if match else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--gpu", choices=["auto", "only", "off"], default="auto",
                        help="the GPU rows: where CUDA is seen (auto), alone (only), or not")
    parser.add_argument("--gpu-device", default="cuda", help="the device of the GPU rows")
    parser.add_argument("--smoke", action="store_true",
                        help="the GPU rows at a tiny size (bert-tiny, 1,280 demo phrases): to try them out on a CPU")
    parser.add_argument("--out", default=os.path.join(HERE, "results.json"))
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    gpu_rows = args.gpu == "only" or (args.gpu == "auto" and args.gpu_device != "cuda")
    if args.gpu == "auto" and args.gpu_device == "cuda":
        # Both sides must reach the GPU: Python's torch for the baselines, and attune's LibTorch.
        python_gpus, attune_gpus = cuda_devices(), attune_cuda_devices(build)
        gpu_rows = python_gpus > 0 and attune_gpus > 0
        if python_gpus > 0 and not gpu_rows:
            print(f"GPU rows left out: Python's torch sees {python_gpus} GPU(s), but this attune sees none "
                  f"(built without CUDA?); build it against a CUDA LibTorch, or pass --gpu off", flush=True)
    work = os.path.join(tempfile.gettempdir(), "attune-bench")
    os.makedirs(work, exist_ok=True)
    blas = fitting_blas_kernels()
    print(f"OpenBLAS kernels: {blas}", flush=True)
    results = {"machine": {"cpus": os.cpu_count(), "openblas_kernels": blas}, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "benchmarks": []}
    benchmarks = {} if args.gpu == "only" else dict(BENCHMARKS)
    if gpu_rows:  # each returns a list of rows
        benchmarks["gpu_demo"] = lambda b, r, w: gpu_demo(b, r, w, args.gpu_device, 1280 if args.smoke else None)
        benchmarks["gpu_bert"] = lambda b, r, w: gpu_bert(b, r, w, args.gpu_device, args.smoke)
    for name, fn in benchmarks.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        returned = fn(build, args.repeats, work)
        for result in returned if isinstance(returned, list) else [returned]:
            if result["name"] != name:
                print(f"== {result['name']}")
            results["benchmarks"].append(result)
            for label, value in result["rows"]:
                print(f"  {label:<40} {value}", flush=True)
            for check, ok in result["checks"].items():
                print(f"  {'PASS' if ok else 'FAIL'}: {check}", flush=True)
    by_name = {r["name"]: r for r in results["benchmarks"]}
    if "data_prep" in by_name and "train_throughput" in by_name:
        # Tokenizing and batching against a whole demo epoch at attune's measured rate.
        prep = by_name["data_prep"]
        epoch = prep["train_examples"] / by_name["train_throughput"]["median"]["attune"]
        share = (prep["load_and_tokenize_seconds"] + prep["collate_epoch_seconds"]) / epoch
        prep["epoch_share"] = share
        prep["rows"].append(("share of a demo epoch", f"{100 * share:.2f}% of {epoch:.0f} s"))
        prep["checks"]["tokenize + collate < 5% of an epoch"] = share < 0.05
        print(f"  {'share of a demo epoch':<40} {100 * share:.2f}% of {epoch:.0f} s")
        print(f"  {'PASS' if share < 0.05 else 'FAIL'}: tokenize + collate < 5% of an epoch")
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    failed = [c for r in results["benchmarks"] for c, ok in r["checks"].items() if not ok]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
