"""The graph ranker and the text-only baseline, trained for a few steps on a tiny BERT."""

from pathlib import Path

import numpy as np
import pytest

from diagnosis.cases import PatientSimulator, SimulationConfig
from diagnosis.diagnoser import Diagnoser, ScoredCase, evaluate, metrics, reranked, similarity_rank
from diagnosis.model import GraphRanker, TextClassifier
from diagnosis.training import (
    DiagnosisConfig,
    choose_fusion,
    choose_margin,
    train_graph_ranker,
    train_text_classifier,
)
from extractors.models import read_card
from kg.errors import ConfigError
from tests.diagnosis.helpers import builder, records, tiny_encoder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Diagnoser, object]:
    tmp = tmp_path_factory.mktemp("diagnosis")
    b = builder()
    splits = PatientSimulator(
        b.graph,
        records().terms,
        SimulationConfig(diseases=8, unseen_fraction=0.25, cases_per_disease=6, min_annotations=3),
    ).splits()
    config = DiagnosisConfig(
        base_model=str(tiny_encoder(tmp / "base")),
        epochs=2,
        batch_size=8,
        max_length=96,
        candidates=6,
        rerank=4,
        negatives=2,
        text_epochs=2,
        text_max_length=48,
        device="cpu",
    )
    result = train_graph_ranker(splits.train, splits.dev, b, tmp / "ranker", config, progress=False)
    train_text_classifier(splits.train, splits.dev, tmp / "text", config, progress=False)
    ranker = GraphRanker.load(tmp / "ranker", "cpu")
    return tmp, Diagnoser(b, ranker, candidates=6, rerank=4), (splits, result)


def test_ranker_artifact_reloads_with_its_card_and_same_scores(trained) -> None:  # type: ignore[no-untyped-def]
    tmp, diagnoser, (splits, result) = trained
    card = read_card(tmp / "ranker")
    assert card["kind"] == "diagnosis-graph-ranker" and card["fusion_weight"] == diagnoser.ranker.fusion_weight
    assert len(result["history"]) == 2 and card["metrics"]["dev"]["n"] == len(splits.dev)
    assert card["history"] == result["history"] and card["stopped_by"] == "epochs"
    passages = ["Marfan syndrome. Has Arachnodactyly, very frequent.", "Usher syndrome, type I. Has Deafness, always."]
    again = GraphRanker.load(tmp / "ranker", "cpu")
    assert np.allclose(
        again.logits("long slender fingers", passages),
        diagnoser.ranker.logits("long slender fingers", passages),
        atol=1e-5,
    )
    with pytest.raises(ConfigError, match="not a 'diagnosis-text-classifier'"):
        TextClassifier.load(tmp / "ranker")


def test_diagnose_ranks_with_evidence_and_reaches_unseen_diseases(trained) -> None:  # type: ignore[no-untyped-def]
    _, diagnoser, (splits, _) = trained
    result = diagnoser.diagnose(
        "Long slender fingers, a dislocated lens, aortic dilatation and a curved spine.", top_k=3
    )
    assert [f.curie for f in result.findings] == ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0002650"]
    assert len(result.diagnoses) == 3 and "OMIM:154700" in [d.curie for d in result.diagnoses]
    body = result.to_json()
    marfan = next(d for d in body["diagnoses"] if d["curie"] == "OMIM:154700")
    assert any(e["matches_case"] and e["pmids"] for e in marfan["evidence"])
    unseen = splits.unseen_diseases[0]
    case = next(c for c in splits.test_unseen if c.label == unseen)
    assert unseen in [c.curie for c in diagnoser.rank(case.text, diagnoser.builder.findings(case.text))]


def test_evaluation_scores_three_systems_and_text_only_cannot_name_unseen(trained) -> None:  # type: ignore[no-untyped-def]
    tmp, diagnoser, (splits, _) = trained
    text = TextClassifier.load(tmp / "text", "cpu")
    assert set(text.labels) == {c.label for c in splits.train}
    seen = evaluate(diagnoser, [(c.text, c.label) for c in splits.test_seen], text)
    assert set(seen) == {"phenotype_overlap", "graph_augmented", "graph_model_alone", "text_only"}
    assert seen and all(m["n"] == len(splits.test_seen) for m in seen.values())
    unseen = evaluate(diagnoser, [(c.text, c.label) for c in splits.test_unseen], text)
    assert unseen["text_only"]["acc@5"] == 0.0 and unseen["phenotype_overlap"]["acc@5"] > 0


def test_fusion_choice_never_ranks_dev_worse_than_the_model_alone() -> None:
    cases = [
        ScoredCase(1, None, np.array([3.0, 1.0]), np.array([0.0, 0.5]), 0),
        ScoredCase(2, None, np.array([2.0, 2.5]), np.array([0.1, 0.0]), 1),
    ]
    w = choose_fusion(cases)
    assert metrics([c.graph(w) for c in cases])["acc@1"] >= metrics([c.graph(0.0) for c in cases])["acc@1"]
    assert w > 0 and [c.graph(w) for c in cases] == [1, 1]


