"""Write documents with their (predicted) mentions as PubTator or JSONL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from kg.types import Document


def write_pubtator(docs: Sequence[Document], path: str | Path) -> None:
    """PubTator with title and abstract lines, one line per mention with the concept it denotes
    (``Mention.concepts``: the chosen id, or a composite's parts joined by ``|`` as PubTator means
    it; other candidates go to JSONL only), then one per relation
    (``PMID<TAB>predicate<TAB>subject<TAB>object``, as BC5CDR's CID lines, with BioRED's
    ``<TAB>Novel`` or ``<TAB>No`` after it where the model says novelty)."""
    with Path(path).open("w", encoding="utf-8") as f:
        for d in docs:
            key = d.pmid or d.doc_id
            title = d.title or d.text.split(" ", 1)[0]
            abstract = d.text[len(title) + 1 :] if d.text.startswith(title) else d.text
            f.write(f"{key}|t|{title}\n{key}|a|{abstract}\n")
            for m in d.mentions:
                ids = "|".join(m.concepts()) or "-1"
                f.write(f"{key}\t{m.start}\t{m.end}\t{m.text}\t{m.label}\t{ids}\n")
            f.writelines(
                f"{key}\t{r.predicate}\t{r.subject}\t{r.object}"
                + ("" if r.novel is None else "\tNovel" if r.novel else "\tNo")
                + "\n"
                for r in d.relations
            )
            f.write("\n")


def write_jsonl(docs: Sequence[Document], path: str | Path) -> None:
    """One JSON object per document: pmid, text and mentions with offsets, scores and groundings."""
    with Path(path).open("w", encoding="utf-8") as f:
        f.writelines(
            json.dumps(
                {
                    "pmid": d.pmid or d.doc_id,
                    "text": d.text,
                    "mentions": [m.to_json() for m in d.mentions],
                    "relations": [r.to_json() for r in d.relations],
                }
            )
            + "\n"
            for d in docs
        )
