"""The training settings of medkg's models, one pydantic model each: the single source of their
defaults, read by the trainers, the ``medkg train`` flags and ``medkg run`` alike. Light to import
(no torch), so the CLI can show the defaults in ``--help``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, ValidationError

from extractors.models import OFFLINE_ENCODER
from kg.errors import ConfigError

Config = TypeVar("Config", bound=BaseModel)


class NerConfig(BaseModel):
    """How to fine-tune a NER model: ``medkg train ner`` has a flag for the common fields and
    ``--set FIELD=VALUE`` for every one."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = OFFLINE_ENCODER
    types: list[str] | None = None
    # By epochs, so that a slow CPU gets the same model as a fast one (BENCHMARKS.md, "first
    # run"); max_minutes is only a safety cap, and a capped run can be resumed. 4 epochs lost 0.6 BC5CDR
    # and 1.4 BioRED dev F1 against these 6 (session 48).
    epochs: int = 6
    max_minutes: float = 120.0
    learning_rate: float = 1e-4
    batch_size: int = 32
    max_length: int = 256
    stride: int = 32
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    patience: int = 3
    score_from: int = 4  # dev is scored from this epoch on (and at the last)
    seed: int = 13
    lora: bool = False
    lora_r: int = 16
    bf16: bool | None = None  # None: on where the hardware supports it
    device: str = "auto"
    context: str = "sentence"  # "document": windows over the whole text, so words see their neighbours
    layers: int | None = None  # keep only the encoder's first N layers (None: all); BENCHMARKS.md, session 21
    # None: the encoder's own (0.1 for MiniLM); at sentence length 0 trains no faster (session 47)
    attention_dropout: float | None = None
    hidden_dropout: float | None = None  # None: the encoder's own (0.1 for MiniLM)
    canonical_types: bool = False  # learn medkg's types (NCBI's four disease classes -> Disease)


class DocRelationConfig(BaseModel):
    """How to fine-tune the document-level model (``medkg train re --architecture doc``: flags for
    the common fields, ``--set FIELD=VALUE`` for every one)."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = OFFLINE_ENCODER
    # As NerConfig: by epochs, max_minutes only a safety cap. 4 instead of 5 since session 48: the
    # same held-out CID on average over two NER encoders (59.15 vs 59.25), a quarter less time.
    epochs: int = 4
    max_minutes: float = 120.0
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    batch_size: int = 4  # documents per step
    max_length: int = 512
    seed: int = 13
    device: str = "auto"
    patience: int = 3
    score_from: int = 3  # dev is scored from this epoch on (and at the last)
    context_pooling: bool = False
    known_pairs: bool = True  # the training split's relations as a prior (a second threshold)
    layers: int | None = None  # as NerConfig: keep only the encoder's first N layers
    # 0: 1.5-1.9x faster steps on a 2-core CPU (documents of ~350 tokens: PyTorch's fused attention
    # has no dropout there); None: the encoder's own. BENCHMARKS.md, session 47
    attention_dropout: float | None = 0.0
    hidden_dropout: float | None = None  # None: the encoder's own (a NER folder's: NerConfig's)


class RelationConfig(BaseModel):
    """How to fine-tune the pair classifier (``medkg train re --architecture pair``), likewise."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = OFFLINE_ENCODER
    epochs: int = 6
    max_minutes: float = 30.0
    learning_rate: float = 5e-5
    batch_size: int = 32
    max_length: int = 192
    window: int = 2  # sentences apart at most
    negative_ratio: float = 3.0  # at most this many negatives per positive, sampled per epoch
    per_pair: int = 2  # instances per concept pair: its closest mention pairs
    seed: int = 13
    device: str = "auto"
    bf16: bool | None = None
    patience: int = 2


class LexicalRelationConfig(BaseModel):
    """How to fit the lexical relation model (``medkg train re --architecture lexical``:
    ``extractors.lexical_relations``; ``--set FIELD=VALUE`` for every field)."""

    model_config = ConfigDict(extra="forbid")

    c: float = 10.0  # inverse regularization strength of the logistic regression
    ngram_max: int = 2
    min_df: int = 2
    folds: int = 5  # grouped cross-validation on the training documents chooses the threshold
    novelty_c: float = 1.0  # the novelty part's (BioRED's Novel/No flag of a relation)
    max_iter: int = 3000
    seed: int = 13


def card_config(cls: type[Config], card: Mapping[str, Any]) -> Config:
    """The training config a model card stores, read through its class: a field an older card
    lacks takes the class's default, one the class no longer has is left out."""
    stored = card.get("config") or {}
    return cls.model_validate({k: v for k, v in stored.items() if k in cls.model_fields})


RELATION_CONFIGS: dict[str, type[DocRelationConfig | RelationConfig | LexicalRelationConfig]] = {
    "doc": DocRelationConfig,
    "pair": RelationConfig,
    "lexical": LexicalRelationConfig,
}


def configured(cls: type[Config], fields: Mapping[str, Any] = {}, settings: Iterable[str] = ()) -> Config:
    """``cls`` with ``fields`` set (a None value keeps the default) and then ``settings``, each
    "FIELD=VALUE" with the value read as YAML (``--set max_length=128``, ``--set types=[Gene]``);
    a field ``cls`` lacks or a wrong value is a ``ConfigError`` naming it."""
    values = {k: v for k, v in fields.items() if v is not None}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in cls.model_fields:
            raise ConfigError(
                f"--set {item!r}: write FIELD=VALUE with a field of {cls.__name__}: {', '.join(cls.model_fields)}"
            )
        values[key.strip()] = yaml.safe_load(value)
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}, got {e.get('input')!r}" for e in exc.errors()
        )
        raise ConfigError(f"{cls.__name__}: {problems}") from exc


def relation_config(
    architecture: str, fields: Mapping[str, Any] = {}, settings: Iterable[str] = ()
) -> DocRelationConfig | RelationConfig | LexicalRelationConfig:
    """The training settings of a relation model of ``architecture`` ("doc", "pair" or "lexical"),
    as ``configured``."""
    if architecture not in RELATION_CONFIGS:
        raise ConfigError(f"relation architecture {architecture!r}: choose one of {', '.join(RELATION_CONFIGS)}")
    return configured(RELATION_CONFIGS[architecture], fields, settings)
