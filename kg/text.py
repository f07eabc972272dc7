"""Text facts every stage needs, here because ``extractors`` and ``ontologies`` both use them and
``ontologies`` may import only ``kg``:

- abbreviation definitions in running text (Schwartz & Hearst, PSB 2003). "angiotensin-converting
  enzyme (ACE)" defines ACE, so that a later "ACE" is tagged (``extractors.abbreviations``) and
  grounded (``ontologies.normalizer``) through its long form;
- cause wording bound to a chemical mention ("fentanyl-induced cough"), which the cause check
  (``extractors.cause_check``) and the treatment reading (``ontologies.treatment``) must not read
  as another chemical's."""

from __future__ import annotations

import re

from kg.types import Document, Mention

# Cause wording right after a chemical mention: "fentanyl-induced", "steroid-associated" (not
# "induced by", which names the cause after it).
CAUSE_WORDING_AFTER = re.compile(r"[\s-]*(?:induced|associated|related|caused)\b(?!\s+by\b)", re.IGNORECASE)
# Two chemicals that share the wording after the second: "pilocarpine- and kainic acid-induced",
# "caused by gold in one case and D-penicillamine in the other".
_COORDINATED = re.compile(r"[\s,-]*(?:[\w-]+\s+){0,3}(?:and|or|,)\s*", re.IGNORECASE)


def coordinated(doc: Document, x: Mention, y: Mention) -> bool:
    """``x`` and ``y`` are neighbours joined by "and", "or" or a comma (``_COORDINATED``)."""
    first, second = (x, y) if x.start < y.start else (y, x)
    between = any(first.end <= m.start and m.end <= second.start for m in doc.mentions)
    return not between and bool(_COORDINATED.fullmatch(doc.text, first.end, second.start))


_PAREN = re.compile(r"\(([^()]{1,12})\)")
# A short form followed, in its brackets, by more: "(XLH; OMIM 307800)", "(HNPCC, Lynch syndrome)".
# Schwartz & Hearst read the short form up to the first ";" or ","; here only one of two capitals
# or more ("(ie, ...)", "(Sham, ...)", "(cardiac, ...)" define nothing).
_PAREN_FIRST = re.compile(r"\(((?=[^()\s;,]*[A-Z][^()\s;,]*[A-Z])[^()\s;,]{2,10})[;,]\s[^()]*\)")


def _best_long_form(short: str, candidate: str) -> str | None:
    """The shortest tail of ``candidate`` whose characters cover ``short`` in order (S&H)."""
    s, l_ = len(short) - 1, len(candidate) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l_ >= 0 and (candidate[l_].lower() != c or (s == 0 and l_ > 0 and candidate[l_ - 1].isalnum())):
            l_ -= 1
        if l_ < 0:
            return None
        l_ -= 1
        s -= 1
    start = candidate.rfind(" ", 0, l_ + 1) + 1
    return candidate[start:].strip()


def _words_before(text: str, end: int, limit: int) -> list[str]:
    """The whitespace-split words of ``text[:end]`` (trailing space stripped), of which the last
    ``limit`` are exact: read from a window that grows until it holds more than ``limit`` words or
    reaches the start, so that a text with thousands of brackets is read in linear time (the whole
    prefix each time took minutes on a 300,000-character text)."""
    width = 256
    while True:
        start = max(0, end - width)
        words = re.split(r"\s+", text[start:end].rstrip())
        if start == 0 or len(words) > limit + 1:
            return words
        width *= 4


def find_abbreviations(text: str) -> dict[str, str]:
    """Short form -> long form for every "long form (SF)" definition in ``text``.

    >>> find_abbreviations("Levels of angiotensin-converting enzyme (ACE) rose.")
    {'ACE': 'angiotensin-converting enzyme'}
    """
    found: dict[str, str] = {}
    brackets = sorted([*_PAREN.finditer(text), *_PAREN_FIRST.finditer(text)], key=lambda m: m.start())
    for m in brackets:
        short = m.group(1).strip()
        if not (2 <= len(short) <= 10) or not any(c.isalpha() for c in short) or not short[0].isalnum():
            continue
        if len(short.split()) > 2:
            continue
        limit = min(len(short) + 5, 2 * len(short))
        words = _words_before(text, m.start(), limit)
        candidate = " ".join(words[-limit:])
        # Stop at a sentence or clause boundary inside the window.
        candidate = re.split(r"[.;:]\s|\(|\)", candidate)[-1]
        long_form = _best_long_form(short, candidate)
        if long_form and len(long_form) > len(short) and short.lower() not in long_form.lower().split():
            found.setdefault(short, long_form)
    return found
