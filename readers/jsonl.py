"""JSON Lines: one ``{"pmid", "title", "abstract"}`` object a line (extra keys are kept out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.types import Document, Passage
from readers.base import OnError, ReadReport, ascii_int, read_lines


def read_jsonl(
    path: str | Path, *, on_error: OnError = "raise", report: ReadReport | None = None
) -> Iterator[Document]:
    """Documents of a JSONL file; ``journal``, ``year`` and ``doi`` are read when present."""
    report = report if report is not None else ReadReport()
    source = str(path)
    for n, line in read_lines(path):
        try:
            if isinstance(line, InputError):
                raise line
            if not line.strip():
                continue
            yield _document(source, n, line)
        except InputError as exc:
            report.handle(exc, on_error)


def _document(source: str, n: int, line: str) -> Document:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at column {exc.colno})", source=source, record=n) from None
    if not isinstance(obj, dict):
        raise InputError("each line must be a JSON object", source=source, record=n)
    pmid = str(obj.get("pmid") or "").strip()
    title = obj.get("title") or ""
    abstract = obj.get("abstract") or ""
    if not pmid:
        raise InputError('missing "pmid"', source=source, record=n)
    if not isinstance(title, str) or not isinstance(abstract, str):
        raise InputError('"title" and "abstract" must be strings', source=source, record=n)
    if not (title or abstract):
        raise InputError(f"PMID {pmid} has neither title nor abstract", source=source, record=n)
    year = obj.get("year")
    if year not in (None, "") and ascii_int(year) is None:
        raise InputError(f'"year" must be a number, not {year!r}', source=source, record=n)
    return Document(
        doc_id=pmid,
        pmid=pmid,
        text=f"{title} {abstract}",
        title=title,
        passages=(Passage("title", 0, title), Passage("abstract", len(title) + 1, abstract)),
        journal=str(obj.get("journal") or ""),
        year=ascii_int(year),
        doi=str(obj.get("doi") or ""),
        source=source,
    )
