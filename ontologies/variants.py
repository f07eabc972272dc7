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
_POS = r"(?:IVS\d+[+-]\d+|[-+]?\d+(?:[+-]\d+)?(?:_-?\d+(?:[+-]\d+)?)?)"  # IVS3+1: an intron's position
_RS = re.compile(r"\brs ?(\d{2,})\b", re.IGNORECASE)
_PROTEIN_SUB = re.compile(rf"^(?:p\.)?\(?({_AA})(\d+)({_AA})\)?$")
_DNA_SUB = re.compile(rf"^(?:([cgmnr])\.)?({_POS}) ?([ACGTU])(?: ?(?:>|-->|->|/|to) ?)([ACGTU])$", re.IGNORECASE)
_DNA_SUB_BEFORE = re.compile(rf"^(?:([cgmnr])\.)?([ACGT])({_POS})([ACGT])$")  # the minus of "G-308A" is the position's
_EDIT = re.compile(rf"^(?:([cgmnrp])\.)?({_POS})(del|ins|dup)([ACGTU]*|\d+)?$", re.IGNORECASE)
# "p.G204VfsX28": tmVar writes the new residue and where the new frame stops (p|FS|G|204|V|28),
# as BioRED's training split does; "R58fs" has neither (p|FS|R|58||).
_FRAMESHIFT = re.compile(rf"^(?:p\.)?\(?({_AA})(\d+)({_AA})?(?:fs|frameshift)(?:(?:\*|X|Ter)(\d+))?\S*?\)?$")
_PROTEIN_DEL = re.compile(rf"^(?:p\.)?({_AA})(\d+)del$")
# "157delMTTTVP": deleted letters that are no nucleotides, so residues: a protein deletion
_RESIDUE = "[ACDEFGHIKLMNPQRSTVWY]"
_RESIDUES_DELETED = re.compile(rf"^(?:p\.)?(\d+(?:_\d+)?)del({_RESIDUE}*[DEFHIKLMNPQRSVWY]{_RESIDUE}*)$")
# Forms BioRED's training split writes as tmVar does (whitespace removed first): "Delta32" and
# "DD32" (CCR5's Δ32) a deletion of 32; "+3100 T/G" and "+8365 C/T" a change at a position;
# "G/A", "G-->A" a change at no position; "192Q/R" a protein change; "del642T"; "(CCTTT)14" and
# "CAG repeat" repeats; "19-base pair deletion", "137-bp insertion".
_DELTA = re.compile(r"^(?:Delta|Δ|DD)(\d+)(?:deletion)?$", re.IGNORECASE)
_AT_POSITION = re.compile(rf"^({_POS})([ACGT])/([ACGT])$")
_CHANGE_ONLY = re.compile(r"^([ACGT])(?:/|>|-->|->)([ACGT])$")
_PROTEIN_ALLELES = re.compile(r"^(\d+)([ACDEFGHIKLMNPQRSTVWY])/([ACDEFGHIKLMNPQRSTVWY])$")
_DEL_BEFORE = re.compile(r"^del(\d+)([ACGT]+)$")
_REPEAT = re.compile(r"^\(([ACGT]{2,})\)(\d+)$|^([ACGT]{2,})repeats?$")
_LENGTH_EDIT = re.compile(r"^(\d+)-?(?:bp|base-?pairs?|nucleotides?|nt)(deletion|insertion)$", re.IGNORECASE)
# Nucleotide letters around a position past 999 ("G3853A"): a DNA change (in BioRED's training
# split, the 4 such mentions not given as rs ids are 3 c. and 1 g., none p.).
_DNA_SUB_PAST_999 = re.compile(r"^([ACGT])(\d{4,})([ACGT])$")
# A change in words: "arginine to tryptophan at codon 198", "glutamic acid 333 by aspartic acid",
# "(G --> C) substitution at position 1201".
_AMINO_NAMES = {
    "alanine": "A",
    "arginine": "R",
    "asparagine": "N",
    "aspartic acid": "D",
    "aspartate": "D",
    "cysteine": "C",
    "glutamine": "Q",
    "glutamic acid": "E",
    "glutamate": "E",
    "glycine": "G",
    "histidine": "H",
    "isoleucine": "I",
    "leucine": "L",
    "lysine": "K",
    "methionine": "M",
    "phenylalanine": "F",
    "proline": "P",
    "serine": "S",
    "threonine": "T",
    "tryptophan": "W",
    "tyrosine": "Y",
    "valine": "V",
    "premature termination codon": "X",
    "premature stop codon": "X",
    "stop codon": "X",
    "stop": "X",
}
_BASE_NAMES = {"adenine": "A", "cytosine": "C", "guanine": "G", "thymine": "T", "thymidine": "T", "uracil": "U"}
_WORD_AMINO = re.compile(
    r"\b("
    + "|".join(sorted(_AMINO_NAMES, key=len, reverse=True))
    + r"|"
    + "|".join(k for k in AMINO if len(k) == 3)
    + r")\b",
    re.IGNORECASE,
)
_WORD_BASE = re.compile(r"(?<!\w)((?i:" + "|".join(_BASE_NAMES) + r")|[ACGTU])(?!\w)")  # "Thymidine", never "a"
_WORD_NUMBER = re.compile(r"(?<![\w.])([-+]?\d+)(?![\w.])")
_NUMBER_CUE = re.compile(r"(?:codon|position|residue|amino[- ]acid|nucleotide|base|at)\s+(?:c\.)?([-+]?\d+)\b")
_AMINO_WORD = "|".join([*sorted(_AMINO_NAMES, key=len, reverse=True), *(k for k in AMINO if len(k) == 3)])
_AMINO_AT_NUMBER = re.compile(rf"^({_AMINO_WORD})[\s-]*(\d+)[\s-]*(?:to[\s-]+)?({_AMINO_WORD})$", re.IGNORECASE)
_TO = re.compile(r"\s(?:to|by|into|-->|->|>)\s|-->|->|>")


