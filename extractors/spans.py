"""Predicted mention spans tidied to where annotators put mention boundaries.

The tagger labels words that ``extractors.text.split_words`` cuts finely (letters, digits and each
punctuation mark apart), so a prediction can stop inside "PGI2" or "Coenzyme Q10", start at the
")-" of "(-)-baclofen", be a lone "2" or "-", or run on into "nausea and". Annotators of BC5CDR and
NCBI-disease never do any of these (10 of the 9,591 BC5CDR dev mentions end inside a run of letters
and digits, all of them "5-HT" of "5-HT6"-like receptor names), nor tag an enzyme as a chemical.
Measured on the dev sets (BENCHMARKS.md): BC5CDR +0.6 strict F1, NCBI-disease +0.1 (rules chosen
on BC5CDR dev only).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kg.errors import InputError
from kg.schema import entity_type
from kg.types import Document, Mention

_LEAD = ")]-,;:"
_CLOSING = {")": "(", "]": "["}  # a closing bracket at the end, and its opener
_TRAIL = "([-,;:/"
# Words a mention never ends (or starts) with; "a" and "in" are left alone ("vitamin A").
_FUNCTION_WORDS = frozenset(
    {
        "and",
        "or",
        "nor",
        "of",
        "the",
        "with",
        "to",
        "by",
        "for",
        "on",
        "at",
        "from",
        "as",
        "is",
        "was",
        "were",
        "but",
        "than",
    }
)
# Lower-case words a number belongs to ("type 2", "grade 3"), unlike "diclofenac 75".
_NUMBERED = frozenset(
    {
        "type",
        "grade",
        "stage",
        "class",
        "phase",
        "factor",
        "group",
        "degree",
        "syndrome",
        "disease",
        "protein",
        "receptor",
        "subtype",
        "form",
    }
)
_LAST_WORD = re.compile(r"\s(\S+)$")
_FIRST_WORD = re.compile(r"(\S+)\s+")
_LOWER_WORD_BEFORE = re.compile(r"(?:^|\s)([a-z]{3,})\s+$")
# An enzyme name ("N-acetyl-beta-D-glucosaminidase", "cyclooxygenases"): a protein, which the
# chemical annotation of BC5CDR and BioRED leaves out (no gold chemical of BC5CDR train or dev
# ends in -ase).
_ENZYME = re.compile(r"[a-z]{3,}ases?$")
_NOT_ENZYMES = frozenset(
    {
        "base",
        "bases",
        "disease",
        "diseases",
        "phase",
        "phases",
        "case",
        "cases",
        "release",
        "increase",
        "increases",
        "decrease",
        "decreases",
        "ease",
    }
)


def _word_run(text: str, a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` widened to whole runs of letters and digits ("2" of "PGI2" -> "PGI2")."""
    while a > 0 and text[a - 1].isalnum() and text[a].isalnum():
        a -= 1
    while b < len(text) and text[b].isalnum() and text[b - 1].isalnum():
        b += 1
    return a, b


def _trim(text: str, a: int, b: int, *, variant: bool = False) -> tuple[int, int]:
    """``(a, b)`` without dangling punctuation (a closing bracket the span does not open among it)
    and function words at either end; of a ``variant``, a minus before a digit stays ("-3170G>A")
    and so does a number at the end ("substitution at codon 404": 43 of BioRED's training
    variants end on a number after a lower-case word)."""
    while True:
        start, end = a, b
        while a < b and text[a] in _LEAD and not (variant and text[a] == "-" and text[a + 1 : a + 2].isdigit()):
            a += 1
        while b > a and text[b - 1] in _TRAIL:
            b -= 1
        while (
            b > a
            and text[b - 1] in _CLOSING
            and text.count(_CLOSING[text[b - 1]], a, b) < text.count(text[b - 1], a, b)
        ):
            b -= 1
        span = text[a:b]
        last = _LAST_WORD.search(span)
        if last:
            word = last.group(1)
            before = _LOWER_WORD_BEFORE.search(span, 0, last.start(1))
            numbered = variant or (before is not None and before.group(1) in _NUMBERED)
            if word.lower() in _FUNCTION_WORDS or (word.isdigit() and before and not numbered):
                b = a + last.start(1)
        first = _FIRST_WORD.match(span)
        if first and first.group(1).lower() in _FUNCTION_WORDS and b > a + first.end():
            a += first.end()
        while b > a and text[b - 1].isspace():
            b -= 1
        if (a, b) == (start, end):
            return a, b


