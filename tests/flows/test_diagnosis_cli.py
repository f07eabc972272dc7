"""The diagnosis commands end to end on the small HPO of tests/data, with a tiny encoder."""

import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.diagnosis.helpers import MINI_HPOA, MINI_OBO, tiny_encoder

runner = CliRunner()


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hpo = tmp_path / "data" / "ontologies" / "hpo"
    hpo.mkdir(parents=True)
    for src, name in ((MINI_OBO, "hp.obo.gz"), (MINI_HPOA, "phenotype.hpoa.gz")):
        with src.open("rb") as f, gzip.open(hpo / name, "wb") as g:
            shutil.copyfileobj(f, g)
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    return tmp_path


def _json(output: str) -> dict:
    return dict(json.loads(output[output.index("{"):]))


def test_load_hpo_train_evaluate_and_diagnose(env: Path) -> None:
    loaded = runner.invoke(app, ["load-hpo", "--no-xrefs"])
    assert loaded.exit_code == 0, loaded.output
    assert _json(loaded.stdout)["annotations"] == 35
    again = runner.invoke(app, ["load-hpo", "--no-xrefs"])
    counts = runner.invoke(app, ["query", "MATCH ()-[h:HAS_PHENOTYPE]->() RETURN count(h) AS n", "-o", "json"])
    assert again.exit_code == 0 and json.loads(counts.stdout) == [{"n": 35}]

    out = env / "model"
    trained = runner.invoke(app, ["train", "diagnosis", "--out", str(out), "--diseases", "8", "--cases-per-disease", "6", "--unseen-fraction", "0.25",
                                  "--epochs", "1", "--text-epochs", "1", "--base-model", str(tiny_encoder(env / "base"))])
    assert trained.exit_code == 0, trained.output
    report = json.loads((out / "evaluation.json").read_text())
    assert set(report["test_seen"]) == {"phenotype_overlap", "graph_augmented", "graph_model_alone", "text_only"}
    assert report["test_unseen"]["text_only"]["acc@1"] == 0.0 and report["test_unseen"]["graph_augmented"]["n"] == 1  # 4 diseases have 5+ annotations; 1 held out

    evaluated = runner.invoke(app, ["evaluate", "diagnosis", "--model", str(out)])
    assert evaluated.exit_code == 0, evaluated.output
    assert _json(evaluated.stdout)["test_seen"] == report["test_seen"]

    diagnosed = runner.invoke(app, ["diagnose", "Long slender fingers, a dislocated lens and aortic dilatation.", "--model", str(out), "--json", "--top-k", "2"])
    assert diagnosed.exit_code == 0, diagnosed.output
    body = _json(diagnosed.stdout)
    assert len(body["diagnoses"]) == 2 and [e["curie"] for e in body["entities"]] == ["HP:0001166", "HP:0001083", "HP:0002616"]


def test_diagnose_without_a_model_says_how_to_get_one(env: Path) -> None:
    assert runner.invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0
    result = runner.invoke(app, ["diagnose", "seizures", "--model", str(env / "nothing")])
    assert result.exit_code == 2 and "medkg train diagnosis" in result.output
