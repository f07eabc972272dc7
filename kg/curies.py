"""One spelling per CURIE prefix, whatever the input wrote (``mesh:``, ``MeSH:``, ``MIM:``,
``Orphanet:``, ``EntrezGene:``, ``hpo:``...): bioregistry resolves the prefix and its synonyms
case-insensitively, and medkg spells the ones its graph uses as below (PubTator's ``MESH``, OBO's
``HP``...). Used by the readers, the ontology loaders and the API alike.

>>> canonical_curie("mesh:D008012"), canonical_curie("MIM:143100"), canonical_curie("EntrezGene:3175")
('MESH:D008012', 'OMIM:143100', 'NCBIGene:3175')
"""

from __future__ import annotations

from functools import lru_cache

# bioregistry's prefix -> how medkg's graph spells it
MEDKG_PREFIXES = {
    "mesh": "MESH",
    "hp": "HP",
    "mondo": "MONDO",
    "doid": "DOID",
    "omim": "OMIM",
    "orpha": "ORPHA",
    "chebi": "CHEBI",
    "ncbigene": "NCBIGene",
    "ncbitaxon": "NCBITaxon",
    "decipher": "DECIPHER",
    "umls": "UMLS",
    "symp": "SYMP",
    "cellosaurus": "cellosaurus",
    "dbsnp": "dbSNP",
    "uniprot": "UniProtKB",
    "pubmed": "PMID",
}
_NOT_IN_BIOREGISTRY = {"tmvar": "tmVar", "medkg": "medkg"}


@lru_cache(maxsize=4096)
def canonical_prefix(prefix: str) -> str:
    """medkg's spelling of ``prefix`` (any case or synonym bioregistry knows); a prefix medkg
    does not use is returned as written."""
    import bioregistry

    key = bioregistry.normalize_prefix(prefix)
    if key in MEDKG_PREFIXES:
        return MEDKG_PREFIXES[key]
    return _NOT_IN_BIOREGISTRY.get(prefix.lower(), prefix)


def canonical_curie(curie: str) -> str:
    """``curie`` with its prefix spelled as medkg spells it; a string with no prefix unchanged."""
    prefix, sep, local = curie.partition(":")
    if not sep or not prefix:
        return curie
    return f"{canonical_prefix(prefix)}:{local}"
