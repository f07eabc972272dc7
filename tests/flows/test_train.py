"""The training flow as `medkg run` runs it: only what the model registry lacks, going on from
where a time cap or a kill stopped."""

import shutil
from pathlib import Path

import pytest

from extractors.models import CHECKPOINT
from extractors.registry import CANDIDATES, model_state
from tests.extractors.helpers import base_folder

DATA = Path(__file__).resolve().parents[1] / "data"
pytestmark = pytest.mark.slow


def test_medkg_runs_training_trains_what_is_missing_and_goes_on_after_a_cut(prefect: None, tmp_path: Path) -> None:
    from flows.train import train_models

    models = tmp_path / "models"
    sample = str(DATA / "sample.pubtator")
    given = {
        "train": sample,
        "dev": sample,
        "out_dir": str(models),
        "base_model": base_folder(tmp_path),
        "missing_only": True,
    }

    cut = train_models(**given, ner_minutes=0)  # type: ignore[arg-type]
    assert model_state(models / "ner-bc5cdr") == "resumable" and model_state(models / "re-bc5cdr") == "done"
    assert cut["promoted"] == {"ner-bc5cdr": True, "re-bc5cdr": True}
    assert len(cut["notes"]) == 1 and cut["notes"][0].startswith("ner-bc5cdr: training stopped at its time cap")
    assert "the next `medkg run` continues" in cut["notes"][0]

    resumed = train_models(**given)  # type: ignore[arg-type]
    assert resumed["ner"] is not None and resumed["re"] is not None and resumed["notes"] == []
    assert resumed["resumed"] == ["ner-bc5cdr"]  # and the relation model trained anew from the new NER model
    assert model_state(models / "ner-bc5cdr") == model_state(models / "re-bc5cdr") == "done"
    assert (models / ".previous" / "ner-bc5cdr" / CHECKPOINT).is_file()  # the cut model it replaced

    again = train_models(**given)  # type: ignore[arg-type]
    assert again == {"ner": None, "re": None, "promoted": {}, "resumed": [], "notes": []}

    # A relation model's training killed before its promotion left a candidate with a checkpoint:
    # the next run goes on from it instead of starting again.
    shutil.rmtree(models / "re-bc5cdr")
    train_models(**given, re_minutes=0)  # type: ignore[arg-type]
    (models / "re-bc5cdr").rename(models / CANDIDATES / "re-bc5cdr")
    killed = train_models(**given)  # type: ignore[arg-type]
    assert killed["ner"] is None and killed["promoted"] == {"re-bc5cdr": True} and killed["notes"] == []
    assert killed["resumed"] == ["re-bc5cdr"] and model_state(models / "re-bc5cdr") == "done"
