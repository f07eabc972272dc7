"""The layout of a medkg data folder (``../shared/data`` in this workplace; the official releases
laid out the same way elsewhere): every path medkg reads from it, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Annotated corpora: train and dev splits (the test splits are withheld).
CORPORA = {
    "bc5cdr_train": "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt",
    "bc5cdr_dev": "corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt",
    "ncbi_train": "corpora/ncbi-disease/NCBItrainset_corpus.txt",
    "ncbi_dev": "corpora/ncbi-disease/NCBIdevelopset_corpus.txt",
    "biored_train": "corpora/biored/Train.PubTator",
    "biored_dev": "corpora/biored/Dev.PubTator",
}
# Training splits whose gold names join the term index as synonyms (never a split that is evaluated).
DICTIONARY_CORPORA = ("bc5cdr_train", "ncbi_train", "biored_train")
# The vocabularies the term index is built from.
VOCABULARIES = {
    "ctd": "ontologies/ctd/CTD_diseases.tsv.gz",
    "mesh_trees": "ontologies/mesh/mesh_trees.tsv.gz",
    "mesh_terms": "ontologies/mesh/mesh_terms.tsv.gz",
    "mesh_pharm_actions": "ontologies/mesh/mesh_pharm_actions.tsv.gz",
    "mesh_tree": "ontologies/mesh/mesh_descriptors_c_f_tree.tsv",
    "mesh_scr": "ontologies/mesh/mesh_scr.tsv",
    "hpo": "ontologies/hpo/hp.obo.gz",
    "chebi": "ontologies/chebi/chebi_import.obo",
    "doid": "ontologies/doid/HumanDO.tsv",
    "doid_mesh": "ontologies/doid/MESHinDO.tsv",
    "doid_omim": "ontologies/doid/OMIMinDO.tsv",
    "mondo_mesh": "ontologies/mondo/mondo_exactmatch_mesh.sssom.tsv.gz",
    "mondo_doid": "ontologies/mondo/mondo_exactmatch_doid.sssom.tsv.gz",
    "mondo_omim": "ontologies/mondo/mondo_exactmatch_omim.sssom.tsv.gz",
}
# What the diagnosis graph loads: HPO's ontology and annotations, DOID's disease -> symptom table
# with the Symptom Ontology, DOID's MeSH mappings and its hierarchy; the diseases' definitions
# (MeSH scope notes in CTD MEDIC, DOID's infectious disease slim).
PHENOTYPES = {
    "obo": "ontologies/hpo/hp.obo.gz",
    "annotations": "ontologies/hpo/phenotype.hpoa.gz",
    "symptoms": "ontologies/doid/disease-symptom.tsv",
    "symptom_ontology": "ontologies/doid/symp_import.owl.gz",
    "doid_mesh": "ontologies/doid/MESHinDO.tsv",
    "doid_tree": "ontologies/doid/HumanDO.tsv",
    "definitions": "ontologies/ctd/CTD_diseases.tsv.gz",
    "doid_definitions": "ontologies/doid/DO_infectious_disease_slim.obo",
    "mesh_trees": "ontologies/mesh/mesh_trees.tsv.gz",  # diseases inherit what most of their MeSH subtypes have
    "mesh_terms": "ontologies/mesh/mesh_terms.tsv.gz",  # body parts' names: alone, no finding (lay matcher)
}
# The literature samples `medkg run` ingests: files, then every XML file of a folder.
LITERATURE = ("pubmed/medline16n0902.xml.gz", "pubmed/test_current_medline.xml.gz", "pubmed/pubmed-29768149.xml")
LITERATURE_FOLDER = "pubmed/efetch"


@dataclass(frozen=True)
class DataLayout:
    """The paths of one data folder."""

    root: Path

    def corpus(self, name: str) -> Path:
        return self.root / CORPORA[name]

    def dictionary_corpora(self) -> list[Path]:
        """The dictionary corpora this folder has."""
        return [p for p in (self.corpus(n) for n in DICTIONARY_CORPORA) if p.is_file()]

    def vocabularies(self) -> dict[str, Path]:
        return {name: self.root / path for name, path in VOCABULARIES.items()}

    def phenotypes(self) -> dict[str, Path]:
        return {name: self.root / path for name, path in PHENOTYPES.items()}

    def literature(self) -> list[Path]:
        return [*(self.root / p for p in LITERATURE), *sorted((self.root / LITERATURE_FOLDER).glob("*.xml"))]
