"""The general setting's prior: how often everyday English names a disease (diagnosis.familiarity)."""

import gzip
from pathlib import Path

import numpy as np
import pytest
from wordfreq import zipf_frequency

from diagnosis.descriptions import MAX_TOKENS, DiseaseDescriptions, fuse
from diagnosis.diagnoser import Diagnoser
from diagnosis.familiarity import (
    EXTRA_WORD,
    disease_familiarity,
    general_scores,
    name_familiarity,
    only_signs,
    prior,
)
from ontologies.dense import NameEncoder
from tests.diagnosis.helpers import builder, graph, mini_data
from tests.diagnosis.test_descriptions import DEFINITIONS


def test_a_name_everyday_english_writes_more_often_is_more_familiar() -> None:
    assert name_familiarity("hypertension") > name_familiarity("hypertensive encephalopathy") > 0
    assert name_familiarity("epilepsy") > name_familiarity("Rett syndrome") > 0
    # a phrase is wordfreq's estimate (about its rarest word), less EXTRA_WORD for each further word
    assert name_familiarity("Monday morning fever") == pytest.approx(
        zipf_frequency("Monday morning fever", "en") - 2 * EXTRA_WORD
    )
    # abbreviations and very short names are frequent words of other meanings, or nothing
    assert name_familiarity("AIDS") == name_familiarity("ALS") == name_familiarity("flu") == 0.0
    assert name_familiarity("Xylqzwv disease") == 0.0  # never below 0


def test_a_disease_takes_its_most_familiar_name_and_a_sign_takes_none() -> None:
    g = graph()
    synonyms = {"OMIM:173900": ("Polycystic kidney disease 1", "kidney cysts")}
    familiarity = dict(zip(g.diseases, disease_familiarity(g, synonyms), strict=True))
    assert familiarity["OMIM:173900"] == pytest.approx(name_familiarity("kidney cysts"), rel=1e-5)
    assert familiarity["OMIM:173900"] > name_familiarity("Polycystic kidney disease 1")
    assert familiarity["ORPHA:778"] == pytest.approx(name_familiarity("Rett syndrome"), rel=1e-5)
    # a descriptor MeSH files under signs and symptoms alone is what a patient says, not a diagnosis
    signs = only_signs({"OMIM:173900": ["C23.888.1"], "ORPHA:778": ["C10.1", "C23.2"]})
    assert signs == {"OMIM:173900"}
    familiarity = dict(zip(g.diseases, disease_familiarity(g, synonyms, signs), strict=True))
    assert familiarity["OMIM:173900"] == 0.0 and familiarity["ORPHA:778"] > 0


def test_the_prior_keeps_scores_in_zero_to_one_and_lifts_the_familiar_disease() -> None:
    weights = prior(np.array([0.0, 3.0, 1.0]))
    assert weights.max() == pytest.approx(1.0) and weights[0] == pytest.approx(1 / 4)
    phenotype = np.array([2.0, 1.0, 0.0], dtype=np.float32)
    description = np.array([0.9, 0.8, 0.1], dtype=np.float32)
    assert np.argmax(general_scores(phenotype, description, None)) == 0  # first in both rankings
    assert np.array_equal(general_scores(phenotype, description, None), fuse(phenotype, description))
    scores = general_scores(phenotype, description, weights)
    assert np.argmax(scores) == 1 and 0 < scores.max() <= 1  # second in both, but a name people write


def test_the_general_setting_ranks_by_familiarity_too_and_the_rare_setting_does_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = builder()
    b.descriptions = DiseaseDescriptions(b.graph, DEFINITIONS, NameEncoder(max_length=MAX_TOKENS), cache=tmp_path)
    text = "My back hurts on both sides and the scan showed lots of fluid filled bubbles in my kidneys."
    findings = b.findings(text, "general")
    before = [c.curie for c in b.candidates(findings, setting="general", text=text)]
    assert before[0] == "OMIM:173900"
    runner_up = b.graph.disease_index[before[1]]
    familiarity = np.zeros(len(b.graph.diseases), dtype=np.float32)
    familiarity[runner_up] = 5.0  # a name everybody writes
    b.familiarity = prior(familiarity)
    after = b.candidates(findings, setting="general", text=text)
    assert after[0].curie == before[1]
    assert [c.score for c in after] == sorted((c.score for c in after), reverse=True)
    # each answer says the weight its score got
    answer = Diagnoser(b).diagnose(text, setting="general").to_json()["diagnoses"]
    assert answer[0]["curie"] == before[1] and answer[0]["familiarity"] == pytest.approx(1.0)
    assert answer[1]["familiarity"] == round(1 / 6, 4)  # the others: 1 / (1 + 5)
    # the rare setting (a rare-disease clinic) has no such prior
    clinical = "Seizure, microcephaly, cataract and hypertension."
    rare = [c.curie for c in b.candidates(b.findings(clinical), setting="rare", text=clinical)]
    assert len(rare) > 2
    assert [d["familiarity"] for d in Diagnoser(b).diagnose(clinical).to_json()["diagnoses"]] == [None] * 5
    b.familiarity = None
    assert rare == [c.curie for c in b.candidates(b.findings(clinical), setting="rare", text=clinical)]


def test_the_diagnosis_wiring_reads_mesh_s_entry_terms_and_trees_for_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from wiring.diagnosis import disease_familiarity as wired
    from wiring.diagnosis import mesh_names_and_signs
    from wiring.settings import Settings

    data = mini_data(tmp_path / "data")
    mesh = data / "ontologies" / "mesh"
    mesh.mkdir(parents=True)
    settings = Settings(data_dir=data, home=tmp_path / "home")
    g = graph()
    assert wired(g, settings) is None  # no MeSH files: ranked without it, and said so
    with gzip.open(mesh / "mesh_trees.tsv.gz", "wt") as f:
        f.write("DescriptorUI\tDescriptorName\tTreeNumber\nD000001\tKidney cysts\tC12.1\n")
    with gzip.open(mesh / "mesh_terms.tsv.gz", "wt") as f:
        f.write(
            "DescriptorUI\tConceptUI\tTermUI\tTermName\tConceptPreferredTermYN\tIsPermutedTermYN\tLexicalTag\t"
            "RecordPreferredTermYN\n"
            "D000001\tM1\tT1\tKidney cysts\tY\tN\tNON\tY\n"
            "D000001\tM1\tT2\tcysts in the kidneys\tN\tN\tNON\tN\n"
            "D000001\tM1\tT3\tBest Disease\tN\tN\tEPO\tN\n"  # an eponym MeSH does not prefer: no everyday name
        )
    g.xrefs["OMIM:173900"] = ("MESH:D000001",)
    mesh = mesh_names_and_signs(settings)
    assert mesh is not None and mesh[0]["MESH:D000001"] == ("Kidney cysts", "cysts in the kidneys")
    weights = wired(g, settings)
    assert weights is not None and weights.max() == pytest.approx(1.0)
    assert np.argmax(weights) == g.disease_index["OMIM:173900"]
