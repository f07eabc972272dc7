"""What every vocabulary loader produces: terms with names, synonyms, xrefs and parents."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """One concept of one vocabulary.

    ``category`` is our entity type (``Disease``, ``Chemical``, ``Phenotype``...); ``xrefs`` are
    CURIEs said to be equivalent; ``parents`` are ``is_a`` parents in the same vocabulary.
    """

    curie: str
    name: str
    category: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    source: str = ""
    obsolete: bool = False
    replaced_by: str = ""


@dataclass(frozen=True, slots=True)
class CompositeName:
    """A name annotators gave several concepts at once (BC5CDR's "hemorrhagic cystitis" ->
    Hemorrhage + Cystitis): normalized to all of them."""

    name: str
    category: str
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mapping:
    """An equivalence from a mapping file (SSSOM, DOID xrefs): ``subject`` = ``object``."""

    subject: str
    object: str
    predicate: str = "skos:exactMatch"
    source: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Which file a loader read, and which release it was."""

    path: str
    kind: str
    version: str
    terms: int
