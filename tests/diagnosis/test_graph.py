import numpy as np
import pytest

from diagnosis.graph import DiseaseGraph
from kg.types import Provenance, Triple
from tests.diagnosis.helpers import graph, records, thyroid_trees


def test_hpo_records_keep_frequencies_pmids_and_drop_negations() -> None:
    r = records()
    marfan = {a.phenotype: a for a in r.annotations if a.disease == "OMIM:154700"}
    assert marfan["HP:0001634"].frequency == pytest.approx(0.6) and marfan["HP:0001166"].pmids == ("1852208",)
    assert "HP:0000252" not in marfan  # a NOT row is not an annotation
    assert "HP:0009999" not in {e.curie for e in r.entities}  # obsolete terms stay out
    assert len({e.curie for e in r.entities if e.category == "biolink:Disease"}) == 8


def test_information_content_falls_towards_the_root() -> None:
    g = graph()
    assert g.ancestors("HP:0002069") >= {"HP:0001250", "HP:0000707", "HP:0000118"}
    # Seizure: 3 of 8 diseases (Rett through its child term); the nervous system: 5 of 8; the root: 0
    assert g.information_content("HP:0001250") == pytest.approx(-np.log(3 / 8), rel=1e-5)
    assert (
        g.information_content("HP:0001166")
        > g.information_content("HP:0001250")
        > g.information_content("HP:0000707")
        > 0
    )
    assert g.information_content("HP:0000118") == 0.0


def test_similarity_puts_the_matching_disease_first_even_with_imprecise_terms() -> None:
    g = graph()
    sims = g.similarity(["HP:0001166", "HP:0001083", "HP:0002616"])
    assert g.diseases[int(np.argmax(sims))] == "OMIM:154700"
    # "Abnormality of skull size" (a parent) + developmental regression: Rett beats the others
    sims = g.similarity(["HP:0000240", "HP:0002376"])
    assert g.diseases[int(np.argmax(sims))] == "ORPHA:778"
    assert not g.similarity([]).any()


def test_matches_explain_which_annotation_each_case_phenotype_hit() -> None:
    g = graph()
    hits = {q: (a.phenotype, round(ic, 4)) for q, a, ic in g.matches("ORPHA:778", ["HP:0001250", "HP:0001166"])}
    assert hits["HP:0001250"][0] == "HP:0002069"  # the case's seizure meets Rett's tonic-clonic seizure at Seizure
    assert hits["HP:0001250"][1] == pytest.approx(g.information_content("HP:0001250"), rel=1e-4)
    assert "HP:0001166" not in hits  # Rett shares nothing but the uninformative root with arachnodactyly


def test_disease_graph_reads_back_from_a_store_with_literature_facts(store) -> None:  # type: ignore[no-untyped-def]
    r = records({"OMIM:154700": "MESH:D008382"})
    store.load_entities(r.entities)
    store.load_phenotypes(r.annotations)
    store.load_triples(
        [Triple("MESH:D002211", "biolink:causes", "MESH:D008382", Provenance("123", 0, 10, "x", "test", 0.9))]
    )
    g = DiseaseGraph.from_store(store)
    mem = DiseaseGraph(r.entities, r.annotations)
    assert g.diseases == mem.diseases and g.phenotypes == mem.phenotypes
    assert np.allclose(g.ic, mem.ic)
    assert {(a.phenotype, a.frequency, a.pmids) for a in g.annotations["OMIM:154700"]} == {
        (a.phenotype, a.frequency, a.pmids) for a in mem.annotations["OMIM:154700"]
    }
    (fact,) = g.literature["OMIM:154700"]
    assert (fact.other, fact.outgoing, fact.pmids) == ("MESH:D002211", False, ("123",))


