"""The one way in: a file's format told from its first bytes, and its documents read by that
format's reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.types import Document
from readers import bioc, jats, jsonl, pubmed, pubtator
from readers.base import OnError, ReadReport, open_binary

FORMATS = ("pubtator", "bioc", "pubmed", "jats", "jsonl")


def detect_format(path: str | Path) -> str:
    """Guess a file's format from its first bytes (names lie; contents do not).

    >>> detect_format("CDR_TrainingSet.PubTator.txt")  # doctest: +SKIP
    'pubtator'
    """
    with open_binary(path) as f:
        head = f.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    name = Path(path).name.lower()
    if head.startswith("<") or name.endswith((".xml", ".xml.gz", ".nxml")):
        lowered = head.lower()
        if "<collection" in lowered:
            return "bioc"
        if "<pubmedarticleset" in lowered or "<medlinecitationset" in lowered:
            return "pubmed"
        if "<article" in lowered or "jats" in lowered:
            return "jats"
        raise InputError("an XML file but neither BioC, PubMed nor JATS; pass --format", source=str(path))
    if head.startswith("{"):
        first = head.splitlines()[0] if head else ""
        if '"documents"' in head[:2000] or ('"source"' in first and '"pmid"' not in first):
            return "bioc"
        return "jsonl"
    if head.startswith("["):
        return "bioc"
    if "|t|" in head.split("\n", 1)[0] or "|a|" in head[:2000]:
        return "pubtator"
    raise InputError(
        "cannot tell the format from the first bytes; pass --format " + "|".join(FORMATS),
        source=str(path),
    )


def read_documents(
    path: str | Path,
    fmt: str = "auto",
    *,
    on_error: OnError = "raise",
    report: ReadReport | None = None,
) -> Iterator[Document]:
    """Documents from a file of any supported format, one at a time.

    ``fmt`` is ``auto`` or one of ``FORMATS``. Records skipped under ``on_error="skip"`` are listed
    in ``report``.
    """
    readers: dict[str, Callable[..., Iterator[Document]]] = {
        "pubtator": pubtator.read_pubtator,
        "bioc": bioc.read_bioc,
        "pubmed": pubmed.read_pubmed,
        "jats": jats.read_jats,
        "jsonl": jsonl.read_jsonl,
    }
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in readers:
        raise InputError(f"unknown format {fmt!r}; choose auto or one of {', '.join(FORMATS)}")
    yield from readers[fmt](path, on_error=on_error, report=report if report is not None else ReadReport())
