"""The general setting's second ranking: a case text against each disease's description
(diagnosis.descriptions)."""

from typing import Any

import numpy as np

from diagnosis.descriptions import TEMPERATURE, DiseaseDescriptions, description_texts, fuse
from diagnosis.diagnoser import Diagnoser, softmax
from tests.diagnosis.helpers import builder, graph

DEFINITIONS = {
    "OMIM:173900": "A kidney disease in which many fluid-filled cysts grow in both kidneys.",
    "MESH:D000001": "not a disease of the mini graph",
}


def test_a_description_is_the_name_the_definition_and_the_phenotypes() -> None:
    g = graph()
    texts = dict(zip(g.diseases, description_texts(g, DEFINITIONS), strict=True))
    assert texts["OMIM:173900"] == (
        "Polycystic kidney disease 1. A kidney disease in which many fluid-filled cysts grow in both kidneys. "
        "Symptoms: " + ", ".join(g.names[a.phenotype] for a in g.annotations["OMIM:173900"])
    )
    assert texts["ORPHA:778"].startswith("Rett syndrome. Symptoms: ")  # no definition: name and phenotypes


def test_a_phenotype_is_named_in_a_patients_words_too_where_hpo_gives_them() -> None:
    g = graph()
    layperson = {"HP:0000822": ("High blood pressure", "Hypertension"), "HP:0004322": ("short stature",)}
    texts = dict(zip(g.diseases, description_texts(g, DEFINITIONS, layperson), strict=True))
    # the first layperson synonym that says it otherwise; one that only repeats the name adds nothing
    assert texts["OMIM:173900"].endswith("Symptoms: Renal cyst, Hypertension (high blood pressure), Short stature")


def test_fusion_puts_a_disease_both_rankings_like_first_and_needs_no_shared_phenotype() -> None:
    phenotype = np.array([3.0, 0.0, 2.0, 1.0], dtype=np.float32)
    description = np.array([0.05, 0.9, 0.8, 0.1], dtype=np.float32)
    scores = fuse(phenotype, description, k=10)
    # 2: second in both; 0: first by phenotypes, last by text; 1: no shared phenotype, first by text
    assert list(np.argsort(-scores, kind="stable")) == [2, 0, 3, 1]
    assert scores[1] > 0
    assert np.isclose(fuse(np.array([1.0, 0.0]), np.array([0.9, 0.1]))[0], 1.0)  # first in both: 1


class _Counting:
    """The offline encoder, counting the texts it embeds."""

    def __init__(self) -> None:
        from diagnosis.descriptions import MAX_TOKENS
        from ontologies.dense import NameEncoder

        self.inner, self.embedded = NameEncoder(max_length=MAX_TOKENS), 0
        self.name = self.inner.name

    def encode(self, texts: Any, **kw: Any) -> np.ndarray:
        self.embedded += len(texts)
        return self.inner.encode(texts, **kw)


def test_a_case_naming_no_known_phenotype_still_finds_its_disease_in_the_general_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    encoder = _Counting()
    b = builder()
    b.descriptions = DiseaseDescriptions(b.graph, DEFINITIONS, encoder, cache=tmp_path)
    assert encoder.embedded == len(b.graph.diseases)
    text = "My back hurts on both sides and the scan showed lots of fluid filled bubbles in my kidneys."
    assert not [f for f in b.findings(text, "general") if not f.negated]  # the dictionary knows none of it
    assert b.candidates(b.findings(text), setting="rare", text=text) == []
    found = b.candidates(b.findings(text, "general"), setting="general", text=text)
    assert found[0].curie == "OMIM:173900"
    assert found[0].description_similarity is not None and found[0].description_similarity > 0.3
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    answer = Diagnoser(b).diagnose(text, setting="general").to_json()
    assert answer["diagnoses"][0]["curie"] == "OMIM:173900"
    assert answer["diagnoses"][0]["description_similarity"] > 0.3 and not answer["confident"]
    # Without a model the probabilities are a softmax over the fused scores at their own temperature.
    ranked = Diagnoser(b).rank(text, b.findings(text, "general"), setting="general")
    expected = softmax(np.array([c.score for c in ranked]), TEMPERATURE)
    assert np.allclose([c.confidence for c in ranked], expected)
    # A second index of the same graph reads the cached embeddings.
    DiseaseDescriptions(b.graph, DEFINITIONS, encoder, cache=tmp_path)
    assert encoder.embedded == len(b.graph.diseases) + 3  # the three case texts above, nothing more
