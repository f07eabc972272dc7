"""Disease -> phenotype knowledge from the diseases' definitions (diagnosis.definitions)."""

from diagnosis.context import PhenotypeTagger
from diagnosis.definitions import (
    DOID_DEFINITION,
    MESH_DEFINITION,
    definition_phenotypes,
    doid_definitions,
    medic_definitions,
)
from tests.diagnosis.helpers import MINI_CTD, MINI_DOID_OBO, records


def _tagger() -> PhenotypeTagger:
    return PhenotypeTagger(records().terms)


def test_definitions_name_phenotypes_and_meet_doid_diseases_on_one_node() -> None:
    definitions = medic_definitions(MINI_CTD) + doid_definitions(MINI_DOID_OBO)
    assert [d.curie for d in definitions] == [
        "MESH:D002386",
        "MESH:D004827",
        "MESH:D008382",
        "MESH:D003638",
        "MESH:C000001",  # the OMIM row of MEDIC is not a MeSH disease: left out
        "DOID:0050117",
        "DOID:8295",  # an undeclared synonym type (OMO:0003012) does not stop the file
    ]
    r = definition_phenotypes(
        definitions,
        _tagger(),
        doid_of_mesh={"MESH:D004827": "DOID:1826"},
        doid_names={"DOID:1826": "epilepsy"},
        described={"OMIM:154700"},  # HPO annotates Marfan syndrome: its definition stays out
    )
    assert [(e.curie, e.name, e.xrefs) for e in r.entities] == [
        ("DOID:1826", "epilepsy", ("MESH:D004827",)),
        ("DOID:8295", "scabies", ("MESH:D012532",)),
        ("MESH:D002386", "Cataract", ()),
        ("MESH:D003638", "Deafness", ()),
    ]
    assert [(a.disease, a.phenotype, a.source) for a in r.annotations] == [
        ("DOID:1826", "HP:0001250", MESH_DEFINITION),  # "seizures"; "without hypotonia" is denied
        ("DOID:1826", "HP:0002376", MESH_DEFINITION),  # "loss of milestones": Developmental regression
        ("DOID:8295", "HP:0000365", DOID_DEFINITION),  # has_symptom hearing loss
        ("DOID:8295", "HP:0000957", DOID_DEFINITION),  # has_symptom cafe au lait spots
        ("MESH:D002386", "HP:0000518", MESH_DEFINITION),  # its own name is the phenotype's
        ("MESH:D003638", "HP:0000365", MESH_DEFINITION),  # no definition: its name is a synonym of Hearing impairment
    ]
    assert r.read == {MESH_DEFINITION: 5, DOID_DEFINITION: 2}
    assert r.described == {DOID_DEFINITION: 1, MESH_DEFINITION: 3} and r.skipped == 1


def test_a_pair_another_source_states_keeps_that_source() -> None:
    r = definition_phenotypes(medic_definitions(MINI_CTD), _tagger(), existing={("MESH:D002386", "HP:0000518")})
    assert "MESH:D002386" not in {a.disease for a in r.annotations} | {e.curie for e in r.entities}
    assert r.described == {MESH_DEFINITION: 3}  # Epilepsy (its own MeSH id here), Marfan syndrome, Deafness


def test_canonical_concepts_become_xrefs() -> None:
    r = definition_phenotypes(medic_definitions(MINI_CTD)[:1], _tagger(), canonical={"MESH:D002386": "MONDO:1"}.get)
    assert [(e.curie, e.xrefs) for e in r.entities] == [("MESH:D002386", ("MONDO:1",))]
