"""The document-level relation model with a tiny BERT built from a config."""

from pathlib import Path

import numpy as np
import torch

from extractors.doc_relations import (
    DocRelationConfig,
    DocRelationModel,
    load_relation_model,
    train_doc_relations,
)
from extractors.relations import RelationModel
from kg.types import Document
from readers import read_documents
from tests.extractors.helpers import base_folder as _base_folder
from tests.extractors.helpers import tiny_doc_relations as _model

DATA = Path(__file__).resolve().parents[1] / "data"


def _docs() -> list[Document]:
    return list(read_documents(DATA / "sample.pubtator"))


def test_every_mention_is_marked_once_and_chunks_fit(tmp_path: Path) -> None:
    doc = _docs()[0]
    for max_length in (128, 40):  # the whole abstract in few chunks, or sentence by sentence
        model = _model(tmp_path, max_length)
        enc = model.encode(doc)
        assert enc.chunks and all(len(c) <= max_length for c in enc.chunks)
        marker_ids = {model._marker_ids["[Chemical]"], model._marker_ids["[Disease]"]}
        spots = [(ch, tok) for s in enc.markers.values() for ch, tok in s]
        assert spots and all(enc.chunks[ch][tok] in marker_ids for ch, tok in spots)
        if max_length == 128:  # nothing truncated: one start marker per (mention, concept)
            assert len(spots) == sum(len(m.ids) for m in doc.mentions if m.ids)
    pairs = _model(tmp_path).candidates(_model(tmp_path).encode(doc))
    assert ("MESH:D008012", "MESH:D006323") in pairs and all(
        s == "MESH:D008012" for s, _ in pairs
    )  # chemical -> disease only


def test_predict_has_sentence_provenance_and_round_trips(tmp_path: Path) -> None:
    model = _model(tmp_path)
    (pred,) = model.predict(_docs()[:1], threshold=0.0)
    assert pred.relations and all(r.predicate == "CID" and r.span for r in pred.relations)
    lido = next(r for r in pred.relations if r.object == "MESH:D006323")
    assert (
        "Lidocaine" in pred.text[lido.span[0] : lido.span[1]] or "lidocaine" in pred.text[lido.span[0] : lido.span[1]]
    )
    model.save(tmp_path / "re-doc", {"config": {"max_length": 128}})
    again = load_relation_model(tmp_path / "re-doc")
    assert isinstance(again, DocRelationModel)
    assert [(r.subject, r.object, r.score) for r in again.predict(_docs()[:1], threshold=0.0)[0].relations] == [
        (r.subject, r.object, r.score) for r in pred.relations
    ]


def test_training_learns_the_sample_and_keeps_its_threshold(tmp_path: Path) -> None:
    """A few epochs on the sample itself, from a tiny BERT folder: the loss falls and the card
    records the threshold chosen on dev."""
    docs = _docs()
    card = train_doc_relations(
        docs,
        docs,
        tmp_path / "out",
        DocRelationConfig(
            base_model=_base_folder(tmp_path),
            epochs=6,
            batch_size=2,
            max_length=128,
            learning_rate=1e-3,
            device="cpu",
            patience=6,
        ),
        progress=False,
    )
    losses = [h["loss"] for h in card["history"]]
    assert losses[-1] < losses[0] and card["task"] == "re-doc" and 0 < card["threshold"] < 1
    assert isinstance(load_relation_model(tmp_path / "out"), DocRelationModel)


def test_attention_dropout_is_off_while_training_unless_asked(tmp_path: Path) -> None:
    """The relation model trains without attention dropout by default (CPU attention is fused
    only without it), and the saved encoder says so; None keeps the encoder's own, and a
    dropout outside [0, 1) is a clear error."""
    import json

    import pytest

    from extractors.models import attention_dropout_override
    from kg.errors import ConfigError

    base = _base_folder(tmp_path)
    assert attention_dropout_override(base, 0.0) == {"attention_probs_dropout_prob": 0.0}
    assert attention_dropout_override(base, None) == {}
    with pytest.raises(ConfigError, match="attention_dropout"):
        attention_dropout_override(base, 1.0)
    own = json.loads((Path(base) / "config.json").read_text())["attention_probs_dropout_prob"]
    for dropout, expected in ((0.0, 0.0), (None, own)):
        out = tmp_path / f"out-{dropout}"
        config = DocRelationConfig(
            base_model=base, epochs=1, batch_size=2, max_length=128, device="cpu", attention_dropout=dropout
        )
        train_doc_relations(_docs(), _docs(), out, config, progress=False)
        assert json.loads((out / "config.json").read_text())["attention_probs_dropout_prob"] == expected
    assert own > 0


def test_pair_classifier_folders_still_load(tmp_path: Path) -> None:
    from tests.extractors.helpers import tiny_pair_relations as pair_model

    pair_model(tmp_path, ["None", "CID"], [("Chemical", "Disease")]).save(
        tmp_path / "re", {"config": {"window": 1, "max_length": 64}}
    )
    assert isinstance(load_relation_model(tmp_path / "re"), RelationModel)


