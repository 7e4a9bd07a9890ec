#!/usr/bin/env python3
"""Writes reference.json: learning rates (and momentum, for the schedulers that
cycle it) from torch.optim.lr_scheduler, run by Debian's python3-torch (the same
1.13 as attune's LibTorch), for every case that scheduler_reference_test.cpp
replays through attune.

A case gives attune's `optimizer:` and `scheduler:` sections, the run length
(steps per epoch x epochs), for reduce_on_plateau the validation metrics, and
the PyTorch construction it must equal. Run from the repository root:

    python3 tests/schedulers/make_reference.py
"""
import json
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
CASES = []
SGD = {"type": "sgd", "momentum": 0.9}
ADAM = {"type": "adam"}


def case(name, scheduler, build, lrs=(0.1,), optimizer=SGD, steps_per_epoch=100, epochs=11, metrics=None,
         momentum_from=None):
    CASES.append(dict(name=name, scheduler=scheduler, build=build, lrs=list(lrs), optimizer=optimizer,
                      steps_per_epoch=steps_per_epoch, epochs=epochs, metrics=metrics, momentum_from=momentum_from))


def interval_ticks(c):
    per_epoch = c["steps_per_epoch"] if c["scheduler"].get("interval", "step") == "step" else 1
    if c["scheduler"]["type"] == "reduce_on_plateau":
        per_epoch = 1
    return per_epoch * c["epochs"]


def warmed(main):
    """attune's `warmup_steps`: SequentialLR([LinearLR, main], [warmup_steps]),
    main built for the ticks left after the warmup."""
    def build(opt, c):
        warmup = c["scheduler"].get("warmup_steps", 0)
        rest = max(interval_ticks(c) - warmup, 1)
        if warmup == 0:
            return main(opt, rest, c)
        start = c["scheduler"].get("warmup_start_factor", 0.01)
        linear = S.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=warmup)
        return S.SequentialLR(opt, [linear, main(opt, rest, c)], milestones=[warmup])
    return build


# ---------------------------------------------------------------- exponential
for gamma in (0.99, 0.9, 1.001):
    case(f"exponential_gamma_{gamma}", {"type": "exponential", "gamma": gamma},
         warmed(lambda o, rest, c, g=gamma: S.ExponentialLR(o, gamma=g)))
case("exponential_two_groups_per_epoch", {"type": "exponential", "gamma": 0.95, "interval": "epoch"},
     warmed(lambda o, rest, c: S.ExponentialLR(o, gamma=0.95)), lrs=(0.1, 0.003), steps_per_epoch=10, epochs=1000)

# ---------------------------------------------------------------- cosine
case("cosine_whole_run", {"type": "cosine"}, warmed(lambda o, rest, c: S.CosineAnnealingLR(o, T_max=rest)))
case("cosine_t_max_shorter_than_run", {"type": "cosine", "t_max": 150, "eta_min": 0.001},
     warmed(lambda o, rest, c: S.CosineAnnealingLR(o, T_max=150, eta_min=0.001)), lrs=(0.1, 0.02), epochs=12)
case("cosine_per_epoch", {"type": "cosine", "interval": "epoch", "eta_min": 1e-5},
     warmed(lambda o, rest, c: S.CosineAnnealingLR(o, T_max=rest, eta_min=1e-5)), lrs=(0.5,), steps_per_epoch=7,
     epochs=1000)

# ---------------------------------------------------------------- warmup in front of any scheduler
case("cosine_with_warmup", {"type": "cosine", "warmup_steps": 100, "warmup_start_factor": 0.01},
     warmed(lambda o, rest, c: S.CosineAnnealingLR(o, T_max=rest)), lrs=(0.001,), steps_per_epoch=50, epochs=24)
case("warmup_longer_than_cosine", {"type": "cosine", "t_max": 50, "warmup_steps": 300, "warmup_start_factor": 0.1},
     warmed(lambda o, rest, c: S.CosineAnnealingLR(o, T_max=50)), lrs=(0.01, 0.1))
case("exponential_with_warmup", {"type": "exponential", "gamma": 0.998, "warmup_steps": 37},
     warmed(lambda o, rest, c: S.ExponentialLR(o, gamma=0.998)), lrs=(0.2,))

# ---------------------------------------------------------------- constant, linear
case("constant_default", {"type": "constant"}, warmed(lambda o, rest, c: S.ConstantLR(o)))
case("constant_long", {"type": "constant", "factor": 0.25, "total_iters": 300},
     warmed(lambda o, rest, c: S.ConstantLR(o, factor=0.25, total_iters=300)), lrs=(0.1, 0.01))
case("constant_zero_iters", {"type": "constant", "factor": 0.5, "total_iters": 0},
     warmed(lambda o, rest, c: S.ConstantLR(o, factor=0.5, total_iters=0)))
