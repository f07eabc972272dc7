from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from extractors.abbreviations import find_abbreviations
from kg.errors import ConfigError, OntologyError
from kg.types import Document, Mention
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_ctd_diseases, load_doid_tsv, load_hpo_annotations, load_obo, load_sssom
from ontologies.normalizer import Normalizer, evaluate
from ontologies.text import normalize

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def index() -> TermIndex:
    hpo, _ = load_obo(DATA / "mini.obo", "Phenotype")
    ctd, _ = load_ctd_diseases(DATA / "mini_ctd.tsv")
    doid, _ = load_doid_tsv(DATA / "mini_doid.tsv")
    mappings, _ = load_sssom(DATA / "mini.sssom.tsv")
    return TermIndex(merge_concepts(hpo + ctd + doid, mappings), [])


def test_obo_loader_reads_synonyms_xrefs_parents_and_obsolete() -> None:
    terms, info = load_obo(DATA / "mini.obo", "Phenotype")
    by_id = {t.curie: t for t in terms}
    seizure = by_id["HP:0001250"]
    assert seizure.synonyms == ("Seizures", "Epileptic seizure") or set(seizure.synonyms) == {
        "Seizures",
        "Epileptic seizure",
    }
    assert seizure.parents == ("HP:0000001",) and seizure.xrefs == ("UMLS:C0036572",)
    assert by_id["HP:0000999"].obsolete and by_id["HP:0000999"].replaced_by == "HP:0001250"
    assert info.version == "mini/2025-01-01"


def test_merge_makes_mesh_mondo_doid_one_concept(index: TermIndex) -> None:
    assert index.canonical("MONDO:0005015") == "MESH:D003920"
    assert index.canonical("DOID:9351") == "MESH:D003920"
    i = index.by_curie["MESH:D003920"]
    assert {"MONDO:0005015", "DOID:9351"} <= set(index.xrefs[i])
    # A MONDO id mapped to two MeSH descriptors does not fuse them.
    assert index.canonical("MESH:D999999") == "MESH:D999999"
    assert index.canonical("MESH:D010051") == "MESH:D010051"
    # A DOID term without a MeSH mapping keeps its own id.
    assert index.canonical("DOID:0000001") == "DOID:0000001"


def test_a_bridge_to_a_descriptor_of_another_branch_keeps_the_disease_descriptor_as_the_id() -> None:
    from ontologies.terms import Term

    terms = [
        Term("MESH:D003866", "Depressive Disorder", "Disease", source="MEDIC"),
        # MeSH's "Depression" is a behaviour (F01): not a disease type, so no anchor of its own
        Term("MESH:D003863", "Depression", "Other", ("Emotional Depression",), source="MeSH"),
        Term("DOID:1596", "depressive disorder", "Disease", xrefs=("MESH:D003863", "MESH:D003866"), source="DOID"),
    ]
    index = TermIndex(merge_concepts(terms), [])
    assert index.canonical("MESH:D003863") == index.canonical("DOID:1596") == "MESH:D003866"
    assert Normalizer(index).normalize("depression", "Disease")[0].curie == "MESH:D003866"


def test_a_short_form_the_document_defines_as_the_other_type_names_nothing_of_this_type() -> None:
    from ontologies.terms import Term

    terms = [
        Term("CHEBI:17883", "hydrogen chloride", "Chemical", ("HCl",), source="ChEBI"),
        Term("MESH:D016773", "Leishmaniasis, Cutaneous", "Disease", ("cutaneous leishmaniasis",), source="MeSH"),
        Term("MESH:D010433", "Pentylenetetrazole", "Chemical", ("PTZ",), source="MeSH"),
        Term("MESH:D002712", "Chlorides", "Chemical", ("chloride",), source="MeSH"),
        Term("MESH:D007165", "Immunosuppression Therapy", "Procedure", ("immunosuppression",), source="MeSH"),
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), []))
    # "human cutaneous leishmaniasis (HCL)": the letters are no chemical in this document
    assert n.normalize("HCL", "Chemical", {"HCL": "human cutaneous leishmaniasis"}) == []
    assert n.normalize("HCL", "Chemical")[0].curie == "CHEBI:17883"  # undefined, the vocabulary's reading
    # a long form that is no name, or ends in a name of its own type or of no entity type, leaves
    # the short form its own name
    assert n.normalize("PTZ", "Chemical", {"PTZ": "pentetrazol"})[0].curie == "MESH:D010433"
    assert n.normalize("PTZ", "Chemical", {"PTZ": "tetrazolium chloride"})[0].curie == "MESH:D010433"
    assert n.normalize("PTZ", "Chemical", {"PTZ": "pentetrazol immunosuppression"})[0].curie == "MESH:D010433"


def test_normalize_exact_forms(index: TermIndex) -> None:
    n = Normalizer(index)
    assert n.normalize("febrile seizures", "Disease")[0].curie == "MESH:D003294"  # inverted MeSH name, plural
    assert n.normalize("Low blood pressure", "DiseaseOrPhenotypicFeature")[0].curie == "MESH:D007022"
    assert n.normalize("seizures", "Phenotype")[0].curie == "HP:0001250"  # type-aware
    assert normalize("β-cell") == "beta cell"


