from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from extractors.models import write_card
from extractors.registry import PREVIOUS, candidate_dir, dev_score, promote, rollback
from kg.errors import ConfigError


def _model(folder: Path, f1: float, dev_split: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_card(folder, {"task": "ner", "metrics": {"dev": {"micro": {"f1": f1}}}, "dev_split": dev_split})
    return folder


def test_scores_on_other_dev_documents_do_not_keep_the_current_model(tmp_path: Path) -> None:
    models = tmp_path / "models"
    promote(_model(candidate_dir(models, "ner-x"), 84.8), models, "ner-x")  # scored on the whole dev split
    held_out = "every 4th document of Dev.txt, counted from the first; the 375 others trained"
    new = promote(_model(candidate_dir(models, "ner-x"), 84.0, held_out), models, "ner-x")
    assert new.promoted and not new.same_dev and "scored on other dev documents" in str(new)
    worse = promote(_model(candidate_dir(models, "ner-x"), 83.0, held_out), models, "ner-x")
    assert not worse.promoted and dev_score(models / "ner-x") == 84.0  # same held-out documents: compared


def test_a_candidate_replaces_the_current_model_only_when_not_worse_and_rolls_back(tmp_path: Path) -> None:
    models = tmp_path / "models"
    first = promote(_model(candidate_dir(models, "ner-x"), 80.0), models, "ner-x")
    assert first.promoted and dev_score(models / "ner-x") == 80.0
    worse = promote(_model(candidate_dir(models, "ner-x"), 79.0), models, "ner-x")
    assert not worse.promoted and dev_score(models / "ner-x") == 80.0 and "kept the current model" in str(worse)
    better = promote(_model(candidate_dir(models, "ner-x"), 81.5), models, "ner-x")
    assert better.promoted and dev_score(models / "ner-x") == 81.5 and dev_score(models / PREVIOUS / "ner-x") == 80.0
    rollback(models, "ner-x")
    assert dev_score(models / "ner-x") == 80.0 and dev_score(models / PREVIOUS / "ner-x") == 81.5
    rollback(models, "ner-x")  # undoes the rollback
    assert dev_score(models / "ner-x") == 81.5
    with pytest.raises(ConfigError, match="no previous model"):
        rollback(models, "re-x")


def test_cli_promote_and_rollback(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"MEDKG_HOME": str(tmp_path / "home")}
    _model(tmp_path / "home" / "models" / "ner-x", 80.0)
    worse = runner.invoke(app, ["models", "promote", str(_model(tmp_path / "run1", 70.0)), "--name", "ner-x"], env=env)
    assert worse.exit_code == 0 and "kept the current model" in worse.output
    forced = runner.invoke(app, ["models", "promote", str(tmp_path / "run1"), "--name", "ner-x", "--force"], env=env)
    assert forced.exit_code == 0 and "promoted" in forced.output
    back = runner.invoke(app, ["models", "rollback", "ner-x"], env=env)
    assert back.exit_code == 0 and dev_score(tmp_path / "home" / "models" / "ner-x") == 80.0
    missing = runner.invoke(app, ["models", "rollback", "re-x"], env=env)
    assert missing.exit_code == 2 and "no previous model" in missing.output


def _diagnosis(folder: Path, acc: float) -> Path:
    """A diagnosis models folder as `medkg train diagnosis` writes it: the card is graph-ranker's."""
    _model(folder / "text-only", 50.0)  # its own card: not the one the registry reads
    (folder / "graph-ranker").mkdir(parents=True, exist_ok=True)
    write_card(folder / "graph-ranker", {"task": "diagnosis", "metrics": {"dev": {"acc@1": acc, "mrr": 90.0}}})
    return folder


def test_the_diagnosis_models_are_promoted_by_their_ranker_s_dev_acc(tmp_path: Path) -> None:
    from extractors.packaging import list_models

    models = tmp_path / "models"
    assert promote(_diagnosis(candidate_dir(models, "diagnosis"), 80.0), models, "diagnosis").promoted
    worse = promote(_diagnosis(candidate_dir(models, "diagnosis"), 79.0), models, "diagnosis")
    assert not worse.promoted and dev_score(models / "diagnosis") == 80.0
    assert promote(_diagnosis(candidate_dir(models, "diagnosis"), 85.0), models, "diagnosis").promoted
    assert [(r["name"], r["task"], r["dev_f1"], r["dev_acc"]) for r in list_models(models)] == [
        ("diagnosis", "diagnosis", None, 85.0)
    ]
    rollback(models, "diagnosis")
    assert dev_score(models / "diagnosis") == 80.0
