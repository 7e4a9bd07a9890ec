#!/usr/bin/env python3
"""Writes a BERT-base-sized HuggingFace folder (110M parameters, random weights)
for the load benchmark: config.json, model.safetensors and pytorch_model.bin,
with HuggingFace's key names. Usage: make_bert_base.py OUT_DIR"""
import json
import os
import struct
import sys

import torch

H, L, FF, V, P = 768, 12, 3072, 30522, 512


def tensors():
    g = torch.Generator().manual_seed(0)
    out = {}

    def add(name, *shape):
        out[name] = torch.randn(*shape, generator=g) * 0.02

    add("bert.embeddings.word_embeddings.weight", V, H)
    add("bert.embeddings.position_embeddings.weight", P, H)
    add("bert.embeddings.token_type_embeddings.weight", 2, H)
    add("bert.embeddings.LayerNorm.weight", H)
    add("bert.embeddings.LayerNorm.bias", H)
    for i in range(L):
        p = f"bert.encoder.layer.{i}."
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            add(p + m + ".weight", H, H)
            add(p + m + ".bias", H)
        add(p + "attention.output.LayerNorm.weight", H)
        add(p + "attention.output.LayerNorm.bias", H)
        add(p + "intermediate.dense.weight", FF, H)
        add(p + "intermediate.dense.bias", FF)
        add(p + "output.dense.weight", H, FF)
        add(p + "output.dense.bias", H)
        add(p + "output.LayerNorm.weight", H)
        add(p + "output.LayerNorm.bias", H)
    add("bert.pooler.dense.weight", H, H)
    add("bert.pooler.dense.bias", H)
    return out


def write_safetensors(path, state):
    header, offset = {}, 0
    for name, t in state.items():
        n = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for t in state.values():
            f.write(t.contiguous().numpy().tobytes())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    config = {"architectures": ["BertModel"], "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 12,
              "intermediate_size": FF, "vocab_size": V, "max_position_embeddings": P, "type_vocab_size": 2,
              "hidden_act": "gelu", "layer_norm_eps": 1e-12, "model_type": "bert"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f)
    state = tensors()
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    torch.save(state, os.path.join(out, "pytorch_model.bin"))
    print(sum(t.numel() for t in state.values()), "parameters written to", out)


if __name__ == "__main__":
    main()