def test_normalize_resolves_abbreviations_from_the_document(index: TermIndex) -> None:
    abbreviations = find_abbreviations("Patients with low blood pressure (LBP) were studied. LBP recurred.")
    assert abbreviations == {"LBP": "low blood pressure"}
    n = Normalizer(index)
    assert n.normalize("LBP", "Disease") == []
    assert n.normalize("LBP", "Disease", abbreviations)[0].curie == "MESH:D007022"


def test_the_tfidf_fallback_ranks_the_same_from_non_zero_cosines_alone(index: TermIndex) -> None:
    texts = ["diabetis melitus", "hypotensive", "breast tumour", "sugar", "zzz", "seizures febrile"]
    sparse = Normalizer(index, dense_weight=0.0)  # the context bonus (0.05) under the threshold
    dense = Normalizer(index, dense_weight=0.0, context_bonus=0.6)  # above: every name is scored
    got = sparse._fuzzy(texts, "Disease")
    assert got == dense._fuzzy(texts, "Disease")
    assert got[0] and not got[4]  # a misspelling finds its disease; no 3-gram in common, nothing


def test_normalize_splits_composite_mentions(index: TermIndex) -> None:
    ((groundings, composite),) = Normalizer(index).normalize_many([("breast and ovarian cancers", "Disease")])
    assert composite and [g.curie for g in groundings] == ["MESH:D001943", "MESH:D010051"]


def test_a_composite_part_no_name_matches_exactly_takes_the_fallbacks_concept(index: TermIndex) -> None:
    ((groundings, composite),) = Normalizer(index).normalize_many([("breast and ovary cancers", "Disease")])
    # "breast cancers" is a name; "ovary cancers" is none: the fallback's best concept for it
    assert composite and [g.curie for g in groundings] == ["MESH:D001943", "MESH:D010051"]
    assert groundings[0].score == 1.0 and groundings[1].score < 1.0
    # name matches only where the caller asks for them (a span one word longer, a retyped mention):
    # a predicted composite keeps its own span, not "than breast and ovary cancers" below the floor
    assert Normalizer(index)._named("breast and ovary cancers", None, "Disease") is None
    text = "More often than breast and ovary cancers."
    start = text.index("breast")
    tagged = Document("1", text, mentions=(Mention(start, len(text) - 1, text[start:-1], "Disease"),))
    (out,) = Normalizer(index).normalize_predicted([tagged], drugs=False)
    assert [(m.text, m.composite, len(m.groundings)) for m in out.mentions] == [("breast and ovary cancers", True, 2)]
    # no part named exactly: the whole mention is the fallback's, one concept
    ((groundings, composite),) = Normalizer(index).normalize_many([("breast or ovary tumours", "Disease")])
    assert not composite and [g.curie for g in groundings][:1] == ["MESH:D001943"]
    # numbers and letters are no parts the fallback grounds
    assert Normalizer(index).normalize_many([("hypotension/B2", "Disease")])[0][1] is False


def test_a_one_word_disease_adjective_is_named_by_the_noun_its_ending_makes(index: TermIndex) -> None:
    (g,) = Normalizer(index).normalize("hypotensive", "Disease")[:1]
    assert (g.curie, g.score) == ("MESH:D007022", 1.0)  # "hypotension", a name
    assert Normalizer(index)._named("hypotensive", None, "Phenotype") is None  # diseases only
    assert Normalizer(index)._named("hypotensive state", None, "Disease") is None  # one word only


def test_a_disease_named_exactly_takes_the_non_before_it_where_that_makes_another_name() -> None:
    from ontologies.terms import Term

    terms = [
        Term("MESH:D003922", "Diabetes Mellitus, Type 1", "Disease", ("insulin-dependent diabetes mellitus",)),
        Term("MESH:D003924", "Diabetes Mellitus, Type 2", "Disease", ("non-insulin-dependent diabetes mellitus",)),
        Term("MESH:D001281", "Atrial Fibrillation", "Disease", ("AF",)),
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), []), dense_weight=0.0)
    text = "Patients with non-insulin-dependent diabetes mellitus and non-AF controls."
    start = text.index("insulin")
    tagged = (Mention(start, start + 35, text[start : start + 35], "Disease"),)
    af = text.index("AF")
    tagged += (Mention(af, af + 2, "AF", "Disease"),)
    (out,) = n.normalize_predicted([Document("1", text, mentions=tagged)], drugs=False)
    assert [(m.text, m.groundings[0].curie) for m in out.mentions] == [
        ("non-insulin-dependent diabetes mellitus", "MESH:D003924"),
        ("AF", "MESH:D001281"),  # "non-AF" is no name: the mention stays as the tagger had it
    ]


