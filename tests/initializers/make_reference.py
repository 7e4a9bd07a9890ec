#!/usr/bin/env python3
"""Writes reference.json for initializer_reference_test.cpp, from Debian's
python3-torch (1.13, as attune's LibTorch):

- fans: torch.nn.init._calculate_fan_in_and_fan_out for linear, embedding,
  attention-projection, conv and 3-D shapes;
- gains: torch.nn.init.calculate_gain for every nonlinearity name;
- stats: mean, std, min and max of each torch.nn.init function on a large
  tensor (seeded), to compare with attune's within sampling tolerance.

Run from the repository root: python3 tests/initializers/make_reference.py
"""
import json
import os

import torch
import torch.nn.init as init

SHAPES = {"linear": [64, 32], "embedding": [1000, 16], "attention_in_proj": [96, 32], "conv2d": [8, 4, 3, 3],
          "three_d": [4, 5, 6]}
GAINS = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
         "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
BIG = [512, 1024]
# (attune type, attune options, the torch.nn.init call)
CASES = [
    ("uniform", {"a": -0.5, "b": 1.5}, lambda t: init.uniform_(t, -0.5, 1.5)),
    ("normal", {"mean": 0.3, "std": 0.02}, lambda t: init.normal_(t, 0.3, 0.02)),
    ("trunc_normal", {}, lambda t: init.trunc_normal_(t)),
    ("trunc_normal", {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 1.0},
     lambda t: init.trunc_normal_(t, 0.5, 2.0, -1.0, 1.0)),
    ("xavier_uniform", {"gain": 1.0}, lambda t: init.xavier_uniform_(t)),
    ("xavier_uniform", {"gain": "relu"}, lambda t: init.xavier_uniform_(t, init.calculate_gain("relu"))),
    ("xavier_normal", {"gain": 2.0}, lambda t: init.xavier_normal_(t, 2.0)),
    ("kaiming_uniform", {}, lambda t: init.kaiming_uniform_(t)),
    ("kaiming_uniform", {"a": 2.23606797749979, "mode": "fan_out"},
     lambda t: init.kaiming_uniform_(t, a=2.23606797749979, mode="fan_out")),
    ("kaiming_normal", {"nonlinearity": "relu"}, lambda t: init.kaiming_normal_(t, nonlinearity="relu")),
    ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "tanh"},
     lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh")),
    ("orthogonal", {"gain": 1.5}, lambda t: init.orthogonal_(t, 1.5)),
    ("constant", {"value": 0.25}, lambda t: init.constant_(t, 0.25)),
]


def main():
    out = {"torch_version": torch.__version__, "fans": {}, "gains": {}, "cases": []}
    for name, shape in SHAPES.items():
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(torch.empty(shape))
        out["fans"][name] = {"shape": shape, "fan_in": fan_in, "fan_out": fan_out}
    for name in GAINS:
        out["gains"][name] = init.calculate_gain(name)
    out["gains"]["leaky_relu_0.2"] = init.calculate_gain("leaky_relu", 0.2)
    for kind, options, fn in CASES:
        torch.manual_seed(0)
        t = fn(torch.empty(BIG, dtype=torch.float64 if kind == "orthogonal" else torch.float32)).double()
        out["cases"].append({"type": kind, "options": options, "shape": BIG, "mean": t.mean().item(),
                             "std": t.std().item(), "min": t.min().item(), "max": t.max().item()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
