"""The phenotype encoder: the dense matcher's sentence encoder (all-MiniLM-L6-v2 offline) fine-tuned
so that the ways people name a phenotype land next to HPO's name for it.

Training pairs come from HPO itself: every synonym of a phenotypic abnormality with its label
(8,100 of them layperson synonyms: "Throwing up" -> Vomiting) and, with ``definitions``, the first
sentence of its definition ("Forceful ejection of the contents of the stomach through the mouth"
-> Vomiting). The loss is the in-batch contrastive one of sentence-transformers'
MultipleNegativesRankingLoss, both directions, with pairs of the same term never counted as
negatives of each other. Dev: synonyms of 5 % of the terms, held out of training, must retrieve
their term's label among every label (accuracy@1). Training runs through ``extractors.training.fit``:
epochs with early stopping, a time cap that says so and can be resumed.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from diagnosis.configs import PhenotypeEncoderConfig
from extractors.models import pick_device, resolve_encoder, versions
from extractors.training import Loop, Schedule, fit, make_optimizer, seed_everything
from kg.encoders import bf16_autocast, cpu_bf16_supported, mean_pool
from kg.errors import ConfigError

Pair = tuple[str, str, str]  # text, label, curie


def _dev_term(curie: str, fraction: float) -> bool:
    return zlib.crc32(curie.encode()) % 10_000 < fraction * 10_000


def encoder_pairs(
    phrases: Mapping[str, Collection[str]],
    labels: Mapping[str, str],
    definitions: Mapping[str, str],
    dev_fraction: float,
) -> tuple[list[Pair], list[Pair]]:
    """(text, label, curie) training pairs and held-out dev pairs (synonyms of the dev terms)."""
    train: list[Pair] = []
    dev: list[Pair] = []
    for curie in sorted(phrases):
        label = labels[curie]
        held = _dev_term(curie, dev_fraction)
        for name in sorted(phrases[curie]):
            if name.lower() != label.lower():
                (dev if held else train).append((name, label, curie))
        if curie in definitions and not held:
            train.append((definitions[curie].split(". ")[0][:300], label, curie))
    return train, dev


class _Encoder(torch.nn.Module):
    """Mean-pooled, unit-length sentence embeddings (as sentence-transformers computes them)."""

    def __init__(self, base: str, max_length: int, device: str) -> None:
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.model = AutoModel.from_pretrained(base).to(device)
        self.max_length, self.device = max_length, device
        self.bf16 = device == "cpu" and cpu_bf16_supported()

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        ).to(self.device)
        with bf16_autocast(self.device, self.bf16):
            hidden = self.model(**enc).last_hidden_state
        return mean_pool(hidden, enc["attention_mask"])

    @torch.no_grad()
    def embed(self, texts: Sequence[str], batch_size: int = 256) -> torch.Tensor:
        self.eval()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = torch.zeros(len(texts), self.model.config.hidden_size)
        for k in range(0, len(order), batch_size):
            rows = order[k : k + batch_size]
            out[rows] = self([texts[i] for i in rows]).cpu()
        self.train()
        return out


def contrastive_loss(a: torch.Tensor, b: torch.Tensor, curies: Sequence[str], scale: float = 20.0) -> torch.Tensor:
    """In-batch contrastive loss both ways; pairs of the same term are not each other's negatives."""
    logits = a @ b.T * scale
    ids = torch.tensor([hash(c) for c in curies], device=logits.device)
    same = (ids[:, None] == ids[None, :]) & ~torch.eye(len(curies), dtype=torch.bool, device=logits.device)
    logits = logits.masked_fill(same, -1e4)
    target = torch.arange(len(curies), device=logits.device)
    return (torch.nn.functional.cross_entropy(logits, target) + torch.nn.functional.cross_entropy(logits.T, target)) / 2


