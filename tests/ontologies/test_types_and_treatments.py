"""Types that hold (MeSH tree numbers type every descriptor; organisms and procedures are never
chemicals or diseases) and cause that is not treatment."""

from pathlib import Path

import pytest

from kg.types import Document, Mention, Relation
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import (
    load_mesh_entry_terms,
    load_mesh_pharm_actions,
    load_mesh_scr_chemicals,
    load_mesh_trees,
    mesh_category,
)
from ontologies.normalizer import Normalizer
from ontologies.treatment import (
    TREATS_BY_ACTION,
    TreatmentKnowledge,
    says_treatment,
    separate_treatments,
    treatment_text,
)

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def index() -> TermIndex:
    terms, _ = load_mesh_entry_terms(DATA / "mini_mesh_trees.tsv", DATA / "mini_mesh_terms.tsv")
    terms += load_mesh_scr_chemicals(DATA / "mini_mesh_pharm_actions.tsv")[0]
    return TermIndex(
        merge_concepts(terms),
        [],
        trees=load_mesh_trees(DATA / "mini_mesh_trees.tsv"),
        actions=load_mesh_pharm_actions(DATA / "mini_mesh_pharm_actions.tsv"),
    )


def test_tree_numbers_type_every_descriptor() -> None:
    assert mesh_category(["D03.605.497.703"]) == "Chemical"
    assert mesh_category(["C01.610.752.530"]) == "Disease"
    assert mesh_category(["F03.600.300"]) == "Disease" and mesh_category(["F01.145.126"]) == "Other"
    assert mesh_category(["B03.440.400"]) == "Organism" and mesh_category(["E04.100"]) == "Procedure"
    assert mesh_category(["A01.456"]) == "Anatomy"
    assert mesh_category(["D12.776.124.125.950"]) == "Protein"  # a protein, not a chemical
    assert mesh_category(["D12.776.1", "D06.472.1"]) == "Chemical"  # a protein that is also a hormone


def test_entry_terms_are_synonyms_and_permuted_forms_are_left_out(index: TermIndex) -> None:
    n = Normalizer(index)
    assert n.normalize("quinine sulfate", "Chemical")[0].curie == "MESH:D011804"
    # a supplementary chemical record, named only in the pharmacological actions table
    assert [t.curie for t in load_mesh_scr_chemicals(DATA / "mini_mesh_pharm_actions.tsv")[0]] == ["MESH:C117268"]
    assert n.normalize("pimecrolimus", "Chemical")[0].curie == "MESH:C117268"
    assert n.normalize("remittent fever", "Disease")[0].curie == "MESH:D008288"
    i = index.by_curie["MESH:D010804"]
    assert index.categories[i] == "Procedure" and ("Procedure", "bloodletting therapeutic") not in index.exact


def _predicted(text: str, *spans: tuple[int, int, str]) -> Document:
    return Document("1", text, mentions=tuple(Mention(a, b, text[a:b], label) for a, b, label in spans))


def test_predicted_organisms_procedures_and_proteins_are_no_chemicals_or_diseases(index: TermIndex) -> None:
    text = "Campylobacter and phlebotomy and von Willebrand factor and quinine in malaria."
    doc = _predicted(
        text, (0, 13, "Chemical"), (18, 28, "Disease"), (33, 54, "Chemical"), (59, 66, "Chemical"), (70, 77, "Disease")
    )
    (out,) = Normalizer(index).normalize_predicted([doc])
    assert [(m.text, m.groundings[0].curie) for m in out.mentions] == [
        ("quinine", "MESH:D011804"),
        ("malaria", "MESH:D008288"),
    ]


def test_a_word_of_a_sequence_features_name_is_no_chemical(index: TermIndex) -> None:
    """ "nucleotide" of "single nucleotide polymorphism", "zinc" of "zinc finger": no chemicals; the
    same words alone still are. "SNP" is the polymorphism where the document is about genetic
    variation, nitroprusside elsewhere."""
    n = Normalizer(index)
    text = "A single nucleotide polymorphism (SNP) in the zinc finger domain. Zinc and nucleotides were added."
    chemicals = [(9, 19), (34, 37), (46, 50), (66, 70), (75, 86)]
    (out,) = n.normalize_predicted([_predicted(text, *((a, b, "Chemical") for a, b in chemicals))])
    assert [(m.text, m.groundings[0].curie) for m in out.mentions] == [
        ("Zinc", "MESH:D015032"),
        ("nucleotides", "MESH:D009711"),
    ]
    text = "SNP lowered blood pressure. The A118G variant was typed."
    (out,) = n.normalize_predicted([_predicted(text, (0, 3, "Chemical"), (32, 37, "SequenceVariant"))])
    assert [m.text for m in out.mentions] == ["A118G"]  # a variant is named: SNP is no chemical
    (out,) = n.normalize_predicted([_predicted("SNP lowered blood pressure.", (0, 3, "Chemical"))])
    assert [m.groundings[0].curie for m in out.mentions] == ["MESH:D009599"]


