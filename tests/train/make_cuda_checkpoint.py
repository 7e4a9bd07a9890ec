#!/usr/bin/env python3
"""Turns an attune checkpoint written on the CPU into the same checkpoint as a
GPU would have written it, for machines without one: in the LibTorch archive
(a zip of pickles), every tensor's storage names its device, and only that
name differs. Then checks, with PyTorch's own reader, that the result is a
CUDA checkpoint: torch.jit.load refuses it on a CPU-only machine unless told
map_location='cpu', and with it reads the same values as the original.

    make_cuda_checkpoint.py IN.pt OUT.pt [cuda:N]
"""
import sys
import zipfile

import torch

source, target = sys.argv[1], sys.argv[2]
device = sys.argv[3] if len(sys.argv) > 3 else "cuda:0"


def binunicode(text):
    # How LibTorch's pickler writes a string: BINUNICODE, a 4-byte length, UTF-8.
    data = text.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zout:
    renamed = 0
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename.endswith(".pkl"):
            renamed += data.count(binunicode("cpu"))
            data = data.replace(binunicode("cpu"), binunicode(device))
        zout.writestr(item, data)
if renamed == 0:
    sys.exit("no tensor storage on `cpu` found in " + source)

original = torch.jit.load(source, map_location="cpu")
if not torch.cuda.is_available():
    try:
        torch.jit.load(target)
        sys.exit("PyTorch read the rewritten checkpoint without map_location: it is no CUDA checkpoint")
    except RuntimeError as error:
        if "CUDA" not in str(error) and "cuda" not in str(error):
            raise
mapped = torch.jit.load(target, map_location="cpu")
want = dict(original.named_parameters())
got = dict(mapped.named_parameters())
assert want.keys() == got.keys() and all(torch.equal(want[k], got[k]) for k in want), "values changed"
print(f"{target}: {renamed} storage device name(s) set to {device}; {len(want)} tensors equal under map_location")
