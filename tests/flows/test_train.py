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


def test_medkg_runs_training_trains_what_is_missing_and_goes_on_after_a_cut(
    prefect: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.train import train_models

    monkeypatch.setenv("MEDKG_BIORED", "false")  # BC5CDR's tagger alone (with BioRED's: the test below)

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
    assert again == {"ner": None, "re": None, "trained_with": {}, "promoted": {}, "resumed": [], "notes": []}

    # A relation model's training killed before its promotion left a candidate with a checkpoint:
    # the next run goes on from it instead of starting again.
    shutil.rmtree(models / "re-bc5cdr")
    train_models(**given, re_minutes=0)  # type: ignore[arg-type]
    (models / "re-bc5cdr").rename(models / CANDIDATES / "re-bc5cdr")
    killed = train_models(**given)  # type: ignore[arg-type]
    assert killed["ner"] is None and killed["promoted"] == {"re-bc5cdr": True} and killed["notes"] == []
    assert killed["resumed"] == ["re-bc5cdr"] and model_state(models / "re-bc5cdr") == "done"


@pytest.mark.shared_data
def test_the_bc5cdr_set_trains_biored_s_tagger_with_its_own(prefect: None, shared_data: Path, tmp_path: Path) -> None:
    """`medkg run`'s first training: BC5CDR's and BioRED's taggers train together (one encoder),
    each promoted into the registry; BioRED's set then trains only its relation model, and a later
    training of BioRED's set leaves the tagger to BC5CDR's set."""
    from extractors.models import read_card
    from extractors.ner import NerModel
    from flows.train import train_models

    models = tmp_path / "models"
    sample = str(DATA / "sample.pubtator")
    given = {"out_dir": str(models), "base_model": base_folder(tmp_path), "limit": 12}
    cut = train_models(train=sample, dev=sample, missing_only=True, ner_minutes=0, **given)  # type: ignore[arg-type]
    assert model_state(models / "ner-bc5cdr") == model_state(models / "ner-biored") == "resumable"
    assert [n.split(":")[0] for n in cut["notes"]] == ["ner-bc5cdr", "ner-biored"]
    first = train_models(train=sample, dev=sample, missing_only=True, **given)  # type: ignore[arg-type]
    assert first["resumed"] == ["ner-bc5cdr"] and model_state(models / "ner-biored") == "done"
    assert first["promoted"] == {"ner-bc5cdr": True, "ner-biored": True, "re-bc5cdr": True}
    assert set(first["trained_with"]) == {"ner-biored"} and first["trained_with"]["ner-biored"]["dev"]["micro"]
    assert read_card(models / "ner-biored")["trained_with"] == ["ner-bc5cdr"]
    assert read_card(models / "ner-biored")["config"]["canonical_types"] is True
    bc5cdr, biored = NerModel.load(models / "ner-bc5cdr"), NerModel.load(models / "ner-biored")
    assert bc5cdr.shared_layers(biored) == 2 and "Gene" in biored.types
    for missing_only in (True, False):
        then = train_models(model_set="biored", missing_only=missing_only, **given)  # type: ignore[arg-type]
        assert then["ner"] is None and "ner-biored" not in then["promoted"]


def test_bc5cdr_s_training_takes_three_of_every_four_dev_documents(tmp_path: Path) -> None:
    from flows.train import _split
    from wiring.settings import load_settings

    sample = (DATA / "sample.pubtator").read_text(encoding="utf-8").strip()
    dev = tmp_path / "dev.pubtator"  # the sample's two abstracts four times over, each time under new PMIDs
    dev.write_text(
        "\n\n".join(sample.replace("354896", f"9{i}354896").replace("10491763", f"9{i}10491763") for i in range(4))
        + "\n",
        encoding="utf-8",
    )
    every = load_settings().model_set("bc5cdr").dev_held_out_every
    train_docs, held, label = _split(str(DATA / "sample.pubtator"), str(dev), None, every)
    assert every == 4 and len(train_docs) == 2 + 6 and [d.pmid for d in held] == ["9110491763", "9310491763"]
    assert label == "every 4th document of dev.pubtator, counted from the first; the 6 others trained"
    assert {d.pmid for d in train_docs}.isdisjoint(d.pmid for d in held)
    # BioRED's dev split is small: all of it is held out.
    assert load_settings().model_set("biored").dev_held_out_every is None


@pytest.mark.shared_data
def test_the_biored_set_fits_the_lexical_relation_model(prefect: None, shared_data: Path, tmp_path: Path) -> None:
    """`medkg run`'s training of the BioRED pair: its relation model is the lexical one, done (so
    the next run keeps it), and every command loads it from the registry."""
    from extractors.doc_relations import load_relation_model
    from extractors.lexical_relations import LexicalRelationModel
    from extractors.models import read_card, write_card
    from flows.train import train_models

    biored = shared_data / "corpora" / "biored"
    models = tmp_path / "models"
    given = {
        "train": str(biored / "Train.PubTator"),
        "dev": str(biored / "Dev.PubTator"),
        "out_dir": str(models),
        "base_model": base_folder(tmp_path),
        "model_set": "biored",
        "limit": 40,
        "missing_only": True,
    }
    result = train_models(**given)  # type: ignore[arg-type]
    assert result["promoted"] == {"ner-biored": True, "re-biored": True}
    card = read_card(models / "re-biored")
    assert card["task"] == "re-lexical" and card["architecture"] == "lexical" and card["base_model"] is None
    assert model_state(models / "re-biored") == "done" and result["re"]["dev"]["f1"] > 0
    assert isinstance(load_relation_model(models / "re-biored"), LexicalRelationModel)
    assert train_models(**given)["re"] is None  # type: ignore[arg-type]  # done: kept

    # An older medkg's fine-tuned BioRED model in the registry: the next run fits the lexical one
    # beside it and keeps the better on dev; one that stays is not challenged again.
    for dev_f1, promoted in ((0.0, True), (100.0, False)):
        card["architecture"], card["metrics"]["dev"]["f1"] = "doc", dev_f1
        write_card(models / "re-biored", card)
        again = train_models(**given)  # type: ignore[arg-type]
        assert again["ner"] is None and again["promoted"] == {"re-biored": promoted}
        assert read_card(models / "re-biored")["architecture"] == ("lexical" if promoted else "doc")
    assert train_models(**given)["re"] is None  # type: ignore[arg-type]

    # A lexical model of an older pair description (no "features" on its card: version 1): fitted
    # again beside it the same way, and one that stays is not challenged again.
    from extractors.lexical_relations import FEATURES

    assert FEATURES > 1
    for dev_f1, promoted in ((0.0, True), (100.0, False)):
        old = {k: v for k, v in card.items() if k not in ("features", "kept_over")}
        old["architecture"], old["metrics"]["dev"]["f1"] = "lexical", dev_f1
        write_card(models / "re-biored", old)
        again = train_models(**given)  # type: ignore[arg-type]
        assert again["ner"] is None and again["promoted"] == {"re-biored": promoted}
        assert read_card(models / "re-biored").get("features") == (FEATURES if promoted else None)
    assert train_models(**given)["re"] is None  # type: ignore[arg-type]