def test_british_spellings_match_american_names() -> None:
    assert normalize("Bladder Tumours") == normalize("bladder tumors") == "bladder tumor"
    assert normalize("sulphasalazine") == "sulfasalazine" and normalize("aluminium") == "aluminum"
    assert normalize("four hours") == "four hour" and normalize("flour") == "flour"


def test_training_corpus_names_rank_by_annotation_count_and_composites_name_all_parts() -> None:
    from ontologies.terms import CompositeName, Term

    ctd, _ = load_ctd_diseases(DATA / "mini_ctd.tsv")
    corpus = [
        Term("MESH:D003920", "sugar disease", "Disease", source="corpus:a"),
        *[Term("MESH:D007022", "sugar disease", "Disease", source="corpus:a")] * 2,
        Term("MESH:D003920", "hypotension", "Disease", source="corpus:a"),
        Term("MESH:D007022", "Hypotension", "Disease", source="corpus:b"),
    ]
    composites = [CompositeName("breast-ovary tumour", "Disease", ("MESH:D001943", "MESH:D010051"))] * 2
    composites.append(CompositeName("low blood pressure", "Disease", ("MESH:D007022", "MESH:D003920")))
    n = Normalizer(TermIndex(merge_concepts(ctd + corpus), [], composites))
    assert n.normalize("sugar disease", "Disease")[0].curie == "MESH:D007022"  # annotated twice against once
    # One annotation each: the concept whose own name it is comes first.
    assert n.normalize("hypotension", "Disease")[0].curie == "MESH:D007022"
    ((groundings, composite),) = n.normalize_many([("Breast-ovary tumours", "Disease")])
    assert composite and [g.curie for g in groundings] == ["MESH:D001943", "MESH:D010051"]
    # Annotated as a composite more often than as one concept (never, here): all its parts.
    assert [g.curie for g in n.normalize("low blood pressure", "Disease")] == ["MESH:D007022", "MESH:D003920"]


def test_a_gene_family_one_document_annotated_as_a_composite_is_read_as_any_other_name() -> None:
    from ontologies.terms import CompositeName, Term

    terms = [
        Term("NCBIGene:4086", "SMAD1", "Gene"),
        Term("NCBIGene:4090", "SMAD5", "Gene"),
        Term("NCBIGene:4093", "SMAD9", "Gene", synonyms=("SMAD8",)),
        Term("NCBIGene:7431", "VIM", "Gene", synonyms=("vimentin",)),
        Term("NCBIGene:22352", "Vim", "Gene", synonyms=("vimentin",)),
    ]
    taxa = {"NCBIGene:4086": "9606", "NCBIGene:4090": "9606", "NCBIGene:4093": "9606", "NCBIGene:7431": "9606"}
    taxa["NCBIGene:22352"] = "10090"
    composites = [
        CompositeName("Smad", "Gene", ("NCBIGene:4086", "NCBIGene:4090", "NCBIGene:4093")),  # a family
        CompositeName("Smad1/5/8", "Gene", ("NCBIGene:4086", "NCBIGene:4090", "NCBIGene:4093")),  # numbered
        CompositeName("vimentin", "Gene", ("NCBIGene:7431", "NCBIGene:22352")),  # one gene, two species
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), [], composites, taxa=taxa), dense_weight=0.0)
    assert n._named("Smad", None, "Gene") is None  # no name, no composite: the fallback's to read
    named = n._named("Smad1/5/8", None, "Gene")
    assert named is not None and named[1] and len(named[0]) == 3
    named = n._named("vimentin", None, "Gene")
    assert named is not None and named[1] and {g.curie for g in named[0]} == {"NCBIGene:7431", "NCBIGene:22352"}


def test_a_name_goes_to_the_mesh_concept_before_another_vocabularys_whose_own_name_it_is() -> None:
    from ontologies.terms import Term

    terms = [
        Term("CHEBI:26536", "retinoic acid", "Chemical"),
        Term("MESH:D014212", "Tretinoin", "Chemical", ("Retinoic Acid", "all-trans-Retinoic Acid")),
        Term("CHEBI:15365", "acetylsalicylic acid", "Chemical"),
        Term("MESH:D001241", "Aspirin", "Chemical", ("Acetylsalicylic Acid",)),
        Term("MESH:D014212", "ATRA", "Chemical"),  # suppose MeSH had the name, and
        Term("CHEBI:26536", "ATRA", "Chemical", source="corpus:a"),  # annotators gave it ChEBI's concept
    ]
    terms += [
        Term("DOID:783", "end stage renal disease", "Disease"),
        Term("MESH:D007676", "Kidney Failure, Chronic", "Disease", ("End-Stage Renal Disease", "ESRD")),
        Term("HP:0003774", "Stage 5 chronic kidney disease", "Phenotype", ("End stage renal disease",)),
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), []), dense_weight=0.0)
    assert [g.curie for g in n.normalize("retinoic acid", "Chemical")] == ["MESH:D014212", "CHEBI:26536"]
    assert n.normalize("end-stage renal disease", "Disease")[0].curie == "MESH:D007676"
    assert n.normalize("end-stage renal disease", "Phenotype")[0].curie == "HP:0003774"  # its own type's concept
    assert n.normalize("Acetylsalicylic acid", "Chemical")[0].curie == "MESH:D001241"
    assert n.normalize("ATRA", "Chemical")[0].curie == "CHEBI:26536"  # a training corpus's name comes first still


