"""DOID's disease -> symptom table, its symptoms mapped to HPO (ontologies.symptoms)."""

from ontologies.loaders import load_obo, load_owl
from ontologies.symptoms import load_doid_symptoms, map_symptoms
from tests.diagnosis.helpers import MINI_OBO, MINI_SYMP, MINI_SYMPTOMS


def _hpo():  # type: ignore[no-untyped-def]
    return load_obo(MINI_OBO, "Phenotype", prefixes=("HP:",))[0]


def test_symptoms_map_by_name_then_without_a_grade_word_then_through_a_parent() -> None:
    symptoms = load_owl(MINI_SYMP, "Phenotype")[0]
    mapping, how = map_symptoms(symptoms, _hpo())
    assert mapping == {"SYMP:0000001": "HP:0001250", "SYMP:0000002": "HP:0001252", "SYMP:0000003": "HP:0001250"}
    assert how == {
        "SYMP:0000001": "name",
        "SYMP:0000002": "name",
        "SYMP:0000003": "ancestor",
    }  # "high fever": no HPO fever here


def test_grade_words_are_dropped_before_giving_up() -> None:
    from ontologies.terms import Term

    symptoms = [Term("SYMP:1", "severe low muscle tone", "Phenotype"), Term("SYMP:2", "mild", "Phenotype")]
    mapping, how = map_symptoms(symptoms, _hpo())
    assert mapping == {"SYMP:1": "HP:0001252"} and how == {"SYMP:1": "stripped"}  # a bare grade word maps to nothing


def test_doid_diseases_come_with_their_mesh_ids_and_mapped_symptoms_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mesh = tmp_path / "MESHinDO.tsv"
    mesh.write_text('id\tlabel\txrefs\n"DOID:1826"\t"epilepsy"\t"MESH:D004827"\n')
    r = load_doid_symptoms(
        MINI_SYMPTOMS, MINI_SYMP, _hpo(), doid_mesh=mesh, canonical={"DOID:1826": "MESH:D004827"}.get
    )
    assert [(e.curie, e.name, e.category, e.xrefs) for e in r.entities] == [
        ("DOID:1826", "epilepsy", "biolink:Disease", ("MESH:D004827",))
    ]
    assert [(a.disease, a.phenotype, a.source, a.frequency) for a in r.annotations] == [
        ("DOID:1826", "HP:0001250", "DOID", None),
        ("DOID:1826", "HP:0001252", "DOID", None),
    ]
    assert r.unmapped == {"high fever": 1}  # DOID:9999 had only that symptom: not a candidate


def test_a_disease_without_symptoms_of_its_own_gets_its_subtypes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = tmp_path / "HumanDO.tsv"
    tree.write_text(
        'id\tlabel\tsubClassOf\n"DOID:0000002"\t"seizure disorder"\t"disease"\n"DOID:1826"\t"epilepsy"\t"seizure '
        'disorder"\n'
        '"DOID:0000003"\t"no symptoms below"\t"disease"\n'
    )
    r = load_doid_symptoms(MINI_SYMPTOMS, MINI_SYMP, _hpo(), doid_tree=tree)
    assert [(e.curie, e.name) for e in r.entities] == [("DOID:0000002", "seizure disorder"), ("DOID:1826", "epilepsy")]
    assert [(a.disease, a.phenotype, a.source) for a in r.annotations if a.disease == "DOID:0000002"] == [
        ("DOID:0000002", "HP:0001250", "DOID subtypes"),
        ("DOID:0000002", "HP:0001252", "DOID subtypes"),
    ]
    assert {a.source for a in r.annotations if a.disease == "DOID:1826"} == {
        "DOID"
    }  # its own symptoms are not replaced


def test_a_general_disease_inherits_only_the_symptoms_most_of_its_subtypes_share(tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "disease-symptom.tsv"
    table.write_text(
        "disease_id\tdisease_label\tsymptom_id\tsymptom_label\n"
        + "".join(
            f"DOID:{d}\t{d}\t{s}\tx\n"
            for d, s in [
                ("1", "SYMP:0000001"),
                ("2", "SYMP:0000001"),
                ("3", "SYMP:0000002"),
                ("4", "SYMP:0000003"),
            ]
        )
    )
    tree = tmp_path / "HumanDO.tsv"
    tree.write_text(
        'id\tlabel\tsubClassOf\n"DOID:5"\t"a grouping class"\t"disease"\n'
        + "".join(f'"DOID:{d}"\t"{d}"\t"a grouping class"\n' for d in "1234")
    )
    r = load_doid_symptoms(table, MINI_SYMP, _hpo(), doid_tree=tree)
    # Seizure: three of the four subtypes (convulsion, convulsion, tonic fits); hypotonia: one, under
    # the third of them it needs, so the class does not carry it (the union of all did).
    assert [(a.phenotype, a.source) for a in r.annotations if a.disease == "DOID:5"] == [
        ("HP:0001250", "DOID subtypes")
    ]


def test_a_mesh_class_inherits_what_most_of_its_subtypes_have_and_only_that() -> None:
    from ontologies.symptoms import mesh_subtype_phenotypes

    trees = {
        "MESH:D1": ["C19.874"],  # the class (hyperthyroidism)
        "MESH:D2": ["C19.874.100"],
        "MESH:D3": ["C19.874.200"],
        "MESH:D4": ["C19.874.300", "D12.100"],  # a chemical tree number is not a disease tree
        "MESH:D5": ["C19.874.300.10"],
        "MESH:D9": ["D12.100.5"],  # under D4 in the chemical tree only
    }
    profiles = {
        "DOID:1": {"HP:class"},  # the class, known by its name only
        "OMIM:1": {"HP:a", "HP:b"},  # four subtypes below it
        "OMIM:2": {"HP:a", "HP:c"},
        "ORPHA:3": {"HP:a"},
        "OMIM:5": {"HP:b", "HP:class"},
        "MESH:D1": {"HP:same"},  # the class itself under another vocabulary: not a subtype
        "OMIM:9": {"HP:z"},
        "OMIM:10": set(),  # no profile: no vote
    }
    mesh = {
        "DOID:1": {"MESH:D1"},
        "OMIM:1": {"MESH:D2"},
        "OMIM:2": {"MESH:D3"},
        "ORPHA:3": {"MESH:D4"},
        "OMIM:5": {"MESH:D5"},
        "MESH:D1": {"MESH:D1"},
        "OMIM:9": {"MESH:D9"},
        "OMIM:10": {"MESH:D3"},
    }
    got = mesh_subtype_phenotypes(profiles, mesh, trees)
    # Four subtypes, so a phenotype needs two votes: HP:a (three) and HP:b (two) are inherited, HP:c
    # (one) is not, nor HP:class (the class has it), HP:same (not a subtype) or HP:z (a chemical tree).
    assert {p for d, p in got if d == "DOID:1"} == {"HP:a", "HP:b"}
    assert {p for d, p in got if d == "MESH:D1"} == {"HP:a", "HP:b"}  # DOID:1 is the same class: no vote
    # ORPHA:3 has one subtype (OMIM:5), whose phenotypes it takes; a leaf takes nothing.
    assert {(d, p) for d, p in got if d not in ("DOID:1", "MESH:D1")} == {("ORPHA:3", "HP:b"), ("ORPHA:3", "HP:class")}
    # only the heirs inherit; every disease still votes
    assert mesh_subtype_phenotypes(profiles, mesh, trees, heirs={"DOID:1"}) == {p for p in got if p[0] == "DOID:1"}
