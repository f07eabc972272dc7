"""medkg's core: data types, graph schema and graph stores. Imports nothing else of medkg."""

from kg.errors import ConfigError, InputError, MedkgError, OntologyError, StoreError
from kg.types import Document, Grounding, Mention, Passage, Provenance, Relation, Triple

__all__ = [
    "ConfigError",
    "Document",
    "Grounding",
    "InputError",
    "MedkgError",
    "Mention",
    "OntologyError",
    "Passage",
    "Provenance",
    "Relation",
    "StoreError",
    "Triple",
]
