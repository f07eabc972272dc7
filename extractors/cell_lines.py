"""Cell lines named by their code where the text says they are cells: "T98G cells", "SW480 cell
line", "LLC-PK1 cells".

BioRED annotates 103 cell line mentions in its training split, too few for the tagger to learn
the type: on BioRED dev it tagged none of the 22, and read several codes as other things ("T98G"
and "SW480" as protein changes, "LLC-PK1" as two genes, "COS-7" as a species). A code of letters
and digits right before "cells" or "cell line" is a cell line. Such a code is tagged as one
wherever it occurs in the document, replacing the mentions it overlaps. A code must hold two
capital letters and a digit, four characters at least: "Th17 cells", "B3 cells" and "G1 cells"
are no cell lines. A code that is a gene's name ("CD4 cells") is given back to genes by the
normalizer, which knows the vocabularies (``ontologies.normalizer``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from extractors.text import word_occurrences
from kg.types import Document, Mention

CELL_LINE = "CellLine"
# Possessive runs (``++``, ``*+``): a long run of digits that no "cells" follows fails at once
# instead of being retried at every split (quadratic time on a 30,000-digit string).
_CODE_BEFORE_CELLS = re.compile(
    r"(?<![\w-])([A-Z][A-Za-z]{0,7}+(?:-?\d++[A-Za-z0-9]*+)(?:-[A-Z0-9][A-Za-z0-9]*+)*+|[A-Z]{2,}+-[A-Z0-9][A-Za-z0-9]*+)"
    r"(?=\s+cell(?:s|\s+lines?|-lines?)?\b)"
)


def _is_code(code: str) -> bool:
    return len(code) >= 4 and sum(c.isupper() for c in code) >= 2 and any(c.isdigit() for c in code)


def tag_cell_lines(doc: Document) -> Document:
    """``doc`` with every code its text calls cells (and each other occurrence of the code) tagged
    as a cell line, in place of the mentions it overlaps."""
    codes = {m.group(1) for m in _CODE_BEFORE_CELLS.finditer(doc.text) if _is_code(m.group(1))}
    if not codes:
        return doc
    spans = sorted({span for code in codes for span in word_occurrences(doc.text, code, hyphen_after=True)})
    kept = [m for m in doc.mentions if not any(m.start < b and a < m.end for a, b in spans)]
    lines = [Mention(a, b, doc.text[a:b], CELL_LINE) for a, b in spans]
    return replace(doc, mentions=tuple(sorted([*kept, *lines], key=lambda m: (m.start, m.end))))
