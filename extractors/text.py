"""Sentences and words with character offsets, for the models.

Sentences: a rule splitter for scientific prose that does not break after "et al.", "Fig. 2",
"e.g.", "i.v.", initials or decimal numbers. Words: spaCy's blank English tokenizer (no model to
download), which splits hyphens and slashes between words ("Lidocaine-induced" -> 3 tokens), so
mention boundaries fall on word boundaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ABBREVIATIONS = {
    "al",
    "fig",
    "figs",
    "e.g",
    "i.e",
    "eg",
    "ie",
    "vs",
    "cf",
    "ca",
    "approx",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "no",
    "nos",
    "vol",
    "ref",
    "refs",
    "tab",
    "eq",
    "eqs",
    "sp",
    "spp",
    "var",
    "inc",
    "ltd",
    "co",
    "st",
    "jr",
    "sr",
    "dept",
    "univ",
    "i.v",
    "i.p",
    "s.c",
    "i.m",
    "p.o",
    "b.i.d",
    "t.i.d",
    "q.d",
    "min",
    "max",
    "resp",
    "suppl",
    "etc",
    "viz",
}
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text[start:end]``, trimmed of surrounding space.

    >>> t = "Smith et al. found it. See Fig. 2 for details. It works."
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Smith et al. found it.', 'See Fig. 2 for details.', 'It works.']
    """
    end = len(text) if end is None else end
    spans = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        stop = m.start()
        word = re.search(r"([\w.]+)$", text[cursor:stop])
        prev = word.group(1).lower() if word else ""
        if prev in _ABBREVIATIONS or (len(prev) == 1 and prev.isalpha()):
            continue
        seg_end = m.end()
        spans.append(_trim(text, cursor, seg_end))
        cursor = seg_end
    spans.append(_trim(text, cursor, end))
    return [s for s in spans if s[1] > s[0]]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


@lru_cache(maxsize=1)
def _tokenizer():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.blank("en").tokenizer


_EXTRA_SPLIT = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_", re.UNICODE)


def split_words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Word spans of ``text[start:end]`` (absolute offsets): spaCy tokens, further split where
    letters meet digits or punctuation, so that "5-FU-induced" or "IL6/STAT3" align with mentions.
    """
    spans = []
    for tok in _tokenizer()(text[start:end]):
        a = start + tok.idx
        for m in _EXTRA_SPLIT.finditer(tok.text):
            spans.append((a + m.start(), a + m.end()))
    return spans


def word_occurrences(text: str, form: str, *, hyphen_after: bool = False) -> list[tuple[int, int]]:
    """Spans where ``form`` occurs as whole words: not inside a longer word or a hyphenated one
    ("MI" not in "MIA" or "anti-MI"); ``hyphen_after`` also accepts "MI-induced".

    >>> word_occurrences("MI, MIA and MI-induced", "MI"), word_occurrences("MI-induced", "MI", hyphen_after=True)
    ([(0, 2)], [(0, 2)])
    """
    after = r"(?!\w)" if hyphen_after else r"(?![\w-])"
    return [(m.start(), m.end()) for m in re.finditer(r"(?<![\w-])" + re.escape(form) + after, text)]