def test_one_or_two_letter_chemicals_need_a_definition_in_their_document(index: TermIndex) -> None:
    n = Normalizer(index)
    assert n.normalize("Co", "Chemical") == []  # not the element without context
    assert n.normalize("Lead", "Chemical")[0].curie == "MESH:D007854"  # a real name stays
    text = "Exposure to cobalt (Co) was measured. Co levels rose."
    doc = _predicted(text, (12, 18, "Chemical"), (20, 22, "Chemical"), (38, 40, "Chemical"))
    (out,) = n.normalize_predicted([doc])
    assert [m.groundings[0].curie for m in out.mentions] == ["MESH:D003035"] * 3
    # a charge is chemical context ("Co2+", "Co(2+)", "Co+"); a hyphenated word is not
    text = "Co2+ and Co(2+) and Co+ rose."
    spans = [(a, a + 2, "Chemical") for a in (0, 9, 20)]
    (out,) = n.normalize_predicted([_predicted(text, *spans)])
    assert [[g.curie for g in m.groundings] for m in out.mentions] == [["MESH:D003035"]] * 3
    text = "Co-administered drugs and Co were given."
    (out,) = n.normalize_predicted([_predicted(text, (0, 2, "Chemical"), (26, 28, "Chemical"))])
    assert [[g.curie for g in m.groundings] for m in out.mentions] == [[], []]


def test_a_one_or_two_letter_chemical_is_the_element_its_document_names_in_full(index: TermIndex) -> None:
    n = Normalizer(index)
    text = "Blood lead rose in exposed children. Pb exposure and Co exposure harm the brain."
    doc = _predicted(text, (6, 10, "Chemical"), (37, 39, "Chemical"), (53, 55, "Chemical"))
    (out,) = n.normalize_predicted([doc])
    # lead is named in full: Pb is lead; cobalt is not: Co stays without a concept
    assert [[g.curie for g in m.groundings] for m in out.mentions] == [["MESH:D007854"], ["MESH:D007854"], []]
    (alone,) = n.normalize_predicted([_predicted("Pb exposure harms the brain.", (0, 2, "Chemical"))])
    assert [m.groundings for m in alone.mentions] == [()]


def test_an_action_treats_what_a_broader_action_of_the_mesh_tree_treats() -> None:
    # fentanyl's "Analgesics, Opioid" lies under "Analgesics" (which treats Pain and its subtypes)
    # in MeSH's D27 tree; "Narcotic Antagonists" (a sibling, not under it) does not inherit it
    knowledge = TreatmentKnowledge(
        actions={"MESH:D005283": ("Analgesics, Opioid",), "MESH:D009270": ("Narcotic Antagonists",)},
        trees={"MESH:D010146": ("C23.888.592.612",), "MESH:D021501": ("C23.888.592.612.386",)},
        action_trees={
            "Analgesics": ("D27.505.696.663.850.014",),
            "Analgesics, Opioid": ("D27.505.696.663.850.014.760.500",),
            "Narcotic Antagonists": ("D27.505.696.663.850.040",),
        },
    )
    assert knowledge.broader == {"Analgesics, Opioid": ("Analgesics",)}
    assert knowledge.action_that_treats("MESH:D005283", "MESH:D010146") == "Analgesics"
    assert knowledge.action_that_treats("MESH:D005283", "MESH:D021501") == "Analgesics"
    assert knowledge.action_that_treats("MESH:D009270", "MESH:D010146") is None
    # without the actions' tree numbers, only an action's own name counts
    names_only = TreatmentKnowledge(knowledge.actions, knowledge.trees)
    assert names_only.action_that_treats("MESH:D005283", "MESH:D010146") is None