def test_context_pooling_trains_saves_and_reloads_identically(tmp_path: Path) -> None:
    """ATLOP's localized context pooling: attention-weighted pair context joins each entity state;
    the folder remembers it, and reloading gives the same probabilities."""
    docs = _docs()
    card = train_doc_relations(
        docs,
        docs,
        tmp_path / "out",
        DocRelationConfig(
            base_model=_base_folder(tmp_path),
            epochs=4,
            batch_size=2,
            max_length=40,
            learning_rate=1e-3,
            device="cpu",
            patience=4,
            context_pooling=True,
        ),
        progress=False,
    )
    losses = [h["loss"] for h in card["history"]]
    assert losses[-1] < losses[0]
    model = load_relation_model(tmp_path / "out")
    assert isinstance(model, DocRelationModel) and model.context_pooling
    enc = model.encode(docs[0])
    assert len(enc.chunks) > 1  # 40 tokens: some pairs share no chunk and get a zero context
    first = model.probabilities(docs)
    again = load_relation_model(tmp_path / "out").probabilities(docs)
    for (pairs_a, p_a), (pairs_b, p_b) in zip(first, again, strict=True):
        assert pairs_a == pairs_b and np.allclose(p_a, p_b, atol=1e-5)


def test_training_starts_from_a_ner_model_folder(tmp_path: Path) -> None:
    """`medkg run` trains the relation model from the NER model's fine-tuned encoder: a NER
    folder is a valid base model, and its encoder weights are the starting point."""
    from extractors.ner import NerModel, label_list
    from tests.extractors.helpers import tiny_ner as _tiny_model

    ner = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]), max_length=128)
    ner.save(tmp_path / "ner", {"config": {"max_length": 128, "stride": 4}})
    docs = _docs()
    train_doc_relations(
        docs,
        docs,
        tmp_path / "out",
        DocRelationConfig(
            base_model=str(tmp_path / "ner"),
            epochs=1,
            batch_size=2,
            max_length=128,
            learning_rate=1e-12,
            head_learning_rate=1e-3,
            device="cpu",
        ),
        progress=False,
    )
    relations = load_relation_model(tmp_path / "out")
    assert isinstance(relations, DocRelationModel)
    tagger = NerModel.load(tmp_path / "ner", quantize="fp32").model.base_model
    before = tagger.embeddings.word_embeddings.weight
    after = relations.encoder.embeddings.word_embeddings.weight
    assert len(after) > len(before)  # the entity markers were added
    assert torch.allclose(before, after[: len(before)], atol=1e-6)
    assert relations.card["config"]["base_model"] == str(tmp_path / "ner")


def test_known_pairs_need_only_their_own_threshold_and_round_trip(tmp_path: Path) -> None:
    """A pair annotated in the training split is a relation at the known-pairs threshold; others
    need the model's; save and load keep both, and ``known_pairs=False`` ignores them."""
    model = _model(tmp_path)
    docs = _docs()[:1]
    ((pairs, probs),) = model.probabilities(docs)
    assert len(pairs) >= 2
    p = probs[:, 1]
    known_pair, other = pairs[int(p.argmin())], pairs[int(p.argmax())]
    model.known_pairs = {(known_pair[0], "CID", known_pair[1])}
    low, high = float(p.min()) - 1e-3, float(p.max()) + 1e-3
    decided = {(s, o) for s, _, o, _ in model.decide(pairs, probs, threshold=high, known_threshold=low)}
    assert decided == {known_pair} and other not in decided
    assert model.decide(pairs, probs, threshold=high) == []  # no known threshold: the prior is off
    model.threshold, model.known_threshold, model.threshold_alone = high, low, 0.0
    model.save(tmp_path / "re-known", {"config": {"max_length": 128}})
    again = load_relation_model(tmp_path / "re-known")
    assert isinstance(again, DocRelationModel)
    assert again.known_pairs == model.known_pairs and again.known_threshold == low and again.threshold_alone == 0.0
    assert {(r.subject, r.object) for r in again.predict(docs)[0].relations} == {known_pair}
    assert len(again.predict(docs, known_pairs=False)[0].relations) == len(pairs)  # threshold_alone 0.0: every pair


def test_known_pairs_come_from_the_training_relations_and_are_chosen_on_dev(tmp_path: Path) -> None:
    from extractors.doc_relations import add_known_pairs, choose_threshold

    docs = _docs()
    model = _model(tmp_path)
    model.set_known_pairs(docs)
    expected = {(r.subject, r.predicate, r.object) for d in docs for r in d.relations if r.predicate == "CID"}
    assert expected and model.known_pairs == expected  # the model's predicates only (the sample has BioRED's too)
    found = choose_threshold(model, docs)
    assert found.known is None or found.known < found.threshold
    assert found.scores["f1"] >= found.alone_scores["f1"]  # the search includes every single threshold
    model.known_pairs = set()
    model.save(tmp_path / "re", {"config": {"max_length": 128}})
    result = add_known_pairs(tmp_path / "re", docs, docs)
    assert result["known_pairs"] == len(expected)
    assert result["after"]["f1"] >= result["before"]["f1"]
    assert load_relation_model(tmp_path / "re").known_pairs  # type: ignore[union-attr]
