"""What all readers share: opening files, the error policy, and format detection."""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from kg.errors import InputError
from kg.types import Document

log = logging.getLogger(__name__)

OnError = Literal["raise", "skip"]
FORMATS = ("pubtator", "bioc", "pubmed", "jats", "jsonl")


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    source: str
    record: str
    reason: str


@dataclass
class ReadReport:
    """Collects the records a reader skipped, so the caller can count and show them."""

    skipped: list[SkippedRecord] = field(default_factory=list)

    def handle(self, error: InputError, on_error: OnError) -> None:
        """Raise ``error``, or record it and let the reader go on."""
        if on_error == "raise":
            raise error
        log.warning("skipped %s", error)
        record = "" if error.record is None else str(error.record)
        self.skipped.append(SkippedRecord(error.source, record, error.reason))


@contextmanager
def open_binary(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a file for reading bytes, decompressing ``.gz`` (by magic number, not by name)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", source=str(p))
    with p.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=raw) as gz:
                yield gz  # type: ignore[misc]  # a GzipFile is a binary stream
        else:
            yield raw


def read_lines(path: str | Path) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text) for each line, without its line ending; a line that is not UTF-8
    comes as an ``InputError`` in place of the text, so the caller can skip just that record."""
    source = str(path)
    n = 0
    try:
        with open_binary(path) as f:
            for n, raw in enumerate(f, start=1):
                try:
                    yield n, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield n, InputError(
                        f"not UTF-8 ({exc.reason} at byte {exc.start}); re-encode the file as UTF-8",
                        source=source,
                        record=n,
                    )
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"truncated or corrupt gzip data after line {n}: {exc}", source=source) from exc


def iter_xml(path: str | Path, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Any]]:
    """``ElementTree.iterparse`` events streamed from a (possibly gzipped) file, one element at a
    time; broken XML or gzip data becomes an ``InputError`` naming the file and line."""
    import xml.etree.ElementTree as ET

    source = str(path)
    try:
        with open_binary(path) as stream:
            yield from ET.iterparse(stream, events=events)
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputError(f"broken XML at column {col} ({exc}); is the file truncated?", source=source, record=line) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"truncated or corrupt gzip data: {exc}", source=source) from exc


def read_bytes(path: str | Path) -> IO[bytes]:
    """The whole (decompressed) file as a seekable stream, for the XML and JSON parsers."""
    source = str(path)
    try:
        with open_binary(path) as f:
            return io.BytesIO(f.read())
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"truncated or corrupt gzip data: {exc}", source=source) from exc


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
        "cannot tell the format from the first bytes; pass --format "
        + "|".join(FORMATS),
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
    from readers import bioc, jats, jsonl, pubmed, pubtator

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
