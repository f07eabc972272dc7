"""Disease -> phenotype knowledge from the diseases' definitions (diagnosis.definitions)."""

from diagnosis.context import PhenotypeTagger
from diagnosis.definitions import (
    DOID_DEFINITION,
    MESH_DEFINITION,
    Definition,
    definition_phenotypes,
    doid_definitions,
    medic_definitions,
    sign_definitions,
)
from tests.diagnosis.helpers import MINI_CTD, MINI_DOID_OBO, MINI_HPOA, MINI_OBO, records


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


def test_a_signs_note_gives_the_diseases_it_is_seen_in_that_sign() -> None:
    """MeSH writes the descriptors a scope note refers to in capitals; a sign's note that names a
    disease as where the sign is seen gives that disease the sign, and nothing else does."""

    def mesh(curie: str, name: str, text: str = "", synonyms: tuple[str, ...] = ()) -> Definition:
        return Definition(curie, name, text, MESH_DEFINITION, synonyms)

    definitions = [
        mesh(
            "MESH:D012640",
            "Seizures",
            "Clinical or subclinical disturbances of cortical function, commonly seen in EPILEPSY and in "
            "FITS, GRAND MAL. They may be characterized by DEAFNESS; or follow HEARING LOSS.",
        ),
        mesh("MESH:D004827", "Epilepsy", "A disorder of recurrent seizures.", ("Fits, Grand Mal",)),
        mesh("MESH:D003638", "Deafness"),
        mesh("MESH:D034381", "Hearing Loss", "A sign commonly seen in SEIZURES."),
    ]
    signs = {"MESH:D012640", "MESH:D034381"}
    found = sign_definitions(definitions, signs)
    # EPILEPSY and its entry term once; DEAFNESS is what the sign is made of (no cue before it), and
    # HEARING LOSS and SEIZURES are signs.
    assert [(d.curie, d.name, d.text, d.source) for d in found] == [
        ("MESH:D004827", "Epilepsy", "Seizures", MESH_DEFINITION)
    ]
    r = definition_phenotypes(found, _tagger())
    assert [(a.disease, a.phenotype, a.source) for a in r.annotations] == [
        ("MESH:D004827", "HP:0001250", MESH_DEFINITION)
    ]


def test_loading_definitions_with_meshs_trees_reads_the_signs_notes_the_other_way(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from wiring.diagnosis import HpoFiles, load_definitions_into

    ctd = tmp_path / "CTD_diseases.tsv"
    ctd.write_text(
        MINI_CTD.read_text()
        + "Seizures\tMESH:D012640\t\tClinical or subclinical disturbances of cortical function, often seen "
        "in MARFAN SYNDROME.\tMESH:D009461\tC10.597.742|C23.888.592.742\tC10.597|C23.888.592\tConvulsions\t\n"
    )
    trees = tmp_path / "mesh_trees.tsv"
    trees.write_text(
        "DescriptorUI\tDescriptorName\tTreeNumber\nD012640\tSeizures\tC10.597.742\n"
        "D012640\tSeizures\tC23.888.592.742\nD008382\tMarfan Syndrome\tC05.651.534\n"
    )

    def marfan() -> set[tuple[str, str]]:
        rows = store.phenotype_annotations()
        return {(r["phenotype"], r["source"]) for r in rows if r["disease"] == "MESH:D008382"}

    files = HpoFiles(MINI_OBO, MINI_HPOA, definitions=ctd)
    load_definitions_into(store, files, records().terms, None, described=set())
    assert ("HP:0001250", MESH_DEFINITION) not in marfan()  # its own note names no seizures
    load_definitions_into(
        store, HpoFiles(MINI_OBO, MINI_HPOA, definitions=ctd, mesh_trees=trees), records().terms, None, described=set()
    )
    assert ("HP:0001250", MESH_DEFINITION) in marfan()  # the sign's note names it
