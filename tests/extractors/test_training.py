"""The shared training loop: epochs, a time cap that leaves a checkpoint, and --resume."""

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from safetensors.torch import load_file

from extractors.configs import NerConfig
from extractors.models import CHECKPOINT, read_card
from extractors.ner import train_ner
from extractors.training import cap_note, dev_split_label, split_dev
from kg.errors import ConfigError
from tests.extractors.helpers import base_folder, sample_docs


def _config(base: str, **extra: object) -> NerConfig:
    return NerConfig(
        base_model=base,
        epochs=3,
        batch_size=2,
        learning_rate=1e-3,
        patience=5,
        device="cpu",
        bf16=False,
        max_length=64,
        score_from=1,
        **extra,
    )  # type: ignore[arg-type]


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
    note = cap_note(cut, "`medkg train ner ... --resume`")
    assert note is not None and "--resume" in note and "0 of 3 epochs and 1 batch of epoch 1" in note
    assert (tmp_path / "cut" / "model.safetensors").is_file()  # a model is there to use meanwhile

    done = train_ner(docs, docs, tmp_path / "cut", _config(base, max_minutes=60), progress=False, resume=True)
    assert done["stopped_by"] == "epochs" and "resumable" not in done and not (tmp_path / "cut" / CHECKPOINT).exists()
    assert [h["loss"] for h in done["history"]][1:] == pytest.approx(
        [h["loss"] for h in whole["history"]][1:], rel=1e-4
    )
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
        train_ner(
            docs,
            docs,
            tmp_path / "cut",
            _config(base, max_minutes=60).model_copy(update={"learning_rate": 5e-4}),
            progress=False,
            resume=True,
        )


def test_dev_is_scored_from_the_chosen_epoch_and_at_the_end(tmp_path: Path) -> None:
    from extractors.configs import DocRelationConfig
    from extractors.doc_relations import train_doc_relations

    docs = sample_docs()
    card = train_doc_relations(
        docs,
        docs,
        tmp_path / "re",
        DocRelationConfig(
            base_model=base_folder(tmp_path),
            epochs=3,
            batch_size=2,
            max_length=128,
            learning_rate=1e-3,
            device="cpu",
            score_from=3,
        ),
        progress=False,
    )
    assert ["dev_f1" in h for h in card["history"]] == [False, False, True]
    assert card["metrics"]["best_epoch"] == 3
    # a schedule shorter than score_from still scores (and keeps) its last epoch
    short = train_doc_relations(
        docs,
        docs,
        tmp_path / "short",
        DocRelationConfig(
            base_model=base_folder(tmp_path),
            epochs=2,
            batch_size=2,
            max_length=128,
            learning_rate=1e-3,
            device="cpu",
            score_from=5,
        ),
        progress=False,
    )
    assert ["dev_f1" in h for h in short["history"]] == [False, True] and short["metrics"]["best_epoch"] == 2


def test_a_killed_run_resumes_from_its_last_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every epoch but the last leaves a checkpoint: a run killed in its second epoch's scoring
    says so, and goes on from the end of its first, to the uncut run's weights."""
    import extractors.ner as ner_module

    docs = sample_docs()
    base = base_folder(tmp_path)
    whole = train_ner(docs, docs, tmp_path / "whole", _config(base, max_minutes=60), progress=False)
    real, calls = ner_module.strict_scores, []

    def dies_second_time(*args: object, **kwargs: object) -> dict:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ner_module, "strict_scores", dies_second_time)
    with caplog.at_level(logging.INFO, logger="extractors.training"), pytest.raises(KeyboardInterrupt):
        train_ner(docs, docs, tmp_path / "killed", _config(base, max_minutes=60), progress=False)
    monkeypatch.setattr(ner_module, "strict_scores", real)
    # the run says what it keeps and how to go on
    said = caplog.messages[-1]
    assert "stopped before the end of training" in said and "(1 epoch done)" in said, said
    assert str(tmp_path / "killed") in said and "--resume" in said
    assert (tmp_path / "killed" / CHECKPOINT).is_file() and "stopped_by" not in read_card(tmp_path / "killed")
    done = train_ner(docs, docs, tmp_path / "killed", _config(base, max_minutes=60), progress=False, resume=True)
    assert [h["epoch"] for h in done["history"]] == [1, 2, 3] and done["stopped_by"] == "epochs"
    a, b = load_file(tmp_path / "whole" / "model.safetensors"), load_file(tmp_path / "killed" / "model.safetensors")
    assert (
        a
        and all((a[k] - b[k]).abs().max() < 1e-4 for k in a)
        and whole["metrics"]["best_epoch"] == done["metrics"]["best_epoch"]
    )


