"""Lay language: denied phenotypes (NegEx), the dense matcher's windows, and calibrated confidence."""

import zlib

import numpy as np
import pytest

from diagnosis.context import ContextBuilder, PhenotypeTagger, phenotypes_of
from diagnosis.diagnoser import (
    MIN_CONFIDENCE,
    Diagnoser,
    ScoredCase,
    calibration,
    choose_temperature,
    confident,
    softmax,
)
from diagnosis.graph import DiseaseGraph
from diagnosis.lay import DensePhenotypes, Negation, anatomy_words, denial_is_finding, gerund
from ontologies.loaders import load_mesh_anatomy
from tests.diagnosis.helpers import records


@pytest.fixture(scope="module")
def tagger() -> PhenotypeTagger:
    return PhenotypeTagger(records().terms)


@pytest.mark.parametrize(
    ("text", "denied", "present"),
    [
        ("No seizures, but low muscle tone.", ["HP:0001250"], ["HP:0001252"]),
        ("I don't have seizures.", ["HP:0001250"], []),
        ("The child denies seizures and reports hypotonia.", ["HP:0001250"], ["HP:0001252"]),
        ("Seizures are absent.", ["HP:0001250"], []),
        ("He has seizures.", [], ["HP:0001250"]),
        ("I can't stop having seizures.", [], ["HP:0001250"]),  # "can't" is a complaint, not a denial
        ("No seizures, just hypotonia.", ["HP:0001250"], ["HP:0001252"]),  # "just" ends the denial
    ],
)
def test_denied_phenotypes_are_found_marked_and_never_counted(
    tagger: PhenotypeTagger, text: str, denied: list[str], present: list[str]
) -> None:
    found = tagger.tag(text)
    assert [f.curie for f in found if f.negated] == denied
    assert phenotypes_of(found) == present


class _BagOfWords:
    """A deterministic stand-in encoder: texts sharing words are near (to test the matcher's mechanics)."""

    name = "bag-of-words"

    def encode(self, texts, **_):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():  # crc32, not hash(): Python salts str hashes per process
                out[i, zlib.crc32(w.strip(".,").encode()) % 256] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _matched(dense: DensePhenotypes, text: str) -> list[str]:
    """The texts of the windows ``dense`` keeps in ``text``."""
    doc = Negation().nlp.make_doc(text)
    return [doc[s:e].text for s, e, *_ in dense.match(doc)]


def test_dense_windows_skip_function_words_body_parts_and_dictionary_matches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes(
        {"floppy muscles": "HP:0001252", "long neck": "HP:0000472"},
        _BagOfWords(),
        threshold=0.7,
        one_word=0.99,
        cache=tmp_path,
        anatomy=anatomy_words(["Abnormality of the neck"]),
    )
    doc = Negation().nlp.make_doc("My baby has floppy muscles and a neck that is fine.")
    assert [(s, e, c) for s, e, c, *_ in dense.match(doc)] == [
        (3, 5, "HP:0001252")
    ]  # "neck" alone is anatomy, never "long neck"
    texts = [doc[s:e].text for s, e in dense.windows(doc, [])]
    assert (
        "floppy muscles" in texts
        and "neck" not in texts
        and not any(t.split()[0] in ("my", "a", "that") for t in texts)
    )
    assert dense.match(doc, taken=[(3, 5)]) == []  # the dictionary's matches are not matched again
    assert list(tmp_path.glob("hpo-phrases-*.npy"))  # the phrase embeddings are cached
    again = DensePhenotypes({"floppy muscles": "HP:0001252", "long neck": "HP:0000472"}, _BagOfWords(), cache=tmp_path)
    assert np.array_equal(again.matrix, dense.matrix)


def test_the_offline_encoder_maps_a_lay_phrase_the_dictionary_misses() -> None:
    from ontologies.dense import NameEncoder

    plain = PhenotypeTagger(records().terms)
    assert phenotypes_of(plain.tag("She has been having convulsions since spring.")) == []
    # The base all-MiniLM-L6-v2 puts "convulsions" at 0.45 from "Seizures" (the fine-tuned phenotype
    # encoder much closer): a low threshold here, to test the path through a real encoder.
    plain.use_encoder(NameEncoder(), threshold=0.4, one_word=0.4)
    found = plain.tag("She has been having convulsions since spring.")
    assert [(f.curie, f.source) for f in found] == [("HP:0001250", "hpo-dense")] and 0.4 <= found[0].score < 1.0


