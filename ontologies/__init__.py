"""Ontology and vocabulary loaders, the term index and the normalizer."""
