"""The diagnosis commands end to end on the small HPO of tests/data, with a tiny encoder."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.diagnosis.helpers import mini_data, tiny_encoder

runner = CliRunner()


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    mini_data(tmp_path / "data")
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    return tmp_path


def _json(output: str) -> dict:
    return dict(json.loads(output[output.index("{") :]))


@pytest.mark.slow
def test_load_hpo_train_evaluate_and_diagnose(env: Path) -> None:
    loaded = runner.invoke(app, ["load-hpo", "--no-xrefs"])
    assert loaded.exit_code == 0, loaded.output
    report = _json(loaded.stdout)
    assert report["annotations"] == 35
    # DOID's epilepsy: "convulsion" (synonym "seizure") and "recurrent tonic fits" (through its parent) are
    # both Seizure, "low muscle tone" is Hypotonia; a disease whose only symptom maps to nothing is left out.
    assert (
        report["doid_symptoms"]["diseases"],
        report["doid_symptoms"]["annotations"],
        report["doid_symptoms"]["rows_unmapped"],
    ) == (1, 2, 1)
    # The definitions (tests/diagnosis/test_definitions.py): MeSH's epilepsy joins DOID's, whose symptom table already
    # says Seizure (that edge keeps its source) but not Developmental regression; Marfan syndrome is left to HPO.
    assert report["definitions"] == {
        "read": {"MeSH definition": 5, "DOID definition": 2},
        "diseases": {"DOID definition": 1, "MeSH definition": 3},
        "annotations": 5,
        "left_to_hpo": 1,
        "pruned": 0,
    }
    again = runner.invoke(app, ["load-hpo", "--no-xrefs"])  # MERGE: a second load changes no count
    counts = runner.invoke(
        app,
        [
            "query",
            "MATCH (d)-[h:HAS_PHENOTYPE]->(p) RETURN h.source AS source, count(h) AS n ORDER BY source",
            "-o",
            "json",
        ],
    )
    assert again.exit_code == 0 and json.loads(counts.stdout) == [
        {"source": "DOID", "n": 2},
        {"source": "DOID definition", "n": 2},
        {"source": "HPO", "n": 35},
        {"source": "MeSH definition", "n": 3},
    ]
    # A newer MEDIC without deafness: a reload takes its definition's edge (its name is HPO's
    # Hearing impairment) away, and nothing else.
    import gzip

    ctd = env / "data" / "ontologies" / "ctd" / "CTD_diseases.tsv.gz"
    with gzip.open(ctd, "rt") as f:
        rows = [line for line in f if "MESH:D003638" not in line]
    with gzip.open(ctd, "wt") as f:
        f.writelines(rows)
    reloaded = runner.invoke(app, ["load-hpo", "--no-xrefs"])
    assert reloaded.exit_code == 0, reloaded.output
    assert _json(reloaded.stdout)["definitions"]["pruned"] == 1
    deaf = runner.invoke(
        app,
        ["query", "MATCH (d:Entity {curie: 'MESH:D003638'})-[h:HAS_PHENOTYPE]->() RETURN count(h) AS n", "-o", "json"],
    )
    assert json.loads(deaf.stdout) == [{"n": 0}]
    epilepsy = runner.invoke(
        app, ["query", "MATCH (d:Entity {curie: 'DOID:1826'}) RETURN d.name AS name, d.xrefs AS xrefs", "-o", "json"]
    )
    # both of DOID's MeSH ids, though MeSH's definition (which joins epilepsy) names one
    assert json.loads(epilepsy.stdout) == [{"name": "epilepsy", "xrefs": ["MESH:D004827", "MESH:D004828"]}]

    out = env / "model"
    trained = runner.invoke(
        app,
        [
            "train",
            "diagnosis",
            "--out",
            str(out),
            "--diseases",
            "8",
            "--cases-per-disease",
            "6",
            "--unseen-fraction",
            "0.25",
            "--epochs",
            "1",
            "--text-epochs",
            "1",
            "--base-model",
            str(tiny_encoder(env / "base")),
        ],
    )
    assert trained.exit_code == 0, trained.output
    report = json.loads((out / "evaluation.json").read_text())
    assert set(report["test_seen"]) == {"phenotype_overlap", "graph_augmented", "graph_model_alone", "text_only"}
    assert (
        report["test_unseen"]["text_only"]["acc@1"] == 0.0 and report["test_unseen"]["graph_augmented"]["n"] == 1
    )  # 4 diseases have 5+ annotations; 1 held out

    evaluated = runner.invoke(app, ["evaluate", "diagnosis", "--model", str(out)])
    assert evaluated.exit_code == 0, evaluated.output
    assert _json(evaluated.stdout)["test_seen"] == report["test_seen"]

    diagnosed = runner.invoke(
        app,
        [
            "diagnose",
            "Long slender fingers, a dislocated lens and aortic dilatation.",
            "--model",
            str(out),
            "--json",
            "--top-k",
            "2",
        ],
    )
    assert diagnosed.exit_code == 0, diagnosed.output
    body = _json(diagnosed.stdout)
    assert len(body["diagnoses"]) == 2 and [e["curie"] for e in body["entities"]] == [
        "HP:0001166",
        "HP:0001083",
        "HP:0002616",
    ]


def test_diagnose_without_a_model_says_how_to_get_one(env: Path) -> None:
    assert runner.invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0
    result = runner.invoke(app, ["diagnose", "seizures", "--model", str(env / "nothing")])
    assert result.exit_code == 2 and "medkg train diagnosis" in result.output


def test_the_general_setting_diagnoses_without_a_model_from_the_whole_text(env: Path) -> None:
    assert runner.invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0
    text = "My fingers are very long and thin, I am very tall, and the lens of my eye slipped out of place."
    result = runner.invoke(app, ["diagnose", text, "--setting", "general", "--json", "--top-k", "3"])
    assert result.exit_code == 0, result.output
    body = _json(result.stdout)
    assert body["setting"] == "general" and len(body["diagnoses"]) == 3
    assert "Marfan syndrome" in [d["name"] for d in body["diagnoses"]]
    assert all(d["description_similarity"] is not None for d in body["diagnoses"])


def test_diagnose_refuses_an_unknown_setting_in_one_line(env: Path) -> None:
    result = runner.invoke(app, ["diagnose", "seizures", "--setting", "clinic"])
    assert result.exit_code == 2 and "--setting 'clinic': use one of rare, general" in result.output
    assert "Traceback" not in result.output


def test_train_phenotype_encoder_then_diagnose_uses_it(env: Path) -> None:
    assert runner.invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0
    out = env / "home" / "models" / "phenotype-encoder"  # the default folder, which diagnosis loads
    trained = runner.invoke(
        app,
        [
            "train",
            "phenotype-encoder",
            "--out",
            str(out),
            "--base-model",
            str(tiny_encoder(env / "base")),
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--dev-fraction",
            "0.4",
        ],
    )
    assert trained.exit_code == 0, trained.output
    assert "best dev accuracy@1" in trained.output and (out / "medkg.json").is_file()
    from wiring.diagnosis import phenotype_encoder
    from wiring.settings import load_settings

    assert phenotype_encoder(load_settings()).name == str(out)


def test_run_fine_tunes_the_phenotype_encoder_once(env: Path) -> None:
    """`medkg run`'s last training step: the encoder goes into the registry, where diagnosis
    finds it, and a second run leaves it as it is."""
    from cli.main import _encoder_line, _ensure_phenotype_encoder, _next_steps
    from diagnosis.configs import PhenotypeEncoderConfig
    from wiring.diagnosis import phenotype_encoder, phenotype_encoder_dir
    from wiring.settings import load_settings

    settings = load_settings()
    config = PhenotypeEncoderConfig(base_model=str(tiny_encoder(env / "base")), batch_size=8, dev_fraction=0.4)
    no_dense = settings.model_copy(update={"diagnosis_dense": False})  # nothing would read with it
    assert _ensure_phenotype_encoder(no_dense, config) is None and not phenotype_encoder_dir(settings).exists()
    folder = _ensure_phenotype_encoder(settings, config)
    assert folder == phenotype_encoder_dir(settings) and phenotype_encoder(settings).name == str(folder)
    assert "dev accuracy@1" in _encoder_line(folder) and "phenotype-encoder" not in _next_steps(settings)
    stamp = (folder / "medkg.json").stat().st_mtime_ns
    assert _ensure_phenotype_encoder(settings, config) is None and (folder / "medkg.json").stat().st_mtime_ns == stamp