def test_probabilities_fit_the_dev_cases_and_say_when_the_case_names_too_little() -> None:
    assert np.isclose(softmax(np.array([2.0, 0.0]), 1.0).sum(), 1.0) and softmax(np.array([]), 1.0).size == 0
    # The truth wins 3 of 4 cases by a clear margin: a moderate temperature fits better than the sharpest one.
    cases = [ScoredCase(1, None, np.array([1.0, 0.5]), np.array([2.0, 0.0]), 0) for _ in range(3)]
    cases.append(ScoredCase(2, None, np.array([1.0, 0.5]), np.array([2.0, 0.0]), 1))
    t = choose_temperature(cases, 0.0)
    assert 0.25 < t <= 12.0
    report = calibration(cases, 0.0, t)
    assert report["acc@1"] == 75.0 and 0 <= report["ece"] <= 100
    assert confident(0.9, 3) == (True, "")
    assert not confident(0.9, 1)[0] and "1 phenotype" in confident(0.9, 1)[1]
    assert not confident(MIN_CONFIDENCE - 0.01, 5)[0] and not confident(0.0, 0)[0]


def test_diagnosis_without_enough_findings_is_not_confident() -> None:
    r = records()
    builder = ContextBuilder(DiseaseGraph(r.entities, r.annotations), PhenotypeTagger(r.terms))
    result = Diagnoser(builder).diagnose("Seizures.", top_k=3)
    body = result.to_json()
    assert body["confident"] is False and "describe more findings" in body["note"]
    assert body["diagnoses"] and all(0.0 <= d["confidence"] <= 1.0 for d in body["diagnoses"])
    assert (
        abs(
            sum(
                c.confidence
                for c in Diagnoser(builder).rank("Seizures and hypotonia.", builder.findings("Seizures and hypotonia."))
            )
            - 1
        )
        < 1e-6
    )


def test_a_negation_word_inside_a_finding_denies_nothing_after_it() -> None:
    from spacy.tokens import Span

    negation = Negation()
    doc = negation.nlp.make_doc("I have no appetite, seizures and hypotonia.")
    spans = [
        Span(doc, 2, 4, label="HP:0004396"),
        Span(doc, 5, 6, label="HP:0001250"),
        Span(doc, 7, 8, label="HP:0001252"),
    ]
    assert negation.negated(doc, spans) == [False, False, False]
    doc = negation.nlp.make_doc("No seizures, hypotonia or ataxia.")
    spans = [
        Span(doc, 1, 2, label="HP:0001250"),
        Span(doc, 3, 4, label="HP:0001252"),
        Span(doc, 5, 6, label="HP:0001251"),
    ]
    assert negation.negated(doc, spans) == [True, True, True]  # a real denial still covers the list


