"""The Python baseline of the encoder-stack benchmark: the same BERT-base-sized
stack (tests/python/attune_models.py's TransformerEncoder, the architecture of
attune's), forward + backward, same shapes and dropout.

Usage: python_encoder_stack.py LAYERS STEPS; prints a JSON line per timed step.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from attune_models import TransformerEncoder  # noqa: E402


def main():
    layers, steps = int(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(0)
    encoder = TransformerEncoder(layers, hidden_dim=768, num_heads=12, ff_dim=3072, dropout=0.1)
    encoder.train()
    x = torch.randn(8, 128, 768)
    mask = torch.zeros(8, 1, 1, 128)

    def step():
        for p in encoder.parameters():
            p.grad = None
        encoder(x, mask).sum().backward()

    step()
    for _ in range(steps):
        start = time.perf_counter()
        step()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main()