def test_normalize_is_nil_below_the_threshold(index: TermIndex) -> None:
    n = Normalizer(index, threshold=0.5)
    assert n.normalize("completely unrelated words", "Disease") == []
    fuzzy = n.normalize("diabetes melitus", "Disease")  # a typo: found by 3-gram TF-IDF
    assert fuzzy and fuzzy[0].curie == "MESH:D003920" and 0.5 <= fuzzy[0].score < 1.0


def test_index_cache_round_trip(index: TermIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "index.pkl")
    again = TermIndex.load(tmp_path / "index.pkl")
    assert again.curies == index.curies
    assert Normalizer(again).normalize("Breast Cancer", "Disease")[0].curie == "MESH:D001943"
    (tmp_path / "bad.pkl").write_bytes(b"not a pickle")
    with pytest.raises(OntologyError, match="delete it to rebuild"):
        TermIndex.load(tmp_path / "bad.pkl")


def test_evaluate_counts_alternatives_and_composites(index: TermIndex) -> None:
    text = "Breast cancer and breast and ovarian cancers and hypotension."
    doc = Document(
        "1",
        text,
        mentions=(
            Mention(0, 13, "Breast cancer", "Disease", ids=("MESH:D001943",)),
            Mention(
                18, 44, "breast and ovarian cancers", "Disease", ids=("MESH:D001943", "MESH:D010051"), composite=True
            ),
            Mention(49, 60, "hypotension", "Disease", ids=("MESH:D000001", "MESH:D007022")),
        ),
    )
    result = evaluate(Normalizer(index), [doc])
    assert result["accuracy_at_1"] == 100.0 and result["mentions_with_ids"] == 3


def _doc(doc_id: str, text: str, *mentions: str) -> Document:
    found = []
    for m in mentions:
        start = text.index(m)
        found.append(Mention(start, start + len(m), m, "Disease"))
    return Document(doc_id, text, mentions=tuple(found))


def test_document_context_favours_concepts_matched_in_the_same_document(index: TermIndex) -> None:
    n = Normalizer(index)
    # Alone, "ovary" is closest (3-grams) to "Ovary thing"; where "ovarian cancer" is named, to it.
    alone, named = n.normalize_documents(
        [
            _doc("1", "The ovary was removed.", "ovary"),
            _doc("2", "Ovarian cancer spread beyond the ovary.", "Ovarian cancer", "ovary"),
        ]
    )
    assert alone.mentions[0].groundings[0].curie == "MESH:D999999"
    assert [m.groundings[0].curie for m in named.mentions] == ["MESH:D010051", "MESH:D010051"]
    assert (
        Normalizer(index, context_bonus=0.0).normalize_documents([named])[0].mentions[1].groundings[0].curie
        == "MESH:D999999"
    )


def test_short_forms_defined_in_another_document_of_the_batch(index: TermIndex) -> None:
    defines = _doc("1", "Patients with low blood pressure (LBP) were seen.", "LBP")
    uses = _doc("2", "LBP recurred after treatment.", "LBP")
    shared = Normalizer(index).normalize_documents([defines, uses])
    assert [d.mentions[0].groundings[0].curie for d in shared] == ["MESH:D007022", "MESH:D007022"]
    alone = Normalizer(index, shared_abbreviations=False).normalize_documents([defines, uses])
    assert alone[1].mentions[0].groundings == ()


def test_predicted_mentions_grounded_too_weakly_are_dropped(index: TermIndex) -> None:
    text = "Hypotension, diabetes melitus, some odd finding and aspirin."
    doc = _doc("1", text, "Hypotension", "diabetes melitus", "some odd finding")
    doc = replace(doc, mentions=(*doc.mentions, Mention(52, 59, "aspirin", "Chemical")))
    (kept,) = Normalizer(index).normalize_predicted([doc])
    # exact (1.0) and a typo found by 3-grams (above 0.7) stay; the NIL disease goes; chemicals
    # are not filtered even when NIL (the mini index has none)
    assert [m.text for m in kept.mentions] == ["Hypotension", "diabetes melitus", "aspirin"]
    assert kept.mentions[2].groundings == ()
    assert len(Normalizer(index).normalize_documents([doc])[0].mentions) == 4
    assert len(Normalizer(index).normalize_predicted([doc], floors={})[0].mentions) == 4