def test_symptoms_named_beside_a_disease_in_two_articles_become_its_literature_phenotypes(store) -> None:  # type: ignore[no-untyped-def]
    from kg.types import Document, Grounding, Mention

    r = records()
    store.load_entities(r.entities)
    store.load_phenotypes(r.annotations)

    def doc(pmid: str, *concepts: tuple[str, str]) -> Document:
        text = " ".join(n for _, n in concepts)
        mentions, at = [], 0
        for curie, name in concepts:
            mentions.append(Mention(at, at + len(name), name, "Disease", groundings=(Grounding(curie, name),)))
            at += len(name) + 1
        return Document(pmid, text, mentions=tuple(mentions), pmid=pmid)

    epilepsy, seizures, hypotonia = (
        ("MESH:D004827", "Epilepsy"),
        ("MESH:D012640", "Seizures"),
        ("MESH:D009123", "Muscle Hypotonia"),
    )
    store.load_documents([doc("1", epilepsy, seizures, hypotonia), doc("2", epilepsy, seizures), doc("3", seizures)])
    g = DiseaseGraph.from_store(store)
    # MeSH "Seizures" is HPO's Seizure (by name, plural aside); with Epilepsy in articles 1 and 2 it
    # counts; "Muscle Hypotonia" is not an HPO name, and one article would not be enough anyway.
    assert [(a.phenotype, a.source, a.pmids) for a in g.annotations["MESH:D004827"]] == [
        ("HP:0001250", "literature", ("1", "2"))
    ]
    assert g.names["MESH:D004827"] == "Epilepsy" and "MESH:D012640" not in g.annotations
    assert "MESH:D004827" not in DiseaseGraph.from_store(store, co_mentions=False).annotations


def test_symmetric_similarity_adds_how_much_of_each_disease_the_case_covers() -> None:
    g = graph()
    case = ["HP:0001166", "HP:0001083"]
    forward, both = g.similarity(case), g.symmetric_similarity(case)
    shared = {t for q in case for t in (q, *g.ancestors(q))}
    for d in g.diseases:  # the reverse term computed the slow way, annotation by annotation
        ics = [
            max(
                (g.information_content(t) for t in (a.phenotype, *g.ancestors(a.phenotype)) if t in shared), default=0.0
            )
            for a in g.annotations[d]
        ]
        assert both[g.disease_index[d]] == pytest.approx((forward[g.disease_index[d]] + np.mean(ics)) / 2, rel=1e-5)
    assert g.diseases[int(np.argmax(both))] == "OMIM:154700"


def test_diseases_of_other_sources_are_ranked_but_do_not_change_information_content() -> None:
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    extra = [Entity(f"MESH:D{i}", f"seizure disease {i}", "biolink:Disease") for i in range(50)]
    defined = [PhenotypeAnnotation(e.curie, "HP:0001250", None, "MeSH definition") for e in extra]
    base, more = graph(), DiseaseGraph([*r.entities, *extra], [*r.annotations, *defined])
    assert more.information_content("HP:0001250") == pytest.approx(base.information_content("HP:0001250"))
    assert more.information_content("HP:0001250") > 0  # 50 more seizure diseases would have made it near 0
    assert more.similarity(["HP:0001250"])[more.disease_index["MESH:D0"]] > 0


def test_tied_diseases_are_ordered_by_how_much_of_their_profile_the_case_explains() -> None:
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    # Both have Seizure; "broad" has five more phenotypes the case does not name, "narrow" none:
    # the case's similarity to each is the same, and "narrow" is the better explanation.
    broad, narrow = Entity("DOID:1", "broad class", "biolink:Disease"), Entity("DOID:2", "narrow", "biolink:Disease")
    others = ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0000240", "HP:0002376"]
    extra = [PhenotypeAnnotation("DOID:1", p, None, "DOID") for p in ["HP:0001250", *others]]
    extra.append(PhenotypeAnnotation("DOID:2", "HP:0001250", None, "DOID"))
    g = DiseaseGraph([*r.entities, broad, narrow], [*r.annotations, *extra])
    sims = g.similarity(["HP:0001250"])
    b, n = g.disease_index["DOID:1"], g.disease_index["DOID:2"]
    assert b < n and sims[n] > sims[b] and sims[n] - sims[b] < 1e-6  # tied but for the nudge, narrow first
    for case in (["HP:0001166", "HP:0001083", "HP:0002616"], ["HP:0000240", "HP:0002376"], ["HP:0001250"]):
        s = g.similarity(case)
        order = np.argsort(-s, kind="stable")
        assert np.all(np.diff(np.round(s[order], 5)) <= 0)  # the nudge reorders no distinct scores


def test_the_general_setting_weights_diseases_outside_the_rare_vocabularies() -> None:
    from diagnosis.graph import COMMON_PRIOR
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    # A common disease (DOID) whose one symptom is one of Marfan syndrome's several phenotypes.
    common = Entity("DOID:1", "a common disease", "biolink:Disease")
    g = DiseaseGraph([*r.entities, common], [*r.annotations, PhenotypeAnnotation("DOID:1", "HP:0001166", None, "DOID")])
    case = ["HP:0001166", "HP:0001083"]
    rare, general = g.similarity(case), g.similarity(case, "general")
    d, marfan = g.disease_index["DOID:1"], g.disease_index["OMIM:154700"]
    assert rare[marfan] > rare[d] > 0
    assert general[d] == pytest.approx(COMMON_PRIOR * rare[d], rel=1e-5)
    assert general[marfan] == pytest.approx(rare[marfan], rel=1e-5)  # OMIM: a rare disease, weighted 1
    with pytest.raises(ValueError, match="setting"):
        g.similarity(case, "clinic")


