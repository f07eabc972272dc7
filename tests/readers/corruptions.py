"""The corruptions the reader tests inject (and ``bench/abuse.py`` replays through the CLI): per
format, a clean sample of the shared data, what breaks in it, and the message the reader gives."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

from readers import read_documents

GOOD = 5  # records in each clean sample; the corruptions hit the second one (or cut the last)


def pubtator_sample(shared: Path) -> bytes:
    blocks = (shared / "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt").read_text().split("\n\n")[:GOOD]
    return ("\n\n".join(blocks) + "\n").encode()


def bioc_xml_sample(shared: Path) -> bytes:
    text = (shared / "corpora/biored/Dev.BioC.XML").read_text()
    starts = [m.start() for m in re.finditer("<document>", text)]
    return (text[: starts[GOOD]] + "</collection>\n").encode()


def bioc_json_sample(shared: Path) -> bytes:
    collection = json.loads((shared / "corpora/biored/Dev.BioC.JSON").read_text())
    collection["documents"] = collection["documents"][:GOOD]
    return json.dumps(collection, ensure_ascii=False, indent=1).encode()


def pubmed_sample(shared: Path) -> bytes:
    text = gzip.decompress((shared / "pubmed/medline16n0902.xml.gz").read_bytes()).decode()
    starts = [m.start() for m in re.finditer("<MedlineCitation ", text)]
    return (text[: starts[GOOD]] + "</MedlineCitationSet>\n").encode()


def jsonl_sample(shared: Path) -> bytes:
    docs = list(read_documents(shared / "pubmed/medline16n0902.xml.gz"))[:GOOD]
    return "".join(
        json.dumps({"pmid": d.pmid, "title": d.title, "abstract": d.text[len(d.title) + 1 :], "year": d.year}) + "\n"
        for d in docs
    ).encode()


def _nth(data: bytes, pattern: bytes, n: int) -> int:
    """Where ``pattern`` occurs for the ``n``th time (1-based)."""
    at = -1
    for _ in range(n):
        at = data.index(pattern, at + 1)
    return at


def _in_second(opening: bytes, inside: bytes) -> Callable[[bytes], bytes]:
    """Put ``inside`` right after the first ``opening`` of the second record."""

    def corrupt(data: bytes) -> bytes:
        first = _nth(data, opening, 2) + len(opening)
        return data[:first] + inside + data[first:]

    return corrupt


def _replace_in_second(record_start: bytes, old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def corrupt(data: bytes) -> bytes:
        at = _nth(data, record_start, 2)
        nxt = data.index(record_start, at + 1)
        return data[:at] + data[at:nxt].replace(old, new, 1) + data[nxt:]

    return corrupt


def _cut_last(marker: bytes) -> Callable[[bytes], bytes]:
    """Cut the file in the middle of its last record."""

    def corrupt(data: bytes) -> bytes:
        return data[: _nth(data, marker, GOOD) + len(marker) + 20]

    return corrupt


def _second_block_offset(data: bytes, new: bytes) -> bytes:
    """The start offset of the second document's first mention replaced by ``new``."""
    at = _nth(data, b"|t|", 2)
    line = re.compile(rb"\n(\d+)\t(\d+)\t").search(data, at)
    assert line is not None
    return data[: line.start(2)] + new + data[line.end(2) :]


def _second_json_document(data: bytes, document: object) -> bytes:
    collection = json.loads(data)
    collection["documents"][1] = document
    return json.dumps(collection).encode()


LATIN1 = "caf\xe9".encode("latin-1")  # a latin-1 byte in a UTF-8 file

CASES: list[tuple[str, Callable[[Path], bytes], str, Callable[[bytes], bytes], str]] = [
    ("pubtator", pubtator_sample, "latin-1 byte", _in_second(b"|t|", LATIN1), "not UTF-8"),
    (
        "pubtator",
        pubtator_sample,
        "offset '\u00b2'",
        lambda d: _second_block_offset(d, "\u00b2".encode()),
        "not a title, abstract, mention or relation line",
    ),
    ("bioc-xml", bioc_xml_sample, "latin-1 byte", _in_second(b"<text>", LATIN1), "not utf-8"),
    (
        "bioc-xml",
        bioc_xml_sample,
        "offset not a number",
        _replace_in_second(b"<document>", b'offset="', b'offset="x'),
        "is not a number",
    ),
    ("bioc-xml", bioc_xml_sample, "broken markup", _replace_in_second(b"<document>", b"</text>", b""), "broken XML"),
    ("bioc-xml", bioc_xml_sample, "truncated", _cut_last(b"<document>"), "without its end tag"),
    (
        "bioc-json",
        bioc_json_sample,
        "document not an object",
        lambda d: _second_json_document(d, "oops"),
        "must be an object",
    ),
    (
        "bioc-json",
        bioc_json_sample,
        "offset '\u00b2'",
        lambda d: _second_json_document(d, {"id": "2", "passages": [{"offset": "\u00b2", "text": "x"}]}),
        "malformed BioC document",
    ),
    ("pubmed", pubmed_sample, "latin-1 byte", _in_second(b"<ArticleTitle>", LATIN1), "not utf-8"),
    (
        "pubmed",
        pubmed_sample,
        "broken markup",
        _replace_in_second(b"<MedlineCitation ", b"</ArticleTitle>", b""),
        "broken XML",
    ),
    ("pubmed", pubmed_sample, "truncated", _cut_last(b"<MedlineCitation "), "without its end tag"),
    ("jsonl", jsonl_sample, "latin-1 byte", _in_second(b'"title": "', LATIN1), "not UTF-8"),
    (
        "jsonl",
        jsonl_sample,
        "year '\u00b2'",
        _replace_in_second(b'{"pmid"', b'"year": ', '"year": "\u00b2", "x": '.encode()),
        '"year" must be a number',
    ),
    ("jsonl", jsonl_sample, "not JSON", _in_second(b'{"pmid"', b"{"), "not JSON"),
]
