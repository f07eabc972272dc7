"""The two learned rankers: the graph-augmented cross-encoder and the text-only classifier.

``GraphRanker`` reads a pair (case text, candidate disease with its graph facts) and gives one
logit; it is fine-tuned with binary cross-entropy on the true disease against hard negatives
(the diseases the graph ranks highest for the case). Because it reads facts rather than learning
a label, it ranks diseases it never saw in training. Its final score adds the Phenomizer
similarity with a weight chosen on dev cases (``fusion_weight``; 0 means the model alone).

``TextClassifier`` is the same encoder fine-tuned on the case text alone, one class per training
disease: the baseline that shows what the graph adds. It cannot name a disease it was not trained on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from extractors.models import bf16_autocast, cpu_bf16_supported, pick_device, read_card, write_card
from extractors.models import quantize as quantize_model
from kg.errors import ConfigError

log = logging.getLogger(__name__)


def fuse(logits: np.ndarray, similarity: np.ndarray | float, weight: float) -> np.ndarray:
    """The graph-augmented score: the ranker's logit plus ``weight`` times the phenotype
    similarity (the one fusion rule of serving, evaluation and the weight search)."""
    return logits + weight * similarity


class _Encoder:
    """A sequence classifier with its tokenizer, device and bf16 autocast."""

    kind = ""

    def __init__(self, model: Any, tokenizer: Any, *, max_length: int, device: str = "cpu") -> None:
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.device = device
        self.bf16 = device == "cpu" and cpu_bf16_supported()
        self.card: dict[str, Any] = {}  # the model card it was loaded from (``/health`` reports it)

    def autocast(self) -> Any:
        return bf16_autocast(self.device, self.bf16)

    def encode(self, first: Sequence[str], second: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            list(first),
            list(second) if second is not None else None,
            truncation=True,
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        return {k: v.to(self.device) for k, v in enc.items()}

    def save(self, folder: Path, card: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        write_card(folder, {"kind": self.kind, "max_length": self.max_length, **card})

    @staticmethod
    def _load(folder: Path, kind: str, device: str) -> tuple[Any, Any, dict[str, Any], str]:
        card = read_card(folder)
        if card.get("kind") != kind:
            raise ConfigError(f"{folder}: a {card.get('kind')!r} model, not a {kind!r} one")
        device = pick_device(device)
        model = AutoModelForSequenceClassification.from_pretrained(folder)
        return model, AutoTokenizer.from_pretrained(folder), card, device


class GraphRanker(_Encoder):
    kind = "diagnosis-graph-ranker"

    def __init__(
        self, model: Any, tokenizer: Any, *, max_length: int = 192, device: str = "cpu", fusion_weight: float = 0.0
    ) -> None:
        super().__init__(model, tokenizer, max_length=max_length, device=device)
        self.fusion_weight = fusion_weight

    @torch.inference_mode()
    def logits(self, text: str, passages: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.model.eval()
        out = np.zeros(len(passages), dtype=np.float32)
        for k in range(0, len(passages), batch_size):
            chunk = passages[k : k + batch_size]
            with self.autocast():
                out[k : k + len(chunk)] = (
                    self.model(**self.encode([text] * len(chunk), chunk)).logits[:, 0].float().cpu().numpy()
                )
        return out

    def loss(self, texts: Sequence[str], passages: Sequence[str], labels: Sequence[float]) -> torch.Tensor:
        with self.autocast():
            logits = self.model(**self.encode(texts, passages)).logits[:, 0].float()
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor(labels, dtype=torch.float32, device=self.device)
        )

    @classmethod
    def load(cls, folder: str | Path, device: str = "auto", quantize: str | None = None) -> GraphRanker:
        """The saved ranker; ``quantize`` ("int8" or "bf16") for faster CPU inference."""
        model, tokenizer, card, device = cls._load(Path(folder), cls.kind, device)
        ranker = cls(
            quantize_model(model, quantize),
            tokenizer,
            max_length=int(card["max_length"]),
            device=device,
            fusion_weight=float(card.get("fusion_weight", 0.0)),
        )
        if quantize == "int8":
            ranker.bf16 = False  # int8 kernels take fp32 activations
        ranker.card = card
        return ranker


class TextClassifier(_Encoder):
    kind = "diagnosis-text-classifier"

    @property
    def labels(self) -> list[str]:
        return [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]

    @torch.inference_mode()
    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.model.eval()
        out = np.zeros((len(texts), self.model.config.num_labels), dtype=np.float32)
        for k in range(0, len(texts), batch_size):
            chunk = texts[k : k + batch_size]
            with self.autocast():
                out[k : k + len(chunk)] = self.model(**self.encode(chunk)).logits.float().cpu().numpy()
        return out

    def loss(self, texts: Sequence[str], labels: Sequence[int]) -> torch.Tensor:
        with self.autocast():
            logits = self.model(**self.encode(texts)).logits.float()
        return torch.nn.functional.cross_entropy(logits, torch.tensor(labels, device=self.device))

    @classmethod
    def load(cls, folder: str | Path, device: str = "auto") -> TextClassifier:
        model, tokenizer, card, device = cls._load(Path(folder), cls.kind, device)
        return cls(model, tokenizer, max_length=int(card["max_length"]), device=device)
