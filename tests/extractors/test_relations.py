"""Relation extraction with a tiny BERT built from a config."""

from pathlib import Path

from extractors.relations import RelationModel, pair_scores
from kg.types import Document, Relation
from readers import read_documents
from tests.extractors.helpers import tiny_pair_relations as _model

DATA = Path(__file__).resolve().parents[1] / "data"


def _doc() -> Document:
    return next(iter(read_documents(DATA / "sample.pubtator")))


def test_candidates_pair_chemicals_with_diseases_and_carry_gold_labels(tmp_path: Path) -> None:
    rm = _model(tmp_path, ["None", "CID"], [("Chemical", "Disease")])
    instances = rm.instances([_doc()], gold=True)
    pairs = {(i.subject, i.object, i.label) for i in instances}
    assert ("MESH:D008012", "MESH:D006323", 1) in pairs  # the CID relation
    assert instances and all(i.subject == "MESH:D008012" for i in instances)  # only chemical -> disease
    first = next(i for i in instances if i.label == 1)
    assert "[E1] Lidocaine [/E1]" in first.text and "[E2] cardiac asystole [/E2]" in first.text


def test_predict_gives_document_level_relations_and_round_trips(tmp_path: Path) -> None:
    rm = _model(tmp_path, ["None", "CID"], [("Chemical", "Disease")])
    (pred,) = rm.predict([_doc()], threshold=0.0)
    assert pred.relations and all(r.predicate == "CID" for r in pred.relations)
    assert len({(r.subject, r.object) for r in pred.relations}) == len(pred.relations)  # one per pair
    rm.save(tmp_path / "re", {"config": {"window": 1, "max_length": 64}})
    again = RelationModel.load(tmp_path / "re").predict([_doc()], threshold=0.0)[0]
    assert [(r.subject, r.object, r.score) for r in again.relations] == [
        (r.subject, r.object, r.score) for r in pred.relations
    ]


def test_pair_scores_document_level() -> None:
    gold = [Document("1", "x", relations=(Relation("A", "CID", "B"), Relation("C", "CID", "D")))]
    pred = [Document("1", "x", relations=(Relation("A", "CID", "B"), Relation("E", "CID", "F")))]
    s = pair_scores(gold, pred)
    assert (s["tp"], s["fp"], s["fn"], s["f1"]) == (1, 1, 1, 50.0)
    sym = pair_scores(gold, [Document("1", "x", relations=(Relation("B", "CID", "A"),))], symmetric=True)
    assert sym["tp"] == 1