def test_an_antibiotic_treats_infections_filed_by_site_not_only_bacterial_ones() -> None:
    # MeSH files urinary tract infections under C01.915, not under Bacterial Infections (C01.150.252)
    knowledge = TreatmentKnowledge(
        actions={"MESH:D000077728": ("Anti-Bacterial Agents",), "MESH:D000077731": ("Anti-Bacterial Agents",)},
        trees={
            "MESH:D014552": ("C01.915", "C12.200.777.892"),  # Urinary Tract Infections
            "MESH:D018805": ("C01.757",),  # Sepsis
            "MESH:D001424": ("C01.150.252",),  # Bacterial Infections
            "MESH:D014777": ("C01.925",),  # Virus Diseases: not an antibiotic's
            "MESH:D003967": ("C23.888.821.214",),  # Diarrhea: a cause
        },
    )
    treated = [d for d in knowledge.trees if knowledge.action_that_treats("MESH:D000077728", d)]
    assert treated == ["MESH:D014552", "MESH:D018805", "MESH:D001424"]


def test_treatments_leave_causes_by_pharmacology_or_by_wording(index: TermIndex) -> None:
    knowledge = index.treatment_knowledge()
    assert knowledge.action_that_treats("MESH:D011804", "MESH:D008288") == "Antimalarials"
    assert knowledge.action_that_treats("MESH:D011804", "MESH:D006973") is None
    assert says_treatment("Lead was effective in the treatment of myocardial infarction.")
    assert not says_treatment("Hypertension developed after treatment with lead.")  # a cause, worded with 'treatment'
    assert not says_treatment("Lead caused myocardial infarction.")
    assert says_treatment("The catatonia did not respond to benzodiazepines.")
    assert says_treatment("Propofol was given to suppress the cough.")
    assert not says_treatment("The hypotensive response to an induction dose of propofol.")  # a cause
    assert not says_treatment("Treated rats were more anxious compared to control rats.")
    text = "Quinine in malaria. Lead was used in the treatment of myocardial infarction. Lead induced hypertension."
    relations = (
        Relation("MESH:D011804", "CID", "MESH:D008288", span=(0, 19)),
        Relation("MESH:D007854", "CID", "MESH:D009203", span=(20, 76)),
        Relation("MESH:D007854", "CID", "MESH:D006973", span=(77, 102)),
    )
    (out,) = separate_treatments([Document("1", text, relations=relations)], knowledge)
    assert [r.predicate for r in out.relations] == ["treats", "treats", "CID"]
    assert [(r.subject, r.object, r.span) for r in out.relations] == [(r.subject, r.object, r.span) for r in relations]


def _chemicals(text: str, *names: str) -> Document:
    """``text`` with a chemical mention (gold id CHEM:<name>) at the first place each name occurs."""
    return Document(
        "1",
        text,
        mentions=tuple(
            Mention(text.index(n), text.index(n) + len(n), n, "Chemical", ids=(f"CHEM:{n}",)) for n in names
        ),
    )


def test_cause_wording_of_another_chemical_does_not_hide_a_treatment() -> None:
    text = "Propofol was given to suppress fentanyl-induced cough."
    doc = _chemicals(text, "Propofol", "fentanyl")
    assert treatment_text(doc, (0, len(text)), "CHEM:Propofol") == "Propofol was given to suppress fentanyl cough."
    assert says_treatment(treatment_text(doc, (0, len(text)), "CHEM:Propofol"))
    assert not says_treatment(treatment_text(doc, (0, len(text)), "CHEM:fentanyl"))  # its own wording stays
    text = "Mesna prevented cystitis induced by the ifosfamide."
    doc = _chemicals(text, "Mesna", "ifosfamide")
    assert says_treatment(treatment_text(doc, (0, len(text)), "CHEM:Mesna"))
    # wording the pair's chemical shares stays: "pilocarpine- and kainic acid-induced seizures"
    text = "Steroids protect against pilocarpine- and kainic acid-induced seizures."
    doc = _chemicals(text, "Steroids", "pilocarpine", "kainic acid")
    assert not says_treatment(treatment_text(doc, (0, len(text)), "CHEM:pilocarpine"))
    assert says_treatment(treatment_text(doc, (0, len(text)), "CHEM:Steroids"))
    # "X induced by Y": X is what was induced, the cause wording is Y's
    text = "Convulsions of lidocaine induced by desipramine were reversed."
    doc = _chemicals(text, "lidocaine", "desipramine")
    assert not says_treatment(treatment_text(doc, (0, len(text)), "CHEM:desipramine"))
    assert says_treatment("Melatonin did not contribute to anxiety amelioration.")