def test_a_one_word_disease_needs_a_closer_match_than_a_longer_one(index: TermIndex) -> None:
    text = "Hypotensoin and diabetes melitus were seen; hypotension too."
    doc = _doc("1", text, "Hypotensoin", "diabetes melitus", "hypotension")
    n = Normalizer(index)
    typo = n.normalize("Hypotensoin", "Disease")[0]
    assert typo.curie == "MESH:D007022" and 0.7 <= typo.score < 0.9  # a fuzzy match a longer mention would keep
    (kept,) = n.normalize_predicted([doc])
    # the one-word typo goes below 0.9; the two-word one (a fuzzy match too) and the exact word stay
    assert [m.text for m in kept.mentions] == ["diabetes melitus", "hypotension"]
    assert kept.mentions[0].groundings[0].score < 1.0
    (all_kept,) = n.normalize_predicted([doc], one_word_floors={})
    assert [m.text for m in all_kept.mentions] == ["Hypotensoin", "diabetes melitus", "hypotension"]


def test_predicted_chemicals_only_the_fuzzy_fallback_grounds_stay_as_nil_mentions() -> None:
    from ontologies.terms import Term

    chemicals = [
        Term("MESH:D000078330", "Oxcarbazepine", "Chemical"),
        Term("MESH:D001241", "Aspirin", "Chemical", synonyms=("Acetylsalicylic Acid",)),
    ]
    index = TermIndex(merge_concepts(chemicals, []), [])
    n = Normalizer(index, dense_weight=0.0)
    text = "Salicylic acid and acetylsalicylic acid and aspirin."
    doc = Document(
        "1", text, mentions=tuple(Mention(a, b, text[a:b], "Chemical") for a, b in ((0, 14), (19, 39), (44, 51)))
    )
    # another chemical, which the character 3-grams put close to aspirin's synonym
    fuzzy = n.normalize("Salicylic acid", "Chemical")
    assert fuzzy and fuzzy[0].curie == "MESH:D001241" and 0.55 < fuzzy[0].score < 0.95
    (out,) = n.normalize_predicted([doc])
    assert [(m.text, [g.curie for g in m.groundings]) for m in out.mentions] == [
        ("Salicylic acid", []),
        ("acetylsalicylic acid", ["MESH:D001241"]),
        ("aspirin", ["MESH:D001241"]),
    ]
    (kept,) = n.normalize_predicted([doc], nil_below={})
    assert kept.mentions[0].groundings[0].curie == "MESH:D001241"


def test_a_predicted_disease_runs_on_over_words_that_name_a_more_specific_disease() -> None:
    from ontologies.terms import Term

    diseases = [
        Term("MESH:D006973", "Hypertension", "Disease"),
        Term("MESH:D000075222", "Essential Hypertension", "Disease"),
        Term("MESH:D009083", "Mucopolysaccharidoses", "Disease", synonyms=("mucopolysaccharidosis",)),
        Term("MESH:D009087", "Mucopolysaccharidosis VI", "Disease", synonyms=("mucopolysaccharidosis type VI",)),
        Term("MESH:D007249", "Inflammation", "Disease", synonyms=("chronic inflammation",)),
    ]
    n = Normalizer(TermIndex(merge_concepts(diseases, []), []), dense_weight=0.0)
    text = "Essential hypertension, mucopolysaccharidosis type VI and chronic inflammation."
    names = ("hypertension", "mucopolysaccharidosis", "inflammation")
    doc = _doc("1", text, *names)
    (out,) = n.normalize_predicted([doc], drugs=False)
    assert [(m.text, m.groundings[0].curie) for m in out.mentions] == [
        ("Essential hypertension", "MESH:D000075222"),
        ("mucopolysaccharidosis type VI", "MESH:D009087"),
        ("inflammation", "MESH:D007249"),  # the same concept either way: the tagger's span stays
    ]
    assert all(text[m.start : m.end] == m.text for m in out.mentions)


def test_a_predicted_disease_of_coordinated_whole_names_is_one_mention_each() -> None:
    from ontologies.terms import Term

    diseases = [
        Term("MESH:D008223", "Lymphoma", "Disease"),
        Term("MESH:D007938", "Leukemia", "Disease"),
        Term("MESH:D003920", "Diabetes Mellitus", "Disease", synonyms=("diabetic",)),
        Term("MESH:D003929", "Diabetic Neuropathies", "Disease", synonyms=("diabetic neuropathy",)),
        Term("MESH:D020258", "Neurotoxicity Syndromes", "Disease", synonyms=("toxic neuropathy",)),
    ]
    n = Normalizer(TermIndex(merge_concepts(diseases, []), []), dense_weight=0.0)
    text = "Lymphoma and leukemia, and diabetic and toxic neuropathy."
    names = ("Lymphoma and leukemia", "diabetic and toxic neuropathy")
    doc = _doc("1", text, *names)
    (out,) = n.normalize_predicted([doc], drugs=False)
    assert [(m.text, m.concepts()) for m in out.mentions[:2]] == [
        ("Lymphoma", ("MESH:D008223",)),
        ("leukemia", ("MESH:D007938",)),
    ]
    # "diabetic" is a name alone, but the shared head makes it another one: one composite mention
    assert out.mentions[2].text == "diabetic and toxic neuropathy" and out.mentions[2].composite


