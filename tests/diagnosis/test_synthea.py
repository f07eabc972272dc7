"""Synthea's symptoms of common diseases: read from its jar, checked, loaded as disease -> phenotype
edges beside the other sources, and pruned when they are turned off."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ontologies.synthea
from cli.main import app
from kg.errors import OntologyError
from kg.types import Entity, PhenotypeAnnotation
from ontologies.synthea import (
    HEADER,
    JAR_PATH,
    MODULES,
    SOURCE,
    SYMPTOMS_FILE,
    fetch_synthea,
    module_symptoms,
    read_symptoms,
    symptom_phrases,
)
from tests.diagnosis.helpers import mini_data, records, thyroid_trees


def _symptom(name: str, **amount: int) -> dict[str, object]:
    return {"type": "Symptom", "symptom": name, "cause": "", "range": amount or {"low": 1, "high": 50}}


def test_a_module_gives_the_symptoms_its_states_start() -> None:
    module = {
        "name": "Hypothyroidism",
        "states": {
            "Initial": {"type": "Initial"},
            "Onset": {"type": "ConditionOnset", "codes": [{"display": "Idiopathic atrophic hypothyroidism"}]},
            "Tired": _symptom("fatigue", quantity=1),
            "Tired again": _symptom("fatigue"),
            "Cold": _symptom("cold  intolerance"),
            "Tired ends": _symptom("Weight Gain", quantity=0),  # a state that ends a symptom gives none
            "Bound ends": _symptom("Nausea", low=0, high=0),
        },
    }
    assert module_symptoms(module) == ["cold intolerance", "fatigue"]


def test_a_symptom_is_read_as_the_phrases_it_stands_for() -> None:
    assert symptom_phrases("Nausea/Vomiting") == ["Nausea", "Vomiting"]
    assert symptom_phrases("Runny/Stuffy Nose") == ["Runny Nose", "Stuffy Nose"]
    assert symptom_phrases("Dyspnea (finding)") == ["Dyspnea"]
    assert symptom_phrases("loss_of_taste") == ["loss of taste"]
    assert symptom_phrases(" ") == []


def _jar(path: Path) -> Path:
    """A jar laid out as Synthea's: every module of ``MODULES``, each with one symptom."""
    with zipfile.ZipFile(path, "w") as z:
        for module in MODULES:
            symptom = "cold intolerance" if module == "hypothyroidism" else "Fatigue"
            z.writestr(f"modules/{module}.json", json.dumps({"name": module, "states": {"S": _symptom(symptom)}}))
        z.writestr("org/mitre/synthea/App.class", b"\xca\xfe")
    return path


def test_the_jar_is_fetched_once_checked_and_written_the_same_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = tmp_path / "maven"
    (repository / JAR_PATH).parent.mkdir(parents=True)
    jar = _jar(repository / JAR_PATH)
    dest = tmp_path / "home" / "vocab" / SYMPTOMS_FILE
    # Not Synthea's jar: refused by its checksum, with what to do, and nothing written.
    with pytest.raises(OntologyError, match=r"sha256 .*MEDKG_SYNTHEA=false"):
        fetch_synthea(dest, repository.as_uri())
    assert not dest.exists() and list(dest.parent.iterdir()) == []
    with pytest.raises(OntologyError, match="cannot download"):
        fetch_synthea(dest, (tmp_path / "nowhere").as_uri())

    monkeypatch.setattr(ontologies.synthea, "JAR_SHA256", hashlib.sha256(jar.read_bytes()).hexdigest())
    assert fetch_synthea(dest, repository.as_uri()) == dest
    rows = list(read_symptoms(dest))
    assert len(rows) == sum(len(diseases) for diseases in MODULES.values())  # dermatitis: atopic and contact
    hypothyroidism = [r for r in rows if r.module == "hypothyroidism"]
    assert [(r.disease, r.name, r.symptom) for r in hypothyroidism] == [
        ("MESH:D007037", "Hypothyroidism", "cold intolerance")
    ]
    first = dest.read_bytes()
    jar.unlink()  # there: not fetched again
    assert fetch_synthea(dest, repository.as_uri()) == dest
    dest.unlink()
    with pytest.raises(OntologyError):
        fetch_synthea(dest, repository.as_uri())
    _jar(jar)
    assert fetch_synthea(dest, repository.as_uri()).read_bytes() == first  # no name or time in the gzip header