def _aa(code: str) -> str:
    return "X" if code == "*" else AMINO.get(code.lower(), code.upper())


def _word_amino(word: str) -> str:
    return _AMINO_NAMES.get(word.lower()) or _aa(word)


_HYPHEN_RANGE = re.compile(r"(\d+)-(\d+)")


def _edit_range(position: str, seq: str) -> str:
    """An edited stretch written with a hyphen as the range tmVar writes with "_": "c.899-1142del"
    is c|DEL|899_1142|, and "2238-9delAG" (the end's last digits, as long as the bases) 2238_2239.
    A second number below the first is an intron offset ("c.463-6delT"), kept."""
    m = _HYPHEN_RANGE.fullmatch(position)
    if m is None:
        return position
    start, end = m.group(1), m.group(2)
    if int(end) > int(start):
        return f"{start}_{end}"
    full = start[: len(start) - len(end)] + end
    if len(end) < len(start) and seq.isalpha() and int(full) - int(start) + 1 == len(seq):
        return f"{start}_{full}"
    return position


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
    if m := _DELTA.match(t):
        return f"c|DEL||{m.group(1)}"
    if m := _AT_POSITION.match(t):
        return f"c|SUB|{m.group(2)}|{m.group(1)}|{m.group(3)}"
    if m := _CHANGE_ONLY.match(t):
        return f"c|SUB|{m.group(1)}||{m.group(2)}"
    if m := _PROTEIN_ALLELES.match(t):
        return f"p|SUB|{m.group(2)}|{m.group(1)}|{m.group(3)}"
    if m := _DEL_BEFORE.match(t):
        return f"c|DEL|{m.group(1)}|{m.group(2)}"
    if m := _REPEAT.match(t):
        return f"c|DUP||{m.group(1)}|{m.group(2)}" if m.group(1) else f"c|DUP||{m.group(3)}|"
    if m := _LENGTH_EDIT.match(t):
        return f"c|{'DEL' if m.group(2).lower() == 'deletion' else 'INS'}||{m.group(1)}"
    if m := _DNA_SUB_PAST_999.match(t):
        return f"c|SUB|{m.group(1)}|{m.group(2)}|{m.group(3)}"
    if m := _FRAMESHIFT.match(t):
        new = _aa(m.group(3)) if m.group(3) else ""
        return f"p|FS|{_aa(m.group(1))}|{m.group(2)}|{new}|{m.group(4) or ''}"
    if m := _PROTEIN_DEL.match(t):
        return f"p|DEL|{m.group(2)}|{_aa(m.group(1))}"
    if m := _RESIDUES_DELETED.match(t):
        return f"p|DEL|{m.group(1)}|{m.group(2)}"
    if m := _PROTEIN_SUB.match(t):
        return f"p|SUB|{_aa(m.group(1))}|{m.group(2)}|{_aa(m.group(3))}"
    if m := _DNA_SUB.match(t):
        return f"{(m.group(1) or 'c').lower()}|SUB|{m.group(3).upper()}|{m.group(2)}|{m.group(4).upper()}"
    if m := _DNA_SUB_BEFORE.match(t):
        return f"{(m.group(1) or 'c').lower()}|SUB|{m.group(2)}|{m.group(3)}|{m.group(4)}"
    if m := _EDIT.match(t):
        kind, seq = m.group(3).upper(), (m.group(4) or "").upper()
        return f"{(m.group(1) or 'c').lower()}|{kind}|{_edit_range(m.group(2), seq)}|{seq}"
    return _in_words(text.strip())