# A faculty made better, not a disorder of it: "cognitive enhancement" names no disease. Gold
# diseases of BC5CDR, NCBI-disease and BioRED (train and dev) never end in one of these words; words
# a disorder can end in ("decline of cognitive function") are not here, even where the span has
# lost its first words ("cognitive function" still grounds to the right concept).
_BETTER = frozenset({"enhancement", "enhancements", "enhancing", "improvement", "improvements", "benefit", "benefits"})
_ADJECTIVE = re.compile(r"[a-z]+(?:ive|al|ic|ary|ory|ar)")
_NEXT_WORD = re.compile(r"\s*([A-Za-z]+)")


def _names_faculty(text: str, a: int, b: int) -> bool:
    """A lower-case adjective and a word of ``_BETTER``, inside the span ("cognitive enhancement")
    or right after it ("cognitive" of "cognitive improvement"); a noun ("tumor" of "tumor
    enhancement", "pain" of "pain improvement") is left alone."""
    words = text[a:b].split()
    if len(words) == 1 and (following := _NEXT_WORD.match(text, b)):
        words.append(following.group(1))
    return len(words) == 2 and bool(_ADJECTIVE.fullmatch(words[0])) and words[1].lower() in _BETTER


def _is_disease(label: str) -> bool:
    try:
        return entity_type(label).label == "Disease"
    except InputError:  # a label of a user's own model
        return False


def _is_enzyme(span: str) -> bool:
    last = span.rsplit(None, 1)[-1].rsplit("-", 1)[-1].lower() if span.strip() else ""
    return bool(_ENZYME.search(last)) and last not in _NOT_ENZYMES


# What BioRED's annotators count in a variant when it follows it: the kind of change ("DD32
# deletion"; in BioRED train 28 variant mentions end on one of these words and 1 is followed by one
# outside it, while "mutation", "polymorphism", "substitution" and "allele" are always outside), and
# the other allele or genotype right after it ("-521C/T", "AC+AA": 24 mentions end so, none is
# followed so).
_VARIANT_KIND_AFTER = re.compile(r"(?i:[ -](?:deletion|insertion|duplication|del|ins|dup)\b)|[+/][ACGT]{1,3}\b")


def tidy_spans(doc: Document) -> Document:
    """``doc`` with each predicted mention widened to whole letter-and-digit runs, trimmed of
    dangling punctuation and function words, and dropped when no letter is left, when a
    chemical names an enzyme or when a disease is a faculty made better ("cognitive
    enhancement"); mentions that come to overlap are merged (the first one's type and
    score).

    >>> text = "Coenzyme Q10 and (-)-baclofen caused nausea and vomiting."
    >>> spans = [(0, 10, "Chemical"), (19, 29, "Chemical"), (37, 47, "Disease")]
    >>> doc = Document("1", text, mentions=tuple(Mention(a, b, text[a:b], t) for a, b, t in spans))
    >>> [m.text for m in tidy_spans(doc).mentions]
    ['Coenzyme Q10', 'baclofen', 'nausea']
    """
    text = doc.text
    tidied: list[Mention] = []
    for m in doc.mentions:
        a, b = _word_run(text, m.start, m.end)
        variant = m.label == "Variant"
        if variant and a > 0 and text[a - 1] == "-" and text[a : a + 1].isdigit():
            a -= 1  # a promoter variant's position is negative: "-3170G>A", "IL8-251A/A"
        a, b = _trim(text, a, b, variant=variant)
        if variant and (kind := _VARIANT_KIND_AFTER.match(text, b)):
            b = kind.end()  # "DD32 deletion", "96 bp insertion": the kind of change is the variant's
        if m.label == "Chemical" and _is_enzyme(text[a:b]):
            continue
        if _names_faculty(text, a, b) and _is_disease(m.label):
            continue
        if b > a and any(c.isalpha() for c in text[a:b]):
            tidied.append(m if (a, b) == (m.start, m.end) else replace(m, start=a, end=b, text=text[a:b]))
    tidied.sort(key=lambda m: (m.start, -m.end))
    merged: list[Mention] = []
    for m in tidied:
        if merged and (m.start < merged[-1].end or _continues_through_short_form(text, merged[-1], m)):
            last = merged[-1]
            if m.end > last.end:
                merged[-1] = replace(last, end=m.end, text=text[last.start : m.end])
            continue
        merged.append(m)
    return replace(doc, mentions=tuple(merged))


_OPENING = re.compile(r" ?\(")


def _continues_through_short_form(text: str, before: Mention, m: Mention) -> bool:
    """``m`` starts inside the brackets of a short form right after ``before``, of its type, and
    runs on past them: "hypoxia-inducible factor" and "HIF)-1a" are one "hypoxia-inducible factor
    (HIF)-1a", as annotators write such names ("cytochrome P450 (CYP) epoxygenase", "angiotensin
    II type 1a (AT1a) receptor")."""
    return (
        before.label == m.label
        and _OPENING.fullmatch(text, before.end, m.start) is not None
        and text.count(")", m.start, m.end) > text.count("(", m.start, m.end)
    )