def test_a_file_that_is_not_one_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / SYMPTOMS_FILE
    with gzip.open(path, "wt") as f:
        f.write("id\tname\nx\ty\n")
    with pytest.raises(OntologyError, match="not a Synthea symptom file"):
        list(read_symptoms(path))
    path.write_bytes(b"not gzip")
    with pytest.raises(OntologyError, match="delete it"):
        list(read_symptoms(path))


def _symptoms_file(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join([HEADER, *("\t".join(r) for r in rows)]) + "\n")
    return path


ROWS = [
    ("hypothyroidism", "MESH:D007037", "Hypothyroidism", "Short stature"),  # DOID's symptom already: not twice
    ("hypothyroidism", "MESH:D007037", "Hypothyroidism", "Seizure/Hypertension"),
    ("hypothyroidism", "MESH:D007037", "Hypothyroidism", "Fizzy elbows"),  # no HPO term: unread
    ("asthma", "MESH:D001249", "Asthma", "Hearing impairment (finding)"),
    ("new", "MESH:D000001", "A disease no source names", "Hypertension"),
    ("marfan", "MESH:D008382", "Marfan Syndrome", "Hypertension"),
]


def test_symptoms_load_on_the_diseases_of_their_mesh_id_and_a_reload_prunes_what_is_gone(
    store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from wiring.diagnosis import load_synthea_into

    terms = records().terms
    store.load_entities(
        [
            Entity("DOID:1459", "hypothyroidism", "biolink:Disease", xrefs=("MESH:D007037",)),
            Entity("DOID:2841", "asthma", "biolink:Disease", xrefs=("MESH:D001249",)),
            # OMIM entries MONDO maps to a MeSH class keep HPO's curated profile alone
            Entity("OMIM:600807", "asthma, susceptibility to", "biolink:Disease", xrefs=("MESH:D001249",)),
            Entity("OMIM:154700", "Marfan syndrome", "biolink:Disease", xrefs=("MESH:D008382",)),
            *(Entity(t.curie, t.name, "biolink:PhenotypicFeature") for t in terms),
        ]
    )
    store.load_phenotypes(
        [
            PhenotypeAnnotation("DOID:1459", "HP:0004322", None, "DOID"),  # short stature
            PhenotypeAnnotation("DOID:2841", "HP:0001250", None, "MeSH definition"),
            PhenotypeAnnotation("OMIM:600807", "HP:0001250", None, "HPO"),
            PhenotypeAnnotation("OMIM:154700", "HP:0002650", None, "HPO"),
        ]
    )
    path = _symptoms_file(tmp_path / SYMPTOMS_FILE, ROWS)

    def synthea() -> set[tuple[str, str]]:
        return {(r["disease"], r["phenotype"]) for r in store.phenotype_annotations() if r["source"] == SOURCE}

    report = load_synthea_into(store, path, terms, canonical=None)
    assert synthea() == {
        ("DOID:1459", "HP:0001250"),  # seizure
        ("DOID:1459", "HP:0000822"),  # hypertension
        ("DOID:2841", "HP:0000365"),  # hearing impairment
        ("MESH:D000001", "HP:0000822"),  # a MeSH disease of its own
    }
    assert report == {
        "symptoms": 5,
        "symptoms_unread": ["Fizzy elbows"],
        "diseases": 3,
        "annotations": 4,
        "left_to_hpo": ["Marfan Syndrome"],
        "pruned": 0,
    }
    names = {r["disease"]: r["name"] for r in store.phenotype_annotations()}
    assert names["MESH:D000001"] == "A disease no source names"
    assert load_synthea_into(store, path, terms, canonical=None)["pruned"] == 0 and len(synthea()) == 4
    _symptoms_file(path, ROWS[:3])  # asthma's and the new disease's rows gone
    assert load_synthea_into(store, path, terms, canonical=None)["pruned"] == 2
    assert synthea() == {("DOID:1459", "HP:0001250"), ("DOID:1459", "HP:0000822")}


def test_load_hpo_reads_them_as_a_patients_words_and_drops_them_when_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wiring.diagnosis
    from wiring.diagnosis import ensure_hpo
    from wiring.settings import load_settings

    mini_data(tmp_path / "data")
    home = tmp_path / "home"
    monkeypatch.setenv("MEDKG_HOME", str(home))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    assert CliRunner().invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0  # Synthea off (tests/conftest.py)
    # Epilepsy (DOID's, with MeSH D004827): "poor hearing" is no HPO name or synonym, the lay-phrase
    # matcher reads it as hearing impairment; seizures DOID's symptom table already gives it.
    rows = [("epilepsy", "MESH:D004827", "Epilepsy", s) for s in ("Poor hearing", "Seizure (finding)")]
    _symptoms_file(home / "vocab" / SYMPTOMS_FILE, rows)
    monkeypatch.setenv("MEDKG_SYNTHEA", "true")
    monkeypatch.setattr(wiring.diagnosis, "_canonical", lambda settings: None)  # no term index: as --no-xrefs
    settings = load_settings()
    with settings.open_store() as store:
        assert store.phenotype_edge_count(SOURCE) == 0
        ensure_hpo(store, settings)  # what `medkg run` does: a graph loaded before them gets them once
        assert {(r["disease"], r["phenotype"]) for r in store.phenotype_annotations() if r["source"] == SOURCE} == {
            ("DOID:1826", "HP:0000365")
        }
        ensure_hpo(store, settings)
        assert store.phenotype_edge_count(SOURCE) == 1
    loaded = CliRunner().invoke(app, ["load-hpo", "--no-xrefs"])
    assert loaded.exit_code == 0, loaded.output
    report = json.loads(loaded.stdout[loaded.stdout.index("{") :])["synthea"]
    assert report["annotations"] == 1 and report["symptoms_unread"] == [] and report["pruned"] == 0
    monkeypatch.setenv("MEDKG_SYNTHEA", "false")
    again = CliRunner().invoke(app, ["load-hpo", "--no-xrefs"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout[again.stdout.index("{") :])["synthea"] == {"pruned": 1}


@pytest.mark.shared_data
def test_every_module_names_a_mesh_disease_by_its_own_name(shared_data: Path) -> None:
    with gzip.open(shared_data / "ontologies" / "mesh" / "mesh_descriptors.csv.gz", "rt", encoding="utf-8") as f:
        names = {"MESH:" + r["id"].rsplit("/", 1)[1]: r["subject"] for r in csv.DictReader(f)}
    for module, diseases in MODULES.items():
        for curie, name in diseases:
            assert names.get(curie) == name, module


def test_a_match_says_where_the_symptom_comes_from() -> None:
    from diagnosis.context import _how_often
    from diagnosis.graph import Annotation

    assert _how_often(Annotation("HP:0000365", None, (), SOURCE)) == "a symptom in Synthea's model of the disease"


def test_a_class_neither_inherits_a_synthea_profile_nor_takes_its_own_symptom_over(
    store,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """The store holds one edge per (disease, phenotype): MeSH's subtype rule must not give a pair
    Synthea gives, or each reload of one would change the other's source."""
    from wiring.diagnosis import load_mesh_subtypes_into, load_synthea_into

    trees = thyroid_trees(tmp_path / "mesh_trees.tsv")
    store.load_entities(
        [
            Entity("DOID:7998", "hyperthyroidism", "biolink:Disease", xrefs=("MESH:D006980",)),
            Entity("DOID:12361", "Graves disease", "biolink:Disease", xrefs=("MESH:D006111",)),
        ]
    )
    store.load_phenotypes(
        [
            PhenotypeAnnotation("DOID:7998", "HP:0001250", None, "MeSH definition"),
            PhenotypeAnnotation("DOID:12361", "HP:0000822", None, "DOID"),  # Graves: hypertension
        ]
    )
    rows = [
        ("hyperthyroidism", "MESH:D006980", "Hyperthyroidism", "Hypertension"),
        ("graves", "MESH:D006111", "Graves Disease", "Short stature"),  # a subtype's Synthea symptom
    ]
    path = _symptoms_file(tmp_path / SYMPTOMS_FILE, rows)
    terms = records().terms

    def sources() -> dict[tuple[str, str], str]:
        return {(r["disease"], r["phenotype"]): r["source"] for r in store.phenotype_annotations()}

    load_synthea_into(store, path, terms, canonical=None)
    assert load_mesh_subtypes_into(store, trees)["annotations"] == 0  # hypertension is its own; no short stature
    first = sources()
    assert first[("DOID:7998", "HP:0000822")] == SOURCE and ("DOID:7998", "HP:0004322") not in first
    assert load_synthea_into(store, path, terms, canonical=None)["pruned"] == 0
    assert load_mesh_subtypes_into(store, trees)["pruned"] == 0
    assert sources() == first
