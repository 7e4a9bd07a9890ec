"""torch.nn.functional's values for the loss cases attune's test writes:
`loss_reference.py CASES.json` prints, per case, the loss with
reduction='mean' and the gradient of that mean with respect to the outputs.

Each case: {"outputs": [[...]] or [...], "targets": [...], "loss": {"type":
..., options}}. Class targets are integers; regression targets floats.
"""
import json
import sys

import torch
import torch.nn.functional as F


def loss_of(spec, outputs, targets):
    kind = spec["type"]
    if kind == "cross_entropy":
        weights = spec.get("weights")
        weight = torch.tensor(weights, dtype=torch.float32) if weights else None
        return F.cross_entropy(outputs, targets, weight=weight, label_smoothing=spec.get("label_smoothing", 0.0))
    values = outputs.reshape(-1)
    if kind == "mse":
        return F.mse_loss(values, targets)
    if kind == "huber":
        return F.huber_loss(values, targets, delta=spec.get("delta", 1.0))
    raise ValueError(kind)


def main(path):
    results = []
    for case in json.load(open(path)):
        outputs = torch.tensor(case["outputs"], dtype=torch.float32, requires_grad=True)
        spec = case["loss"]
        dtype = torch.long if spec["type"] == "cross_entropy" else torch.float32
        targets = torch.tensor(case["targets"], dtype=dtype)
        loss = loss_of(spec, outputs, targets)
        loss.backward()
        results.append({"loss": loss.item(), "grad": outputs.grad.reshape(-1).tolist()})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
