"""Logits of a TorchScript model exported by attune, as Python's PyTorch
computes them: `torchscript_logits.py MODEL.pt BATCHES.json` loads the file
with torch.jit.load and prints {"logits": [...], "labels": [...]}, one logits
list per batch. BATCHES.json is a list of batches, each {"input_ids",
"attention_mask", "token_type_ids"} (int lists [B, L]) or {"pixels"} (float
lists [B, C, H, W]).
"""
import json
import sys

import torch


def main(model_path, batches_path):
    torch.set_num_threads(1)
    model = torch.jit.load(model_path)
    model.eval()
    logits = []
    with torch.no_grad():
        for batch in json.load(open(batches_path)):
            if "pixels" in batch:
                out = model(torch.tensor(batch["pixels"], dtype=torch.float32))
            else:
                out = model(*(torch.tensor(batch[key], dtype=torch.int64)
                              for key in ("input_ids", "attention_mask", "token_type_ids")))
            logits.append(out.tolist())
    json.dump({"logits": logits, "labels": list(model.labels)}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
