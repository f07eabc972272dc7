"""Abbreviation definitions in running text (Schwartz & Hearst, PSB 2003), and NER predictions
made to agree with them.

"angiotensin-converting enzyme (ACE)" defines ACE; later "ACE" in the same document can then be
normalized through its long form, and tagged as the long form is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from statistics import mean

from extractors.text import word_occurrences
from kg.text import find_abbreviations
from kg.types import Document, Mention

# A short form in brackets right after a tagged mention: "phlorizin (P)", "cisplatin (CDDP)".
_BRACKETED = re.compile(r"\s*[\[(]\s*([^()\[\]\s,;]{1,10})\s*[)\]]")


def _bracketed_short_forms(text: str, mentions: list[Mention]) -> list[tuple[str, Mention]]:
    """``(short form, mention)`` for each mention followed by a bracketed short form that starts
    with the mention's first letter; one letter is enough ("testosterone (T)"), which
    Schwartz & Hearst's two-character minimum leaves out."""
    found = []
    for m in mentions:
        bracket = _BRACKETED.match(text, m.end)
        if not bracket:
            continue
        short = bracket.group(1)
        initial = m.text.lstrip("([-+")[:1].lower()
        if any(c.isalpha() for c in short) and short.lower() != m.text.lower() and short[0].lower() == initial:
            found.append((short, m))
    return found


def harmonize_abbreviations(doc: Document) -> Document:
    """``doc`` with its predicted mentions made consistent with the abbreviations it defines.

    For "long form (SF)": when the long form was tagged, every free occurrence of SF is tagged
    with the long form's type (the model misses short forms it has not seen as entities) and a
    tagged SF takes that type; when the long form occurs untagged (the model judged it no entity),
    tagged SFs are dropped. Measured on the dev sets (BENCHMARKS.md): BC5CDR +1.1 strict F1,
    NCBI-disease +1.2 (rules chosen on BC5CDR dev only). Then a tagged mention right before
    "(SF)", SF starting with its first letter, defines SF too, and every free occurrence of SF
    (also before a hyphen: "PB-treated") takes its type: BC5CDR +0.2, NCBI-disease +0.3.

    >>> text = "Cocaine-induced myocardial infarction (MI) was seen. MI recurred."
    >>> doc = Document("1", text, mentions=(Mention(16, 37, "myocardial infarction", "Disease"),))
    >>> [(m.text, m.start) for m in harmonize_abbreviations(doc).mentions]
    [('myocardial infarction', 16), ('MI', 39), ('MI', 53)]
    """
    if not doc.mentions:
        return doc
    found = find_abbreviations(doc.text)
    mentions = list(doc.mentions)

    def free(a: int, b: int) -> bool:
        return all(b <= m.start or a >= m.end for m in mentions)

    for short, long_form in found.items():
        longs = [m for m in mentions if m.text.lower() == long_form.lower()]
        if longs:
            label = _long_form_label(longs)
            score = mean(m.score for m in longs)
            mentions = [replace(m, label=label) if m.text == short and m.label != label else m for m in mentions]
            for a, b in word_occurrences(doc.text, short):
                if free(a, b):
                    mentions.append(Mention(a, b, doc.text[a:b], label, score=score))
        elif any(m.text == short for m in mentions):
            at = doc.text.lower().find(long_form.lower())
            if at >= 0 and free(at, at + len(long_form)):
                mentions = [m for m in mentions if m.text != short]
    for short, m in _bracketed_short_forms(doc.text, list(mentions)):
        for a, b in word_occurrences(doc.text, short, hyphen_after=True):
            if free(a, b):
                mentions.append(Mention(a, b, doc.text[a:b], m.label, score=m.score))
    return replace(doc, mentions=tuple(sorted(mentions, key=lambda m: (m.start, m.end))))


def _long_form_label(longs: list[Mention]) -> str:
    """The type of a long form's tagged mentions (the most frequent)."""
    return Counter(m.label for m in longs).most_common(1)[0][0]


def short_forms_as_defined(doc: Document) -> Document:
    """``doc`` with each tagged short form of an abbreviation it defines ("Paget's disease of bone
    (PDB)") typed as its tagged long form: what ``harmonize_abbreviations`` does for one model's
    mentions, for the mentions of several taggers together (``extractors.ensemble.tag_with``), where
    a second tagger's gene "PDB" had replaced the first's disease. Nothing is added or dropped.

    >>> text = "Paget's disease of bone (PDB) is common. PDB patients were seen."
    >>> spans = [(0, 23, "Disease"), (25, 28, "Disease"), (41, 44, "Gene")]
    >>> doc = Document("1", text, mentions=tuple(Mention(a, b, text[a:b], t) for a, b, t in spans))
    >>> [m.label for m in short_forms_as_defined(doc).mentions]
    ['Disease', 'Disease', 'Disease']
    """
    labels = {}
    for short, long_form in find_abbreviations(doc.text).items():
        longs = [m for m in doc.mentions if m.text.lower() == long_form.lower()]
        if longs:
            labels[short] = _long_form_label(longs)
    if not any(labels.get(m.text, m.label) != m.label for m in doc.mentions):
        return doc
    return replace(doc, mentions=tuple(replace(m, label=labels.get(m.text, m.label)) for m in doc.mentions))