case("linear_warmup_like", {"type": "linear", "start_factor": 0.1, "total_iters": 100},
     warmed(lambda o, rest, c: S.LinearLR(o, start_factor=0.1, total_iters=100)))
case("linear_decay", {"type": "linear", "start_factor": 1.0, "end_factor": 0.0, "total_iters": 1000},
     warmed(lambda o, rest, c: S.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=1000)), lrs=(0.1, 0.05))
case("linear_default", {"type": "linear", "interval": "epoch"},
     warmed(lambda o, rest, c: S.LinearLR(o)), steps_per_epoch=3, epochs=1000)

# ---------------------------------------------------------------- step, multistep
case("step_100_half", {"type": "step", "step_size": 100, "gamma": 0.5}, warmed(lambda o, rest, c: S.StepLR(o, 100, 0.5)))
case("step_7_default_gamma", {"type": "step", "step_size": 7}, warmed(lambda o, rest, c: S.StepLR(o, 7)),
     lrs=(1.0, 0.5))
case("step_per_epoch", {"type": "step", "step_size": 30, "gamma": 0.9, "interval": "epoch"},
     warmed(lambda o, rest, c: S.StepLR(o, 30, 0.9)), steps_per_epoch=5, epochs=1000)
case("multistep_sorted", {"type": "multistep", "milestones": [100, 400, 700], "gamma": 0.5},
     warmed(lambda o, rest, c: S.MultiStepLR(o, [100, 400, 700], 0.5)))
case("multistep_unsorted_repeated", {"type": "multistep", "milestones": [700, 100, 400, 400]},
     warmed(lambda o, rest, c: S.MultiStepLR(o, [700, 100, 400, 400])), lrs=(0.1, 0.02))
case("multistep_with_warmup", {"type": "multistep", "milestones": [200, 600], "gamma": 0.3, "warmup_steps": 50},
     warmed(lambda o, rest, c: S.MultiStepLR(o, [200, 600], 0.3)))

# ---------------------------------------------------------------- polynomial
case("polynomial_whole_run", {"type": "polynomial"}, warmed(lambda o, rest, c: S.PolynomialLR(o, total_iters=rest)))
case("polynomial_short_squared", {"type": "polynomial", "total_iters": 500, "power": 2.0},
     warmed(lambda o, rest, c: S.PolynomialLR(o, total_iters=500, power=2.0)), lrs=(0.1, 0.03))
case("polynomial_sqrt_with_warmup", {"type": "polynomial", "power": 0.5, "warmup_steps": 80},
     warmed(lambda o, rest, c: S.PolynomialLR(o, total_iters=rest, power=0.5)))

# ---------------------------------------------------------------- cosine_warm_restarts
case("warm_restarts_t0_100", {"type": "cosine_warm_restarts", "t_0": 100},
     warmed(lambda o, rest, c: S.CosineAnnealingWarmRestarts(o, T_0=100)))
case("warm_restarts_t_mult_2", {"type": "cosine_warm_restarts", "t_0": 50, "t_mult": 2, "eta_min": 1e-4},
     warmed(lambda o, rest, c: S.CosineAnnealingWarmRestarts(o, T_0=50, T_mult=2, eta_min=1e-4)), lrs=(0.1, 0.01))
case("warm_restarts_t_mult_3_per_epoch", {"type": "cosine_warm_restarts", "t_0": 10, "t_mult": 3, "interval": "epoch"},
     warmed(lambda o, rest, c: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=3)), steps_per_epoch=2, epochs=1100)
case("warm_restarts_with_warmup", {"type": "cosine_warm_restarts", "t_0": 200, "warmup_steps": 100},
     warmed(lambda o, rest, c: S.CosineAnnealingWarmRestarts(o, T_0=200)))

# ---------------------------------------------------------------- one_cycle
case("one_cycle_cos", {"type": "one_cycle", "max_lr": 0.1},
     warmed(lambda o, rest, c: S.OneCycleLR(o, max_lr=0.1, total_steps=rest)))
case("one_cycle_linear_three_phase", {"type": "one_cycle", "max_lr": 0.05, "anneal_strategy": "linear",
                                      "three_phase": True, "pct_start": 0.25},
     warmed(lambda o, rest, c: S.OneCycleLR(o, max_lr=0.05, total_steps=rest, anneal_strategy="linear",
                                            three_phase=True, pct_start=0.25)))
case("one_cycle_adam_groups_own_lr", {"type": "one_cycle", "div_factor": 10.0, "final_div_factor": 100.0},
     warmed(lambda o, rest, c: S.OneCycleLR(o, max_lr=[0.01, 0.1], total_steps=rest, div_factor=10.0,
                                            final_div_factor=100.0)),
     lrs=(0.01, 0.1), optimizer=ADAM)
