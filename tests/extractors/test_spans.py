"""Predicted spans tidied to annotators' boundaries."""

from extractors.spans import tidy_spans
from tests.extractors.helpers import doc_with


def _tidy(text: str, *spans: tuple[str, str]) -> list[tuple[str, str]]:
    out = tidy_spans(doc_with(text, *spans))
    assert out.mentions and all(text[m.start : m.end] == m.text for m in out.mentions)
    return [(m.text, m.label) for m in out.mentions]


def test_spans_widen_to_whole_letter_and_digit_runs() -> None:
    assert _tidy("PGI2 and NH4Ac rose.", ("2", "Chemical"), ("NH4", "Chemical")) == [
        ("PGI2", "Chemical"),
        ("NH4Ac", "Chemical"),
    ]


def test_dangling_punctuation_and_letterless_spans_go() -> None:
    text = "(-)-baclofen, piperacillin- and 10 - (x) were given."
    got = _tidy(text, (")-baclofen,", "Chemical"), ("piperacillin-", "Chemical"), ("10", "Chemical"), ("-", "Chemical"))
    assert got == [("baclofen", "Chemical"), ("piperacillin", "Chemical")]


def test_a_promoter_variant_keeps_its_minus_and_a_closing_bracket_it_does_not_open_goes() -> None:
    text = "the -3170G>A and IL8-251A/A variants, the (R1306W) change and -2 anions."
    got = _tidy(text, ("3170G>A", "Variant"), ("251A/A", "Variant"), ("R1306W)", "Variant"), ("-2 anions", "Chemical"))
    # a minus before a number is a variant's sign only: a chemical loses it as before
    assert got == [("-3170G>A", "Variant"), ("-251A/A", "Variant"), ("R1306W", "Variant"), ("2 anions", "Chemical")]
    assert _tidy("the p.R469[R,X] change", ("p.R469[R,X]", "Variant")) == [("p.R469[R,X]", "Variant")]  # balanced: kept


def test_a_variant_keeps_the_position_it_ends_on() -> None:
    text = "a methionine-->valine substitution at codon 404 and diclofenac 75 mg."
    got = _tidy(text, ("methionine-->valine substitution at codon 404", "Variant"), ("diclofenac 75", "Chemical"))
    assert got == [("methionine-->valine substitution at codon 404", "Variant"), ("diclofenac", "Chemical")]


def test_a_variant_takes_the_kind_of_change_and_the_other_allele_written_right_after_it() -> None:
    text = "the DD32 deletion, a 96 bp insertion, the -3279 AC+AA genotype, -521C/T and a C677T mutation in MTHFR."
    got = _tidy(
        text,
        ("DD32", "Variant"),
        ("96 bp", "Variant"),
        ("-3279 AC", "Variant"),
        ("-521C", "Variant"),
        ("C677T", "Variant"),
    )
    assert got == [
        ("DD32 deletion", "Variant"),
        ("96 bp insertion", "Variant"),
        ("-3279 AC+AA", "Variant"),
        ("-521C/T", "Variant"),
        ("C677T", "Variant"),  # "mutation" is no part of it, as BioRED annotates
    ]
    assert _tidy("the Gly deletion", ("Gly", "Chemical")) == [("Gly", "Chemical")]  # variants only


def test_a_slash_left_at_the_end_goes() -> None:
    assert _tidy("the p62/SQSTM1 gene", ("p62/", "Gene")) == [("p62", "Gene")]


def test_function_words_and_doses_at_the_ends_go_but_names_with_numbers_stay() -> None:
    text = "nausea and vomiting; hyperplasia of the bladder; diclofenac 75 mg; CB 3717; diabetes type 2."
    got = _tidy(
        text,
        ("nausea and", "Disease"),
        ("hyperplasia of the", "Disease"),
        ("diclofenac 75", "Chemical"),
        ("CB 3717", "Chemical"),
        ("diabetes type 2", "Disease"),
    )
    assert got == [
        ("nausea", "Disease"),
        ("hyperplasia", "Disease"),
        ("diclofenac", "Chemical"),
        ("CB 3717", "Chemical"),
        ("diabetes type 2", "Disease"),
    ]


def test_spans_that_come_to_overlap_merge_into_one() -> None:
    text = "Coenzyme Q10 helps."
    assert _tidy(text, ("Coenzyme Q", "Chemical"), ("10", "Chemical")) == [("Coenzyme Q10", "Chemical")]


def test_a_name_split_at_its_short_form_in_brackets_is_one_mention() -> None:
    text = "hypoxia-inducible factor (HIF)-1a and cytochrome P450 (CYP) rose; IL-6 (pg) levels (IL-6) fell."
    genes = ["hypoxia-inducible factor", "HIF)-1a", "cytochrome P450", "CYP)", "IL-6"]
    got = _tidy(text, *((g, "Gene") for g in genes), ("pg) levels", "Chemical"))
    # a short form alone in its brackets stays apart; so does a mention of another type
    joined = ["hypoxia-inducible factor (HIF)-1a", "cytochrome P450", "CYP", "IL-6"]
    assert got == [*((g, "Gene") for g in joined), ("pg) levels", "Chemical")]


def test_chemicals_that_name_an_enzyme_go() -> None:
    text = "N-acetyl-beta-D-glucosaminidase, cyclooxygenase inhibitors, Schiff base and lipase rose in disease."
    got = _tidy(
        text,
        ("N-acetyl-beta-D-glucosaminidase", "Chemical"),
        ("cyclooxygenase inhibitors", "Chemical"),
        ("Schiff base", "Chemical"),
        ("lipase", "Disease"),
        ("disease", "Disease"),
    )
    assert got == [
        ("cyclooxygenase inhibitors", "Chemical"),
        ("Schiff base", "Chemical"),
        ("lipase", "Disease"),
        ("disease", "Disease"),
    ]


def test_a_faculty_made_better_is_no_disease() -> None:
    text = "nicotinic-induced cognitive enhancement, visual improvement and cognitive impairment in rats."
    spans = [
        ("cognitive enhancement", "Disease"),  # the noun inside the span
        ("visual", "DiseaseOrPhenotypicFeature"),  # the noun right after it (BioRED's label)
        ("cognitive impairment", "Disease"),
    ]
    assert _tidy(text, *spans) == [("cognitive impairment", "Disease")]
    # a noun before such a word, a function (a decline of it is a disorder), and a chemical stay
    text = "a tumor enhancement agent; pain improvement; decline of cognitive function; Lithium improvement"
    spans = [("tumor", "Disease"), ("pain", "Disease"), ("cognitive function", "Disease"), ("Lithium", "Chemical")]
    assert _tidy(text, *spans) == [(t, label) for t, label in spans]
    assert _tidy("a cognitive improvement", ("cognitive", "Skill")) == [("cognitive", "Skill")]  # a user's own label
