from kg.store import in_file_order
from kg.types import Document


def _doc(pmid: str, text: str = "t", deleted: bool = False) -> Document:
    return Document(doc_id=pmid, pmid=pmid, text="" if deleted else text, deleted=deleted)


def test_records_apply_in_file_order() -> None:
    live, gone = in_file_order([_doc("1"), _doc("2"), _doc("2", deleted=True), _doc("3", deleted=True), _doc("3", "back"),
                                _doc("1", "newer"), _doc("4", deleted=True)])
    assert [(d.pmid, d.text) for d in live] == [("1", "newer"), ("3", "back")]
    assert gone == ["2", "4"]
