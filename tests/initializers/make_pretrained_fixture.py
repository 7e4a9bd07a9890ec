#!/usr/bin/env python3
"""Writes tests/fixtures/tiny_model/: a tiny transformer_classifier made by
PyTorch (tests/python/attune_models.py, attune's parameter names), saved the
ways users bring weights, and what PyTorch computes with it:

  state_dict.bin          torch.save(model.state_dict()) : an OrderedDict, zip format
  model.safetensors       the same tensors, safetensors (written per the spec)
  half.safetensors        the same in float16 under a `model.` prefix, LayerNorm
                          weights renamed to `gamma` (as old checkpoints name them)
  vocab.txt, train.tsv    the vocabulary and data the experiment uses
  expected.json           every parameter's values, and the logits PyTorch's forward
                          gives for a padded batch (eval mode)

Run from the repository root: python3 tests/initializers/make_pretrained_fixture.py
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from attune_models import TransformerClassifier  # noqa: E402

OUT = os.path.join(HERE, "..", "fixtures", "tiny_model")
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "good", "bad", "film", "very", "not", "plot", "!", "."]
CONFIG = dict(hidden_dim=8, num_heads=2, num_layers=2, ff_dim=16, dropout=0.1)
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else \
            t.contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    model = TransformerClassifier(vocab_size=len(VOCAB), max_length=16, num_classes=2, pad_id=0, **CONFIG)
    with torch.no_grad():  # move every value off its default so that nothing matches by accident
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.eval()
    state = model.state_dict()
    torch.save(state, os.path.join(OUT, "state_dict.bin"))
    write_safetensors(os.path.join(OUT, "model.safetensors"), dict(state))
    half = {"model." + k.replace("norm.weight", "norm.gamma").replace("norm1.weight", "norm1.gamma"): v.half()
            for k, v in state.items()}
    write_safetensors(os.path.join(OUT, "half.safetensors"), half)

    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(OUT, "train.tsv"), "w") as f:
        f.write("sentence\tlabel\na very good film !\t1\nbad plot .\t0\nnot a good film\t0\ngood\t1\n")

    # [CLS] a very good film ! [SEP] and [CLS] bad plot . [SEP] + padding
    ids = torch.tensor([[2, 5, 9, 6, 8, 12, 3], [2, 7, 11, 13, 3, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        logits = model(ids, mask)
    expected = {"config": CONFIG, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                "logits": logits.tolist(), "parameters": {k: v.flatten().tolist() for k, v in state.items()},
                "shapes": {k: list(v.shape) for k, v in state.items()},
                "half_parameters": {k: v.half().float().flatten().tolist() for k, v in state.items()}}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