def test_layers_keeps_the_encoders_first_layers_for_training_and_inference(tmp_path: Path) -> None:
    """``layers=N`` trains (and saves) only the first N layers of the base encoder, starting from
    their weights; the saved model loads with N layers, and a relation model trained from that
    NER folder keeps them."""
    from extractors.configs import DocRelationConfig
    from extractors.doc_relations import load_relation_model, train_doc_relations
    from extractors.ner import NerModel
    from tests.extractors.test_doc_relations import _docs

    docs = sample_docs()
    base = base_folder(tmp_path)
    train_ner(
        docs,
        docs,
        tmp_path / "ner",
        _config(base, layers=1).model_copy(update={"epochs": 1, "learning_rate": 1e-12}),
        progress=False,
    )
    tagger = NerModel.load(tmp_path / "ner", quantize="fp32").model
    assert tagger.config.num_hidden_layers == 1 and len(tagger.base_model.encoder.layer) == 1
    start = load_file(Path(base) / "model.safetensors")
    trained = load_file(tmp_path / "ner" / "model.safetensors")
    weight = "encoder.layer.0.attention.self.query.weight"
    assert (trained[f"bert.{weight}"] - start[weight]).abs().max() < 1e-6  # the base's first layer
    assert not any(".layer.1." in k for k in trained)
    assert read_card(tmp_path / "ner")["config"]["layers"] == 1

    train_doc_relations(
        _docs(),
        _docs(),
        tmp_path / "re",
        DocRelationConfig(base_model=str(tmp_path / "ner"), epochs=1, batch_size=2, max_length=128, device="cpu"),
        progress=False,
    )
    assert len(load_relation_model(tmp_path / "re").encoder.encoder.layer) == 1
    with pytest.raises(ConfigError, match="layers must be at least 1"):
        train_ner(docs, docs, tmp_path / "none", _config(base, layers=0), progress=False)


def test_every_nth_dev_document_is_held_out_and_the_others_train() -> None:
    joins, held = split_dev(list(range(10)), 4)
    assert held == [3, 7] and joins == [0, 1, 2, 4, 5, 6, 8, 9]
    assert dev_split_label("x/Dev.txt", 4, len(joins)) == (
        "every 4th document of Dev.txt, counted from the first; the 8 others trained"
    )
    # The usual use, and a dev split too small to give up documents: everything is held out.
    assert split_dev(list(range(10)), None) == ([], list(range(10)))
    assert split_dev([0, 1, 2], 4) == ([], [0, 1, 2])
    assert dev_split_label("x/Dev.txt", 2, 5) == (
        "every 2nd document of Dev.txt, counted from the first; the 5 others trained"
    )
    assert dev_split_label("x/Dev.txt", 4, 0) is None and dev_split_label("x/Dev.txt", None, 0) is None
    with pytest.raises(ConfigError, match="at least 2"):
        split_dev(list(range(10)), 1)