def pair_batches(
    pairs: Sequence[Pair], lengths: Sequence[int], batch_size: int, rng: random.Random, *, by_length: bool
) -> list[list[Pair]]:
    """One epoch's batches. ``by_length``: pairs of about the same length (``lengths``, with 20 %
    noise so that an epoch's batches differ from the last's) together, the batches in random order,
    which halves the padded tokens of random batches on HPO's names (BENCHMARKS.md, session 54);
    otherwise the pairs shuffled."""
    if by_length:
        order = sorted(range(len(pairs)), key=lambda i: lengths[i] * (1 + 0.2 * rng.random()))
    else:
        order = list(range(len(pairs)))
        rng.shuffle(order)
    out = [[pairs[i] for i in order[k : k + batch_size]] for k in range(0, len(order), batch_size)]
    if by_length:
        rng.shuffle(out)
    return out


def train_phenotype_encoder(
    phrases: Mapping[str, Collection[str]],
    labels: Mapping[str, str],
    out: Path,
    config: PhenotypeEncoderConfig,
    *,
    definitions: Mapping[str, str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune the encoder on HPO's names (``phrases``: curie -> its label and synonyms); keep the
    best dev epoch in ``out`` (a model folder ``NameEncoder`` loads). Returns the card."""
    seed_everything(config.seed)
    train, dev = encoder_pairs(
        phrases, labels, definitions if config.definitions and definitions else {}, config.dev_fraction
    )
    if not train or not dev:
        raise ConfigError(
            f"too few HPO names to train the phenotype encoder ({len(train)} training, {len(dev)} dev pairs)"
        )
    device = pick_device(config.device)
    encoder = _Encoder(resolve_encoder(config.base_model), config.max_length, device)
    steps = -(-len(train) // config.batch_size)
    optimizer, scheduler = make_optimizer(encoder.model, config.learning_rate, 0.01, steps * config.epochs, 0.06)
    label_curies = sorted(labels)
    label_texts = [labels[c] for c in label_curies]
    out = Path(out)

    # A pair's length is its longer side's, in tokens: each side of a batch is padded to its longest.
    lengths = [
        max(len(a), len(b))
        for a, b in zip(
            encoder.tokenizer([p[0] for p in train], truncation=True, max_length=config.max_length)["input_ids"],
            encoder.tokenizer([p[1] for p in train], truncation=True, max_length=config.max_length)["input_ids"],
            strict=True,
        )
    ]

    length_of = dict(zip(train, lengths, strict=True))

    def batches(epoch: int) -> list[list[Pair]]:
        rng = random.Random(config.seed * 1000 + epoch)
        return pair_batches(train, lengths, config.batch_size, rng, by_length=config.group_by_length)

    def loss_of(batch: list[Pair]) -> torch.Tensor:
        return contrastive_loss(encoder([p[0] for p in batch]), encoder([p[1] for p in batch]), [p[2] for p in batch])

    def evaluate(epoch: int) -> tuple[float, dict[str, Any]]:
        names = encoder.embed(label_texts)
        queries = encoder.embed([p[0] for p in dev])
        best = (queries @ names.T).argmax(dim=1).numpy()
        acc = float(np.mean([label_curies[int(b)] == p[2] for b, p in zip(best, dev, strict=True)]))
        return round(100 * acc, 2), {"dev_pairs": len(dev)}

    def save_best(epoch: int, score: float, info: dict[str, Any]) -> None:
        from extractors.models import write_card

        out.mkdir(parents=True, exist_ok=True)
        encoder.model.save_pretrained(out)
        encoder.tokenizer.save_pretrained(out)
        write_card(
            out,
            {
                "kind": "phenotype-encoder",
                "base_model": config.base_model,
                "config": config.model_dump(),
                "metrics": {"dev": {"acc@1": score, **info}, "best_epoch": epoch},
                "training": {"pairs": len(train), "dev_pairs": len(dev)},
                "versions": versions(),
            },
        )

    loop = Loop(
        encoder,
        optimizer,
        scheduler,
        batches,
        loss_of,
        evaluate,
        save_best,
        config={k: v for k, v in config.model_dump().items() if k not in ("device",)},
        cost=lambda batch: len(batch) * max(length_of[p] for p in batch),  # padded tokens, for the estimate
    )
    return fit(
        loop,
        out,
        Schedule(
            config.epochs, config.patience, config.max_minutes, config.resume, "phenotype encoder", metric="accuracy@1"
        ),
        progress=progress,
    )
