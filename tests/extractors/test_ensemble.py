"""Several models over the same documents (``extractors.ensemble``): each entity type comes from
the first NER model that tags it, every relation model's relations are kept."""

from pathlib import Path

import torch

from extractors.ensemble import for_one_type, one_type_per_pair, relate_with, tag_with
from extractors.gazetteer import Gazetteer
from extractors.ner import NerModel, label_list
from kg.types import Document, Mention, Relation
from tests.extractors.helpers import tiny_doc_relations, tiny_ner

TEXT = "Lidocaine induced cardiac asystole in a man."


def _tagger(tmp_path: Path, types: list[str], always: str | None, names: dict[str, str]) -> NerModel:
    """A tiny model that tags every word ``always`` (or nothing), plus the gazetteer's names."""
    tmp_path.mkdir()
    model = tiny_ner(tmp_path, label_list(types))
    with torch.no_grad():
        model.model.classifier.bias.zero_()
        model.model.classifier.bias[model.label_ids[f"B-{always}" if always else "O"]] = 50.0
    seen = Document(
        "g", TEXT, mentions=tuple(Mention(TEXT.index(n), TEXT.index(n) + len(n), n, t) for n, t in names.items())
    )
    model.gazetteer = Gazetteer.from_documents([seen], types=types)
    return model


def test_a_type_comes_from_the_first_model_that_tags_it_and_a_new_type_wins_an_overlap(tmp_path: Path) -> None:
    first = _tagger(
        tmp_path / "a",
        ["Chemical", "Disease"],
        None,
        {"Lidocaine": "Chemical", "asystole": "Disease", "man": "Disease"},
    )
    second = _tagger(tmp_path / "b", ["Chemical", "Gene"], None, {"cardiac": "Chemical", "man": "Gene"})
    (doc,) = tag_with([first, second], [Document("1", TEXT)])
    # the second model's "cardiac" chemical is not taken (chemicals are the first model's); its
    # gene "man" replaces the first model's disease there
    assert [(m.text, m.label) for m in doc.mentions] == [
        ("Lidocaine", "Chemical"),
        ("asystole", "Disease"),
        ("man", "Gene"),
    ]
    assert tag_with([first], [Document("1", TEXT)]) == first.predict([Document("1", TEXT)])
    everywhere = _tagger(
        tmp_path / "c", ["Gene"], "Gene", {}
    )  # a gene on every word: nothing of the first model is left
    (doc,) = tag_with([first, everywhere], [Document("1", TEXT)])
    assert doc.mentions and {m.label for m in doc.mentions} == {"Gene"}
    assert doc.mentions and all(TEXT[m.start : m.end] == m.text for m in doc.mentions)


def test_a_later_models_mention_of_an_earlier_type_fills_a_gap_only_where_accepted(tmp_path: Path) -> None:
    first = _tagger(tmp_path / "a", ["Chemical", "Disease"], None, {"Lidocaine": "Chemical"})
    second = _tagger(
        tmp_path / "b",
        ["Disease", "Gene"],
        None,
        {"Lidocaine": "Disease", "asystole": "Disease", "man": "Disease", "cardiac": "Gene"},
    )
    asked: list[str] = []

    def fill(doc: Document, m: Mention) -> bool:
        asked.append(m.text)
        return m.text != "man"

    (doc,) = tag_with([first, second], [Document("1", TEXT)], fill)
    # "asystole" fills a gap; "man" is refused; "Lidocaine" overlaps the first model's chemical
    assert [(m.text, m.label) for m in doc.mentions] == [
        ("Lidocaine", "Chemical"),
        ("cardiac", "Gene"),
        ("asystole", "Disease"),
    ]
    assert sorted(asked) == ["asystole", "man"]
    (without,) = tag_with([first, second], [Document("1", TEXT)])
    assert [m.text for m in without.mentions] == ["Lidocaine", "cardiac"]


def test_a_gap_filling_mention_replaces_only_shorter_mentions_inside_it(tmp_path: Path) -> None:
    first = _tagger(
        tmp_path / "a",
        ["Chemical", "Disease"],
        None,
        {"Lidocaine": "Chemical", "cardiac": "Chemical", "asystole": "Disease", "man": "Disease"},
    )
    second = _tagger(
        tmp_path / "b",
        ["Disease"],
        None,
        {"Lidocaine": "Disease", "cardiac asystole": "Disease", "a man": "Disease"},
    )
    docs = [Document("1", TEXT)]
    (doc,) = tag_with([first, second], docs, lambda doc, m: m.text != "a man")
    # "cardiac asystole" takes the place of the chemical and the shorter disease inside it; the
    # disease "Lidocaine" has the chemical's span and is not taken; "a man" is refused by ``fill``
    assert [(m.text, m.label) for m in doc.mentions] == [
        ("Lidocaine", "Chemical"),
        ("cardiac asystole", "Disease"),
        ("man", "Disease"),
    ]
    (doc,) = tag_with([first, second], docs, lambda doc, m: True)
    assert [(m.text, m.label) for m in doc.mentions] == [
        ("Lidocaine", "Chemical"),
        ("cardiac asystole", "Disease"),
        ("a man", "Disease"),
    ]


