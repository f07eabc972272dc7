"""The shared corpora read with the counts their publishers state, in every format."""

from pathlib import Path

import pytest

from readers import read_documents
from readers.stats import corpus_stats

pytestmark = pytest.mark.shared_data


def test_bc5cdr_train_counts(shared_data: Path) -> None:
    stats = corpus_stats(shared_data / "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt", on_error="raise")
    assert stats["documents"] == 500
    assert stats["mentions_by_type"] == {"Chemical": 5203, "Disease": 4182}
    assert stats["relations_by_type"] == {"CID": 1038}


def test_ncbi_disease_train_counts(shared_data: Path) -> None:
    stats = corpus_stats(shared_data / "corpora/ncbi-disease/NCBItrainset_corpus.txt", on_error="raise")
    assert (stats["documents"], stats["unique_pmids"], stats["mentions"]) == (593, 592, 5145)
    assert set(stats["mentions_by_type"]) == {"SpecificDisease", "DiseaseClass", "Modifier", "CompositeMention"}


def test_biored_train_counts(shared_data: Path) -> None:
    stats = corpus_stats(shared_data / "corpora/biored/Train.PubTator", on_error="raise")
    assert (stats["documents"], stats["mentions"], stats["relations"]) == (400, 13351, 4178)
    assert len(stats["relations_by_type"]) == 8


def test_medline_sample_counts(shared_data: Path) -> None:
    stats = corpus_stats(shared_data / "pubmed/medline16n0902.xml.gz", on_error="raise")
    assert (stats["documents"], stats["with_abstract"], stats["deletions"]) == (604, 526, 1)


@pytest.mark.parametrize(
    ("pubtator", "bioc"),
    [
        ("corpora/bc5cdr/CDR_TrainingSet.PubTator.txt", "corpora/bc5cdr/CDR_TrainingSet.BioC.xml"),
        ("corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt", "corpora/bc5cdr/CDR_DevelopmentSet.BioC.xml"),
        ("corpora/biored/Train.PubTator", "corpora/biored/Train.BioC.XML"),
        ("corpora/biored/Dev.PubTator", "corpora/biored/Dev.BioC.JSON"),
    ],
)
def test_bioc_gives_the_same_annotations_as_pubtator(shared_data: Path, pubtator: str, bioc: str) -> None:
    a = {d.doc_id: d for d in read_documents(shared_data / pubtator, on_error="raise")}
    b = {d.doc_id: d for d in read_documents(shared_data / bioc, on_error="raise")}
    assert a.keys() == b.keys()
    for doc_id, x in a.items():
        y = b[doc_id]
        assert x.text == y.text, doc_id
        key = lambda m: (m.start, m.end, m.label, m.ids)
        assert sorted(map(key, x.mentions)) == sorted(map(key, y.mentions)), doc_id
        assert sorted(x.relations, key=repr) == sorted(y.relations, key=repr), doc_id


def test_every_shared_pmc_article_reads_with_consistent_offsets(shared_data: Path) -> None:
    files = sorted((shared_data / "pubmed/pmc-oa").glob("*.nxml"))
    assert len(files) == 8
    for path in files:
        (doc,) = read_documents(path, on_error="raise")
        assert doc.title and len(doc.passages) > 3
        for p in doc.passages:
            assert doc.text[p.offset : p.offset + len(p.text)] == p.text


def test_every_shared_efetch_file_reads(shared_data: Path) -> None:
    for path in sorted((shared_data / "pubmed/efetch").glob("*.xml")):
        docs = list(read_documents(path, on_error="raise"))
        assert docs and all(d.pmid.isdigit() and d.title for d in docs)
