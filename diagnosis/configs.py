"""The settings of patient simulation and of the diagnosis models' training, one pydantic model
each: the single source of their defaults, read by the trainers, ``medkg train diagnosis`` and the
training flow alike. Light to import (no torch), so the CLI can show the defaults in ``--help``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kg.encoders import OFFLINE_ENCODER


class SimulationConfig(BaseModel):
    """How patients are simulated (``medkg train diagnosis``: flags for the common fields,
    ``--set FIELD=VALUE`` for every one)."""

    model_config = ConfigDict(extra="forbid")

    diseases: int = 700  # how many diseases to draw (of those with enough annotations)
    unseen_fraction: float = 0.15  # of them, held out of training entirely
    cases_per_disease: int = 8
    min_annotations: int = 5
    min_phenotypes: int = 3
    max_phenotypes: int = 10
    imprecision: float = 0.3  # chance that a phenotype is replaced by a parent
    noise: float = 1.0  # expected unrelated phenotypes per case (Poisson)
    dev_cases: int = 1  # per seen disease
    test_cases: int = 1  # per seen disease
    seed: int = 13


class DiagnosisConfig(BaseModel):
    """How the diagnosis models are fine-tuned (``medkg train diagnosis``: flags for the common
    fields, ``--set FIELD=VALUE`` for every one)."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = OFFLINE_ENCODER
    epochs: int = 1
    max_minutes: float = 22.0
    learning_rate: float = 4e-5
    batch_size: int = 16
    max_length: int = 192
    candidates: int = 20  # retrieved per case: the hard negatives, and the re-ranking pool
    rerank: int = 10  # how many the model re-ranks at prediction time
    negatives: int = 3
    max_facts: int = 12
    layers: int | None = None  # keep only the base model's first N transformer layers (faster ranker)
    text_epochs: int = 4
    text_learning_rate: float = 2e-4
    text_max_minutes: float = 18.0
    text_max_length: int = 128
    text_init: str = "prototypes"  # or "random": how the text-only classifier's output layer starts
    seed: int = 13
    device: str = "auto"


class PhenotypeEncoderConfig(BaseModel):
    """How the phenotype encoder is fine-tuned; every field is a ``medkg train phenotype-encoder`` flag."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = OFFLINE_ENCODER
    epochs: int = 1
    patience: int = 1
    # A safety cap: one epoch takes 1.7 min with native bf16 on 2 cores, 3.1 under the AVX2 emulation there
    # (batches grouped by length; BENCHMARKS.md, session 54).
    max_minutes: float = 120.0
    learning_rate: float = 5e-5  # 1e-4 matched fewer lay dev phrases (BENCHMARKS.md)
    batch_size: int = 128
    max_length: int = 48
    definitions: bool = (
        False  # definition -> label pairs beside synonym -> label (no better on lay dev sentences: BENCHMARKS.md)
    )
    dev_fraction: float = 0.05  # of the terms whose synonyms are held out for dev
    group_by_length: bool = True  # batches of pairs of about the same length (less padding)
    seed: int = 13
    device: str = "auto"
    resume: bool = False
