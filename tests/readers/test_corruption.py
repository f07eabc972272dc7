"""Every reader against the corruptions a real feed brings: one bad record is skipped with its
file and place, every good record around it is kept, and the same corruption raises under
``on_error="raise"``. The inputs are the first records of the real shared corpora."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import InputError
from readers import ReadReport, read_documents
from tests.readers.corruptions import CASES, GOOD, bioc_json_sample, pubmed_sample


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
    path.write_bytes(pubmed_sample(shared_data))
    whole = list(read_documents(path))
    monkeypatch.setattr(readers.base, "_CHUNK", 7)  # every tag split across reads
    assert list(read_documents(path)) == whole


@pytest.mark.shared_data
def test_pubtator3_api_answers_read_and_unknown_json_shapes_refused(shared_data: Path, tmp_path: Path) -> None:
    docs = json.loads(bioc_json_sample(shared_data))["documents"]
    api = tmp_path / "pubtator3.json"
    api.write_text(json.dumps({"PubTator3": docs}))  # what PubTator3's export API returns
    assert len(list(read_documents(api, "bioc"))) == GOOD
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"results": docs}))
    with pytest.raises(InputError, match="no BioC documents here"):
        list(read_documents(other, "bioc"))