def test_every_action_rule_names_a_disease_class() -> None:
    assert TREATS_BY_ACTION and all(
        prefixes and all(p[0] in "CF" for p in prefixes) for prefixes in TREATS_BY_ACTION.values()
    )


def test_a_cause_the_biored_model_calls_a_negative_correlation_keeps_both_edges(index: TermIndex) -> None:
    """The two models disagree; on BioRED dev the CID model and the cause check were the ones
    right (BENCHMARKS.md, session 28), so neither verdict replaces the other."""
    text = "Lead exposure was followed by myocardial infarction in these rats."
    relations = (
        Relation("MESH:D007854", "CID", "MESH:D009203", span=(0, 66)),
        Relation("MESH:D009203", "Negative_Correlation", "MESH:D007854", span=(0, 66)),
    )
    (out,) = separate_treatments([Document("1", text, relations=relations)], index.treatment_knowledge())
    assert [r.predicate for r in out.relations] == ["CID", "Negative_Correlation"]


def test_a_doid_mesh_xref_to_a_neighbour_is_pointed_at_the_descriptor_the_doid_name_names() -> None:
    from ontologies.loaders import corrected_mesh_xrefs
    from ontologies.terms import Term

    mesh = [
        Term("MESH:D014376", "Tuberculosis", "Disease", ("Tuberculoses",)),
        Term("MESH:D014375", "Tuberculoma", "Disease"),
        Term("MESH:D014917", "Whooping Cough", "Disease", ("Pertussis",)),
        Term("MESH:D001885", "Bordetella Infections", "Disease"),
        Term("MESH:D002689", "Chlamydia", "Organism"),
    ]
    doid = [
        Term("DOID:399", "tuberculosis", "Disease", xrefs=("MESH:D014375",)),
        Term("DOID:1116", "pertussis", "Disease", xrefs=("MESH:D001885", "MESH:D014917")),
        Term("DOID:11263", "chlamydia", "Disease", xrefs=("MESH:D002689",)),  # no disease of that name: kept
        Term("DOID:9", "made-up disease", "Disease", xrefs=("MESH:C000001",)),
    ]
    fixed, changed = corrected_mesh_xrefs(doid, mesh)
    assert [t.xrefs for t in fixed] == [("MESH:D014376",), ("MESH:D014917",), ("MESH:D002689",), ("MESH:C000001",)]
    assert changed == {"DOID:399": ("MESH:D014375", "MESH:D014376"), "DOID:1116": ("MESH:D001885", "MESH:D014917")}


def test_every_reader_of_doid_mesh_mappings_gets_them_corrected(tmp_path: Path) -> None:
    from diagnosis.definitions import doid_keys
    from ontologies.loaders import load_doid_mesh

    mappings = tmp_path / "MESHinDO.tsv"
    mappings.write_text(
        'id\tlabel\txrefs\n"DOID:12365"\t"malaria"\t"MESH:D002169"\n"DOID:10763"\t"hypertension"\t"MESH:D006973"\n'
    )
    files = (DATA / "mini_mesh_trees.tsv", DATA / "mini_mesh_terms.tsv")
    assert [t.xrefs for t in load_doid_mesh(mappings)] == [("MESH:D002169",), ("MESH:D006973",)]  # as written
    assert [t.xrefs for t in load_doid_mesh(mappings, *files)] == [("MESH:D008288",), ("MESH:D006973",)]
    keys, _ = doid_keys(mappings, mesh_files=files)
    assert keys == {"MESH:D008288": "DOID:12365", "MESH:D006973": "DOID:10763"}


def test_an_obsolete_doid_disease_keys_nothing_for_diagnosis(tmp_path: Path) -> None:
    """DOID's mapping report keeps retired diseases ("obsolete constipation" -> MESH:D003248): the
    diagnosis graph must list MeSH's Constipation under its own id, not "obsolete constipation"."""
    from diagnosis.definitions import doid_keys
    from ontologies.loaders import load_doid_mesh, load_doid_tsv

    mappings = tmp_path / "MESHinDO.tsv"
    mappings.write_text(
        'id\tlabel\txrefs\n"DOID:2089"\t"obsolete constipation"\t"MESH:D003248"\n'
        '"DOID:10763"\t"hypertension"\t"MESH:D006973"\n'
    )
    assert [t.obsolete for t in load_doid_tsv(mappings)[0]] == [True, False]
    assert [t.curie for t in load_doid_mesh(mappings)] == ["DOID:10763"]
    keys, _ = doid_keys(mappings)
    assert keys == {"MESH:D006973": "DOID:10763"}
