"""How familiar a disease's name is in everyday English: the general setting's prior (issue 20).

A patient who writes "Every two days I get shaking chills, then a high fever and drenching sweats,
with a headache and vomiting" names five findings that rare fevers (Filoviridae infections,
Brucella suis brucellosis) have as well as malaria, and the general setting ranked malaria 19th. A general
practitioner thinks of malaria or influenza first, because they are common. Nothing here counts
how common a disease is, but how often people write its name comes
close: wordfreq's Zipf frequency (the log10 of a word's occurrences per billion words of
Wikipedia, subtitles, news, books, web text and social media; Speer 2022,
https://github.com/rspeer/wordfreq) is 3.4 for "hypertension" and 2.3 for "hypertensive
encephalopathy". A disease's familiarity is the highest over its name and its MeSH entry terms
("High Blood Pressure"):

- wordfreq estimates a phrase as about its rarest word ("Monday morning fever" as "fever"), so
  each word after the first costs ``EXTRA_WORD``;
- an abbreviation (all capitals) or a name shorter than four letters has none: "AIDS" and "ALS"
  are frequent words with other meanings; nor do the MeSH entry terms MeSH tags as eponyms,
  abbreviations or acronyms where they are not the descriptor's preferred name (``NOT_EVERYDAY``:
  "Best Disease", made of common words, would score 4.1);
- a disease that MeSH files only under signs and symptoms (C23: fever, headache, pain) has none:
  it is what the patient says, not a diagnosis that explains it.

``general_scores`` multiplies the general setting's fused ranking (``diagnosis.descriptions.fuse``)
by ``1 + WEIGHT * familiarity``, scaled so that the most familiar disease keeps its score.
``EXTRA_WORD``, ``WEIGHT`` and the rule for signs were chosen by the mean reciprocal rank of the
48 lay dev cases (``bench/diagnosis_lay.py --cases bench/data/lay_cases_dev.tsv``; BENCHMARKS.md,
session 52). The rare setting (a rare-disease clinic) has no such prior.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import numpy as np

from diagnosis.descriptions import fuse
from diagnosis.graph import DiseaseGraph

EXTRA_WORD = 0.75  # Zipf units per word after a name's first
WEIGHT = 1.0  # a disease's multiplier is 1 + WEIGHT * familiarity (then scaled)
SIGNS = "C23"  # MeSH's tree of signs and symptoms
SIGNS_PROPER = "C23.888"  # its signs and symptoms proper, without pathological processes (Cerebral Hemorrhage)
# MeSH entry terms that are no everyday name unless MeSH prefers them: eponyms ("Best Disease" for
# vitelliform macular dystrophy, "Little Disease" for cerebral palsy; "Alzheimer Disease" stays),
# abbreviations and acronyms, short or expanded ("CHARGE Association").
NOT_EVERYDAY = ("EPO", "ABB", "ABX", "ACR", "ACX")

_WORD = re.compile(r"[^\W\d_]+")


def name_familiarity(name: str, extra_word: float = EXTRA_WORD) -> float:
    """wordfreq's Zipf frequency of ``name`` in English, less ``extra_word`` for each word after
    the first, never below 0; 0 for an abbreviation or a name of fewer than four characters."""
    from wordfreq import zipf_frequency

    name = name.strip()
    words = _WORD.findall(name)
    if len(name) < 4 or not words or name.isupper():
        return 0.0
    return max(0.0, zipf_frequency(name, "en") - extra_word * (len(words) - 1))


def disease_familiarity(
    graph: DiseaseGraph,
    synonyms: Mapping[str, Iterable[str]],
    signs: Collection[str] = (),
    extra_word: float = EXTRA_WORD,
) -> np.ndarray:
    """Each disease's familiarity (graph order): the highest ``name_familiarity`` over its name and
    the ``synonyms`` of its CURIE and its xrefs; 0 for a disease whose CURIE or xref is one of
    ``signs`` (MeSH descriptors filed only under signs and symptoms)."""
    seen: dict[str, float] = {}

    def of(name: str) -> float:
        if name not in seen:
            seen[name] = name_familiarity(name, extra_word)
        return seen[name]

    out = np.zeros(len(graph.diseases), dtype=np.float32)
    for i, d in enumerate(graph.diseases):
        curies = (d, *graph.xrefs.get(d, ()))
        if any(c in signs for c in curies):
            continue
        names = [graph.names.get(d, ""), *(s for c in curies for s in synonyms.get(c, ()))]
        out[i] = max((of(n) for n in names if n), default=0.0)
    return out


def only_signs(trees: Mapping[str, Iterable[str]]) -> set[str]:
    """The descriptors of ``trees`` (CURIE -> MeSH tree numbers) filed under signs and symptoms
    alone."""
    out = set()
    for curie, numbers in trees.items():
        numbers = list(numbers)
        if numbers and all(n.startswith(SIGNS) for n in numbers):
            out.add(curie)
    return out


def signs_and_symptoms(trees: Mapping[str, Iterable[str]], branch: str = SIGNS) -> set[str]:
    """The descriptors of ``trees`` filed under signs and symptoms, alone or beside a disease tree
    (Pruritus is a skin disease and a sign too): no disease a patient names by it is that
    diagnosis (``diagnosis.graph.named_first``). ``branch``: a narrower part of the tree
    (``SIGNS_PROPER``)."""
    return {curie for curie, numbers in trees.items() if any(n.startswith(branch) for n in numbers)}


def prior(familiarity: np.ndarray, weight: float = WEIGHT) -> np.ndarray:
    """The multiplier of each disease in the general setting: ``1 + weight * familiarity``, divided
    by its largest value (the most familiar disease keeps its score, so the scores stay in [0, 1]
    for ``diagnosis.descriptions.TEMPERATURE``)."""
    weights = 1.0 + weight * np.asarray(familiarity, dtype=np.float32)
    return (weights / weights.max()).astype(np.float32) if len(weights) else weights


def general_scores(phenotype: np.ndarray, description: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """The general setting's ranking: phenotype and description similarity fused
    (``diagnosis.descriptions.fuse``), times each disease's ``prior`` where there is one."""
    fused = fuse(phenotype, description)
    return fused if weights is None else (fused * weights).astype(np.float32)
