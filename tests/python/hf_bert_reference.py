"""An independent reference of how HuggingFace transformers 4.29 loads and runs
BertForSequenceClassification (AutoModelForSequenceClassification.from_pretrained).

Written from HF's published behaviour (modeling_bert.py, configuration_utils.py,
modeling_utils.py and tokenization_bert.py of transformers 4.29) using only
torch; it imports neither transformers, safetensors nor any attune code.

  /usr/bin/python3 tests/python/hf_bert_reference.py check-fixture DIR
  /usr/bin/python3 tests/python/hf_bert_reference.py logits DIR INPUTS.json
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
                      "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
                      "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
ACTIVATIONS = {  # HF's ACT2FN entries that BERT configs use
    "gelu": F.gelu,  # exact erf GELU
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),
    "relu": F.relu, "silu": F.silu, "swish": F.silu, "tanh": torch.tanh}
SPECIAL_TOKENS = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                  "cls_token": "[CLS]", "mask_token": "[MASK]"}  # BertTokenizer's defaults


class LoadError(Exception):
    pass


def read_safetensors(path):
    """Parse a safetensors file: u64 LE header length, JSON header, then raw little-endian data."""
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise LoadError(f"{path}: header length {n} exceeds the file")
    header, data, tensors = json.loads(blob[8:8 + n].decode("utf-8")), memoryview(blob)[8 + n:], {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in SAFETENSORS_DTYPES:
            raise LoadError(f"{path}: {name} has unsupported dtype {info['dtype']}")
        dtype, shape, (begin, end) = SAFETENSORS_DTYPES[info["dtype"]], info["shape"], info["data_offsets"]
        size = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        if not 0 <= begin <= end <= len(data) or end - begin != size:
            raise LoadError(f"{path}: {name} has bad data_offsets {[begin, end]} for shape {shape}")
        raw = torch.frombuffer(data, dtype=torch.uint8, count=size, offset=begin).clone() if size else \
            torch.empty(0, dtype=torch.uint8)
        tensors[name] = raw.view(dtype).reshape(shape)
    return tensors


def read_config(directory):
    """config.json read as BertConfig/PretrainedConfig would, with HF's defaults."""
    with open(os.path.join(directory, "config.json")) as f:
        raw = json.load(f)
    if raw.get("model_type") != "bert":
        raise LoadError(f"config.json: model_type is {raw.get('model_type')!r}, expected 'bert'")
    if "BertForSequenceClassification" not in (raw.get("architectures") or []):
        raise LoadError(f"config.json: architectures {raw.get('architectures')} lacks BertForSequenceClassification")
    defaults = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, hidden_act="gelu", max_position_embeddings=512,
                    type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0, position_embedding_type="absolute")
    cfg = {key: raw.get(key, value) for key, value in defaults.items()}
    if cfg["position_embedding_type"] != "absolute":
        raise LoadError(f"position_embedding_type {cfg['position_embedding_type']!r} unsupported (only 'absolute')")
    if cfg["hidden_act"] not in ACTIVATIONS:
        raise LoadError(f"hidden_act {cfg['hidden_act']!r} unsupported")
    if cfg["hidden_size"] % cfg["num_attention_heads"]:
        raise LoadError("hidden_size is not a multiple of num_attention_heads")
    if raw.get("id2label") is not None:  # id2label wins over num_labels, keys become ints
        cfg["id2label"] = {int(k): v for k, v in raw["id2label"].items()}
    else:
        cfg["id2label"] = {i: f"LABEL_{i}" for i in range(raw.get("num_labels", 2))}
    cfg["num_labels"] = len(cfg["id2label"])
    return cfg


def expected_shapes(cfg):
    h, i, p = cfg["hidden_size"], cfg["intermediate_size"], "bert.embeddings."
    shapes = {p + "word_embeddings.weight": [cfg["vocab_size"], h],
              p + "position_embeddings.weight": [cfg["max_position_embeddings"], h],
              p + "token_type_embeddings.weight": [cfg["type_vocab_size"], h],
              p + "LayerNorm.weight": [h], p + "LayerNorm.bias": [h]}
    for n in range(cfg["num_hidden_layers"]):
        layer = f"bert.encoder.layer.{n}."
        for name, out_in in [("attention.self.query", [h, h]), ("attention.self.key", [h, h]),
                             ("attention.self.value", [h, h]), ("attention.output.dense", [h, h]),
                             ("intermediate.dense", [i, h]), ("output.dense", [h, i])]:
            shapes[layer + name + ".weight"], shapes[layer + name + ".bias"] = out_in, out_in[:1]
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[layer + name + ".weight"] = shapes[layer + name + ".bias"] = [h]
    shapes.update({"bert.pooler.dense.weight": [h, h], "bert.pooler.dense.bias": [h],
                   "classifier.weight": [cfg["num_labels"], h], "classifier.bias": [cfg["num_labels"]]})
    return shapes