def test_the_phenotypes_a_class_inherits_from_its_mesh_subtypes_count_in_the_general_setting_only() -> None:
    from diagnosis.graph import COMMON_PRIOR
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    # A class known by a phenotype the case does not have, which inherits one the case has.
    common = Entity("DOID:1", "a class", "biolink:Disease")
    g = DiseaseGraph(
        [*r.entities, common],
        [
            *r.annotations,
            PhenotypeAnnotation("DOID:1", "HP:0001250", None, "DOID"),
            PhenotypeAnnotation("DOID:1", "HP:0001166", None, "MeSH subtypes"),
        ],
    )
    plain = DiseaseGraph(
        [*r.entities, common], [*r.annotations, PhenotypeAnnotation("DOID:1", "HP:0001250", None, "DOID")]
    )
    case = ["HP:0001166"]
    d = g.disease_index["DOID:1"]
    assert g.similarity(case)[d] == 0  # the rare setting reads the class's own profile only
    np.testing.assert_allclose(g.similarity(case), plain.similarity(case))
    assert g.similarity(case, "general")[d] == pytest.approx(
        COMMON_PRIOR * g.information_content("HP:0001166"), rel=1e-5
    )
    # the explanation of a match names where the phenotype came from
    assert [(p, a.source) for p, a, _ in g.matches("DOID:1", case)] == [("HP:0001166", "MeSH subtypes")]


