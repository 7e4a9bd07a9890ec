"""The Python baseline of the training benchmarks: attune's model written in
PyTorch's Python API (tests/python/attune_models.py: the demo's
transformer_classifier, or bert_classifier), started from attune's initial
weights, trained on the batches attune dumped, with the same optimizer (AdamW,
with the experiment's param groups), scheduler (linear warmup then cosine,
per step) and gradient clipping, zeroing gradients as attune
does (set to None).

On a GPU it is written as a user would: attention through
F.scaled_dot_product_attention where PyTorch has it, batches copied from
pinned memory without blocking, bf16 through torch.autocast, no host sync in
the loop.

Usage: python_train.py DUMP_DIR CONFIG_JSON   (CONFIG_JSON: bench_train_dump's line plus the model options)
Prints one JSON line: {"samples_per_second": ..., "seconds": ..., "loss": ..., "flops": ...}.
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
import attune_models  # noqa: E402


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


def build_model(config):
    if config.get("model_type", "transformer_classifier") == "bert_classifier":
        return attune_models.BertClassifier(config["bert_config"], config["num_classes"])
    return attune_models.TransformerClassifier(config["vocab_size"], config["max_length"], config["num_classes"],
                                               pad_id=config["pad_id"], **config["model"])


def training_flops(model, shapes):
    """Matmul FLOPs of forward + backward (3 x forward) over batches of these
    [B, L] shapes: every Linear inside the encoder's layers on every token
    (2 per multiply-add), and each layer's scores and context (4 L^2 H per
    sequence); embeddings, pooler and head left out, as bench_encoder_stack counts."""
    if isinstance(model, attune_models.BertClassifier):
        blocks, hidden = model.bert.encoder.layer, model.bert.pooler.dense.in_features
    else:
        blocks, hidden = model.encoder.layers, model.head.in_features
    per_token = sum(m.weight.numel() for m in blocks.modules() if isinstance(m, torch.nn.Linear))
    forward = sum(2.0 * b * l * per_token + len(blocks) * 4.0 * b * l * l * hidden for b, l in shapes)
    return 3 * forward


def schedule(config):
    warmup, total = config["warmup_steps"], config["total_steps"]

    def factor(step):  # attune's cosine with linear warmup from 0.01, per step
        if step < warmup:
            return 0.01 + (1 - 0.01) * step / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return factor


def main():
    folder, config = sys.argv[1], json.loads(sys.argv[2])
    device = torch.device(config.get("device", "cpu"))
    precision = config.get("precision", "fp32")
    attune_models.USE_SDPA = hasattr(F, "scaled_dot_product_attention")
    torch.manual_seed(0)
    model = build_model(config)
    model.load_state_dict(torch.load(os.path.join(folder, "initial.pt"), weights_only=False), strict=True)
    model.to(device)
    batches = torch.load(os.path.join(folder, "batches.pt"), weights_only=False)
    steps = config["steps"]
    names = ("input_ids", "attention_mask", "labels")
    host = [[batches[f"{k}.{step}"] for k in names] for step in range(steps)]
    if device.type == "cuda":  # a DataLoader with pin_memory=True hands over pinned batches
        host = [[t.pin_memory() for t in batch] for batch in host]
    opt = config["optimizer"]
    optimizer = torch.optim.AdamW(param_groups(model, opt), lr=opt["lr"], weight_decay=opt["weight_decay"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(config))
    autocast = precision == "bf16"
    model.train()
    samples = 0
    start = time.perf_counter()
    loss = None
    for step in range(steps):
        ids, mask, labels = (t.to(device, non_blocking=True) for t in host[step])
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            logits = model(ids, mask)
        loss = F.cross_entropy(logits.float(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_clip_norm"])
        optimizer.step()
        scheduler.step()
        samples += labels.shape[0]
    final_loss = loss.item()  # waits for the GPU
    seconds = time.perf_counter() - start
    flops = training_flops(model, [tuple(batch[0].shape) for batch in host])
    print(json.dumps({"samples_per_second": samples / seconds, "seconds": seconds, "loss": final_loss,
                      "flops": flops, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}))


if __name__ == "__main__":
    main()
