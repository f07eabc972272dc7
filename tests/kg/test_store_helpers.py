from kg.store import in_file_order
from kg.types import Document


def _doc(pmid: str, text: str = "t", deleted: bool = False) -> Document:
    return Document(doc_id=pmid, pmid=pmid, text="" if deleted else text, deleted=deleted)


def test_records_apply_in_file_order() -> None:
    live, gone = in_file_order(
        [
            _doc("1"),
            _doc("2"),
            _doc("2", deleted=True),
            _doc("3", deleted=True),
            _doc("3", "back"),
            _doc("1", "newer"),
            _doc("4", deleted=True),
        ]
    )
    assert [(d.pmid, d.text) for d in live] == [("1", "newer"), ("3", "back")]
    assert gone == ["2", "4"]


def test_curie_prefixes_have_one_spelling_whatever_the_input_wrote() -> None:
    from kg.curies import canonical_curie

    cases = {
        "mesh:D008012": "MESH:D008012",
        "MeSH:D008012": "MESH:D008012",
        "MIM:143100": "OMIM:143100",
        "Orphanet:558": "ORPHA:558",
        "EntrezGene:3175": "NCBIGene:3175",
        "hpo:0001250": "HP:0001250",
        "do:0060319": "DOID:0060319",
        "taxonomy:9606": "NCBITaxon:9606",
        "tmvar:c|INS|5382|C": "tmVar:c|INS|5382|C",
        "ICD10CM:E11": "ICD10CM:E11",
        "no-prefix": "no-prefix",
        "PMID:123": "PMID:123",
        "pubmed:123": "PMID:123",
    }
    assert {k: canonical_curie(k) for k in cases} == cases
