"""Sequence variants to identifiers, as tmVar writes them: a dbSNP ``rs`` id where the text gives
one, otherwise a normalized HGVS-like key ``type|change|wild|position|mutant`` (``p|SUB|G|12|D``
for "G12D" or "p.Gly12Asp", ``c|DEL|4153|A`` for "4153delA", ``p|FS|R|58||`` for "R58fs").

What it cannot do offline: map a protein change to its dbSNP id (tmVar looks the change up in
dbSNP with the gene of the sentence; about 40% of BioRED's variant ids are such rs ids that the
text does not give). A variant written as an rs id next to its change ("Val175Met (rs7946)")
gives its rs id to the other mentions of the same change in the document (``link_rs``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

AMINO = {
    "ala": "A",
    "arg": "R",
    "asn": "N",
    "asp": "D",
    "cys": "C",
    "gln": "Q",
    "glu": "E",
    "gly": "G",
    "his": "H",
    "ile": "I",
    "leu": "L",
    "lys": "K",
    "met": "M",
    "phe": "F",
    "pro": "P",
    "ser": "S",
    "thr": "T",
    "trp": "W",
    "tyr": "Y",
    "val": "V",
    "ter": "X",
    "stop": "X",
    "sec": "U",
}
_AA = (
    r"(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Ter|Sec"
    r"|[ACDEFGHIKLMNPQRSTVWYX*])"
)
_POS = r"-?\d+(?:[+-]\d+)?(?:_-?\d+(?:[+-]\d+)?)?"
_RS = re.compile(r"\brs ?(\d{2,})\b", re.IGNORECASE)
_PROTEIN_SUB = re.compile(rf"^(?:p\.)?\(?({_AA})(\d+)({_AA})\)?$")
_DNA_SUB = re.compile(rf"^(?:([cgmnr])\.)?({_POS}) ?([ACGTU])(?: ?(?:>|-->|->|/|to) ?)([ACGTU])$", re.IGNORECASE)
_DNA_SUB_BEFORE = re.compile(rf"^(?:([cgmnr])\.)?([ACGT])[ -]?({_POS})([ACGT])$")
_EDIT = re.compile(rf"^(?:([cgmnrp])\.)?({_POS})(del|ins|dup)([ACGTU]*|\d+)?$", re.IGNORECASE)
_FRAMESHIFT = re.compile(rf"^(?:p\.)?\(?({_AA})(\d+)(?:{_AA})?(?:fs|frameshift)\S*\)?$")
_PROTEIN_DEL = re.compile(rf"^(?:p\.)?({_AA})(\d+)del$")


def _aa(code: str) -> str:
    return "X" if code == "*" else AMINO.get(code.lower(), code.upper())


def variant_key(text: str) -> str | None:
    """The tmVar-style id of a variant mention, or ``None`` when its form is not recognized.

    >>> variant_key("p.Gly12Asp"), variant_key("c.2113_2114delGG"), variant_key("rs7946"), variant_key("V311fs")
    ('p|SUB|G|12|D', 'c|DEL|2113_2114|GG', 'rs7946', 'p|FS|V|311||')
    """
    t = text.strip()
    rs = _RS.search(t)
    if rs:
        return f"rs{rs.group(1)}"
    t = re.sub(r"\s+", "", t) if len(t) < 40 else t
    if m := _FRAMESHIFT.match(t):
        return f"p|FS|{_aa(m.group(1))}|{m.group(2)}||"
    if m := _PROTEIN_DEL.match(t):
        return f"p|DEL|{m.group(2)}|{_aa(m.group(1))}"
    if m := _PROTEIN_SUB.match(t):
        return f"p|SUB|{_aa(m.group(1))}|{m.group(2)}|{_aa(m.group(3))}"
    if m := _DNA_SUB.match(t):
        return f"{(m.group(1) or 'c').lower()}|SUB|{m.group(3).upper()}|{m.group(2)}|{m.group(4).upper()}"
    if m := _DNA_SUB_BEFORE.match(t):
        return f"{(m.group(1) or 'c').lower()}|SUB|{m.group(2)}|{m.group(3)}|{m.group(4)}"
    if m := _EDIT.match(t):
        kind, seq = m.group(3).upper(), (m.group(4) or "").upper()
        return f"{(m.group(1) or 'c').lower()}|{kind}|{m.group(2)}|{seq}"
    return None


def variant_curie(key: str) -> str:
    """``rs7946`` -> ``dbSNP:rs7946``; any other key -> ``tmVar:<key>`` (as ``readers.ids`` spells them)."""
    return f"dbSNP:{key}" if re.fullmatch(r"rs\d+", key) else f"tmVar:{key}"


def link_rs(texts: Sequence[str], spans: Sequence[tuple[int, int]], doc_text: str) -> list[str | None]:
    """The id of each variant mention of one document: its own key, except that a change written
    next to an rs id ("Val175Met (rs7946)", "rs7946 (Val175Met)") takes that rs id, and so do the
    document's other mentions of the same change."""
    keys = [variant_key(t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: spans[i])
    linked: dict[str, str] = {}
    for a, b in pairwise(order):
        between = doc_text[spans[a][1] : spans[b][0]]
        if len(between) > 4 or between.strip(" ()[];,:") != "":
            continue
        ka, kb = keys[a], keys[b]
        if ka and kb and ka.startswith("rs") != kb.startswith("rs"):
            rs, change = (ka, kb) if ka.startswith("rs") else (kb, ka)
            linked.setdefault(change, rs)
    return [linked.get(k, k) if k else None for k in keys]