def test_taggers_trained_together_share_their_encoder_and_predict_as_each_alone(tmp_path: Path) -> None:
    """Two taggers trained together (one for diseases, one for chemicals): two ordinary model
    folders whose encoder layers are identical, so ``predict_together`` runs the encoder once, and
    what it predicts is what each model predicts alone."""
    from dataclasses import replace

    from extractors.ner import NerModel, TaggerData, predict_together, train_taggers

    docs = sample_docs()

    def only(label: str) -> list:
        return [replace(d, mentions=tuple(m for m in d.mentions if m.label == label)) for d in docs]

    base = base_folder(tmp_path)
    cards = train_taggers(
        [
            TaggerData(only("Disease"), only("Disease"), tmp_path / "a"),
            TaggerData(only("Chemical"), only("Chemical"), tmp_path / "b"),
        ],
        _config(base, max_minutes=60),
        progress=False,
    )
    assert [c["types"] for c in cards] == [["Disease"], ["Chemical"]]
    assert cards[0]["trained_with"] == ["b"] and cards[1]["history"] == cards[0]["history"]
    assert all(len(h["dev_f1_each"]) == 2 for h in cards[0]["history"])
    a, b = NerModel.load(tmp_path / "a", device="cpu"), NerModel.load(tmp_path / "b", device="cpu")
    assert a.labels == ["O", "B-Disease", "I-Disease"] and b.labels == ["O", "B-Chemical", "I-Chemical"]
    assert a.shared_layers(b) == 2  # the tiny encoder's two layers
    bare = [replace(d, mentions=()) for d in docs]
    assert predict_together([a, b], bare) == [a.predict(bare), b.predict(bare)]
    assert read_card(tmp_path / "a")["metrics"]["dev"]["micro"]["f1"] == cards[0]["metrics"]["dev"]["micro"]["f1"]


def test_taggers_of_other_weights_share_nothing(tmp_path: Path) -> None:
    from extractors.ner import predict_together
    from tests.extractors.helpers import tiny_ner

    a = tiny_ner(tmp_path, ["O", "B-Disease", "I-Disease"])
    b = tiny_ner(tmp_path, ["O", "B-Chemical", "I-Chemical"])
    with __import__("torch").no_grad():
        b.model.base_model.encoder.layer[1].output.dense.bias.add_(0.5)  # the second layer differs
    assert a.shared_layers(b) == 1
    docs = sample_docs()
    assert predict_together([a, b], docs) == [a.predict(docs), b.predict(docs)]
    b.model.base_model.embeddings.word_embeddings.weight.data.add_(0.1)
    c = tiny_ner(tmp_path, ["O", "B-Gene", "I-Gene"])
    assert c.shared_layers(b) == 0


def test_the_up_front_estimate_is_said_again_when_the_first_fifth_of_an_epoch_runs_at_another_pace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first batches of a CPU run are slow (kernels built for each new shape): the estimate
    from them is taken again a fifth of the way into the first epoch, and said again only when it
    changed by more than a fifth."""
    import time

    import torch
    from torch import nn

    from extractors.models import write_card
    from extractors.training import Loop, Schedule, fit, make_optimizer

    def run(slow_batches: int) -> list[str]:
        out = tmp_path / f"slow{slow_batches}"
        out.mkdir()
        model = nn.Linear(2, 1)
        optimizer, scheduler = make_optimizer(model, 1e-3, 0.0, 200, 0.0)

        def loss_of(k: int) -> torch.Tensor:
            time.sleep(0.15 if k < slow_batches else 0.02)
            return model(torch.ones(1, 2)).pow(2).sum()

        def save_best(*_: object) -> None:
            write_card(out, {"task": "test"})

        loop = Loop(model, optimizer, scheduler, lambda _: list(range(100)), loss_of, lambda _: (1.0, {}), save_best)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="extractors.training"):
            fit(loop, out, Schedule(2, 2, 60, name="t"), progress=False)
        return [m for m in caplog.messages if "s per batch" in m]

    said = run(slow_batches=12)  # 10 of the timed batches slow: a pessimistic first estimate
    assert len(said) == 2 and "on this machine" in said[0] and "over 18 batches" in said[1], said
    first, again = (float(m.split(": ")[1].split(" s")[0]) for m in said)
    assert again < 0.8 * first
    assert len(run(slow_batches=0)) == 1  # the same pace: said once


def test_the_up_front_estimate_weighs_the_timed_batches_by_their_work(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Batches of similar length come in random order, so the first ones timed may all be short:
    with the loop's ``cost`` (a batch's padded tokens in the trainers) the estimate is their
    seconds per unit of work times the epoch's mean work a batch, not their own mean seconds."""
    import time

    import torch
    from torch import nn

    from extractors.models import write_card
    from extractors.training import Loop, Schedule, fit, make_optimizer

    work = [1] * 20 + [5] * 40  # the 20 short batches first: every timed one is short

    def first_estimate(cost: Callable[[int], float] | None) -> float:
        out = tmp_path / f"cost{cost is not None}"
        out.mkdir()
        model = nn.Linear(2, 1)
        optimizer, scheduler = make_optimizer(model, 1e-3, 0.0, len(work), 0.0)

        def loss_of(k: int) -> torch.Tensor:
            time.sleep(0.02 * work[k])
            return model(torch.ones(1, 2)).pow(2).sum()

        def save_best(*_: object) -> None:
            write_card(out, {"task": "test"})

        batches = lambda _: list(range(len(work)))
        loop = Loop(model, optimizer, scheduler, batches, loss_of, lambda _: (1.0, {}), save_best, cost=cost)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="extractors.training"):
            fit(loop, out, Schedule(1, 1, 60, name="t"), progress=False)
        said = [m for m in caplog.messages if "s per batch" in m]
        return float(said[0].split(": ")[1].split(" s")[0])

    true_mean = 0.02 * sum(work) / len(work)  # 0.073 s a batch
    assert first_estimate(lambda k: work[k]) >= 0.7 * true_mean
    assert first_estimate(None) <= 0.5 * true_mean  # the short batches' own pace