def read_state_dict(directory, fmt=None):
    """model.safetensors if present (HF's preference), else pytorch_model.bin."""
    st, pt = os.path.join(directory, "model.safetensors"), os.path.join(directory, "pytorch_model.bin")
    if fmt == "safetensors" or (fmt is None and os.path.exists(st)):
        return read_safetensors(st), st
    if fmt in (None, "bin") and os.path.exists(pt):
        return torch.load(pt, map_location="cpu"), pt
    raise LoadError(f"{directory}: no model.safetensors or pytorch_model.bin")


def load(directory, strict=True, fmt=None):
    """Returns a dict: config, weights (renamed keys), missing, unexpected, bad_shapes, dtypes, source."""
    cfg = read_config(directory)
    state, source = read_state_dict(directory, fmt)
    fixed = {}  # PreTrainedModel._fix_key: legacy LayerNorm gamma/beta names
    for key, value in state.items():
        fixed[key.replace("beta", "bias") if "beta" in key else key.replace("gamma", "weight")] = value
    if fixed and not any(k.startswith("bert.") for k in fixed):  # a bare BertModel checkpoint loads into .bert
        fixed = {"bert." + k: v for k, v in fixed.items()}
    shapes = expected_shapes(cfg)
    optional = {"bert.embeddings.position_ids": [1, cfg["max_position_embeddings"]]}  # buffer; ignored when missing
    missing = sorted(k for k in shapes if k not in fixed)
    unexpected = sorted(k for k in fixed if k not in shapes and k not in optional)
    known = {**shapes, **optional}
    bad_shapes = sorted(f"{k}: {list(v.shape)} != {known[k]}" for k, v in fixed.items()
                        if k in known and list(v.shape) != known[k])
    bad_dtypes = sorted(f"{k}: {v.dtype}" for k, v in fixed.items() if k in shapes and v.dtype != torch.float32)
    model = dict(config=cfg, weights=fixed, missing=missing, unexpected=unexpected, bad_shapes=bad_shapes,
                 bad_dtypes=bad_dtypes, dtypes={k: str(v.dtype) for k, v in fixed.items()}, source=source)
    problems = [f"{what}: {', '.join(keys)}" for what, keys in [("missing keys", missing), (
        "unexpected keys", unexpected), ("wrong shapes", bad_shapes), ("not float32", bad_dtypes)] if keys]
    if strict and problems:
        raise LoadError(f"{source}: " + "; ".join(problems))
    return model


