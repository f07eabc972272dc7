"""Write documents with their (predicted) mentions and relations as BioC XML or BioC JSON, with
the ``bioc`` package, in the shape BioRED and PubTator3 use: one passage per title/abstract/section
at its offset, an annotation per mention (``type``, ``identifier``: the concept(s) it denotes,
composite parts joined by ``,``; ``score``), and a relation per statement (``type``, ``entity1``,
``entity2``, ``score``). medkg's readers read what it writes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from kg.types import Document, Passage


def _passages(d: Document) -> list[Passage]:
    if d.passages:
        return list(d.passages)
    if d.title and d.text.startswith(d.title) and len(d.text) > len(d.title) + 1:
        return [Passage("title", 0, d.title), Passage("abstract", len(d.title) + 1, d.text[len(d.title) + 1 :])]
    return [Passage("title" if d.title == d.text else "abstract", 0, d.text)]


def to_collection(docs: Sequence[Document]) -> object:
    """A ``bioc.BioCCollection`` of ``docs``."""
    import bioc

    collection = bioc.BioCCollection()
    collection.source, collection.key = "medkg", "medkg.key"
    collection.date = dt.date.today().isoformat()
    for d in docs:
        document = bioc.BioCDocument()
        document.id = d.pmid or d.doc_id
        passages = []
        for p in _passages(d):
            passage = bioc.BioCPassage()
            passage.offset, passage.text = p.offset, p.text
            passage.infons["type"] = p.kind or "text"
            document.add_passage(passage)
            passages.append((p.offset, p.offset + len(p.text), passage))
        for i, m in enumerate(d.mentions, 1):
            annotation = bioc.BioCAnnotation()
            annotation.id, annotation.text = f"T{i}", m.text
            annotation.infons["type"] = m.label
            if m.concepts():  # an ungrounded mention has no identifier infon (read back: no id)
                annotation.infons["identifier"] = ",".join(m.concepts())
            annotation.infons["score"] = f"{m.score:.4f}"
            annotation.add_location(bioc.BioCLocation(m.start, m.end - m.start))
            home = next((p for start, end, p in passages if start <= m.start < end), passages[-1][2])
            home.add_annotation(annotation)
        for i, r in enumerate(d.relations, 1):
            relation = bioc.BioCRelation()
            relation.id = f"R{i}"
            relation.infons.update(
                {"type": r.predicate, "entity1": r.subject, "entity2": r.object, "score": f"{r.score:.4f}"}
            )
            if r.novel is not None:  # as BioRED's BioC files write it
                relation.infons["novel"] = "Novel" if r.novel else "No"
            document.add_relation(relation)
        collection.add_document(document)
    return collection


def write_bioc(docs: Sequence[Document], path: str | Path, fmt: str = "xml") -> None:
    """BioC XML (``fmt="xml"``) or BioC JSON (``fmt="json"``) at ``path``."""
    from bioc import biocjson, biocxml

    collection = to_collection(docs)
    with Path(path).open("w", encoding="utf-8") as f:
        if fmt == "json":
            biocjson.dump(collection, f, indent=1)
        else:
            biocxml.dump(collection, f)  # type: ignore[arg-type]
