"""The Python side of `make bench`'s predict row: the TorchScript model that
`attune export --to torchscript` wrote, loaded with torch.jit.load, over
pre-tokenized inputs (a gift: attune's time includes reading and tokenizing),
in the same batches as `attune predict` (input order, padded to each batch's
longest), writing the same TSV rows. Prints {"sentences", "seconds"}, timed
from after `import torch` to the last row written (the bench also times the
whole process, as it times attune's).
"""
import json
import sys
import time

import torch


def main(model_path, tokens_path, batch_size, threads):
    start = time.perf_counter()
    if int(threads) > 0:  # 0: PyTorch's default, as a user runs it
        torch.set_num_threads(int(threads))
    model = torch.jit.load(model_path)
    model.eval()
    labels = list(model.labels)
    encoded = json.load(open(tokens_path))
    batch_size = int(batch_size)
    rows = ["prediction\t" + "\t".join(labels)]
    with torch.no_grad():
        for begin in range(0, len(encoded), batch_size):
            batch = encoded[begin:begin + batch_size]
            longest = max(len(e["input_ids"]) for e in batch)
            ids = torch.zeros(len(batch), longest, dtype=torch.int64)
            mask = torch.zeros(len(batch), longest, dtype=torch.int64)
            for i, e in enumerate(batch):
                ids[i, :len(e["input_ids"])] = torch.tensor(e["input_ids"])
                mask[i, :len(e["input_ids"])] = 1
            probabilities = torch.softmax(model(ids, mask, torch.zeros_like(ids)), 1)
            for row in probabilities.tolist():
                best = max(range(len(row)), key=row.__getitem__)
                rows.append(labels[best] + "\t" + "\t".join(repr(p) for p in row))
    sys.stdout.write("\n".join(rows) + "\n")  # as attune predict writes them
    print(json.dumps({"sentences": len(encoded), "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main(*sys.argv[1:])
