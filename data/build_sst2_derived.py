#!/usr/bin/env python3
"""Build two small tasks derived from the SST-2 files in data/sst2/ (standard library only).

Run from anywhere:  python3 data/build_sst2_derived.py
The output is deterministic (fixed seeds, fixed iteration order), so
running it again rewrites the four files byte-identically.

1. data/sst2_positivity/{train,dev}.tsv  -- text regression, columns `score<TAB>sentence`.
   Phrase table: every row of data/sst2/train.tsv.gz (GLUE SST-2 train, 67,349 treebank
   phrases); a phrase text seen with several labels gets the mean of its labels.
   For each sentence of data/sst2/train_sentences.tsv (split on single spaces), every
   contiguous token n-gram, n = 1 .. len(sentence) (so the whole sentence too), is looked up
   in the table; each distinct matched phrase text counts once.
   score = mean phrase label of the matches (share of positive phrases, in [0, 1]), written
   with 4 decimals. Sentences with fewer than MIN_PHRASES matches are dropped.
   The kept sentences (file order) are shuffled with random.Random(20261202); the first
   round(0.9 * n) go to train.tsv, the rest to dev.tsv.

2. data/sst2_pairs/{train.tsv.gz,dev.tsv}  -- sentence-pair classification (pairwise
   preference), columns `label<TAB>sentence1<TAB>sentence2`; each pair holds one positive and
   one negative SST-2 sentence, label 1 = sentence1 is the positive one, 0 = sentence2 is.
   Each pair: pos = rng.choice(positive rows), neg = rng.choice(negative rows) (uniform, with
   replacement); (1, pos, neg) if rng.random() < 0.5 else (0, neg, pos).
   train: 8,000 pairs from data/sst2/train_sentences.tsv, rng = random.Random(20261203).
   dev: len(dev) = 872 pairs from data/sst2/dev.tsv only, rng = random.Random(20261204),
     so no dev sentence appears in train.
"""
import gzip
import os
import random
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "sst2")
MIN_PHRASES = 3
N_TRAIN_PAIRS = 8000


def read_tsv(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    assert lines[0] == "label\tsentence", path
    rows = []
    for line in lines[1:]:
        if line:
            label, sentence = line.split("\t")
            rows.append((int(label), sentence))
    return rows


def write_tsv(path, header, rows):
    """Writes a TSV; a `.gz` path is gzipped without a timestamp or name, so
    that the bytes depend on the rows alone."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = "\t".join(header) + "\n" + "".join("\t".join(row) + "\n" for row in rows)
    data = text.encode("utf-8")
    if path.endswith(".gz"):
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def build_positivity(phrases, sentences):
    labels = defaultdict(list)
    for label, text in phrases:
        labels[text].append(label)
    table = {text: sum(v) / len(v) for text, v in labels.items()}

    kept, dropped = [], 0
    for _, sentence in sentences:
        toks = sentence.split(" ")
        matched = {}
        for i in range(len(toks)):
            for j in range(i + 1, len(toks) + 1):
                gram = " ".join(toks[i:j])
                if gram in table:
                    matched[gram] = table[gram]
        if len(matched) < MIN_PHRASES:
            dropped += 1
            continue
        score = sum(matched.values()) / len(matched)
        kept.append(("%.4f" % score, sentence))

    random.Random(20261202).shuffle(kept)
    n_train = round(0.9 * len(kept))
    out = os.path.join(HERE, "sst2_positivity")
    write_tsv(os.path.join(out, "train.tsv"), ("score", "sentence"), kept[:n_train])
    write_tsv(os.path.join(out, "dev.tsv"), ("score", "sentence"), kept[n_train:])
    print("sst2_positivity: kept %d, dropped %d (< %d phrases), train %d, dev %d"
          % (len(kept), dropped, MIN_PHRASES, n_train, len(kept) - n_train))


def preference_pairs(rng, rows, count):
    """`count` pairs of one positive and one negative row, each drawn
    uniformly, in random order: label 1 when sentence1 is the positive one."""
    positive = [text for label, text in rows if label == 1]
    negative = [text for label, text in rows if label == 0]
    pairs = []
    for _ in range(count):
        pos, neg = rng.choice(positive), rng.choice(negative)
        pairs.append(("1", pos, neg) if rng.random() < 0.5 else ("0", neg, pos))
    return pairs


def build_pairs(train, dev):
    train_pairs = preference_pairs(random.Random(20261203), train, N_TRAIN_PAIRS)
    dev_pairs = preference_pairs(random.Random(20261204), dev, len(dev))

    out = os.path.join(HERE, "sst2_pairs")
    header = ("label", "sentence1", "sentence2")
    write_tsv(os.path.join(out, "train.tsv.gz"), header, train_pairs)
    write_tsv(os.path.join(out, "dev.tsv"), header, dev_pairs)
    print("sst2_pairs: train %d, dev %d" % (len(train_pairs), len(dev_pairs)))


def main():
    phrases = read_tsv(os.path.join(SRC, "train.tsv.gz"))
    train_sentences = read_tsv(os.path.join(SRC, "train_sentences.tsv"))
    dev_sentences = read_tsv(os.path.join(SRC, "dev.tsv"))
    build_positivity(phrases, train_sentences)
    build_pairs(train_sentences, dev_sentences)


if __name__ == "__main__":
    main()
