"""The shared training loop: epochs, a time cap that leaves a checkpoint, and --resume."""

from pathlib import Path

import pytest
from safetensors.torch import load_file

from extractors.configs import NerConfig
from extractors.models import CHECKPOINT, read_card
from extractors.ner import train_ner
from extractors.training import cap_note
from kg.errors import ConfigError
from tests.extractors.helpers import base_folder, sample_docs


def _config(base: str, **extra: object) -> NerConfig:
    return NerConfig(base_model=base, epochs=3, batch_size=2, learning_rate=1e-3, patience=5, device="cpu", bf16=False,
                     max_length=64, **extra)  # type: ignore[arg-type]


def test_a_capped_run_resumes_to_the_uncut_result(tmp_path: Path) -> None:
    """A run cut by its time cap keeps a usable model and a checkpoint; --resume ends where a run
    without the cap ends: same history of losses, same weights."""
    docs = sample_docs()
    base = base_folder(tmp_path)
    whole = train_ner(docs, docs, tmp_path / "whole", _config(base, max_minutes=60), progress=False)
    assert whole["stopped_by"] == "epochs" and not (tmp_path / "whole" / CHECKPOINT).exists()

    cut = train_ner(docs, docs, tmp_path / "cut", _config(base, max_minutes=0), progress=False)
    assert cut["stopped_by"] == "max_minutes" and cut["resumable"] and (tmp_path / "cut" / CHECKPOINT).is_file()
    assert cut["history"][0]["batches"] == 1  # cut after its first batch, mid-epoch
    note = cap_note(cut, "medkg train ner ...")
    assert note is not None and "--resume" in note and "0 of 3 epochs" in note
    assert (tmp_path / "cut" / "model.safetensors").is_file()  # a model is there to use meanwhile

    done = train_ner(docs, docs, tmp_path / "cut", _config(base, max_minutes=60), progress=False, resume=True)
    assert done["stopped_by"] == "epochs" and "resumable" not in done and not (tmp_path / "cut" / CHECKPOINT).exists()
    assert [h["loss"] for h in done["history"]][1:] == pytest.approx([h["loss"] for h in whole["history"]][1:], rel=1e-4)
    a, b = load_file(tmp_path / "whole" / "model.safetensors"), load_file(tmp_path / "cut" / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] - b[k]).abs().max() < 1e-4 for k in a)
    assert read_card(tmp_path / "cut")["metrics"]["best_epoch"] == whole["metrics"]["best_epoch"]


def test_resume_refuses_other_settings_and_missing_checkpoints(tmp_path: Path) -> None:
    docs = sample_docs()
    base = base_folder(tmp_path)
    with pytest.raises(ConfigError, match="nothing to resume"):
        train_ner(docs, docs, tmp_path / "none", _config(base, max_minutes=60), progress=False, resume=True)
    train_ner(docs, docs, tmp_path / "cut", _config(base, max_minutes=0), progress=False)
    with pytest.raises(ConfigError, match="changed: learning_rate"):
        train_ner(docs, docs, tmp_path / "cut", _config(base, max_minutes=60).model_copy(update={"learning_rate": 5e-4}),
                  progress=False, resume=True)


def test_dev_is_scored_from_the_chosen_epoch_and_at_the_end(tmp_path: Path) -> None:
    from extractors.doc_relations import train_doc_relations
    from extractors.configs import DocRelationConfig

    docs = sample_docs()
    card = train_doc_relations(docs, docs, tmp_path / "re", DocRelationConfig(base_model=base_folder(tmp_path), epochs=3, batch_size=2,
                               max_length=128, learning_rate=1e-3, device="cpu", score_from=3), progress=False)
    assert ["dev_f1" in h for h in card["history"]] == [False, False, True]
    assert card["metrics"]["best_epoch"] == 3