def test_predicted_genes_only_the_fuzzy_fallback_grounds_stay_as_nil_mentions() -> None:
    """ "channels" is no TRPV1 and "cytokine" no IK: a gene mention no name matches keeps its span
    and loses its groundings; one a name matches keeps them."""
    from ontologies.terms import Term

    genes = [Term("NCBIGene:7442", "TRPV1", "Gene", synonyms=("transient receptor potential channel V1", "VR1"))]
    n = Normalizer(TermIndex(merge_concepts(genes, []), []), dense_weight=0.0)
    text = "The potential channels and VR1."
    spans = ((4, 22), (27, 30))
    doc = Document("1", text, mentions=tuple(Mention(a, b, text[a:b], "Gene") for a, b in spans))
    fuzzy = n.normalize(text[4:22], "Gene")
    assert fuzzy and fuzzy[0].curie == "NCBIGene:7442" and fuzzy[0].score < 0.95
    (out,) = n.normalize_predicted([doc])
    assert [(m.text, [g.curie for g in m.groundings]) for m in out.mentions] == [
        ("potential channels", []),
        ("VR1", ["NCBIGene:7442"]),
    ]


def test_a_disease_fills_a_gap_when_it_names_one_exactly_and_a_short_form_through_its_definition(
    index: TermIndex,
) -> None:
    n = Normalizer(index)
    text = "Febrile seizures followed cesarean section (CS) in children with febrile seizures (FS); FS recurred."

    def at(word: str, label: str = "Disease", nth: int = 0) -> Mention:
        start = -1
        for _ in range(nth + 1):
            start = text.index(word, start + 1)
        return Mention(start, start + len(word), word, label)

    doc = Document("1", text)
    assert n.fills_gap(doc, at("Febrile seizures"))  # a disease's exact name
    assert not n.fills_gap(doc, at("seizures"))  # no exact name: only a fuzzy match
    assert n.fills_gap(doc, at("FS", nth=1))  # a short form the document defines as a disease
    assert not n.fills_gap(doc, at("CS"))  # defined as a procedure
    assert not n.fills_gap(Document("2", "FS recurred."), Mention(0, 2, "FS", "Disease"))  # never defined
    assert not n.fills_gap(doc, at("Febrile seizures", "Chemical"))  # only diseases fill gaps


def test_predicted_mentions_one_word_short_of_a_name_take_the_longer_span(index: TermIndex) -> None:
    text = "Febrile seizures were seen."
    n = Normalizer(index)
    assert n.normalize("seizures", "Disease")[0].score < 0.95  # alone: only a 3-gram match
    (kept,) = n.normalize_predicted([_doc("1", text, "seizures")])
    assert [(m.start, m.end, m.text) for m in kept.mentions] == [(0, 16, "Febrile seizures")]
    assert kept.mentions[0].groundings[0].curie == "MESH:D003294"
    # a longer span that would overlap another mention is not taken
    (both,) = n.normalize_predicted([_doc("2", text, "Febrile", "seizures")], one_word_floors={})
    assert both.mentions and all(m.end - m.start < 16 for m in both.mentions)
    # gold-style normalization leaves spans alone
    assert n.normalize_documents([_doc("3", text, "seizures")])[0].mentions[0].text == "seizures"


def test_predicted_chemicals_that_name_only_a_disease_become_diseases(index: TermIndex) -> None:
    text = "Hypotension and HYPOTENSION after aspirin."
    doc = Document(
        "1", text, mentions=tuple(Mention(a, b, text[a:b], "Chemical") for a, b in ((0, 11), (16, 27), (34, 41)))
    )
    n = Normalizer(index)
    (out,) = n.normalize_predicted([doc])
    assert [(m.text, m.label) for m in out.mentions] == [
        ("Hypotension", "Disease"),
        ("HYPOTENSION", "Chemical"),
        ("aspirin", "Chemical"),
    ]
    assert out.mentions[0].groundings[0].curie == "MESH:D007022"
    # all capitals may be a short form meaning a chemical in its abstract; retype={} turns it off
    assert [m.label for m in n.normalize_predicted([doc], retype={})[0].mentions] == ["Chemical"] * 3


@pytest.fixture(scope="module")
def embedded() -> TermIndex:
    """The mini vocabularies with their disease names embedded by the real offline encoder."""
    from ontologies.dense import NameEncoder

    hpo, _ = load_obo(DATA / "mini.obo", "Phenotype")
    ctd, _ = load_ctd_diseases(DATA / "mini_ctd.tsv")
    index = TermIndex(merge_concepts(hpo + ctd), [])
    index.embed(NameEncoder(), ["Disease"])
    return index


