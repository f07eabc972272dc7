from pathlib import Path

import pytest

from kg.errors import InputError
from readers import ReadReport, detect_format, read_documents

DATA = Path(__file__).resolve().parents[1] / "data"


def test_medline_citation_set_structured_abstract_and_deletions() -> None:
    docs = list(read_documents(DATA / "medline_sample.xml"))
    live = [d for d in docs if not d.deleted]
    assert [d.pmid for d in live] == ["100001", "100002"]
    first = live[0]
    assert first.title == "Cisplatin and renal failure."
    assert first.text == (
        "Cisplatin and renal failure. BACKGROUND: Cisplatin is nephrotoxic. "
        "RESULTS: Renal failure was seen in 3 of 10 patients."
    )
    assert (first.journal, first.year, first.doi) == ("Journal of Tests", 1998, "10.1000/test.1")
    assert first.mesh_terms == ("MESH:D002945",)
    assert live[1].text == "A title without an abstract." and len(live[1].passages) == 1
    assert [d.pmid for d in docs if d.deleted] == ["100003", "100004"]


def test_pubmed_article_set_keeps_doi_from_pubmed_data() -> None:
    (doc,) = read_documents(DATA / "pubmed_sample.xml")
    assert (doc.pmid, doc.year, doc.doi) == ("200001", 2022, "10.1000/current.7")
    abstract = doc.passages[1]
    assert doc.text[abstract.offset :] == "Haloperidol caused catalepsy in all animals."


def test_truncated_pubmed_xml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text((DATA / "medline_sample.xml").read_text()[:900])
    with pytest.raises(InputError, match="without its end tag; is the file truncated") as err:
        list(read_documents(path, "pubmed"))
    assert str(path) in str(err.value)
    report = ReadReport()
    docs = list(read_documents(path, "pubmed", on_error="skip", report=report))
    assert [d.pmid for d in docs] == ["100001"] and len(report.skipped) == 1


def test_jats_title_abstract_and_body_without_figures() -> None:
    (doc,) = read_documents(DATA / "article.nxml")
    assert (doc.pmid, doc.doi, doc.year, doc.journal) == ("300001", "10.1000/jats.1", 2012, "Test Journal")
    kinds = [p.kind for p in doc.passages]
    assert kinds == ["title", "abstract", "section_title", "paragraph", "paragraph"]
    assert "figure caption" not in doc.text
    for p in doc.passages:
        assert doc.text[p.offset : p.offset + len(p.text)] == p.text
    assert doc.passages[3].text == "Hepatotoxicity from valproate is rare1."


def test_jsonl_reads_and_reports_bad_lines(tmp_path: Path) -> None:
    docs = list(read_documents(DATA / "sample.jsonl"))
    assert [d.pmid for d in docs] == ["400001", "400002"]
    assert docs[0].text == "Aspirin and Reye syndrome. Aspirin use in children precedes Reye syndrome."
    assert docs[0].year == 1985
    bad = tmp_path / "bad.jsonl"
    bad.write_text((DATA / "sample.jsonl").read_text() + '{"pmid": "1", "title": \n{"title": "no pmid"}\n')
    report = ReadReport()
    assert len(list(read_documents(bad, "jsonl", on_error="skip", report=report))) == 2
    assert [s.record for s in report.skipped] == ["4", "5"]
    assert "not JSON" in report.skipped[0].reason and "pmid" in report.skipped[1].reason


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sample.pubtator", "pubtator"),
        ("medline_sample.xml", "pubmed"),
        ("pubmed_sample.xml", "pubmed"),
        ("article.nxml", "jats"),
        ("sample.jsonl", "jsonl"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(DATA / name) == fmt


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_documents(tmp_path / "nope.txt", "pubtator"))
    with pytest.raises(InputError, match="a folder, not a file; pass its files"):
        list(read_documents(tmp_path))


def test_truncated_gzip_pubmed_keeps_what_came_before(tmp_path: Path) -> None:
    import gzip

    body = (DATA / "medline_sample.xml").read_bytes()
    data = gzip.compress(body)
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) - 40])
    report = ReadReport()
    docs = list(read_documents(path, "pubmed", on_error="skip", report=report))
    assert len(report.skipped) == 1 and report.skipped[0].source == str(path)
    assert docs and all(d.pmid for d in docs)


def test_broken_bioc_xml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cut.bioc.xml"
    path.write_text(
        "<collection><document><id>1</id><passage><offset>0</offset><text>Aspirin.</text></passage></document><document><id>2"
    )
    report = ReadReport()
    docs = list(read_documents(path, "bioc", on_error="skip", report=report))
    assert [d.doc_id for d in docs] == ["1"] and "without its end tag" in report.skipped[0].reason
    with pytest.raises(InputError, match="without its end tag"):
        list(read_documents(path, "bioc"))
