"""One training step's forward and backward of attune's `transformer_classifier`
or `bert_classifier` as PyTorch computes it on the padded batch
(tests/python/attune_models.py): `padded_step_reference.py CASE.json` reads

  {"model": {transformer_classifier's options} or "bert_config": {config.json},
   "vocab_size", "max_length", "num_classes", "pad_id" (transformer),
   "state_file": a torch::pickle_save'd {name: tensor} of the model's parameters,
   "input_ids", "attention_mask", "labels", "token_type_ids" (optional),
   "rows": {name: [row, ...]} (optional: the rows of a large table to report)}

and prints {"logits": [[...]], "loss": x, "grads": {name: [flat values]}}: the
mean cross-entropy's gradient of every parameter (of a table in "rows", those rows).
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
    if "bert_config" in case:
        model = attune_models.BertClassifier(case["bert_config"], case["num_classes"])
    else:
        model = attune_models.TransformerClassifier(case["vocab_size"], case["max_length"], case["num_classes"],
                                                    pad_id=case["pad_id"], **case["model"])
    model.load_state_dict(torch.load(case["state_file"], weights_only=False), strict=True)
    model.train()
    inputs = [torch.tensor(case["input_ids"]), torch.tensor(case["attention_mask"])]
    if "token_type_ids" in case:
        inputs.append(torch.tensor(case["token_type_ids"]))
    logits = model(*inputs)
    loss = F.cross_entropy(logits, torch.tensor(case["labels"]))
    loss.backward()
    rows = case.get("rows", {})
    grads = {name: (p.grad[rows[name]] if name in rows else p.grad).flatten().tolist()
             for name, p in model.named_parameters()}
    json.dump({"logits": logits.tolist(), "loss": loss.item(), "grads": grads}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
