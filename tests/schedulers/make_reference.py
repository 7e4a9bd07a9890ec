#!/usr/bin/env python3
"""Writes reference.json: learning rates from torch.optim.lr_scheduler (Debian's
python3-torch, the same 1.13 as attune's LibTorch) for every scheduler case that
tests/schedulers/scheduler_reference_test.cpp replays through attune.

Each case gives the attune `scheduler:` section, the param groups' lrs, the run
length (steps per epoch x epochs) and the PyTorch construction it must equal.
Run: python3 tests/schedulers/make_reference.py  (from the repository root)
"""
import json
import os

import torch
from torch.optim import lr_scheduler as S

CASES = []


def case(name, config, lrs, steps_per_epoch, epochs, build, ticks=None, momentum=None):
    CASES.append(dict(name=name, config=config, lrs=lrs, steps_per_epoch=steps_per_epoch,
                      epochs=epochs, build=build, ticks=ticks, momentum=momentum))


def total_ticks(c):
    per_epoch = c["steps_per_epoch"] if c["config"].get("interval", "step") == "step" else 1
    return per_epoch * c["epochs"]


def with_warmup(opt, c, main_factory):
    """attune's warmup_steps: SequentialLR([LinearLR, main], [warmup_steps])."""
    warmup = c["config"].get("warmup_steps", 0)
    rest = max(total_ticks(c) - warmup, 1)
    if warmup == 0:
        return main_factory(opt, rest)
    start = c["config"].get("warmup_start_factor", 0.01)
    linear = S.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=warmup)
    main = main_factory(opt, rest)
    return S.SequentialLR(opt, [linear, main], milestones=[warmup])


# --- exponential
for gamma in (0.99, 0.9, 1.001):
    case(f"exponential_gamma_{gamma}", {"type": "exponential", "gamma": gamma}, [0.1], 100, 12,
         lambda opt, c, g=gamma: with_warmup(opt, c, lambda o, rest: S.ExponentialLR(o, gamma=g)))
case("exponential_two_groups_epoch", {"type": "exponential", "gamma": 0.95, "interval": "epoch"},
     [0.1, 0.003], 10, 1000,
     lambda opt, c: with_warmup(opt, c, lambda o, rest: S.ExponentialLR(o, gamma=0.95)))

# --- cosine: t_max from the run, t_max shorter than the run (the lr climbs back), eta_min
case("cosine_whole_run", {"type": "cosine"}, [0.1], 100, 11,
     lambda opt, c: with_warmup(opt, c, lambda o, rest: S.CosineAnnealingLR(o, T_max=rest)))
case("cosine_t_max_shorter_than_run", {"type": "cosine", "t_max": 150, "eta_min": 0.001}, [0.1, 0.02], 100, 12,
     lambda opt, c: with_warmup(opt, c, lambda o, rest: S.CosineAnnealingLR(o, T_max=150, eta_min=0.001)))
case("cosine_per_epoch", {"type": "cosine", "interval": "epoch", "eta_min": 1e-5}, [0.5], 7, 1000,
     lambda opt, c: with_warmup(opt, c, lambda o, rest: S.CosineAnnealingLR(o, T_max=rest, eta_min=1e-5)))

# --- warmup in front of any scheduler, warmup longer than the cosine
case("cosine_with_warmup", {"type": "cosine", "warmup_steps": 100, "warmup_start_factor": 0.01}, [0.001],
     50, 24, lambda opt, c: with_warmup(opt, c, lambda o, rest: S.CosineAnnealingLR(o, T_max=rest)))
case("warmup_longer_than_cosine", {"type": "cosine", "t_max": 50, "warmup_steps": 300, "warmup_start_factor": 0.1},
     [0.01, 0.1], 100, 11, lambda opt, c: with_warmup(opt, c, lambda o, rest: S.CosineAnnealingLR(o, T_max=50)))
case("exponential_with_warmup", {"type": "exponential", "gamma": 0.998, "warmup_steps": 37}, [0.2], 100, 11,
     lambda opt, c: with_warmup(opt, c, lambda o, rest: S.ExponentialLR(o, gamma=0.998)))


def run(c):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in c["lrs"]]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, c["lrs"])]
    opt = torch.optim.SGD(groups, lr=c["lrs"][0], momentum=0.9)
    sched = c["build"](opt, c)
    ticks = c["ticks"] or total_ticks(c)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(ticks):
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return ticks, lrs


def main():
    out = {"torch_version": torch.__version__, "cases": []}
    for c in CASES:
        ticks, lrs = run(c)
        assert ticks >= 1000, c["name"]
        out["cases"].append({"name": c["name"], "config": c["config"], "lrs": c["lrs"],
                             "steps_per_epoch": c["steps_per_epoch"], "epochs": c["epochs"],
                             "ticks": ticks, "expected": lrs})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {path}")


if __name__ == "__main__":
    main()
