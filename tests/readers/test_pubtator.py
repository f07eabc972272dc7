import gzip
from pathlib import Path

import pytest

from kg.errors import InputError
from readers import ReadReport, read_documents
from readers.pubtator import read_pubtator

DATA = Path(__file__).resolve().parents[1] / "data"


def test_pubtator_reads_text_mentions_ids_and_relations() -> None:
    docs = list(read_pubtator(DATA / "sample.pubtator"))
    assert [d.pmid for d in docs] == ["354896", "10491763"]
    cdr = docs[0]
    assert cdr.text.startswith("Lidocaine-induced cardiac asystole. Intravenous")
    for m in cdr.mentions:
        assert cdr.text[m.start : m.end] == m.text
    assert cdr.mentions[0].ids == ("MESH:D008012",)
    assert cdr.mentions[3].ids == ()  # -1: not normalizable
    composite = cdr.mentions[4]
    assert composite.composite and composite.ids == ("MESH:D001943", "MESH:D010051")
    assert cdr.relations[0].subject == "MESH:D008012"
    assert cdr.relations[0].predicate == "CID"
    assert cdr.relations[0].object == "MESH:D006323"


def test_pubtator_maps_biored_ids_and_novelty() -> None:
    doc = list(read_pubtator(DATA / "sample.pubtator"))[1]
    ids = {m.label: m.ids[0] for m in doc.mentions}
    assert ids == {
        "GeneOrGeneProduct": "NCBIGene:3175",
        "DiseaseOrPhenotypicFeature": "MESH:D003924",
        "SequenceVariant": "dbSNP:rs74805019",
        "OrganismTaxon": "NCBITaxon:9606",
        "CellLine": "cellosaurus:CVCL_0030",
        "ChemicalEntity": "MESH:D007328",
    }
    rels = {(r.subject, r.predicate, r.object, r.novel) for r in doc.relations}
    assert rels == {
        ("NCBIGene:3175", "Association", "MESH:D003924", False),
        ("dbSNP:rs74805019", "Positive_Correlation", "MESH:D003924", True),
    }


def test_pubtator_gzip_is_transparent(tmp_path: Path) -> None:
    gz = tmp_path / "sample.pubtator.gz"
    gz.write_bytes(gzip.compress((DATA / "sample.pubtator").read_bytes()))
    assert [d.text for d in read_documents(gz)] == [d.text for d in read_documents(DATA / "sample.pubtator")]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = (DATA / "sample.pubtator").read_text().replace(old, new, 1)
    path = tmp_path / "broken.pubtator"
    path.write_text(text)
    return path


def test_pubtator_mention_text_mismatch_names_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "354896\t18\t34\tcardiac asystole", "354896\t18\t34\tcardiac arrest")
    with pytest.raises(InputError) as err:
        list(read_pubtator(path))
    assert str(path) in str(err.value) and ":4:" in str(err.value)
    assert "does not match" in str(err.value)


def test_pubtator_offsets_outside_text_raise(tmp_path: Path) -> None:
    path = _broken(tmp_path, "354896\t90\t99\tlidocaine", "354896\t9000\t9009\tlidocaine")
    with pytest.raises(InputError, match="outside the text"):
        list(read_pubtator(path))


def test_pubtator_skip_mode_reports_bad_document_and_goes_on(tmp_path: Path) -> None:
    path = _broken(tmp_path, "354896\t18\t34\tcardiac asystole", "354896\t18\t34\tcardiac arrest")
    report = ReadReport()
    docs = list(read_pubtator(path, on_error="skip", report=report))
    assert [d.pmid for d in docs] == ["10491763"]
    assert len(report.skipped) == 1
    assert report.skipped[0].record == "4"


def test_pubtator_bad_encoding_is_an_input_error(tmp_path: Path) -> None:
    raw = (
        (DATA / "sample.pubtator")
        .read_bytes()
        .replace(b"Hepatocyte nuclear factor-6 and", b"Hepatocyte \xff factor-6 and", 1)
    )
    path = tmp_path / "latin.pubtator"
    path.write_bytes(raw)
    report = ReadReport()
    docs = list(read_pubtator(path, on_error="skip", report=report))
    assert [d.pmid for d in docs] == ["354896"]
    assert "not UTF-8" in report.skipped[0].reason
    with pytest.raises(InputError, match="not UTF-8"):
        list(read_pubtator(path))


def test_pubtator_truncated_gzip_raises(tmp_path: Path) -> None:
    data = gzip.compress((DATA / "sample.pubtator").read_bytes() * 50)
    path = tmp_path / "cut.pubtator.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        list(read_documents(path, "pubtator"))


def test_an_intronic_variant_id_is_one_concept_its_relations_name(tmp_path: Path) -> None:
    text = "c.2554+1G>T causes Menkes disease."
    path = tmp_path / "intronic.pubtator"
    path.write_text(
        f"1|t|{text}\n1|a|\n"
        "1\t0\t11\tc.2554+1G>T\tSequenceVariant\tc|SUB|G|2554+1|T\n"
        "1\t19\t33\tMenkes disease\tDiseaseOrPhenotypicFeature\tD007706\n"
        "1\tPositive_Correlation\tc|SUB|G|2554+1|T\tD007706\tNovel\n"
    )
    (doc,) = read_pubtator(path)
    assert doc.mentions[0].ids == ("tmVar:c|SUB|G|2554+1|T",) and not doc.mentions[0].composite
    assert [(r.subject, r.object) for r in doc.relations] == [("tmVar:c|SUB|G|2554+1|T", "MESH:D007706")]


def test_documents_joined_without_a_blank_line_are_each_read(tmp_path: Path) -> None:
    """``cat a.pubtator b.pubtator`` where ``a`` does not end in a blank line: both documents,
    nothing skipped."""
    blocks = (DATA / "sample.pubtator").read_text().strip().split("\n\n")
    path = tmp_path / "joined.pubtator"
    path.write_text("\n".join(blocks) + "\n")
    report = ReadReport()
    docs = list(read_pubtator(path, on_error="skip", report=report))
    assert [d.pmid for d in docs] == ["354896", "10491763"] and not report.skipped
    assert [d.mentions for d in docs] == [d.mentions for d in read_pubtator(DATA / "sample.pubtator")]


def test_a_biored_mention_its_annotators_could_not_ground_has_no_id_and_teaches_the_index_nothing(
    tmp_path: Path,
) -> None:
    from ontologies.sources import corpus_terms

    path = tmp_path / "biored.pubtator"
    # BioRED writes "-" where BC5CDR writes "-1"; its files end their lines with CRLF.
    path.write_bytes(
        b"1|t|Lectin and HP in rats.\r\n1|a|Polyacrylamide gels.\r\n"
        b"1\t0\t6\tLectin\tGeneOrGeneProduct\t-\r\n1\t11\t13\tHP\tChemicalEntity\t-\r\n"
        b"1\t17\t21\trats\tOrganismTaxon\t10116\r\n1\t23\t37\tPolyacrylamide\tChemicalEntity\tD020106\r\n\r\n"
    )
    [doc] = read_pubtator(path)
    assert [(m.text, m.ids) for m in doc.mentions] == [
        ("Lectin", ()),
        ("HP", ()),
        ("rats", ("NCBITaxon:10116",)),
        ("Polyacrylamide", ("MESH:D020106",)),
    ]
    terms = corpus_terms([path], read_pubtator).terms
    assert [(t.curie, t.name) for t in terms] == [("NCBITaxon:10116", "rats"), ("MESH:D020106", "Polyacrylamide")]