def test_dense_fallback_finds_paraphrases_that_share_no_3_grams(embedded: TermIndex, tmp_path: Path) -> None:
    assert embedded.dense_encoder == "all-minilm-l6-v2" and set(embedded.dense) == {"Disease"}
    assert embedded.dense["Disease"].shape == (len(embedded.row_forms["Disease"]), 384)
    assert Normalizer(embedded, dense_weight=0.0).normalize("mammary carcinoma", "Disease") == []
    n = Normalizer(embedded)
    assert n.normalize("mammary carcinoma", "Disease")[0].curie == "MESH:D001943"
    assert n.normalize("ovary tumour", "Disease")[0].curie == "MESH:D010051"
    assert n.normalize("completely unrelated words", "Disease") == []  # still NIL below the threshold
    assert n.normalize("seizures", "Phenotype")[0].curie == "HP:0001250"  # types without embeddings: TF-IDF
    assert Normalizer(embedded, query_encoder="full").load_encoder().encoder is not None
    assert (
        Normalizer(TermIndex(merge_concepts(load_ctd_diseases(DATA / "mini_ctd.tsv")[0]), [])).load_encoder().encoder
        is None
    )
    embedded.save(tmp_path / "index.pkl")
    again = Normalizer(TermIndex.load(tmp_path / "index.pkl"))
    assert again.normalize("mammary carcinoma", "Disease") == n.normalize("mammary carcinoma", "Disease")


@pytest.mark.slow
def test_static_query_encoder_is_distilled_into_the_name_space(embedded: TermIndex, tmp_path: Path) -> None:
    """The distilled static encoder puts names where the full encoder does; the normalizer uses it
    for mentions when the index has one (the full encoder is then never loaded), and it survives
    a save and load. The mini vocabulary is below MIN_DISTILL_NAMES, so the index has none of its
    own: it is distilled here with small settings (mechanics, not accuracy: BENCHMARKS.md)."""
    from ontologies.dense import NameEncoder, StaticQueryEncoder, distill_query_encoder

    assert embedded.query_encoder is None  # too few names to distill from
    names = embedded.row_forms["Disease"]
    vectors = embedded.dense["Disease"]
    static = distill_query_encoder(NameEncoder(), names, vectors, variants=50, epochs=40)
    assert isinstance(static, StaticQueryEncoder) and static.name == embedded.dense_encoder
    cosines = (static.encode(names) * vectors.astype(np.float32)).sum(axis=1)
    assert cosines.min() > 0.9, cosines
    index = TermIndex.load(_saved(embedded, tmp_path / "a.pkl"))
    index.query_encoder = static
    fast = Normalizer(index)
    assert fast.load_encoder().encoder is None  # the full encoder is not even loaded
    assert fast.normalize("breast neoplasm", "Disease")[0].curie == "MESH:D001943"
    loaded = TermIndex.load(_saved(index, tmp_path / "b.pkl")).query_encoder
    assert loaded is not None and np.allclose(loaded.encode(["ovary tumour"]), static.encode(["ovary tumour"]))
    assert Normalizer(index, query_encoder="full").load_encoder().encoder is not None
    with pytest.raises(ConfigError, match="query_encoder"):
        Normalizer(index, query_encoder="tiny")


def _saved(index: TermIndex, path: Path) -> Path:
    index.save(path)
    return path


def test_dense_fallback_refuses_another_encoder_and_a_bad_weight(embedded: TermIndex) -> None:
    from ontologies.dense import NameEncoder

    other = NameEncoder()
    other.name = "some/other-encoder"
    with pytest.raises(OntologyError, match="embedded with 'all-minilm-l6-v2'"):
        Normalizer(embedded, encoder=other).normalize("mammary carcinoma", "Disease")
    with pytest.raises(ConfigError, match="dense_weight"):
        Normalizer(embedded, dense_weight=1.5)


def test_name_encoder_in_float32_on_every_cpu(tmp_path: Path) -> None:
    """``fp32=True`` keeps float32 weights whatever the CPU has (the Synthea edges compare a score
    with a fixed threshold), and caches its embeddings apart from the default encoder's, which
    runs in bf16 on CPUs that have it."""
    import torch

    from ontologies.dense import NameEncoder, cached_embeddings, encoder_fingerprint

    exact, default = NameEncoder(fp32=True), NameEncoder()
    assert {p.dtype for p in exact.model.parameters()} == {torch.float32}
    assert encoder_fingerprint(exact) == encoder_fingerprint(default) + "|fp32"
    names = ["Seizure", "Cold intolerance"]
    cached_embeddings(exact, names, tmp_path, "names")
    cached_embeddings(default, names, tmp_path, "names")
    assert len(list(tmp_path.glob("names-*.npy"))) == 2
    vectors = exact.encode(names)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_hpo_annotations_frequencies(tmp_path: Path) -> None:
    path = tmp_path / "phenotype.hpoa"
    path.write_text(
        "#date: 2025-01-16\n"
        "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\tbiocuration\n"
        "OMIM:100\tD one\t\tHP:0001250\tPMID:1\tPCS\t\t3/4\t\t\tP\tx\n"
        "OMIM:100\tD one\t\tHP:0001250\tPMID:7;OMIM:100\tPCS\t\t1/4\t\t\tP\tx\n"
        "OMIM:100\tD one\tNOT\tHP:0002027\tPMID:1\tPCS\t\t\t\t\tP\tx\n"
        "OMIM:100\tD one\t\tHP:0002027\tPMID:1;PMID:100\tPCS\t\tHP:0040281\t\t\tP\tx\n"
        "OMIM:100\tD one\t\tHP:0000006\tPMID:1\tPCS\t\t\t\t\tI\tx\n"
    )
    rows, names, info = load_hpo_annotations(path)
    # one row per pair: the highest frequency stated, every PMID cited, but not the disease's own
    # OMIM number written as a PMID (HPO's mislabel on Hairy elbows' rows)
    assert [(r.phenotype, r.frequency, r.pmids) for r in rows] == [
        ("HP:0001250", 0.75, ("1", "7")),
        ("HP:0002027", 0.9, ("1",)),
    ]
    assert names == {"OMIM:100": "D one"} and info.version == "2025-01-16"