def forward(model, input_ids, attention_mask=None, token_type_ids=None):
    """BertForSequenceClassification.forward in eval mode; float32, as modeling_bert.py computes it."""
    cfg, w = model["config"], model["weights"]
    lin = lambda x, name: F.linear(x, w[name + ".weight"], w[name + ".bias"])
    norm = lambda x, name: F.layer_norm(x, x.shape[-1:], w[name + ".weight"], w[name + ".bias"], cfg["layer_norm_eps"])
    input_ids = torch.as_tensor(input_ids, dtype=torch.int64)
    batch, length = input_ids.shape
    if length > cfg["max_position_embeddings"]:
        raise LoadError(f"sequence length {length} > max_position_embeddings {cfg['max_position_embeddings']}")
    mask = torch.ones(batch, length) if attention_mask is None else torch.as_tensor(attention_mask)
    types = torch.zeros_like(input_ids) if token_type_ids is None else torch.as_tensor(token_type_ids, dtype=torch.int64)
    positions = w.get("bert.embeddings.position_ids", torch.arange(cfg["max_position_embeddings"])[None])
    e = "bert.embeddings."
    x = F.embedding(input_ids, w[e + "word_embeddings.weight"]) + F.embedding(types, w[e + "token_type_embeddings.weight"])
    x += F.embedding(positions[:, :length].long(), w[e + "position_embeddings.weight"])
    hidden_states = [norm(x, e + "LayerNorm")]
    heads = cfg["num_attention_heads"]
    head_dim = cfg["hidden_size"] // heads
    additive = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    split = lambda t: t.view(batch, length, heads, head_dim).permute(0, 2, 1, 3)
    for n in range(cfg["num_hidden_layers"]):
        p, x = f"bert.encoder.layer.{n}.", hidden_states[-1]
        q, k, v = (split(lin(x, p + "attention.self." + s)) for s in ("query", "key", "value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim) + additive
        context = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous().view(batch, length, -1)
        attended = norm(lin(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        inner = ACTIVATIONS[cfg["hidden_act"]](lin(attended, p + "intermediate.dense"))
        hidden_states.append(norm(lin(inner, p + "output.dense") + attended, p + "output.LayerNorm"))
    pooled = torch.tanh(lin(hidden_states[-1][:, 0], "bert.pooler.dense"))
    return dict(last_hidden_state=hidden_states[-1], pooler_output=pooled,
                logits=lin(pooled, "classifier"), hidden_states=hidden_states)


def load_tokenizer_settings(directory):
    """What AutoTokenizer (BertTokenizer) needs: tokenizer_config.json, special_tokens_map.json, vocab.txt."""
    def read(name):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    tok_cfg, special_map = read("tokenizer_config.json"), read("special_tokens_map.json")
    if tok_cfg is not None:
        if not isinstance(tok_cfg.get("do_lower_case"), bool):
            raise LoadError("tokenizer_config.json: do_lower_case missing or not a bool")
        if type(tok_cfg.get("model_max_length")) is not int:
            raise LoadError("tokenizer_config.json: model_max_length missing or not an int")
        if tok_cfg.get("tokenizer_class") not in (None, "BertTokenizer", "BertTokenizerFast"):
            raise LoadError(f"tokenizer_config.json: tokenizer_class {tok_cfg['tokenizer_class']!r}")
    tok_cfg = tok_cfg or {}
    vocab = {}  # tokenization_bert.load_vocab: one token a line, id = line number
    with open(os.path.join(directory, "vocab.txt"), encoding="utf-8") as f:
        for index, line in enumerate(f):
            vocab[line.rstrip("\n")] = index
    settings = dict(do_lower_case=tok_cfg.get("do_lower_case", True),
                    model_max_length=tok_cfg.get("model_max_length", int(1e30)),
                    strip_accents=tok_cfg.get("strip_accents"),
                    tokenize_chinese_chars=tok_cfg.get("tokenize_chinese_chars", True),
                    vocab_size=len(vocab))
    for name, default in SPECIAL_TOKENS.items():
        token = (special_map or {}).get(name, tok_cfg.get(name, default))
        token = token["content"] if isinstance(token, dict) else token  # serialized AddedToken
        if token not in vocab:
            raise LoadError(f"vocab.txt lacks {name} {token!r}")
        settings[name], settings[name[:-len("token")] + "id"] = token, vocab[token]
    return settings


def check_fixture(directory):
    """Outputs against DIR/reference.json at atol 1e-5. Bit-exact when OpenBLAS runs the same kernel as
    the fixture's producer (OPENBLAS_CORETYPE=SkylakeX); other kernels differ by about 1e-6."""
    torch.set_num_threads(1)
    model, same = load(directory), True
    print(f"loaded {model['source']}: {len(model['weights'])} tensors, dtypes "
          f"{sorted(set(model['dtypes'].values()))}, no missing/unexpected keys")
    if os.path.exists(os.path.join(directory, "pytorch_model.bin")):
        other = load(directory, fmt="bin")["weights"]
        same = other.keys() == model["weights"].keys() and all(torch.equal(v, model["weights"][k]) for k, v in other.items())
        print(f"pytorch_model.bin holds the same tensors bit for bit: {same}")
    load_tokenizer_settings(directory)
    with open(os.path.join(directory, "reference.json")) as f:
        reference = json.load(f)
    worst = 0.0 if same else math.inf
    for batch in reference["batches"]:
        out = forward(model, batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        diffs = {name: (out[name] - torch.tensor(batch["outputs"][name], dtype=torch.float32)).abs().max().item()
                 for name in ("logits", "pooler_output", "last_hidden_state")}
        diffs["hidden_states"] = max((a - torch.tensor(b, dtype=torch.float32)).abs().max().item()
                                     for a, b in zip(out["hidden_states"], batch["outputs"]["hidden_states"]))
        worst = max(worst, *diffs.values())
        print(f"{batch['name']} {list(out['last_hidden_state'].shape[:2])}: "
              + ", ".join(f"{k} max|diff| {v:.3g}" for k, v in diffs.items()))
    print(f"worst {worst:.3g} (atol 1e-5): {'PASS' if worst <= 1e-5 else 'FAIL'}")
    return 0 if worst <= 1e-5 else 1


def logits(directory, inputs_path):
    torch.set_num_threads(1)
    model = load(directory)
    with open(inputs_path) as f:
        inputs = json.load(f)
    out = forward(model, inputs["input_ids"], inputs.get("attention_mask"), inputs.get("token_type_ids"))
    json.dump({"logits": out["logits"].tolist(), "settings": load_tokenizer_settings(directory),
               "id2label": {str(k): v for k, v in model["config"]["id2label"].items()}}, sys.stdout)
    print()
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "check-fixture":
        run = lambda: check_fixture(argv[2])
    elif len(argv) == 4 and argv[1] == "logits":
        run = lambda: logits(argv[2], argv[3])
    else:
        print("usage:\n" + "\n".join(__doc__.strip().splitlines()[-2:]), file=sys.stderr)
        return 2
    try:
        return run()
    except (LoadError, OSError, ValueError, KeyError, IndexError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
