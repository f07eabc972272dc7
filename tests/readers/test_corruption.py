"""Every reader against the corruptions a real feed brings: one bad record is skipped with its
file and place, every good record around it is kept, and the same corruption raises under
``on_error="raise"``. The inputs are the first records of the real shared corpora."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import InputError
from readers import ReadReport, read_documents

GOOD = 5  # records in each clean sample; the corruptions hit the second one (or cut the last)


def _pubtator(shared: Path) -> bytes:
    blocks = (shared / "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt").read_text().split("\n\n")[:GOOD]
    return ("\n\n".join(blocks) + "\n").encode()


def _bioc_xml(shared: Path) -> bytes:
    text = (shared / "corpora/biored/Dev.BioC.XML").read_text()
    starts = [m.start() for m in re.finditer("<document>", text)]
    return (text[: starts[GOOD]] + "</collection>\n").encode()


def _bioc_json(shared: Path) -> bytes:
    collection = json.loads((shared / "corpora/biored/Dev.BioC.JSON").read_text())
    collection["documents"] = collection["documents"][:GOOD]
    return json.dumps(collection, ensure_ascii=False, indent=1).encode()


def _pubmed(shared: Path) -> bytes:
    text = gzip.decompress((shared / "pubmed/medline16n0902.xml.gz").read_bytes()).decode()
    starts = [m.start() for m in re.finditer("<MedlineCitation ", text)]
    return (text[: starts[GOOD]] + "</MedlineCitationSet>\n").encode()


def _jsonl(shared: Path) -> bytes:
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
    ("pubtator", _pubtator, "latin-1 byte", _in_second(b"|t|", LATIN1), "not UTF-8"),
    (
        "pubtator",
        _pubtator,
        "offset '\u00b2'",
        lambda d: _second_block_offset(d, "\u00b2".encode()),
        "not a title, abstract, mention or relation line",
    ),
    ("bioc-xml", _bioc_xml, "latin-1 byte", _in_second(b"<text>", LATIN1), "not utf-8"),
    (
        "bioc-xml",
        _bioc_xml,
        "offset not a number",
        _replace_in_second(b"<document>", b'offset="', b'offset="x'),
        "is not a number",
    ),
    ("bioc-xml", _bioc_xml, "broken markup", _replace_in_second(b"<document>", b"</text>", b""), "broken XML"),
    ("bioc-xml", _bioc_xml, "truncated", _cut_last(b"<document>"), "without its end tag"),
    (
        "bioc-json",
        _bioc_json,
        "document not an object",
        lambda d: _second_json_document(d, "oops"),
        "must be an object",
    ),
    (
        "bioc-json",
        _bioc_json,
        "offset '\u00b2'",
        lambda d: _second_json_document(d, {"id": "2", "passages": [{"offset": "\u00b2", "text": "x"}]}),
        "malformed BioC document",
    ),
    ("pubmed", _pubmed, "latin-1 byte", _in_second(b"<ArticleTitle>", LATIN1), "not utf-8"),
    (
        "pubmed",
        _pubmed,
        "broken markup",
        _replace_in_second(b"<MedlineCitation ", b"</ArticleTitle>", b""),
        "broken XML",
    ),
    ("pubmed", _pubmed, "truncated", _cut_last(b"<MedlineCitation "), "without its end tag"),
    ("jsonl", _jsonl, "latin-1 byte", _in_second(b'"title": "', LATIN1), "not UTF-8"),
    (
        "jsonl",
        _jsonl,
        "year '\u00b2'",
        _replace_in_second(b'{"pmid"', b'"year": ', '"year": "\u00b2", "x": '.encode()),
        '"year" must be a number',
    ),
    ("jsonl", _jsonl, "not JSON", _in_second(b'{"pmid"', b"{"), "not JSON"),
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("fmt", "sample", "what", "corrupt", "message"), CASES, ids=[f"{c[0]}: {c[2]}" for c in CASES])
def test_one_bad_record_is_skipped_and_every_good_one_kept(
    shared_data: Path,
    tmp_path: Path,
    fmt: str,
    sample: Callable[[Path], bytes],
    what: str,
    corrupt: Callable[[bytes], bytes],
    message: str,
) -> None:
    clean = tmp_path / f"clean.{fmt}"
    clean.write_bytes(sample(shared_data))
    assert len(list(read_documents(clean))) == GOOD
    bad = tmp_path / f"bad.{fmt}"
    bad.write_bytes(corrupt(clean.read_bytes()))
    report = ReadReport()
    docs = list(read_documents(bad, on_error="skip", report=report))
    assert len(docs) == GOOD - 1, [s.reason for s in report.skipped]
    assert len(report.skipped) == 1
    skipped = report.skipped[0]
    assert message in skipped.reason and skipped.source == str(bad) and skipped.record
    with pytest.raises(InputError, match=re.escape(message)):
        list(read_documents(bad))


@pytest.mark.shared_data
def test_records_straddling_read_chunks_read_the_same(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import readers.base

    path = tmp_path / "sample.xml"
    path.write_bytes(_pubmed(shared_data))
    whole = list(read_documents(path))
    monkeypatch.setattr(readers.base, "_CHUNK", 7)  # every tag split across reads
    assert list(read_documents(path)) == whole


@pytest.mark.shared_data
def test_pubtator3_api_answers_read_and_unknown_json_shapes_refused(shared_data: Path, tmp_path: Path) -> None:
    docs = json.loads(_bioc_json(shared_data))["documents"]
    api = tmp_path / "pubtator3.json"
    api.write_text(json.dumps({"PubTator3": docs}))  # what PubTator3's export API returns
    assert len(list(read_documents(api, "bioc"))) == GOOD
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"results": docs}))
    with pytest.raises(InputError, match="no BioC documents here"):
        list(read_documents(other, "bioc"))