def test_missing_vocabulary_file_is_an_ontology_error(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match="no such file"):
        load_ctd_diseases(tmp_path / "nope.tsv")


@pytest.mark.slow
@pytest.mark.shared_data
def test_shared_vocabularies_index_and_reload(shared_data: Path, tmp_path: Path) -> None:
    import time

    from ontologies.sources import load_or_build

    stale = tmp_path / "term-index-0123456789abcdef.pkl"  # an index of an older format
    stale.write_bytes(b"old")
    index = load_or_build(shared_data, tmp_path)
    assert len(index) > 50_000 and {"Disease", "Chemical", "Phenotype"} <= set(index.matrices)
    assert not stale.exists() and len(list(tmp_path.glob("term-index-*.pkl"))) == 1
    t0 = time.perf_counter()
    again = load_or_build(shared_data, tmp_path)
    assert time.perf_counter() - t0 < 5
    n = Normalizer(again)
    assert n.normalize("Parkinson's disease", "Disease")[0].curie == "MESH:D010300"
    assert n.normalize("seizures", "Phenotype")[0].curie == "HP:0001250"
    assert again.canonical("MONDO:0005180") == "MESH:D010300"


def test_a_fallback_match_that_says_the_opposite_direction_loses_to_one_that_does_not() -> None:
    from ontologies.terms import Term

    terms = [
        Term("MESH:D002303", "Cardiac Output, Low", "Disease"),
        Term("MESH:D016534", "Cardiac Output, High", "Disease"),
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), []), dense_weight=0.0)
    assert n.normalize("increased cardiac output", "Disease")[0].curie == "MESH:D016534"
    assert n.normalize("reduced cardiac output", "Disease")[0].curie == "MESH:D002303"
    # a mention that says no direction ranks them as before, each by its own 3-grams
    assert {g.curie for g in n.normalize("cardiac outputs", "Disease")} == {"MESH:D002303", "MESH:D016534"}


def test_a_fallback_match_that_names_another_word_of_the_mentions_kind_or_a_non_loses() -> None:
    from ontologies.terms import Term

    terms = [
        Term("MESH:D019106", "Postoperative Hemorrhage", "Disease"),
        Term("MESH:D016063", "Blood Loss, Surgical", "Disease", synonyms=("Intraoperative Blood Loss",)),
        Term("MESH:D000090023", "Non-Muscle Invasive Bladder Neoplasms", "Disease"),
        Term("MESH:D001749", "Urinary Bladder Neoplasms", "Disease", synonyms=("Bladder Cancer",)),
    ]
    n = Normalizer(TermIndex(merge_concepts(terms), []), dense_weight=0.0, threshold=0.3)
    assert n.normalize("intraoperative hemorrhages", "Disease")[0].curie == "MESH:D016063"
    assert n.normalize("muscle-invasive bladder cancers", "Disease")[0].curie == "MESH:D001749"
    assert n.normalize("non-muscle-invasive bladder tumours", "Disease")[0].curie == "MESH:D000090023"
    # a mention that says none of the group takes either
    assert n.normalize("hemorrhages after surgery", "Disease")[0].curie in {"MESH:D019106", "MESH:D016063"}


@pytest.mark.slow
def test_name_encoder_embeds_each_token_sequence_once_whatever_its_batch() -> None:
    """Texts the tokenizer reads alike ("Renal Failure", "renal failure") share one embedding,
    and a text's embedding does not depend on what it is batched with (no padding leaks into the
    mean), nor on the order of the texts; no text gives an empty matrix of the right width."""
    from ontologies.dense import NameEncoder

    encoder = NameEncoder()
    texts = ["renal failure", "Renal Failure", "a much longer name of a disease of the kidney", "gout"]
    together = encoder.encode(texts, batch_size=4)
    assert np.array_equal(together[0], together[1])
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=2e-2)
    assert (together * alone).sum(axis=1).min() > 0.999
    assert np.allclose(encoder.encode(texts[::-1], batch_size=4), together[::-1], atol=1e-3)
    assert encoder.encode([]).shape == (0, encoder.dimension)
