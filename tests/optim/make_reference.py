#!/usr/bin/env python3
"""Writes adamw_reference.json: parameters after each step of torch.optim.AdamW,
run by Debian's python3-torch (the same 1.13 as attune's LibTorch), for
fused_adamw_test.cpp to replay through attune's FusedAdamW. Each case gives the
initial parameters, the gradients of every step, each group's learning rate at
every step (as a scheduler would set it) and the parameters after every step.
Sizes are odd, so that the vector loops' tails are covered. Run from the
repository root:

    python3 tests/optim/make_reference.py
"""
import json
import os

import torch

torch.manual_seed(20261127)


def case(name, sizes, group_options, lrs, steps=6, amsgrad=False, betas=(0.9, 0.999), eps=1e-8):
    params = [torch.randn(*size) for size in sizes]
    initial = [p.clone() for p in params]
    groups = [{"params": [p], **options} for p, options in zip(params, group_options)]
    optimizer = torch.optim.AdamW(groups, betas=betas, eps=eps, amsgrad=amsgrad)
    grads, after, lrs_used = [], [], []
    for step in range(steps):
        step_grads = [torch.randn_like(p) * (10.0 ** (step % 3 - 1)) for p in params]
        for p, g in zip(params, step_grads):
            p.grad = g.clone()
        for group in optimizer.param_groups:
            group["lr"] = group["lr"] if step == 0 else group["lr"] * lrs[step]
        lrs_used.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        grads.append([g.flatten().tolist() for g in step_grads])
        after.append([p.detach().flatten().tolist() for p in params])
    return {"name": name, "sizes": [list(s) for s in sizes], "groups": group_options, "lrs": lrs_used,
            "betas": list(betas), "eps": eps, "amsgrad": amsgrad,
            "initial": [p.flatten().tolist() for p in initial], "grads": grads, "after": after}


cases = [
    case("two_groups", [(37, 29), (1003,)], [{"lr": 2e-3, "weight_decay": 0.01}, {"lr": 5e-2, "weight_decay": 0.0}],
         [1, 1.0, 0.9, 0.8, 0.5, 0.5]),
    case("betas_eps", [(4099,)], [{"lr": 1e-2, "weight_decay": 0.1}], [1, 1, 1, 1, 1, 1], betas=(0.8, 0.95), eps=1e-6),
    case("amsgrad_falls_back", [(257,)], [{"lr": 1e-2, "weight_decay": 0.01}], [1, 1, 1, 1, 1, 1], amsgrad=True),
]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "adamw_reference.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {path} ({len(cases)} cases)")
