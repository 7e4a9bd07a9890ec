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


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, hidden_dim, num_heads, dropout):
        super().__init__()
        self.in_proj = nn.Linear(hidden_dim, 3 * hidden_dim)
        self.out_proj = nn.Linear(hidden_dim, hidden_dim)
        self.dropout = nn.Dropout(dropout)
        self.num_heads = num_heads
        self.head_dim = hidden_dim // num_heads

    def forward(self, x, additive_mask):
        batch, length, _ = x.shape
        qkv = self.in_proj(x).view(batch, length, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim) + additive_mask
        weights = self.dropout(torch.softmax(scores, -1))
        context = torch.matmul(weights, v).transpose(1, 2).reshape(batch, length, -1)
        return self.out_proj(context)


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

    def forward(self, x, mask):
        if self.norm_first:
            y = x + self.dropout1(self.attn(self.norm1(x), mask))
            return y + self.dropout2(self.feed_forward(self.norm2(y)))
        y = self.norm1(x + self.dropout1(self.attn(x, mask)))
        return self.norm2(y + self.dropout2(self.feed_forward(y)))


class TransformerEncoder(nn.Module):
    def __init__(self, num_layers, norm_first=False, eps=1e-5, **layer):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(norm_first=norm_first, eps=eps, **layer) for _ in range(num_layers))
        self.norm = nn.LayerNorm(layer["hidden_dim"], eps=eps) if norm_first else None

    def forward(self, x, mask):
        for layer in self.layers:
            x = layer(x, mask)
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
    """attune's `transformer_classifier`."""

    def __init__(self, vocab_size, max_length, num_classes, pad_id=0, hidden_dim=128, num_heads=4, num_layers=2,
                 ff_dim=512, dropout=0.1, activation="gelu", norm_first=False, layer_norm_eps=1e-5, pooling="mean"):
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
        x = self.encoder(x, additive)
        if self.pooling == "cls":
            pooled = x[:, 0]
        else:
            mask = attention_mask.to(x.dtype).unsqueeze(-1)
            pooled = (x * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return self.head(pooled)
