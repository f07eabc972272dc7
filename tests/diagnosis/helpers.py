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


def mini_data(root: Path) -> Path:
    """A data folder laid out as ../shared/data with the small HPO, DOID and MEDIC files of
    tests/data (what `medkg load-hpo` reads)."""
    import gzip
    import shutil

    def gz(src: Path, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with src.open("rb") as f, gzip.open(dest, "wb") as g:
            shutil.copyfileobj(f, g)

    onto = root / "ontologies"
    gz(MINI_OBO, onto / "hpo" / "hp.obo.gz")
    gz(MINI_HPOA, onto / "hpo" / "phenotype.hpoa.gz")
    gz(MINI_SYMP, onto / "doid" / "symp_import.owl.gz")
    gz(MINI_CTD, onto / "ctd" / "CTD_diseases.tsv.gz")
    shutil.copy(MINI_SYMPTOMS, onto / "doid" / "disease-symptom.tsv")
    shutil.copy(MINI_DOID_OBO, onto / "doid" / "DO_infectious_disease_slim.obo")
    (onto / "doid" / "MESHinDO.tsv").write_text(
        'id\tlabel\txrefs\n"DOID:1826"\t"epilepsy"\t"MESH:D004827|MESH:D004828"\n'
    )
    return root


def thyroid_trees(path: Path) -> Path:
    """A MeSH tree file (``mesh_trees.tsv``'s columns) of hyperthyroidism and its subtype Graves disease."""
    path.write_text(
        "DescriptorUI\tDescriptorName\tTreeNumber\n"
        "D006980\tHyperthyroidism\tC19.874.397\nD006111\tGraves Disease\tC19.874.397.370\n"
    )
    return path


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