def test_mesh_subtype_phenotypes_load_into_the_store_and_a_reload_prunes_what_is_gone(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kg.types import Entity, PhenotypeAnnotation
    from wiring.diagnosis import load_mesh_subtypes_into

    trees = thyroid_trees(tmp_path / "mesh_trees.tsv")
    store.load_entities(
        [
            Entity("DOID:7998", "hyperthyroidism", "biolink:Disease", xrefs=("MESH:D006980",)),
            Entity("OMIM:275000", "Graves disease", "biolink:Disease", xrefs=("MESH:D006111",)),
            # an OMIM entry MONDO maps to the class itself: HPO's curated profile, it inherits nothing
            Entity("OMIM:999999", "hyperthyroidism, familial", "biolink:Disease", xrefs=("MESH:D006980",)),
            *(Entity(p, p, "biolink:PhenotypicFeature") for p in ("HP:0000836", "HP:0001824", "HP:0001649")),
        ]
    )
    store.load_phenotypes(
        [
            PhenotypeAnnotation("DOID:7998", "HP:0000836", None, "MeSH definition"),
            PhenotypeAnnotation("OMIM:275000", "HP:0001824", None, "HPO"),  # weight loss
            PhenotypeAnnotation("OMIM:275000", "HP:0001649", None, "HPO"),  # tachycardia
            PhenotypeAnnotation("OMIM:999999", "HP:0000836", None, "HPO"),
        ]
    )

    def inherited() -> set[tuple[str, str]]:
        return {(r["disease"], r["phenotype"]) for r in store.phenotype_annotations() if r["source"] == "MeSH subtypes"}

    assert load_mesh_subtypes_into(store, trees) == {"diseases": 1, "annotations": 2, "pruned": 0}
    assert inherited() == {("DOID:7998", "HP:0001824"), ("DOID:7998", "HP:0001649")}
    assert load_mesh_subtypes_into(store, trees)["pruned"] == 0 and len(inherited()) == 2  # a reload adds nothing
    store.prune_phenotypes("HPO", {("OMIM:275000", "HP:0001824")})  # tachycardia leaves Graves disease
    assert load_mesh_subtypes_into(store, trees)["pruned"] == 1
    assert inherited() == {("DOID:7998", "HP:0001824")}
    # A disease whose own source is gone (its definition now keys another id) inherits no more:
    # its earlier inherited edge does not keep it in the graph.
    store.prune_phenotypes("MeSH definition", set())
    assert load_mesh_subtypes_into(store, trees)["pruned"] == 1
    assert inherited() == set()


def test_a_doid_disease_and_the_mesh_descriptor_its_xref_names_are_ranked_as_one() -> None:
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    twins = [
        Entity("DOID:2275", "pharyngitis", "biolink:Disease", xrefs=("MESH:D010612",)),
        Entity("MESH:D010612", "Pharyngitis", "biolink:Disease"),
        Entity("DOID:9", "another disease", "biolink:Disease", xrefs=("MESH:D999999",)),  # not a node: no twin
    ]
    g = DiseaseGraph(
        [*r.entities, *twins],
        [
            *r.annotations,
            PhenotypeAnnotation("DOID:2275", "HP:0001166", None, "DOID"),
            PhenotypeAnnotation("MESH:D010612", "HP:0001166", None, "MeSH definition"),
            PhenotypeAnnotation("MESH:D010612", "HP:0001083", None, "MeSH definition"),
            PhenotypeAnnotation("DOID:9", "HP:0001166", None, "DOID"),
        ],
    )
    assert [sorted(g.diseases[i] for i in group) for group in g.twins] == [["DOID:2275", "MESH:D010612"]]
    sims = g.similarity(["HP:0001166", "HP:0001083"], "general")
    doid, mesh = g.disease_index["DOID:2275"], g.disease_index["MESH:D010612"]
    assert sims[mesh] > sims[doid] > 0
    shown = g.distinct(sims)
    assert shown[mesh] == sims[mesh] and shown[doid] < 0 and shown[doid] < shown.min() + 1e-9
    others = [i for i in range(len(sims)) if i not in (doid, mesh)]
    assert np.array_equal(shown[others], sims[others])  # nobody else moves
    assert np.array_equal(sims, g.similarity(["HP:0001166", "HP:0001083"], "general"))  # a copy
    assert g.same_disease("DOID:2275") == g.same_disease("MESH:D010612") == {"DOID:2275", "MESH:D010612"}
    assert g.same_disease("DOID:9") == {"DOID:9"}


def test_a_disease_a_phenotype_of_the_case_names_comes_up_with_the_first_in_the_general_setting() -> None:
    from diagnosis.context import ContextBuilder, Finding, PhenotypeTagger
    from diagnosis.familiarity import signs_and_symptoms
    from diagnosis.graph import named_first
    from kg.types import Entity, PhenotypeAnnotation

    r = records()
    # Hypertension known by that one phenotype (DOID's), and a sign MeSH files as a disease too.
    extra = [
        Entity("DOID:10763", "hypertension", "biolink:Disease", xrefs=("MESH:D006973",)),
        Entity("MESH:D002386", "Cataract", "biolink:Disease"),
    ]
    g = DiseaseGraph(
        [*r.entities, *extra],
        [
            *r.annotations,
            PhenotypeAnnotation("DOID:10763", "HP:0000822", None, "DOID"),
            PhenotypeAnnotation("MESH:D002386", "HP:0000518", None, "MeSH definition"),
        ],
    )
    signs = signs_and_symptoms({"MESH:D002386": ["C11.510.245", "C23.888.1"], "MESH:D006973": ["C14.907.489"]})
    assert signs == {"MESH:D002386"}
    named = g.diseases_named(signs)
    hypertension, pkd = g.disease_index["DOID:10763"], g.disease_index["OMIM:173900"]
    assert named == {"HP:0000822": (hypertension,)}
    assert "HP:0000518" in g.diseases_named()  # a sign left out only when its id is excluded
    # high blood pressure, short stature and renal cysts: polycystic kidney disease 1 has all three
    case = ["HP:0000822", "HP:0004322", "HP:0000107"]
    sims = g.similarity(case, "general")
    assert sims[pkd] > sims[hypertension] > 0
    up = named_first(sims, case, named)
    assert up[hypertension] == up.max() == sims.max() and up[pkd] == sims[pkd]
    assert np.array_equal(np.delete(up, hypertension), np.delete(sims, hypertension))  # nobody else moves
    assert named_first(sims, ["HP:0004322"], named) is sims  # a case that names no disease: as it was
    # served: tied with the first in the general setting, below it in the rare one
    b = ContextBuilder(g, PhenotypeTagger(r.terms), named=named)
    findings = [Finding(0, 1, "x", p, g.names[p], "Phenotype", "hpo-dictionary") for p in case]
    for setting, tied in (("general", True), ("rare", False)):
        found = {c.curie: c for c in b.candidates(findings, top_k=2, setting=setting)}
        assert set(found) == {"DOID:10763", "OMIM:173900"}
        assert (found["DOID:10763"].score == found["OMIM:173900"].score) is tied
        # what each reports as its phenotype similarity stays Phenomizer's
        assert found["DOID:10763"].similarity == pytest.approx(g.similarity(case, setting)[hypertension])
