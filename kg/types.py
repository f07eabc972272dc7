"""The typed contracts passed between medkg's stages.

All offsets are character offsets into ``Document.text``, end exclusive. For abstracts the text is
``title + " " + abstract`` (the PubTator convention), so offsets from PubTator files apply as they are.
The hot-path types are frozen, slotted dataclasses: cheap to create by the million, hashable, and
impossible to change by accident after a stage hands them on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Grounding:
    """One ontology concept a mention may denote."""

    curie: str
    name: str = ""
    score: float = 1.0
    source: str = ""
    taxon: str = ""  # a gene's species (``NCBITaxon:10090``), as the term index knows it


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the document text with an entity type.

    ``ids`` are gold concept ids as CURIEs (from annotated corpora); ``composite`` says whether all of
    them are meant together ("breast and ovarian cancer") rather than as alternatives ("a|b").
    ``groundings`` are what a normalizer proposed, best first.
    """

    start: int
    end: int
    text: str
    label: str
    score: float = 1.0
    ids: tuple[str, ...] = ()
    composite: bool = False
    subtype: str = ""
    groundings: tuple[Grounding, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad mention span [{self.start}, {self.end}) for {self.text!r}")

    def concepts(self) -> tuple[str, ...]:
        """The concept(s) the mention denotes: its best grounding, or every part of a composite
        mention; without groundings, its gold id(s) by the same rule. Other candidates are only
        candidates (in ``groundings`` with their scores), never concepts of the mention."""
        if self.groundings:
            return tuple(g.curie for g in (self.groundings if self.composite else self.groundings[:1]))
        return self.ids if self.composite else self.ids[:1]

    def to_json(self) -> dict[str, Any]:
        """As medkg writes a found mention (JSONL out, ``/v1/extract``): offsets, text, type, score
        and groundings."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "score": round(self.score, 4),
            "groundings": [
                {"curie": g.curie, "name": g.name, "score": g.score, **({"taxon": g.taxon} if g.taxon else {})}
                for g in self.groundings
            ],
        }


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation between two concepts of one document.

    ``subject`` and ``object`` are CURIEs. ``predicate`` is the corpus' own relation type (``CID``,
    ``Association``...); kg.schema maps it to Biolink. ``span`` is the sentence (or window) that
    supports it when the relation came from a model; gold document-level relations have none.
    """

    subject: str
    predicate: str
    object: str
    score: float = 1.0
    novel: bool | None = None
    span: tuple[int, int] | None = None

    def to_json(self, text: str | None = None) -> dict[str, Any]:
        """As medkg writes a found relation; with the document's ``text``, the supporting sentence too."""
        found: dict[str, Any] = {
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "score": self.score,
        }
        if self.novel is not None:  # BioRED's novelty: the abstract's own finding, not background
            found["novel"] = self.novel
        if text is not None:
            found["sentence"] = text[self.span[0] : self.span[1]] if self.span else None
        return found


@dataclass(frozen=True, slots=True)
class Passage:
    """A titled part of a document (title, abstract, a body section) and where it starts."""

    kind: str
    offset: int
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """One article, with whatever annotations its source carries."""

    doc_id: str
    text: str
    passages: tuple[Passage, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    pmid: str = ""
    title: str = ""
    journal: str = ""
    year: int | None = None
    doi: str = ""
    mesh_terms: tuple[str, ...] = ()
    source: str = ""
    deleted: bool = False

    @property
    def content_hash(self) -> str:
        """A stable hash of the text, so re-ingestion can tell an updated citation from a repeat."""
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a triple was read: the article, the sentence span in its text, the model and score;
    ``novel``: whether the article reports the relation as its own finding rather than background
    (BioRED's novelty; ``None``: not said)."""

    pmid: str
    start: int
    end: int
    sentence: str = ""
    model: str = ""
    score: float = 1.0
    novel: bool | None = None


@dataclass(frozen=True, slots=True)
class Triple:
    """A subject-predicate-object statement with the evidence for it. ``predicate`` is Biolink."""

    subject: str
    predicate: str
    object: str
    provenance: Provenance = field(default_factory=lambda: Provenance(pmid="", start=0, end=0))

    @property
    def evidence_id(self) -> str:
        """Identifies one piece of evidence, so loading it twice stores it once."""
        p = self.provenance
        key = f"{p.pmid}|{self.subject}|{self.predicate}|{self.object}|{p.start}|{p.end}|{p.model}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Entity:
    """A concept node: ontology term or normalized literature entity.

    ``category`` is a Biolink category (``biolink:Disease``); ``parents`` are CURIEs of its
    ``is_a`` parents in its ontology; ``xrefs`` are equivalent CURIEs in other vocabularies;
    ``taxon`` is a gene's species (empty for other concepts and where it is not known).
    """

    curie: str
    name: str
    category: str
    xrefs: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    taxon: str = ""  # a gene's species: the graph's ``in_taxon`` (Biolink's slot)


@dataclass(frozen=True, slots=True)
class PhenotypeAnnotation:
    """A disease -> phenotype association from an annotation source such as HPO's phenotype.hpoa."""

    disease: str
    phenotype: str
    frequency: float | None = None
    source: str = ""
    pmids: tuple[str, ...] = ()  # the publications the annotation cites