def test_the_optimizer_is_pytorchs_fused_adamw_with_the_same_updates() -> None:
    """On a CPU the trainers step with the fused AdamW (one kernel: 5x faster steps for MiniLM),
    and its updates are the plain AdamW's to float precision."""
    import torch

    from extractors.training import make_optimizer

    torch.manual_seed(0)
    fused_model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    plain_model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    plain_model.load_state_dict(fused_model.state_dict())
    fused, schedule = make_optimizer(fused_model, 1e-2, 0.01, total_steps=10, warmup_ratio=0.1)
    plain = torch.optim.AdamW(plain_model.parameters(), lr=1e-2, weight_decay=0.01)
    assert fused.defaults["fused"] is True
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    for _ in range(5):
        for model, opt in ((fused_model, fused), (plain_model, plain)):
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            opt.zero_grad()
        schedule.step()
        for group in plain.param_groups:  # the plain optimizer follows the same schedule
            group["lr"] = fused.param_groups[0]["lr"]
    for a, b in zip(fused_model.parameters(), plain_model.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_hidden_dropout_is_a_setting_the_saved_encoder_keeps(tmp_path: Path) -> None:
    """``hidden_dropout`` sets the dropout on the encoder's hidden states while training (None: the
    encoder's own); the saved config says which, so a relation model trained from the NER folder
    starts from the same; a value outside [0, 1) is a clear error."""
    import json

    from extractors.models import hidden_dropout_override

    docs = sample_docs()
    base = base_folder(tmp_path)
    own = json.loads((Path(base) / "config.json").read_text())["hidden_dropout_prob"]
    assert own > 0 and hidden_dropout_override(base, None) == {}
    assert hidden_dropout_override(base, 0.0) == {"hidden_dropout_prob": 0.0}
    for dropout, expected in ((0.0, 0.0), (None, own)):
        out = tmp_path / f"ner-{dropout}"
        train_ner(
            docs, docs, out, _config(base, hidden_dropout=dropout).model_copy(update={"epochs": 1}), progress=False
        )
        assert json.loads((out / "config.json").read_text())["hidden_dropout_prob"] == expected
    with pytest.raises(ConfigError, match="hidden_dropout must be in"):
        train_ner(docs, docs, tmp_path / "none", _config(base, hidden_dropout=1.0), progress=False)