def test_margin_skips_candidates_that_cannot_reach_first_place() -> None:
    sims = np.array([2.0, 1.8, 1.0, 0.2], dtype=np.float32)
    assert reranked(sims, 8.0, None) == 4
    assert reranked(sims, 8.0, 2.0) == 2  # 8 × 0.2 = 1.6 is within the margin, 8 × 1.0 is not
    assert reranked(sims, 8.0, 0.5) == 0  # only the best is left: nothing to re-rank
    # The truth at position 1 is re-ranked; at position 2 it keeps its Phenomizer place.
    assert ScoredCase(2, None, sims, np.array([0.0, 2.0, 9.0, 9.0]), 1).graph(8.0, 2.0) == 1
    assert ScoredCase(3, None, sims, np.array([0.0, 2.0, 9.0, 9.0]), 2).graph(8.0, 2.0) == 3
    assert (
        ScoredCase(3, None, sims, np.array([0.0, 2.0, 9.0, 9.0]), 2).graph(8.0) == 1
    )  # without the margin it would win
    # The margin chosen on those two cases gives up no accuracy@1.
    cases = [
        ScoredCase(2, None, sims, np.array([0.0, 2.0, 0.0, 0.0]), 1),
        ScoredCase(1, None, sims, np.array([5.0, 0.0, 0.0, 0.0]), 0),
    ]
    m = choose_margin(cases, 8.0)
    assert m is not None and [c.graph(8.0, m) for c in cases] == [c.graph(8.0) for c in cases] == [1, 1]


def test_served_diagnoser_runs_the_model_on_the_pruned_head_only(trained) -> None:  # type: ignore[no-untyped-def]
    _, diagnoser, (splits, _) = trained
    text = splits.test_seen[0].text
    findings = diagnoser.builder.findings(text)
    found, full = diagnoser.score(text, findings)
    weight = diagnoser.ranker.fusion_weight
    sims = np.array([c.similarity for c in found[: len(full)]])
    diagnoser.margin = 0.0
    try:
        _, pruned = diagnoser.score(text, findings)
        assert len(pruned) == reranked(sims, weight, 0.0)
        assert np.allclose(pruned, full[: len(pruned)], atol=1e-5)
        _, everything = diagnoser.score(text, findings, prune=False)
        assert len(everything) == len(full)
    finally:
        diagnoser.margin = None


def test_metrics_and_similarity_rank() -> None:
    assert metrics([1, 2, None, 10]) == {"n": 4, "acc@1": 25.0, "acc@5": 50.0, "mrr": 40.0}
    assert similarity_rank(np.array([0.5, 0.9, 0.5, 0.1]), 2) == 3  # ties: in disease order, as listed


@pytest.mark.slow
def test_imprinted_text_classifier_starts_as_nearest_class_mean() -> None:
    """Before any gradient step, imprinting (on the real offline encoder) already classifies
    unseen paraphrases by their class's mean."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from diagnosis.cases import Case
    from diagnosis.training import imprint_prototypes
    from extractors.models import OFFLINE_ENCODER, resolve_encoder

    base = resolve_encoder(OFFLINE_ENCODER)
    train = [
        Case(str(i), text, label)
        for i, (text, label) in enumerate(
            [
                ("recurrent seizures and epilepsy", "A"),
                ("convulsions with loss of consciousness", "A"),
                ("hearing loss and deafness", "B"),
                ("cannot hear, profound deafness", "B"),
            ]
        )
    ]
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2)
    clf = TextClassifier(model, AutoTokenizer.from_pretrained(base), max_length=32)
    imprint_prototypes(clf, train, {"A": 0, "B": 1})
    logits = clf.logits(["epileptic fits", "the child is deaf", *[c.text for c in train]])
    assert list(logits.argmax(1)) == [0, 1, 0, 0, 1, 1]


def test_in_the_general_setting_the_model_leaves_the_description_ranking_as_it_is(trained, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from diagnosis.descriptions import MAX_TOKENS, TEMPERATURE, DiseaseDescriptions
    from diagnosis.diagnoser import softmax
    from ontologies.dense import NameEncoder

    _, diagnoser, _ = trained
    b = diagnoser.builder
    text = "Long slender fingers, a dislocated lens and a widened aorta."
    rare = diagnoser.score(text, b.findings(text))[1]
    assert len(rare)  # the rare setting is re-ranked by the model
    b.descriptions = DiseaseDescriptions(b.graph, {}, NameEncoder(max_length=MAX_TOKENS), cache=tmp_path)
    try:
        findings = b.findings(text, "general")
        fused = b.candidates(findings, diagnoser.candidates, setting="general", text=text)
        ranked = diagnoser.rank(text, findings, setting="general")
        assert [c.curie for c in ranked] == [c.curie for c in fused]
        assert np.allclose([c.confidence for c in ranked], softmax(np.array([c.score for c in fused]), TEMPERATURE))
    finally:
        b.descriptions = None
