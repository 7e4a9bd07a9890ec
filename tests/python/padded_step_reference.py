"""One training step's forward and backward of attune's `transformer_classifier`
as PyTorch computes it on the padded batch (tests/python/attune_models.py):
`padded_step_reference.py CASE.json` reads {"model": {options}, "vocab_size",
"max_length", "num_classes", "pad_id", "state": {name: {"shape", "values"}},
"input_ids", "attention_mask", "labels"} and prints {"logits": [[...]],
"loss": x, "grads": {name: [flat values]}}: the mean cross-entropy's
gradient of every parameter.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attune_models  # noqa: E402


def main(path):
    case = json.load(open(path))
    torch.set_num_threads(1)
    model = attune_models.TransformerClassifier(case["vocab_size"], case["max_length"], case["num_classes"],
                                                pad_id=case["pad_id"], **case["model"])
    state = {name: torch.tensor(t["values"], dtype=torch.float32).reshape(t["shape"])
             for name, t in case["state"].items()}
    model.load_state_dict(state, strict=True)
    model.train()
    logits = model(torch.tensor(case["input_ids"]), torch.tensor(case["attention_mask"]))
    loss = F.cross_entropy(logits, torch.tensor(case["labels"]))
    loss.backward()
    json.dump({"logits": logits.tolist(), "loss": loss.item(),
               "grads": {name: p.grad.flatten().tolist() for name, p in model.named_parameters()}}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
