"""attune's models written again in PyTorch's Python API, with the same module
and parameter names, so that a state_dict moves between the two unchanged.

Used as an independent reference: the fixtures in tests/fixtures/tiny_model are
made with it (tests/initializers/make_pretrained_fixture.py), and attune's
forward pass must give the logits it gives.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# The benchmarks' Python baselines set this where PyTorch has
# F.scaled_dot_product_attention (2.0 and later), as a user would write
# attention there; the tests' references keep the explicit operations.
USE_SDPA = False


def attend(q, k, v, additive_mask, attention_mask, dropout, training):
    """Scaled dot-product attention over [B, heads, L, d] with a padding mask:
    F.scaled_dot_product_attention (a boolean mask) when USE_SDPA, else the
    explicit operations (the additive mask)."""
    if USE_SDPA:
        keep = attention_mask[:, None, None, :].bool()
        return F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=dropout.p if training else 0.0)
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1]) + additive_mask
    return torch.matmul(dropout(torch.softmax(scores, -1)), v)


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, hidden_dim, num_heads, dropout):
        super().__init__()
        self.in_proj = nn.Linear(hidden_dim, 3 * hidden_dim)
        self.out_proj = nn.Linear(hidden_dim, hidden_dim)
        self.dropout = nn.Dropout(dropout)
        self.num_heads = num_heads
        self.head_dim = hidden_dim // num_heads

    def forward(self, x, additive_mask, attention_mask=None):
        batch, length, _ = x.shape
        qkv = self.in_proj(x).view(batch, length, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        context = attend(qkv[0], qkv[1], qkv[2], additive_mask, attention_mask, self.dropout, self.training)
        return self.out_proj(context.transpose(1, 2).reshape(batch, length, -1))


class EncoderLayer(nn.Module):
    def __init__(self, hidden_dim, num_heads, ff_dim, dropout, activation="gelu", norm_first=False, eps=1e-5):
        super().__init__()
        self.attn = MultiHeadSelfAttention(hidden_dim, num_heads, dropout)
        self.linear1 = nn.Linear(hidden_dim, ff_dim)
        self.linear2 = nn.Linear(ff_dim, hidden_dim)
        self.norm1 = nn.LayerNorm(hidden_dim, eps=eps)
        self.norm2 = nn.LayerNorm(hidden_dim, eps=eps)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = F.relu if activation == "relu" else F.gelu
        self.norm_first = norm_first

    def feed_forward(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def forward(self, x, mask, attention_mask=None):
        if self.norm_first:
            y = x + self.dropout1(self.attn(self.norm1(x), mask, attention_mask))
            return y + self.dropout2(self.feed_forward(self.norm2(y)))
        y = self.norm1(x + self.dropout1(self.attn(x, mask, attention_mask)))
        return self.norm2(y + self.dropout2(self.feed_forward(y)))


class TransformerEncoder(nn.Module):
    def __init__(self, num_layers, norm_first=False, eps=1e-5, **layer):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(norm_first=norm_first, eps=eps, **layer) for _ in range(num_layers))
        self.norm = nn.LayerNorm(layer["hidden_dim"], eps=eps) if norm_first else None

    def forward(self, x, mask, attention_mask=None):
        for layer in self.layers:
            x = layer(x, mask, attention_mask)
        return self.norm(x) if self.norm is not None else x


class TextEmbedding(nn.Module):
    def __init__(self, vocab_size, max_length, hidden_dim, pad_id, with_norm, eps, dropout):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, hidden_dim, padding_idx=pad_id)
        self.positions = nn.Embedding(max_length, hidden_dim)
        self.norm = nn.LayerNorm(hidden_dim, eps=eps) if with_norm else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids):
        x = self.tokens(ids) + self.positions.weight[: ids.shape[1]].unsqueeze(0)
        if self.norm is not None:
            x = self.norm(x)
        return self.dropout(x)


class TransformerClassifier(nn.Module):
    """attune's `transformer_classifier`, computing the padding (attune's
    pack_sequences changes which positions are computed, not the logits)."""

    def __init__(self, vocab_size, max_length, num_classes, pad_id=0, hidden_dim=128, num_heads=4, num_layers=2,
                 ff_dim=512, dropout=0.1, activation="gelu", norm_first=False, layer_norm_eps=1e-5, pooling="mean",
                 pack_sequences=True):
        super().__init__()
        self.embedding = TextEmbedding(vocab_size, max_length, hidden_dim, pad_id, not norm_first, layer_norm_eps,
                                       dropout)
        self.encoder = TransformerEncoder(num_layers, norm_first=norm_first, eps=layer_norm_eps, hidden_dim=hidden_dim,
                                          num_heads=num_heads, ff_dim=ff_dim, dropout=dropout, activation=activation)
        self.head = nn.Linear(hidden_dim, num_classes)
        self.pooling = pooling

    def forward(self, input_ids, attention_mask):
        x = self.embedding(input_ids)
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        x = self.encoder(x, additive, attention_mask)
        if self.pooling == "cls":
            pooled = x[:, 0]
        else:
            mask = attention_mask.to(x.dtype).unsqueeze(-1)
            pooled = (x * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return self.head(pooled)


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads, dropout):
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.dropout = nn.Dropout(dropout)
        self.heads = heads

    def forward(self, x, additive_mask, attention_mask):
        batch, length, hidden = x.shape
        split = lambda t: t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)
        context = attend(split(self.query(x)), split(self.key(x)), split(self.value(x)), additive_mask,
                         attention_mask, self.dropout, self.training)
        return context.transpose(1, 2).reshape(batch, length, hidden)


class BertResidualOutput(nn.Module):
    def __init__(self, inner, hidden, eps, dropout):
        super().__init__()
        self.dense = nn.Linear(inner, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, eps, p = c["hidden_size"], c["layer_norm_eps"], c.get("hidden_dropout_prob", 0.1)
        self.attention = nn.Module()
        self.attention.self = BertSelfAttention(h, c["num_attention_heads"], c.get("attention_probs_dropout_prob", 0.1))
        self.attention.output = BertResidualOutput(h, h, eps, p)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(h, c["intermediate_size"])
        self.output = BertResidualOutput(c["intermediate_size"], h, eps, p)

    def forward(self, x, additive_mask, attention_mask):
        attended = self.attention.output(self.attention.self(x, additive_mask, attention_mask), x)
        return self.output(F.gelu(self.intermediate.dense(attended)), attended)


class BertClassifier(nn.Module):
    """attune's `bert_classifier` (HuggingFace's BertForSequenceClassification,
    with its parameter names), from a config.json's dictionary; gelu only."""

    def __init__(self, config, num_labels):
        super().__init__()
        h, p = config["hidden_size"], config.get("hidden_dropout_prob", 0.1)
        self.bert = nn.Module()
        e = self.bert.embeddings = nn.Module()
        e.word_embeddings = nn.Embedding(config["vocab_size"], h, padding_idx=config.get("pad_token_id", 0))
        e.position_embeddings = nn.Embedding(config["max_position_embeddings"], h)
        e.token_type_embeddings = nn.Embedding(config["type_vocab_size"], h)
        e.LayerNorm = nn.LayerNorm(h, eps=config["layer_norm_eps"])
        self.embedding_dropout = nn.Dropout(p)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList(BertLayer(config) for _ in range(config["num_hidden_layers"]))
        self.bert.pooler = nn.Module()
        self.bert.pooler.dense = nn.Linear(h, h)
        classifier_dropout = config.get("classifier_dropout")
        self.dropout = nn.Dropout(p if classifier_dropout is None else classifier_dropout)
        self.classifier = nn.Linear(h, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        e = self.bert.embeddings
        types = torch.zeros_like(input_ids) if token_type_ids is None else token_type_ids
        x = e.word_embeddings(input_ids) + e.token_type_embeddings(types)
        x = x + e.position_embeddings.weight[: input_ids.shape[1]].unsqueeze(0)
        x = self.embedding_dropout(e.LayerNorm(x))
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.bert.encoder.layer:
            x = layer(x, additive, attention_mask)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return self.classifier(self.dropout(pooled))