case("one_cycle_epochs_times_steps", {"type": "one_cycle", "max_lr": [0.2, 0.02], "epochs": 12, "pct_start": 0.4,
                                      "base_momentum": 0.8, "max_momentum": 0.9},
     warmed(lambda o, rest, c: S.OneCycleLR(o, max_lr=[0.2, 0.02], epochs=12, steps_per_epoch=100, pct_start=0.4,
                                            base_momentum=0.8, max_momentum=0.9)),
     lrs=(0.1, 0.01), epochs=12)
case("one_cycle_no_momentum", {"type": "one_cycle", "max_lr": 0.3, "cycle_momentum": False, "total_steps": 1100},
     warmed(lambda o, rest, c: S.OneCycleLR(o, max_lr=0.3, total_steps=1100, cycle_momentum=False)))

# ---------------------------------------------------------------- cyclic
case("cyclic_triangular", {"type": "cyclic", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 200},
     warmed(lambda o, rest, c: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=200)))
case("cyclic_triangular2_asymmetric", {"type": "cyclic", "base_lr": [0.001, 0.0001], "max_lr": [0.01, 0.001],
                                       "step_size_up": 100, "step_size_down": 300, "mode": "triangular2"},
     warmed(lambda o, rest, c: S.CyclicLR(o, base_lr=[0.001, 0.0001], max_lr=[0.01, 0.001], step_size_up=100,
                                          step_size_down=300, mode="triangular2")), lrs=(0.1, 0.01))
case("cyclic_exp_range_no_momentum", {"type": "cyclic", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 150,
                                      "mode": "exp_range", "gamma": 0.999, "cycle_momentum": False},
     warmed(lambda o, rest, c: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=150, mode="exp_range",
                                          gamma=0.999, cycle_momentum=False)))
# PyTorch 1.13's CyclicLR cycles only SGD's momentum; attune also cycles Adam's
# beta1 (as OneCycleLR does, and CyclicLR from 2.x): same formula, so the
# expected beta1 is the momentum CyclicLR gives an SGD optimizer.
case("cyclic_adam_beta1", {"type": "cyclic", "max_lr": 0.01, "step_size_up": 250},
     warmed(lambda o, rest, c: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=250)),
     lrs=(0.001,), optimizer=ADAM, momentum_from=SGD)

# ---------------------------------------------------------------- inverse_sqrt
# HuggingFace transformers' _get_inverse_sqrt_schedule_lr_lambda (optimization.py), verbatim:
def _get_inverse_sqrt_schedule_lr_lambda(current_step, *, num_warmup_steps, timescale=None):
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    shift = timescale - num_warmup_steps
    decay = 1.0 / math.sqrt((current_step + shift) / timescale)
    return decay


def inverse_sqrt(num_warmup_steps, timescale=None):
    if timescale is None:  # get_inverse_sqrt_schedule's default
        timescale = num_warmup_steps or 10_000
    return lambda o, rest, c: S.LambdaLR(o, lambda step: _get_inverse_sqrt_schedule_lr_lambda(
        step, num_warmup_steps=num_warmup_steps, timescale=timescale))


case("inverse_sqrt_warmup_100", {"type": "inverse_sqrt", "num_warmup_steps": 100}, warmed(inverse_sqrt(100)))
case("inverse_sqrt_no_warmup", {"type": "inverse_sqrt"}, warmed(inverse_sqrt(0)), lrs=(0.1, 0.01))
case("inverse_sqrt_timescale", {"type": "inverse_sqrt", "num_warmup_steps": 50, "timescale": 200},
     warmed(inverse_sqrt(50, 200)))

# ---------------------------------------------------------------- reduce_on_plateau (fed a metric per epoch)
def noisy_loss(n, seed):
    g = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, generator=g, dtype=torch.float64)
    return [1.0 / (1 + 0.01 * t) + 0.05 * float(noise[t]) for t in range(n)]


def noisy_accuracy(n, seed):
    return [1.0 - v for v in noisy_loss(n, seed)]


case("plateau_min_patience_3", {"type": "reduce_on_plateau", "patience": 3, "factor": 0.5},
     lambda o, c: S.ReduceLROnPlateau(o, patience=3, factor=0.5), epochs=1000, metrics=noisy_loss(1000, 1))
case("plateau_max_abs_cooldown", {"type": "reduce_on_plateau", "mode": "max", "threshold_mode": "abs",
                                  "threshold": 0.01, "cooldown": 2, "patience": 5, "min_lr": 1e-4},
     lambda o, c: S.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", threshold=0.01, cooldown=2, patience=5,
                                      min_lr=1e-4), epochs=1000, metrics=noisy_accuracy(1000, 2))
