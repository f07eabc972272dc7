"""The Human Phenotype Ontology as graph records: phenotype terms with their ``is_a`` parents, the
diseases that HPO annotates (OMIM, ORPHA, DECIPHER) and the disease -> phenotype annotations with
frequency and PMIDs. These are what the diagnosis model reads back from the graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.schema import ENTITY_TYPES
from kg.types import Entity, PhenotypeAnnotation
from ontologies.loaders import load_hpo_annotations, load_obo
from ontologies.terms import SourceInfo, Term


@dataclass(frozen=True, slots=True)
class HpoRecords:
    terms: list[Term]  # the phenotype terms, synonyms included (for taggers and renderers)
    entities: list[Entity]  # phenotypes and annotated diseases, ready for GraphStore.load_entities
    annotations: list[PhenotypeAnnotation]
    sources: list[SourceInfo]


def load_hpo(
    hp_obo: str | Path, annotations: str | Path, canonical: Callable[[str], str | None] | None = None
) -> HpoRecords:
    """Read ``hp.obo`` and ``phenotype.hpoa``. ``canonical`` (``TermIndex.canonical``) maps a
    disease id to the concept the literature normalizer uses (``OMIM:143100`` -> ``MESH:D006816``),
    kept as the disease's xref so that literature relations reach HPO diseases."""
    terms, obo_info = load_obo(hp_obo, "Phenotype", prefixes=("HP:",))
    terms = [t for t in terms if not t.obsolete]
    rows, names, hpoa_info = load_hpo_annotations(annotations)
    known = {t.curie for t in terms}
    rows = [r for r in rows if r.phenotype in known]
    phenotype = ENTITY_TYPES["Phenotype"].category
    entities = [Entity(t.curie, t.name, phenotype, parents=tuple(p for p in t.parents if p in known)) for t in terms]
    disease = ENTITY_TYPES["Disease"].category
    for curie in sorted({r.disease for r in rows}):
        same = canonical(curie) if canonical else None
        entities.append(
            Entity(curie, names.get(curie, curie), disease, xrefs=(same,) if same and same != curie else ())
        )
    return HpoRecords(terms, entities, rows, [obo_info, hpoa_info])
