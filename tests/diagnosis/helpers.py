"""The small HPO of tests/data (33 terms, 8 diseases) as records, graph, tagger and a tiny ranker."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertModel

from diagnosis.context import ContextBuilder, PhenotypeTagger
from diagnosis.graph import DiseaseGraph
from ontologies.hpo import HpoRecords, load_hpo
from tests.extractors.helpers import tiny_tokenizer as _tiny_tokenizer

DATA = Path(__file__).resolve().parents[1] / "data"
MINI_OBO, MINI_HPOA = DATA / "mini_hp.obo", DATA / "mini.hpoa"
MINI_SYMPTOMS, MINI_SYMP = DATA / "mini_disease_symptom.tsv", DATA / "mini_symp.owl"
MINI_CTD, MINI_DOID_OBO = DATA / "mini_ctd_diseases.tsv", DATA / "mini_doid_infectious.obo"


def records(canonical: dict[str, str] | None = None) -> HpoRecords:
    return load_hpo(MINI_OBO, MINI_HPOA, canonical.get if canonical else None)


def graph() -> DiseaseGraph:
    r = records()
    return DiseaseGraph(r.entities, r.annotations)


def builder() -> ContextBuilder:
    r = records()
    return ContextBuilder(DiseaseGraph(r.entities, r.annotations), PhenotypeTagger(r.terms))


def tiny_encoder(folder: Path) -> Path:
    """A 2-layer BERT with a small vocabulary saved as a base model folder (fast, offline)."""
    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    tok = _tiny_tokenizer(folder)
    config = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    BertModel(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
