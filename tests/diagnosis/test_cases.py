import random
from collections import Counter
from pathlib import Path

import pytest

from diagnosis.cases import Case, CaseSplits, PatientSimulator, SimulationConfig, read_cases_csv
from kg.errors import InputError
from tests.diagnosis.helpers import builder, graph, records


def _simulator(**config: float) -> PatientSimulator:
    return PatientSimulator(graph(), records().terms, SimulationConfig(**config))  # type: ignore[arg-type]


def test_simulated_phenotypes_follow_the_annotated_frequencies() -> None:
    sim = _simulator(imprecision=0.0, noise=0.0, min_phenotypes=0, max_phenotypes=20)
    rng = random.Random(1)
    n = 2000
    seen = Counter(p for i in range(n) for p in sim.simulate("OMIM:154700", rng, str(i)).phenotypes)
    expected = {
        "HP:0001166": 0.9,
        "HP:0001083": 0.55,
        "HP:0002616": 0.9,
        "HP:0001519": 0.9,
        "HP:0002650": 0.55,
        "HP:0001634": 0.6,
    }
    for phenotype, freq in expected.items():
        assert seen[phenotype] / n == pytest.approx(freq, abs=0.04), phenotype
    assert set(seen) == set(expected)


def test_imprecision_uses_parents_and_noise_stays_outside_the_disease() -> None:
    sim = _simulator(imprecision=1.0, noise=3.0)
    g = sim.graph
    case = sim.simulate("OMIM:154700", random.Random(3), "x")
    annotated = {a.phenotype for a in g.annotations["OMIM:154700"]}
    for p in case.phenotypes:  # each shown term is an annotation or one of its parents
        assert p in annotated or any(p in g.parents.get(a, ()) for a in annotated)
    assert case.noise and not set(case.noise) & annotated
    for p in case.noise:  # nor an ancestor or a descendant of an annotation
        assert not g.ancestors(p) & annotated and not any(p in g.ancestors(a) for a in annotated)
    assert case.text.startswith("A ") and case.text.endswith(".")


def test_splits_are_seeded_and_hold_unseen_diseases_out_of_training(tmp_path: Path) -> None:
    config = {"diseases": 8, "unseen_fraction": 0.25, "cases_per_disease": 5, "min_annotations": 3}
    a, b = _simulator(**config).splits(), _simulator(**config).splits()
    assert a.train == b.train and a.test_unseen == b.test_unseen
    c = _simulator(**{**config, "seed": 99}).splits()
    assert [x.text for x in c.train] != [x.text for x in a.train]
    assert len(a.unseen_diseases) == 2
    trained = {x.label for x in a.train + a.dev}
    assert not trained & set(a.unseen_diseases) and {x.label for x in a.test_unseen} == set(a.unseen_diseases)
    assert (len(a.train), len(a.dev), len(a.test_seen)) == (18, 6, 6)
    a.save(tmp_path)
    assert CaseSplits.load(tmp_path).train == a.train


def test_the_tagger_ignores_hpo_terms_that_are_not_phenotypic_abnormalities() -> None:
    from diagnosis.context import PhenotypeTagger
    from ontologies.terms import Term

    terms = [
        *records().terms,
        Term("HP:0012823", "Clinical modifier", "Phenotype", parents=("HP:0000001",)),
        Term("HP:0012835", "Left", "Phenotype", parents=("HP:0012823",)),
    ]
    found = PhenotypeTagger(terms).tag("Seizures of the left arm.")
    assert [f.curie for f in found] == ["HP:0001250"]


def test_the_tagger_finds_rendered_phenotypes_with_offsets() -> None:
    b = builder()
    text = "A 3-year-old boy with grand mal seizures, a small head and LOW MUSCLE TONE; no cafe-au-lait spot."
    found = b.findings(text)
    assert [(f.text, f.curie) for f in found] == [
        ("grand mal seizures", "HP:0002069"),
        ("small head", "HP:0000252"),
        ("LOW MUSCLE TONE", "HP:0001252"),
        ("cafe-au-lait spot", "HP:0000957"),
    ]
    assert found and all(text[f.start : f.end] == f.text for f in found)


def test_candidates_carry_facts_with_pmids_matching_first() -> None:
    b = builder()
    findings = b.findings("Long slender fingers, a dislocated lens and aortic dilatation.")
    top = b.candidates(findings, top_k=3)[0]
    assert top.curie == "OMIM:154700" and top.name == "Marfan syndrome"
    matched = [f for f in top.facts if f.matched]
    assert len(matched) == 3 and all(f.source == "HPO" for f in matched)
    assert any(f.pmids == ("1852208",) for f in matched)
    assert top.passage().startswith("Marfan syndrome. Has ")


def test_a_match_between_relatives_says_which_broader_term_they_share() -> None:
    b = builder()
    # the case's small head (Microcephaly) meets neurofibromatosis' Macrocephaly only at
    # "Abnormality of skull size"; its grand mal seizures meet Rett's own term
    nf1 = b.candidate("OMIM:162200", ["HP:0000252"])
    [fact] = [f for f in nf1.facts if f.matched]
    assert fact.text.startswith("Has Macrocephaly (case: Microcephaly)") and fact.through == "Abnormality of skull size"
    rett = b.candidate("ORPHA:778", ["HP:0000252", "HP:0001250"])
    assert [f.through for f in rett.facts if f.matched] == ["", ""]  # the same term, and a narrower one


def test_read_cases_csv_maps_labels_and_names_bad_lines(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text('text,label\n"Tall, long fingers",marfan\nDeafness and poor vision,usher\n')
    mapping = tmp_path / "map.csv"
    mapping.write_text("label,curie\nmarfan,OMIM:154700\nusher,OMIM:276900\n")
    assert read_cases_csv(cases, mapping) == [
        Case("cases.csv:2", "Tall, long fingers", "OMIM:154700"),
        Case("cases.csv:3", "Deafness and poor vision", "OMIM:276900"),
    ]
    with pytest.raises(InputError, match=r"cases.csv:2: label 'marfan' is not a CURIE"):
        read_cases_csv(cases)
    cases.write_text("text,label\n,OMIM:1\n")
    with pytest.raises(InputError, match="cases.csv:2: empty text"):
        read_cases_csv(cases)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_cases_in_every_process() -> None:
    """String hashing differs between Python processes; the simulation must not depend on it."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = (
        "from tests.diagnosis.test_cases import _simulator; import hashlib, json;"
        "s = _simulator(diseases=8, unseen_fraction=0.25, cases_per_disease=5, min_annotations=3).splits();"
        "print(hashlib.sha256(json.dumps([c.text for c in s.train + s.test_unseen]).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
