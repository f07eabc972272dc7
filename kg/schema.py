"""The graph schema shared by every store: node labels, Biolink categories and predicates.

Entity types from the corpora (BC5CDR ``Chemical``, NCBI-disease ``SpecificDisease``, BioRED
``GeneOrGeneProduct``...) map onto one small set of types, each with a Neo4j label and a Biolink
category. Relation types map onto Biolink predicates, each with a relationship type. Names that a
query can use in both stores: ``Entity.category``, ``Entity.curie``, the relationship types below.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import InputError


@dataclass(frozen=True, slots=True)
class EntityType:
    label: str  # Neo4j node label beside :Entity
    category: str  # Biolink category


ENTITY_TYPES: dict[str, EntityType] = {
    t.label: t
    for t in (
        EntityType("Disease", "biolink:Disease"),
        EntityType("Chemical", "biolink:ChemicalEntity"),
        EntityType("Gene", "biolink:Gene"),
        EntityType("Phenotype", "biolink:PhenotypicFeature"),
        EntityType("Species", "biolink:OrganismTaxon"),
        EntityType("Variant", "biolink:SequenceVariant"),
        EntityType("CellLine", "biolink:CellLine"),
    )
}

# Corpus mention types -> our entity type.
_TYPE_ALIASES: dict[str, str] = {
    "chemical": "Chemical",
    "chemicalentity": "Chemical",
    "drug": "Chemical",
    "disease": "Disease",
    "diseaseorphenotypicfeature": "Disease",
    "specificdisease": "Disease",
    "diseaseclass": "Disease",
    "modifier": "Disease",
    "compositemention": "Disease",
    "gene": "Gene",
    "geneorgeneproduct": "Gene",
    "protein": "Gene",
    "phenotype": "Phenotype",
    "phenotypicfeature": "Phenotype",
    "symptom": "Phenotype",
    "species": "Species",
    "organismtaxon": "Species",
    "variant": "Variant",
    "sequencevariant": "Variant",
    "dnamutation": "Variant",
    "proteinmutation": "Variant",
    "cellline": "CellLine",
}


def entity_type(label: str) -> EntityType:
    """The entity type of a corpus or model label (``Chemical``, ``SpecificDisease``...).

    >>> entity_type("DiseaseOrPhenotypicFeature").category
    'biolink:Disease'
    """
    key = label.replace("_", "").replace("-", "").lower()
    try:
        return ENTITY_TYPES[_TYPE_ALIASES[key]]
    except KeyError:
        known = ", ".join(sorted(ENTITY_TYPES))
        raise InputError(f"unknown entity type {label!r}; known types: {known}") from None


@dataclass(frozen=True, slots=True)
class Predicate:
    curie: str  # Biolink predicate
    rel_type: str  # Neo4j relationship type


PREDICATES: dict[str, Predicate] = {
    p.curie: p
    for p in (
        Predicate("biolink:causes", "CAUSES"),
        Predicate("biolink:treats", "TREATS"),
        Predicate("biolink:associated_with", "ASSOCIATED_WITH"),
        Predicate("biolink:positively_correlated_with", "POSITIVELY_CORRELATED_WITH"),
        Predicate("biolink:negatively_correlated_with", "NEGATIVELY_CORRELATED_WITH"),
        Predicate("biolink:physically_interacts_with", "PHYSICALLY_INTERACTS_WITH"),
        Predicate("biolink:interacts_with", "INTERACTS_WITH"),
        Predicate("biolink:coexists_with", "COEXISTS_WITH"),
        Predicate("biolink:related_to", "RELATED_TO"),
        Predicate("biolink:derives_into", "DERIVES_INTO"),
    )
}

# Corpus relation types -> Biolink predicate. BC5CDR's CID is "chemical induces disease".
_RELATION_ALIASES: dict[str, str] = {
    "cid": "biolink:causes",
    "causes": "biolink:causes",
    "treats": "biolink:treats",
    "association": "biolink:associated_with",
    "positive_correlation": "biolink:positively_correlated_with",
    "negative_correlation": "biolink:negatively_correlated_with",
    "bind": "biolink:physically_interacts_with",
    "drug_interaction": "biolink:interacts_with",
    "cotreatment": "biolink:coexists_with",
    "comparison": "biolink:related_to",
    "conversion": "biolink:derives_into",
}


def predicate(relation_type: str) -> Predicate:
    """The Biolink predicate of a corpus relation type or of a Biolink CURIE.

    >>> predicate("CID").rel_type
    'CAUSES'
    """
    if relation_type in PREDICATES:
        return PREDICATES[relation_type]
    try:
        return PREDICATES[_RELATION_ALIASES[relation_type.lower()]]
    except KeyError:
        known = ", ".join(sorted(_RELATION_ALIASES))
        raise InputError(f"unknown relation type {relation_type!r}; known: {known}") from None


# Primary node labels.
NODE_LABELS = ("Entity", "Article", "Evidence")

# Structural relationship types, beside the literature predicates.
MENTIONS = "MENTIONS"
SUBCLASS_OF = "SUBCLASS_OF"
HAS_PHENOTYPE = "HAS_PHENOTYPE"
HAS_EVIDENCE = "HAS_EVIDENCE"
