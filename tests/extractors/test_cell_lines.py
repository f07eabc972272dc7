"""Cell lines named by their code where the text says they are cells."""

from extractors.cell_lines import tag_cell_lines
from kg.types import Document
from tests.extractors.helpers import doc_with


def _tagged(text: str, *mentions: tuple[str, str]) -> list[tuple[str, str]]:
    out = tag_cell_lines(doc_with(text, *mentions))
    assert all(text[m.start : m.end] == m.text for m in out.mentions)
    return [(m.text, m.label) for m in out.mentions]


def test_a_code_the_text_calls_cells_is_a_cell_line_everywhere_in_its_document() -> None:
    text = "T98G cells and LLC-PK1 cells were used. T98G grew; HCT-116 cell line too."
    got = _tagged(text, ("T98G", "Variant"), ("LLC", "Gene"), ("PK1", "Gene"))
    assert got == [("T98G", "CellLine"), ("LLC-PK1", "CellLine"), ("T98G", "CellLine"), ("HCT-116", "CellLine")]


def test_codes_too_short_or_with_one_capital_and_words_are_no_cell_lines() -> None:
    text = "Th17 cells, B3 cells, G1 cells, Tumor cells and HeLa were studied."
    assert _tagged(text, ("HeLa", "CellLine")) == [("HeLa", "CellLine")]  # left as the tagger had it
    assert tag_cell_lines(Document("2", "No cells here.")) == Document("2", "No cells here.")


def test_a_long_run_of_digits_that_no_cells_follow_takes_linear_time() -> None:
    import time

    start = time.perf_counter()
    doc = tag_cell_lines(Document("1", "A" + "1" * 200_000 + " x"))
    assert not doc.mentions and time.perf_counter() - start < 1.0  # quadratic: about ten minutes
