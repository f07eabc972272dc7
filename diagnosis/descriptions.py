"""Each disease of the diagnosis graph as a short text that a sentence encoder compares with a
patient's own words (issue 20, the general setting).

A patient who writes "there are red scaly patches on my elbows and knees and they itch" names
few phenotypes the HPO dictionary or the dense phrase matcher find, but the sentence as a whole is
close to psoriasis's MeSH scope note ("... characterized by rounded erythematous, dry, scaling
patches ..."). So each disease gets a description, its name, its definition (a MeSH scope note
from CTD MEDIC or a DOID definition, through the disease's id or an xref) and the names of its
phenotypes in the graph, each with the first of HPO's layperson synonyms that says it otherwise
("Myalgia (muscle ache)", "Pharyngalgia (sore throat)": a patient's words meet words of their own
kind; BENCHMARKS.md, session 41), embedded once with the sentence encoder (the offline
all-MiniLM-L6-v2, trained for sentence similarity) and cached; a case is embedded whole, and every
disease gets the cosine of the two.

``fuse`` joins that ranking with the phenotype similarity's by reciprocal rank fusion (k =
``FUSION_K``): a disease ranked well by either comes up, one ranked well by both comes first. The
description variant, the fusion and its k were chosen on the 48 lay dev cases
(``bench/diagnosis_lay.py --cases bench/data/lay_cases_dev.tsv``; BENCHMARKS.md, session 22).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.graph import DiseaseGraph
from ontologies.dense import cached_embeddings

# Reciprocal rank fusion's constant (Cormack et al. 2009 use 60; 10 was better on the lay dev cases).
FUSION_K = 10
# How many of a disease's phenotype names its description lists (the graph's order); the encoder
# reads 256 tokens.
MAX_PHENOTYPES = 30
MAX_TOKENS = 256
# The softmax temperature that turns fused scores into probabilities without a diagnosis model,
# chosen on the 48 lay dev cases (``bench/diagnosis_lay.py``'s "calibration", 0.01 to 1): in
# session 22 it had the lowest negative log-likelihood of the truth among the first 20 candidates.
# Since session 52 that lowest NLL is at 0.075-0.1 (1.965 at 0.075, 2.168 here in session 56), but
# there the expected calibration error is 20.7 points instead of 12.5 and 29% of answers would be
# "confident" with 43% of those right: kept for answers that say when they do not know
# (BENCHMARKS.md, sessions 22 and 52).
TEMPERATURE = 0.15


def description_texts(
    graph: DiseaseGraph,
    definitions: Mapping[str, str],
    layperson: Mapping[str, Sequence[str]] | None = None,
    max_phenotypes: int = MAX_PHENOTYPES,
) -> list[str]:
    """One text per disease of ``graph`` (its order): the name, the first definition found for
    the disease's id or an xref, and its phenotypes' names, each with its first ``layperson``
    synonym that is not the name ("Myalgia (muscle ache)")."""
    layperson = layperson or {}
    texts = []
    for d in graph.diseases:
        name = graph.names.get(d, d)
        definition = next((definitions[c] for c in (d, *graph.xrefs.get(d, ())) if c in definitions), "")
        text = f"{name}. {definition}" if definition else f"{name}."
        phenotypes = [_in_both_words(graph, a.phenotype, layperson) for a in graph.annotations[d][:max_phenotypes]]
        if phenotypes:
            text += " Symptoms: " + ", ".join(phenotypes)
        texts.append(text)
    return texts


def _in_both_words(graph: DiseaseGraph, phenotype: str, layperson: Mapping[str, Sequence[str]]) -> str:
    """A phenotype's name, with the first of its layperson synonyms that says it otherwise."""
    name = graph.names.get(phenotype, phenotype)
    lay = next((s for s in layperson.get(phenotype, ()) if s.lower() != name.lower()), None)
    return f"{name} ({lay.lower()})" if lay else name


class DiseaseDescriptions:
    """The graph's diseases as embedded descriptions; ``similarity`` of a case text to each."""

    def __init__(
        self,
        graph: DiseaseGraph,
        definitions: Mapping[str, str],
        encoder: Any,
        *,
        layperson: Mapping[str, Sequence[str]] | None = None,
        cache: Path | None = None,
    ) -> None:
        self.encoder = encoder
        self.texts = description_texts(graph, definitions, layperson)
        self.matrix = cached_embeddings(encoder, self.texts, cache, "disease-descriptions", desc="disease descriptions")

    def similarity(self, text: str) -> np.ndarray:
        """The cosine of ``text``'s embedding with each disease's description (graph order)."""
        query = np.asarray(self.encoder.encode([text]), dtype=np.float32)[0]
        return self.matrix @ query


def _ranks(scores: np.ndarray) -> np.ndarray:
    """0-based positions when sorting best first, ties in disease order."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(len(scores))
    return ranks


def fuse(phenotype: np.ndarray, description: np.ndarray, k: int = FUSION_K) -> np.ndarray:
    """Reciprocal rank fusion, scaled so that a disease first in both rankings scores 1: a disease
    that shares no phenotype with the case (similarity 0) gets its description's part only."""
    parts = (phenotype > 0) / (k + _ranks(phenotype)) + 1.0 / (k + _ranks(description))
    return (parts * k / 2).astype(np.float32)