def keyed_parts(text: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of the stretches of ``text`` (one to three words, brackets and trailing
    punctuation left out) whose form is a variant with a position, longest first and none
    overlapping: a tagger's variant run on over words ("frameshift deletion (912delTA", "c.201C>A
    changing the tyrosine codon") or over two variants ("IVS8 -2A>G, 2238-9del AG")."""
    words = [(w.start(), w.end()) for w in re.finditer(r"\S+", text)]
    found = []
    for i in range(len(words)):
        for j in range(i, min(i + 3, len(words))):
            start, end = words[i][0], words[j][1]
            while start < end and text[start] in "([":
                start += 1
            while end > start and text[end - 1] in "),;.:]":
                end -= 1
            key = variant_key(text[start:end]) if end > start else None
            if key and re.search(r"\d", key):
                found.append((start, end, key))
    out: list[tuple[int, int, str]] = []
    for start, end, key in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(end <= a or b <= start for a, b, _ in out):
            out.append((start, end, key))
    return sorted(out)


def _in_words(text: str) -> str | None:
    """A change written in words: two amino acids (or two bases) joined by "to", "by" or an
    arrow, in that order, and at most one position ("at codon 198"). Wordings whose order is the
    other way ("instead of", "rather than", "for") are left alone."""
    if m := _AMINO_AT_NUMBER.match(text):  # "arginine 150 proline", "valine-539-aspartic acid", "Arg158 Pro"
        return f"p|SUB|{_word_amino(m.group(1))}|{m.group(2)}|{_word_amino(m.group(3))}"
    low = text.lower()
    if re.search(r"\b(?:for|instead|rather|and|or)\b|,", low) or not _TO.search(" " + low + " "):
        return None
    cue = _NUMBER_CUE.search(low)
    numbers = _WORD_NUMBER.findall(low)
    position = cue.group(1) if cue else numbers[0] if len(numbers) == 1 else None
    if position is None and numbers:
        return None
    aminos = [_AMINO_NAMES.get(m.lower()) or _aa(m) for m in _WORD_AMINO.findall(text)]
    aminos = [a for i, a in enumerate(aminos) if i == 0 or a != aminos[i - 1]]  # "valine (Val)"
    if len(aminos) == 2:
        return f"p|SUB|{aminos[0]}|{position or ''}|{aminos[1]}"
    bases = [_BASE_NAMES.get(m.lower(), m) for m in _WORD_BASE.findall(text)]
    if len(bases) == 2 and not aminos:
        return f"c|SUB|{bases[0]}|{(position or '').lstrip('+')}|{bases[1]}"
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