def test_body_parts_named_by_mesh_and_where_they_are_name_no_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    trees, terms = tmp_path / "trees.tsv", tmp_path / "terms.tsv"
    trees.write_text(
        "DescriptorUI\tDescriptorName\tTreeNumber\n"
        "D006214\tHallux\tA01.378.610.250.300.792.380\n"
        "D002610\tCheek\tA01.456.505.259\n"
        "D013546\tSweat\tA12.200.702\n"
        "D005334\tFever\tC23.888.119.344\n"
    )
    rows = [
        ("D006214", "Hallux", "N", "Y"),
        ("D006214", "Big Toe", "N", "N"),
        ("D006214", "Toe, Great", "N", "N"),
        ("D002610", "Cheek", "N", "Y"),
        ("D002610", "Cheeks", "Y", "N"),
        ("D013546", "Sweat", "N", "Y"),
        ("D005334", "Fever", "N", "Y"),
    ]
    terms.write_text(
        "DescriptorUI\tConceptUI\tTermUI\tTermName\tConceptPreferredTermYN\tIsPermutedTermYN\tLexicalTag\t"
        "RecordPreferredTermYN\n" + "".join(f"{d}\tM\tT\t{t}\tY\t{p}\tNON\t{r}\n" for d, t, p, r in rows)
    )
    parts = load_mesh_anatomy(trees, terms)
    # body parts with their plurals; not the inverted form, not a secretion a patient reports, not a sign
    assert parts == {"hallux", "big toe", "cheek", "cheeks"}
    anatomy = anatomy_words([], parts)
    dense = DensePhenotypes({"long hallux": "HP:0001847"}, _BagOfWords(), cache=tmp_path, anatomy=anatomy)
    doc = Negation().nlp.make_doc("My big toe is red, the skin around my cheeks burns and my left cheek is swollen.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert not {"big toe", "around my cheeks", "left cheek"} & texts  # a body part, and where it is: no finding
    assert {"big toe is red", "cheeks burns", "left cheek is swollen"} <= texts


def test_what_the_body_passes_or_everyday_words_alone_name_no_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes(
        {"painful urination": "HP:0100518"}, _BagOfWords(), cache=tmp_path, anatomy=frozenset({"fingers"})
    )
    doc = Negation().nlp.make_doc("It burns when I pee and my stools are black.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert not {"pee", "stools"} & texts  # alone: nearest to "pee issues", Abnormality of urine homeostasis
    assert {"burns when I pee", "stools are black"} <= texts
    assert "pee" not in dense.anatomy  # "I pee a lot, even at night" shares no "pee" with "night"
    # nor everyday words with only body parts and particles beside them
    doc = Negation().nlp.make_doc("I woke up and my fingers go numb; it comes out; my foot drops.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert not {"woke up", "woke", "fingers go", "comes out", "comes"} & texts
    assert {"fingers go numb", "go numb", "foot drops"} <= texts  # Foot drop is a finding


def test_dense_windows_that_name_an_examination_a_normal_result_or_half_a_noun_phrase_are_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes({"renal neoplasm": "HP:0009726"}, _BagOfWords(), cache=tmp_path)
    doc = Negation().nlp.make_doc("A renal biopsy showed pigmented ocular fundus lesions and normal hearing.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert not {"renal biopsy", "biopsy showed", "pigmented ocular", "hearing"} & texts  # examinations, halves
    assert {"pigmented ocular fundus", "fundus lesions"} <= texts


def test_a_window_that_ends_on_how_a_lesion_looks_before_its_noun_is_half_a_noun_phrase(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes({"red eye": "HP:0025337"}, _BagOfWords(), cache=tmp_path)
    doc = Negation().nlp.make_doc("Small red bumps itch between my fingers, and my eyes are red.")
    spans = set(dense.windows(doc, []))
    assert not {(0, 1), (0, 2), (1, 2)} & spans  # "Small", "Small red" (nearest to Protanomaly), "red"
    assert {"Small red bumps", "red bumps", "eyes are red", "red"} <= {doc[s:e].text for s, e in spans}


def test_a_dense_match_to_a_term_with_a_direction_needs_the_same_direction_in_the_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes({"high blood pressure": "HP:0000822"}, _BagOfWords(), threshold=0.7, cache=tmp_path)

    def found(text: str) -> list[str]:
        return _matched(dense, text)

    assert found("My blood pressure is high.") == ["blood pressure is high"]
    assert found("Her blood pressure was 120/80.") == []  # a measurement, not its result
    assert found("She has low blood pressure.") == []  # the other way
    assert found("Abnormally high.") == []  # a degree alone names nothing


def test_the_dense_matcher_reads_only_the_sentences_the_dictionary_found_nothing_in() -> None:
    tagger = PhenotypeTagger(records().terms).use_encoder(_BagOfWords(), threshold=0.55, one_word=0.99)
    # A sentence the dictionary read is in clinical words: its other windows are not matched.
    assert [(f.curie, f.source) for f in tagger.tag("He has seizures and weak muscle tone.")] == [
        ("HP:0001250", "hpo-dictionary")
    ]
    assert [(f.curie, f.source) for f in tagger.tag("He has seizures. His muscle tone is weak.")] == [
        ("HP:0001250", "hpo-dictionary"),
        ("HP:0001252", "hpo-dense"),
    ]


def test_in_a_patients_words_the_dense_matcher_reads_the_clauses_the_dictionary_found_nothing_in() -> None:
    tagger = PhenotypeTagger(records().terms).use_encoder(_BagOfWords(), threshold=0.55, one_word=0.99)
    # A patient names several findings in one sentence; read as lay text, the clause after "and"
    # is read although the sentence has a dictionary match; read as a case report, it is not.
    text = "He has seizures and his muscle tone is weak."
    assert [(f.curie, f.source) for f in tagger.tag(text, lay=True)] == [
        ("HP:0001250", "hpo-dictionary"),
        ("HP:0001252", "hpo-dense"),
    ]
    assert [f.curie for f in tagger.tag(text)] == ["HP:0001250"]
    # The clause of the dictionary match itself stays unread.
    assert [f.curie for f in tagger.tag("He has seizures with weak muscle tone.", lay=True)] == ["HP:0001250"]


def test_a_layperson_synonym_in_the_ing_form_matches_the_verb_a_patient_writes() -> None:
    from ontologies.terms import Term

    terms = [
        Term("HP:0000118", "Phenotypic abnormality", "Phenotype"),
        Term("HP:0002105", "Hemoptysis", "Phenotype", synonyms=("Coughing up blood",), parents=("HP:0000118",)),
        Term("HP:0012735", "Cough", "Phenotype", parents=("HP:0000118",)),
    ]
    tagger = PhenotypeTagger(terms)
    assert phenotypes_of(tagger.tag("I cough up blood sometimes.")) == ["HP:0002105"]  # not only "cough"
    assert phenotypes_of(tagger.tag("I am coughing up blood.")) == ["HP:0002105"]
    assert phenotypes_of(tagger.tag("I cough.")) == ["HP:0012735"]
    from diagnosis.context import _plain_verb_forms

    assert "Run nose" in _plain_verb_forms("Running nose")
    assert "Wheeze at night" in _plain_verb_forms("Wheezing at night")
    assert _plain_verb_forms("Coughing") == set()  # one word: another term's name, maybe


def test_a_term_matches_its_plural_which_hpo_lists_for_some_terms_only() -> None:
    from diagnosis.context import _plural_forms
    from ontologies.terms import Term

    terms = [
        Term("HP:0000118", "Phenotypic abnormality", "Phenotype"),
        Term("HP:0200039", "Pustule", "Phenotype", synonyms=("Pustular lesion",), parents=("HP:0000118",)),
        Term("HP:0004372", "Ecchymosis", "Phenotype", parents=("HP:0000118",)),
        Term("HP:0001250", "Seizures", "Phenotype", parents=("HP:0000118",)),
    ]
    tagger = PhenotypeTagger(terms)
    # MeSH's scope note of impetigo: no phenotype was found in it before.
    text = "Characteristics include pustular lesions that rupture and forms a crust; ecchymoses and seizures."
    assert phenotypes_of(tagger.tag(text)) == ["HP:0200039", "HP:0004372", "HP:0001250"]
    assert _plural_forms("Thrombus") == {"thrombi", "thrombuses"}
    assert _plural_forms("Atrophy of the foot") == {"Atrophy of the feet"}
    assert _plural_forms("Mass") == {"masses"}
    assert _plural_forms("Seizures") == set()  # already a plural
    assert _plural_forms("HbA1c") == set()  # not a word


def test_a_lost_ability_needs_the_text_to_say_it_is_lost_and_a_particle_changes_a_word(tmp_path) -> None:  # type: ignore[no-untyped-def]
    phrases = {"difficulty standing up": "HP:0003698", "fall": "HP:0002527"}
    dense = DensePhenotypes(phrases, _BagOfWords(), threshold=0.75, one_word=0.9, cache=tmp_path)

    def found(text: str) -> list[str]:
        return _matched(dense, text)

    assert found("The room spins when I am standing up.") == []  # standing, no difficulty
    assert found("I can't manage standing up.") == ["standing up"]  # "can't" before the window
    assert found("I struggle standing up.") == ["standing up"]
    assert found("I often fall.") == ["fall"]
    assert found("I can't fall asleep.") == []  # "fall asleep" is no fall


def test_a_longer_window_goes_before_a_shorter_one_of_the_same_cosine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes(
        {"sore": "HP:0012531", "sore throat": "HP:0033050"}, _BagOfWords(), threshold=0.75, one_word=0.9, cache=tmp_path
    )
    doc = Negation().nlp.make_doc("Sore throat since Monday.")
    assert [(doc[s:e].text, c) for s, e, c, *_ in dense.match(doc)] == [("Sore throat", "HP:0033050")]
    dense.longer = 0.0  # cosine alone: the first of the tie, the shorter window, wins
    assert [(doc[s:e].text, c) for s, e, c, *_ in dense.match(doc)] == [("Sore", "HP:0012531")]


def test_an_excessive_synonym_without_its_degree_word_needs_a_degree_said(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes(
        {"excessive thirst": "HP:0001959", "excessive sleep": "HP:0100786", "excessive daytime sleep": "HP:0001262"},
        _BagOfWords(),
        cache=tmp_path,
    )
    assert [dense.phrases[i] for i in sorted(dense.bare)] == ["daytime sleep", "sleep", "thirst"]
    assert _matched(dense, "My thirst is there all day.") == ["thirst"]  # "all" within three words
    assert _matched(dense, "I am always in thirst.") == ["thirst"]
    assert _matched(dense, "I drink because of thirst.") == []
    assert _matched(dense, "I am unable to sleep.") == []  # no "Excessive sleep"
    dense.threshold, dense.one_word = 0.6, 0.7  # without a degree: scored against HPO's own phrases instead
    doc = Negation().nlp.make_doc("I drink because of thirst.")
    assert [(doc[s:e].text, c, round(x, 2)) for s, e, c, x, _ in dense.match(doc)] == [("thirst", "HP:0001959", 0.71)]


def test_a_when_clause_stays_in_the_window_of_its_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes({"painful urination": "HP:0100518"}, _BagOfWords(), cache=tmp_path)
    doc = Negation().nlp.make_doc("It burns when I pee, and my back hurts.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert "burns when I pee" in texts  # "when" names the finding's circumstance
    assert not any("pee" in t and "back" in t for t in texts)  # "and" still ends the clause


def test_so_before_the_word_it_strengthens_ends_no_clause(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dense = DensePhenotypes({"stiff neck": "HP:0025258"}, _BagOfWords(), threshold=0.7, one_word=0.99, cache=tmp_path)
    doc = Negation().nlp.make_doc("My neck is so stiff that I can't turn, so I stay home.")
    texts = {doc[s:e].text for s, e in dense.windows(doc, [])}
    assert "neck is so stiff" in texts  # "so stiff": an intensifier
    assert not any("turn" in t and "stay" in t for t in texts)  # "so I stay": a conjunction still ends it
    assert [doc[s:e].text for s, e, *_ in dense.match(doc)] == ["neck is so stiff"]


def test_a_coordination_that_names_its_body_part_once_gives_each_finding_the_part(tmp_path) -> None:  # type: ignore[no-untyped-def]
    phrases = {"swollen toe": "HP:0001786", "swollen ankles": "HP:0001785", "stiff neck": "HP:0025258"}
    dense = DensePhenotypes(phrases, _BagOfWords(), threshold=0.7, one_word=0.99, cache=tmp_path, anatomy=frozenset())
    dense.anatomy = anatomy_words([], ["toe", "ankle", "feet", "throat", "neck"])

    def shared(text: str) -> list[tuple[str, str]]:
        doc = Negation().nlp.make_doc(text)
        return [(doc[s:e].text, t) for s, e, t in dense.shared_part_windows(doc)]

    # each adjective with the part named before it; the part's own clause needs none
    assert shared("My big toe is red, hot and swollen.") == [("hot", "toe hot"), ("swollen", "toe swollen")]
    # each part with what the next clause says of its part
    assert shared("My ankles and feet are swollen by evening.") == [("ankles", "ankles swollen")]
    assert shared("My throat is raw and it hurts to swallow.") == []  # "it": a clause with its own subject
    assert shared("My toe hurts. Swollen.") == []  # a full stop ends the coordination

    doc = Negation().nlp.make_doc("My big toe is red, hot and swollen.")
    assert [(doc[s:e].text, c) for s, e, c, *_ in dense.match(doc, lay=True)] == [("swollen", "HP:0001786")]
    assert dense.match(doc) == []  # case reports: only the words as written


def test_every_synonym_of_a_term_whose_label_names_a_lost_ability_needs_the_loss_said(tmp_path) -> None:  # type: ignore[no-untyped-def]
    phrases = {"delayed ability to walk": "HP:0031936", "walking outdoors": "HP:0031936"}  # a made-up synonym
    labels = {"HP:0031936": "Delayed ability to walk"}
    dense = DensePhenotypes(phrases, _BagOfWords(), threshold=0.75, one_word=0.99, cache=tmp_path, labels=labels)
    assert _matched(dense, "I enjoy walking outdoors.") == []  # the label's lost ability is not said
    assert _matched(dense, "I struggle walking outdoors.") == ["walking outdoors"]
    unlabelled = DensePhenotypes(phrases, _BagOfWords(), threshold=0.75, one_word=0.99, cache=tmp_path)
    assert _matched(unlabelled, "I enjoy walking outdoors.") == ["walking outdoors"]


def test_an_adjective_alone_is_scored_as_the_best_of_it_and_its_nouns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    phrases = {"dizziness": "HP:0002321", "abnormal thirst": "HP:0001959"}
    forms = {"dizzy": ("dizziness",), "thirsty": ("thirstiness", "thirst")}
    dense = DensePhenotypes(phrases, _BagOfWords(), threshold=0.6, one_word=0.9, cache=tmp_path, forms=forms)
    doc = Negation().nlp.make_doc("I feel dizzy and always thirsty.")
    # "feel" and "always" are function words: each adjective is a window alone, scored as its noun
    assert [(doc[s:e].text, c, round(x, 2)) for s, e, c, x, _ in dense.match(doc)] == [("dizzy", "HP:0002321", 1.0)]
    dense.one_word = 0.7  # "thirst" is half of "abnormal thirst" for the bag of words (0.71)
    assert [c for _, _, c, *_ in dense.match(doc)] == ["HP:0002321", "HP:0001959"]
    plain = DensePhenotypes(phrases, _BagOfWords(), threshold=0.6, one_word=0.7, cache=tmp_path)
    assert plain.match(doc) == []  # without the nouns, no adjective shares a word with a term


def test_a_finding_with_its_site_is_the_term_named_for_that_site() -> None:
    from ontologies.terms import Term

    root = ("HP:0000118",)
    terms = [
        Term("HP:0000118", "Phenotypic abnormality", "Phenotype"),
        Term("HP:0012531", "Pain", "Phenotype", parents=root),
        Term("HP:0100749", "Chest pain", "Phenotype", parents=root),
        Term("HP:0002027", "Abdominal pain", "Phenotype", parents=root),
        Term("HP:0030157", "Flank pain", "Phenotype", parents=root),
        Term("HP:0003326", "Myalgia", "Phenotype", parents=root),
        Term("HP:0002829", "Arthralgia", "Phenotype", synonyms=("Joint pain",), parents=root),
        Term("HP:0000969", "Edema", "Phenotype", synonyms=("Swelling",), parents=root),
        Term("HP:0030999", "Ankle swelling", "Phenotype", parents=root),
    ]
    tagger = PhenotypeTagger(terms)

    def found(text: str) -> list[tuple[str, str]]:
        return [(f.text, f.name) for f in tagger.tag(text, lay=True)]

    assert found("I get a tight squeezing pain in my chest when I walk fast.") == [("pain in my chest", "Chest pain")]
    assert found("Sharp pain in the lower right abdomen that gets worse") == [
        ("pain in the lower right abdomen", "Abdominal pain")
    ]
    assert found("cramping belly pain and bloating") == [("belly pain", "Abdominal pain")]  # a patient's word for it
    assert found("severe pain in my side and back") == [("pain in my side", "Flank pain")]
    assert found("pain in my joints, swelling of both ankles") == [
        ("pain in my joints", "Arthralgia"),  # a synonym, singular
        ("swelling of both ankles", "Ankle swelling"),
    ]
    # A site the vocabulary has no term for, or a site of a site, leaves the finding as it was.
    assert found("a pain in my elbow") == [("pain", "Pain")]
    assert found("a pain in the back of my head") == [("pain", "Pain")]


def test_gerund() -> None:
    verbs = ("hear", "breathe", "see", "lie", "stop", "sit", "open", "swallow", "remember", "sleeping")
    assert [gerund(v) for v in verbs] == [
        "hearing",
        "breathing",
        "seeing",
        "lying",
        "stopping",
        "sitting",
        "opening",
        "swallowing",
        "remembering",
        "sleeping",
    ]


def test_what_a_patient_cannot_do_is_read_as_hpo_names_a_lost_ability(tmp_path) -> None:  # type: ignore[no-untyped-def]
    phrases = {
        "difficulty hearing": "HP:0000365",
        "difficulty standing": "HP:0003698",
        "heat intolerance": "HP:0002046",
    }
    dense = DensePhenotypes(phrases, _BagOfWords(), threshold=0.7, one_word=0.99, cache=tmp_path, anatomy=frozenset())

    def windows(text: str) -> list[tuple[str, str]]:
        doc = Negation().nlp.make_doc(text)
        return [(doc[s:e].text, t) for s, e, t in dense.inability_windows(doc)]

    assert windows("I can't hear as well.") == [
        ("can't hear", "difficulty hearing"),
        ("can't hear as well", "difficulty hearing as well"),
    ]
    assert windows("I cannot breathe.") == [("cannot breathe", "difficulty breathing")]
    assert windows("He couldn't stand up.")[0] == ("couldn't stand", "difficulty standing")
    # idioms: no lost ability
    assert windows("I can't stand the heat.") == windows("I can't help it.") == windows("I can't sit still.") == []
    assert windows("I can hear well.") == []

    doc = Negation().nlp.make_doc("I can't hear as well as I used to.")
    assert [(doc[s:e].text, c) for s, e, c, *_ in dense.match(doc, lay=True)] == [("can't hear", "HP:0000365")]
    assert dense.match(doc) == []  # case reports: only the words as written


def test_a_denied_window_whose_term_names_a_lack_is_that_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ontologies.terms import Term

    terms = [
        Term("HP:0000118", "Phenotypic abnormality", "Phenotype"),
        Term(
            "HP:0012450",
            "Chronic constipation",
            "Phenotype",
            synonyms=("Infrequent bowel movements",),
            parents=("HP:0000118",),
        ),
        Term("HP:0000365", "Hearing impairment", "Phenotype", synonyms=("Hearing loss",), parents=("HP:0000118",)),
    ]
    tagger = PhenotypeTagger(terms).use_encoder(_BagOfWords(), threshold=0.6, one_word=0.99, cache=tmp_path)

    def found(text: str) -> list[tuple[str, bool]]:
        return [(f.curie, f.negated) for f in tagger.tag(text, lay=True)]

    # "Infrequent bowel movements" names a lack the window does not say: the denial is the finding
    assert found("I haven't had a bowel movement in a week.") == [("HP:0012450", False)]
    # the window says the lack itself: it is no denial of the lack
    assert [(doc_text, m.lack) for doc_text, m in _lacks(tagger, "My bowel movements are infrequent.")] == [
        ("bowel movements are infrequent", False)
    ]
    assert [(t, m.lack) for t, m in _lacks(tagger, "I haven't had a bowel movement in a week.")] == [
        ("bowel movement", True)
    ]
    assert found("I have not had hearing loss.") == [("HP:0000365", True)]  # the dictionary's: as written
    # a new clause with its own subject ends a denial: "and it hurts" is not denied by "haven't"
    from diagnosis.lay import Negation

    negation = Negation()
    doc = negation.nlp.make_doc("I haven't had a fever and it hurts.")
    from spacy.tokens import Span

    assert negation.negated(doc, [Span(doc, 5, 6, label="x"), Span(doc, 8, 9, label="y")]) == [True, False]


def _lacks(tagger: PhenotypeTagger, text: str) -> list[tuple[str, object]]:
    assert tagger.dense is not None
    doc = Negation().nlp.make_doc(text)
    return [(doc[m.start : m.end].text, m) for m in tagger.dense.match(doc, lay=True)]


def test_a_denial_is_the_finding_only_where_the_phrase_names_a_lack_the_window_does_not_say() -> None:
    assert denial_is_finding("Infrequent bowel movements", "bowel movement")
    assert denial_is_finding("Absent reflexes", "reflexes")
    assert denial_is_finding("Hair loss", "hair")
    assert not denial_is_finding("Hair loss", "losing hair")  # "I haven't been losing hair": denied
    assert not denial_is_finding("Hearing loss", "hearing problems")  # a complaint, denied
    assert not denial_is_finding("Heart failure", "heart")  # a failure, an impairment: diseases
    assert not denial_is_finding("Hearing impairment", "hearing")
    assert not denial_is_finding("Lower limb pain", "leg pain")
    # an abnormality the window names is denied: a case report's "no impairment of cellular immunity"
    assert not denial_is_finding("Lack of T cell function", "impairment of cellular immunity")
