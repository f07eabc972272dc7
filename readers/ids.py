"""Corpus identifiers to CURIEs: ``D008750`` -> ``MESH:D008750``, ``3175`` (a gene) -> ``NCBIGene:3175``."""

from __future__ import annotations

import re

from kg.curies import canonical_curie
from kg.schema import entity_type

_MESH = re.compile(r"^[CD]\d{6,9}$")


def to_curie(raw: str, label: str) -> str | None:
    """The CURIE of one raw corpus id for a mention of type ``label``; ``None`` for a mention its
    annotators could not ground: ``-1`` (BC5CDR, NCBI-disease) or ``-`` (BioRED).

    >>> to_curie("D008750", "Chemical"), to_curie("9606", "OrganismTaxon"), to_curie("-1", "Disease")
    ('MESH:D008750', 'NCBITaxon:9606', None)
    >>> to_curie("-", "GeneOrGeneProduct") is None
    True
    """
    raw = raw.strip()
    if raw in ("", "-1", "-"):
        return None
    kind = entity_type(label).label
    if kind == "Variant" and re.match(r"(?i)(dbSNP|tmVar):", raw):  # already a CURIE (medkg's own BioC out)
        return canonical_curie(raw)
    if ":" in raw and kind != "Variant":
        return canonical_curie(raw)
    if _MESH.match(raw):
        return f"MESH:{raw}"
    if kind == "Gene" and raw.isascii() and raw.isdigit():
        return f"NCBIGene:{raw}"
    if kind == "Species" and raw.isascii() and raw.isdigit():
        return f"NCBITaxon:{raw}"
    if kind == "CellLine" and raw.startswith("CVCL_"):
        return f"cellosaurus:{raw}"
    if kind == "Variant":
        return f"dbSNP:{raw}" if re.match(r"^rs\d+$", raw) else f"tmVar:{raw}"
    return f"medkg:{raw}"


def split_ids(raw: str, label: str, subtype: str = "") -> tuple[tuple[str, ...], bool]:
    """CURIEs of a mention's id field and whether they are a composite (all meant together).

    ``+`` and ``,`` join the concepts of a composite mention; ``|`` separates alternatives, except
    in a ``CompositeMention`` (NCBI-disease, BC5CDR) where it joins concepts too. Variant ids keep
    their ``|`` (``c|INS|5382|C`` is one tmVar id) and their ``+`` (``c|SUB|G|2554+1|T``: an intronic
    position; 29 of BioRED's variant mentions, whose relations name the whole id).

    >>> split_ids("c|SUB|G|2554+1|T", "SequenceVariant"), split_ids("D003924+D006973", "Disease")
    ((('tmVar:c|SUB|G|2554+1|T',), False), (('MESH:D003924', 'MESH:D006973'), True))
    """
    kind = entity_type(label).label
    variant = kind == "Variant"  # a variant's ids are joined by "," only
    composite = "," in raw or ("+" in raw and not variant) or subtype == "CompositeMention"
    parts = [p for p in (raw.split(",") if variant else re.split(r"[+,|;]", raw)) if p.strip()]
    curies = tuple(c for c in (to_curie(p, label) for p in parts) if c)
    return curies, composite and len(curies) > 1


def remember_ids(raw: str, label: str, seen: dict[str, str]) -> None:
    """Note the CURIE of each raw id of a mention, so that relation lines (which use raw ids) can
    be mapped with the mention's type."""
    for part in raw.split(","):
        curie = to_curie(part, label)
        if curie:
            seen.setdefault(part.strip(), curie)
