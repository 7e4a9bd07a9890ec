"""The Python baseline of the training-throughput benchmark: attune's demo
model written in PyTorch's Python API (tests/python/attune_models.py), started
from attune's initial weights, trained on the batches attune dumped, with the
same optimizer (AdamW, with the experiment's param groups), scheduler (linear warmup then cosine, per step) and
gradient clipping, zeroing gradients as attune does (set to None).

Usage: python_train.py DUMP_DIR CONFIG_JSON   (CONFIG_JSON: bench_train_dump's line plus the model options)
Prints one JSON line: {"samples_per_second": ..., "seconds": ..., "loss": ...}.
"""
import fnmatch
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from attune_models import TransformerClassifier  # noqa: E402


def param_groups(model, opt):
    """attune's optimizer.param_groups: each parameter in the last group whose
    `match` globs and `kind:` selectors (bias, norm, layernorm, linear,
    embedding) select it, the rest in the default group."""
    def kinds_of(module, name):
        kinds = {"bias"} if name.rsplit(".", 1)[-1] == "bias" else set()
        if isinstance(module, torch.nn.LayerNorm):
            kinds |= {"norm", "layernorm"}
        elif isinstance(module, torch.nn.Linear):
            kinds.add("linear")
        elif isinstance(module, torch.nn.Embedding):
            kinds.add("embedding")
        return kinds

    configured = opt.get("param_groups", [])
    groups = [{"params": []} for _ in range(len(configured) + 1)]
    for module_name, module in model.named_modules():
        for param_name, param in module.named_parameters(recurse=False):
            name = f"{module_name}.{param_name}" if module_name else param_name
            chosen = 0
            for g, group in enumerate(configured):
                kind = group.get("kind", [])
                kind = [kind] if isinstance(kind, str) else kind
                names = not group.get("match") or any(fnmatch.fnmatchcase(name, glob) for glob in group["match"])
                if names and (not kind or kinds_of(module, name) & set(kind)):
                    chosen = g + 1
            groups[chosen]["params"].append(param)
    for g, group in enumerate(configured):
        groups[g + 1].update({key: group[key] for key in ("lr", "weight_decay") if group.get(key) is not None})
    return [group for group in groups if group["params"]]


def main():
    folder, config = sys.argv[1], json.loads(sys.argv[2])
    torch.manual_seed(0)
    model = TransformerClassifier(config["vocab_size"], config["max_length"], config["num_classes"],
                                  pad_id=config["pad_id"], **config["model"])
    model.load_state_dict(torch.load(os.path.join(folder, "initial.pt")), strict=True)
    batches = torch.load(os.path.join(folder, "batches.pt"))
    steps = config["steps"]
    opt = config["optimizer"]
    optimizer = torch.optim.AdamW(param_groups(model, opt), lr=opt["lr"], weight_decay=opt["weight_decay"])
    warmup, total = config["warmup_steps"], config["total_steps"]

    def factor(step):  # attune's cosine with linear warmup from 0.01, per step
        if step < warmup:
            return 0.01 + (1 - 0.01) * step / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    model.train()
    samples = 0
    start = time.perf_counter()
    loss = None
    for step in range(steps):
        ids, mask, labels = (batches[f"{k}.{step}"] for k in ("input_ids", "attention_mask", "labels"))
        logits = model(ids, mask)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_clip_norm"])
        optimizer.step()
        scheduler.step()
        samples += labels.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"samples_per_second": samples / seconds, "seconds": seconds, "loss": loss.item(),
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
