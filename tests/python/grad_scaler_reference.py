"""PyTorch's own GradScaler replayed on CPU: `grad_scaler_reference.py CASES.json`
reads a list of cases {"options": {init_scale, growth_factor, backoff_factor,
growth_interval}, "steps": [[grad, ...], ...]} (each step the scaled
gradients of the parameters, as lists, NaN and Inf written as strings) and
prints, for each case, for each step whether GradScaler.step ran the
optimizer, the scale and the growth tracker after GradScaler.update and the
unscaled gradients, then the scaler's state_dict.

PyTorch's GradScaler runs unchanged: its unscale_, step and update decide.
From PyTorch 2.3 it is torch.amp's, which runs on the CPU with its own CPU
kernels. Before, it is torch.cuda.amp's, and only what a CPU-only machine
lacks is supplied: the class disables itself without CUDA, its device
replicator asserts CUDA tensors, and LibTorch 1.13 has the two kernels it
calls for CUDA only. Those two are written here from their CUDA sources
(aten/src/ATen/native/cuda/AmpKernels.cu): each gradient element times
inv_scale in float32 (left as it is when inv_scale is 1), found_inf set by any
non-finite element; and the scale update.
"""
import json
import math
import sys

import numpy as np
import torch
try:
    from torch.amp import grad_scaler  # PyTorch >= 2.3: GradScaler("cpu") and CPU kernels

    CPU_NATIVE = True
except ImportError:
    from torch.cuda.amp import grad_scaler

    CPU_NATIVE = False


def non_finite_check_and_unscale(grads, found_inf, inv_scale):
    inv = np.float32(inv_scale.item())
    for grad in grads:
        values = grad.numpy()
        if not np.isfinite(values).all():
            found_inf.fill_(1.0)
        if inv != np.float32(1.0):
            values *= inv  # float32 times float32, in place


def update_scale(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    current = np.float64(np.float32(scale.item()))
    if found_inf.item():
        scale.fill_(float(np.float32(current * backoff_factor)))
        growth_tracker.fill_(0)
    else:
        successful = int(growth_tracker.item()) + 1
        if successful == growth_interval:
            grown = np.float32(current * growth_factor)
            if np.isfinite(grown):
                scale.fill_(float(grown))
            growth_tracker.fill_(0)
        else:
            growth_tracker.fill_(successful)
    return scale


class Replicator(grad_scaler._MultiDeviceReplicator):
    def __init__(self, master_tensor):
        self.master = master_tensor
        self._per_device_tensors = {}


def number(value):
    return float(value)  # "nan", "inf" and "-inf" are strings in JSON


def replay(spec):
    options = spec["options"]
    scaler = grad_scaler.GradScaler("cpu", **options) if CPU_NATIVE else grad_scaler.GradScaler(**options)
    first = spec["steps"][0]
    params = [torch.zeros(len(g), requires_grad=True) for g in first]
    optimizer = torch.optim.SGD(params, lr=0.0)
    stepped = []
    original_step = optimizer.step

    def step(*args, **kwargs):
        stepped[-1] = True
        return original_step(*args, **kwargs)

    optimizer.step = step
    scaler._lazy_init_scale_growth_tracker(torch.device("cpu"))
    out = []
    for grads in spec["steps"]:
        for param, grad in zip(params, grads):
            param.grad = torch.tensor([number(g) for g in grad], dtype=torch.float32)
        stepped.append(False)
        scaler.unscale_(optimizer)
        unscaled = [[v if math.isfinite(v) else str(v) for v in p.grad.tolist()] for p in params]
        scaler.step(optimizer)
        scaler.update()
        out.append({"stepped": stepped[-1], "scale": scaler.get_scale(),
                    "growth_tracker": scaler._get_growth_tracker(), "unscaled": unscaled})
    return {"steps": out, "state": scaler.state_dict()}


def main(path):
    np.seterr(all="ignore")  # float32 overflow to inf, as in C: the kernel checks isfinite itself
    grad_scaler._MultiDeviceReplicator = Replicator
    if not CPU_NATIVE:
        grad_scaler.amp_definitely_not_available = lambda: False
        torch._amp_foreach_non_finite_check_and_unscale_ = non_finite_check_and_unscale
        torch._amp_update_scale_ = update_scale
    json.dump([replay(spec) for spec in json.load(open(path))], sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