def test_every_relation_model_adds_its_relations_once(tmp_path: Path) -> None:
    mentions = (
        Mention(0, 9, "Lidocaine", "Chemical", ids=("MESH:D008012",)),
        Mention(26, 34, "asystole", "Disease", ids=("MESH:D006323",)),
    )
    doc = Document("1", TEXT, mentions=mentions, relations=(Relation("MESH:D000001", "CID", "MESH:D000002"),))
    model = tiny_doc_relations(tmp_path)
    model.threshold = model.threshold_alone = 0.0  # every candidate pair is a relation
    (alone,) = model.predict([doc])
    assert [(r.subject, r.predicate, r.object) for r in alone.relations] == [("MESH:D008012", "CID", "MESH:D006323")]
    (both,) = relate_with([model, model], [doc])
    assert both.relations == alone.relations  # the old relations are replaced; the same triple twice is kept once
    assert relate_with([], [doc]) == [doc]


def test_one_type_per_pair_as_biocreative_scores_relations() -> None:
    doc = Document(
        "1",
        "x",
        relations=(
            Relation("MESH:C1", "CID", "MESH:D1"),  # BC5CDR's cause of a pair BioRED's model also relates
            Relation("MESH:C1", "Association", "MESH:D1", novel=True),
            Relation("MESH:C2", "CID", "MESH:D1"),  # a cause only BC5CDR's model found
            Relation("MESH:C3", "treats", "MESH:D1"),  # a treatment the pipeline separated
            Relation("MESH:C4", "Association", "MESH:D1"),  # a cause the cause check demoted ...
            Relation("MESH:C4", "Positive_Correlation", "MESH:D1", novel=False),  # ... BioRED's type wins
            Relation("GENE:1", "Bind", "MESH:C1", novel=True),
        ),
    )
    (out,) = one_type_per_pair([doc])
    assert [(r.subject, r.predicate, r.object, r.novel) for r in out.relations] == [
        ("MESH:C1", "Association", "MESH:D1", True),
        ("MESH:C2", "Positive_Correlation", "MESH:D1", None),
        ("MESH:C3", "Negative_Correlation", "MESH:D1", None),
        ("MESH:C4", "Positive_Correlation", "MESH:D1", False),
        ("GENE:1", "Bind", "MESH:C1", True),
    ]


def test_one_type_per_pair_reads_the_models_of_biored_types_alone_where_there_is_one() -> None:
    class Model:
        def __init__(self, labels: list[str]) -> None:
            self.labels = labels

    cid, biored = Model(["None", "CID"]), Model(["None", "Association", "Bind"])
    assert for_one_type([cid, biored]) == [biored]
    assert for_one_type([cid]) == [cid]  # no model of BioRED's types: BC5CDR's causes become correlations
    assert for_one_type([]) == []


def test_a_short_form_the_document_defines_keeps_its_long_forms_type_across_models() -> None:
    """The first model tags "Paget's disease of bone (PDB)" and its later "PDB" as diseases, the
    second a later "PDB" as a gene, which replaces the disease there: the definition decides."""
    text = "Paget's disease of bone (PDB) runs in families. PDB was seen in two sisters."
    later = text.rindex("PDB")

    class Fixed:
        """A tagger of ``types`` that always finds ``spans``."""

        def __init__(self, types: list[str], spans: list[tuple[int, int, str]]) -> None:
            self.types = types
            self.spans = spans

        def predict(self, docs: list[Document]) -> list[Document]:
            mentions = tuple(Mention(a, b, text[a:b], t) for a, b, t in self.spans)
            return [Document(d.doc_id, d.text, mentions=mentions) for d in docs]

    diseases = Fixed(["Chemical", "Disease"], [(0, 23, "Disease"), (25, 28, "Disease"), (later, later + 3, "Disease")])
    genes = Fixed(["Gene"], [(later, later + 3, "Gene")])
    (doc,) = tag_with([diseases, genes], [Document("1", text)])
    assert [(m.text, m.label) for m in doc.mentions] == [
        ("Paget's disease of bone", "Disease"),
        ("PDB", "Disease"),
        ("PDB", "Disease"),
    ]
    # one model alone: its own predictions, as NerModel.predict made them agree
    (alone,) = tag_with([genes], [Document("1", text)])
    assert [(m.text, m.label) for m in alone.mentions] == [("PDB", "Gene")]