case("plateau_two_groups_min_lrs", {"type": "reduce_on_plateau", "patience": 0, "factor": 0.9,
                                    "min_lr": [0.001, 0.0005], "eps": 1e-6},
     lambda o, c: S.ReduceLROnPlateau(o, patience=0, factor=0.9, min_lr=[0.001, 0.0005], eps=1e-6),
     lrs=(0.1, 0.01), epochs=1000, metrics=noisy_loss(1000, 3))

# ---------------------------------------------------------------- sequential, chained
case("sequential_linear_then_cosine",
     {"type": "sequential", "milestones": [50], "schedulers": [
         {"type": "linear", "start_factor": 0.1, "total_iters": 50}, {"type": "cosine", "t_max": 200}]},
     lambda o, c: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=50),
                                     S.CosineAnnealingLR(o, T_max=200)], milestones=[50]))
case("sequential_three_unsorted_milestones",
     {"type": "sequential", "milestones": [300, 100], "schedulers": [
         {"type": "constant", "factor": 0.5, "total_iters": 20}, {"type": "exponential", "gamma": 0.99},
         {"type": "step", "step_size": 50, "gamma": 0.7}]},
     lambda o, c: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=20), S.ExponentialLR(o, gamma=0.99),
                                     S.StepLR(o, step_size=50, gamma=0.7)], milestones=[300, 100]), lrs=(0.1, 0.02))
case("sequential_restarts_then_polynomial",
     {"type": "sequential", "milestones": [500], "schedulers": [
         {"type": "cosine_warm_restarts", "t_0": 100, "t_mult": 2}, {"type": "polynomial", "total_iters": 400}]},
     lambda o, c: S.SequentialLR(o, [S.CosineAnnealingWarmRestarts(o, T_0=100, T_mult=2),
                                     S.PolynomialLR(o, total_iters=400)], milestones=[500]))
case("chained_exponential_and_restarts",
     {"type": "chained", "schedulers": [{"type": "exponential", "gamma": 0.999},
                                        {"type": "cosine_warm_restarts", "t_0": 100}]},
     lambda o, c: S.ChainedScheduler([S.ExponentialLR(o, gamma=0.999), S.CosineAnnealingWarmRestarts(o, T_0=100)]))
case("chained_constant_and_linear",
     {"type": "chained", "schedulers": [{"type": "constant", "factor": 0.5, "total_iters": 50},
                                        {"type": "linear", "start_factor": 0.5, "total_iters": 200}]},
     lambda o, c: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=50),
                                      S.LinearLR(o, start_factor=0.5, total_iters=200)]), lrs=(0.1, 0.3))
case("chained_step_and_multistep",
     {"type": "chained", "schedulers": [{"type": "step", "step_size": 300, "gamma": 0.5},
                                        {"type": "multistep", "milestones": [100, 550], "gamma": 0.8}]},
     lambda o, c: S.ChainedScheduler([S.StepLR(o, step_size=300, gamma=0.5),
                                      S.MultiStepLR(o, milestones=[100, 550], gamma=0.8)]))


def make_optimizer(kind, lrs):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    if kind["type"] == "sgd":
        return torch.optim.SGD(groups, lr=lrs[0], momentum=kind["momentum"])
    return torch.optim.Adam(groups, lr=lrs[0])


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def run(c, optimizer_kind):
    opt = make_optimizer(optimizer_kind, c["lrs"])
    sched = c["build"](opt, c)
    ticks = len(c["metrics"]) if c["metrics"] else interval_ticks(c)
    lrs = [[g["lr"] for g in opt.param_groups]]
    momenta = [[momentum_of(g) for g in opt.param_groups]]
    for t in range(ticks):
        opt.step()
        if c["metrics"]:
            sched.step(c["metrics"][t])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        momenta.append([momentum_of(g) for g in opt.param_groups])
    return ticks, lrs, momenta


def main():
    out = {"torch_version": torch.__version__, "cases": []}
    for c in CASES:
        ticks, lrs, momenta = run(c, c["optimizer"] if not c["momentum_from"] else c["momentum_from"])
        assert ticks >= 1000, (c["name"], ticks)
        optimizer = dict(c["optimizer"], lr=c["lrs"][0])
        if len(c["lrs"]) > 1:
            optimizer["param_groups"] = [{"name": f"group{i}", "match": ["*"], "lr": lr}
                                         for i, lr in enumerate(c["lrs"][1:], start=1)]
        out["cases"].append({"name": c["name"], "optimizer": optimizer, "scheduler": c["scheduler"],
                             "steps_per_epoch": c["steps_per_epoch"], "epochs": c["epochs"],
                             "metrics": c["metrics"], "ticks": ticks, "lr": lrs, "momentum": momenta})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {path}")


if __name__ == "__main__":
    main()
