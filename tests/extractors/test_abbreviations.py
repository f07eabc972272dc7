"""Abbreviation definitions, and NER predictions made to agree with them."""

from extractors.abbreviations import find_abbreviations, harmonize_abbreviations
from kg.types import Document, Mention


def _doc(text: str, *spans: tuple[str, str, float]) -> Document:
    mentions = []
    for form, label, score in spans:
        start = text.index(form)
        mentions.append(Mention(start, start + len(form), form, label, score=score))
    return Document("1", text, mentions=tuple(mentions))


def _tags(doc: Document) -> list[tuple[str, int, str]]:
    return [(m.text, m.start, m.label) for m in doc.mentions]


def test_short_forms_take_the_tagged_long_forms_type() -> None:
    text = "Carbamazepine (CBZ) caused myocardial infarction (MI). CBZ and MI again; MIA is another word."
    doc = _doc(text, ("Carbamazepine", "Chemical", 0.9), ("myocardial infarction", "Disease", 0.8))
    # The model tagged the second CBZ with the wrong type and missed both MIs and the first CBZ.
    doc = Document("1", text, mentions=doc.mentions + (Mention(55, 58, "CBZ", "Disease", score=0.4),))
    out = harmonize_abbreviations(doc)
    assert _tags(out) == [
        ("Carbamazepine", 0, "Chemical"),
        ("CBZ", 15, "Chemical"),
        ("myocardial infarction", 27, "Disease"),
        ("MI", 50, "Disease"),
        ("CBZ", 55, "Chemical"),
        ("MI", 63, "Disease"),
    ]
    added = next(m for m in out.mentions if m.start == 50)
    assert added.score == 0.8  # the long form's confidence


def test_a_short_form_whose_long_form_is_untagged_is_dropped() -> None:
    text = "The number needed to treat (NNT) was low. NNT matters."
    doc = Document("1", text, mentions=(Mention(42, 45, "NNT", "Disease"),))
    assert harmonize_abbreviations(doc).mentions == ()


def test_documents_without_definitions_are_unchanged() -> None:
    doc = _doc("Cocaine caused seizures.", ("Cocaine", "Chemical", 1.0))
    assert harmonize_abbreviations(doc) == doc
    assert find_abbreviations(doc.text) == {}


def test_a_tagged_mention_before_a_bracketed_short_form_defines_it() -> None:
    # One letter is below Schwartz & Hearst's minimum; "P-treated" counts; "(X)" after a mention
    # with another initial defines nothing.
    text = "Glycosuria was induced with phlorizin (P). P-treated rats and P rats; saline (X) and X."
    doc = _doc(text, ("phlorizin", "Chemical", 0.9), ("saline", "Chemical", 0.8))
    got = [(m.text, m.start) for m in harmonize_abbreviations(doc).mentions]
    assert got == [("phlorizin", 28), ("P", 39), ("P", 43), ("P", 62), ("saline", 70)]


def test_definitions_are_found_after_long_words_and_in_linear_time() -> None:
    import time

    long_word = "x" * 400  # wider than the first window the words before a bracket are read from
    text = f"{long_word} angiotensin-converting enzyme (ACE) and {long_word} {long_word} nitric oxide (NO)."
    assert find_abbreviations(text) == {"ACE": "angiotensin-converting enzyme", "NO": "nitric oxide"}
    start = time.perf_counter()
    assert find_abbreviations("alpha beta (AB) " * 20_000) == {"AB": "alpha beta"}
    assert time.perf_counter() - start < 5.0  # the whole prefix read at each bracket: about a minute


def test_a_short_form_followed_by_more_in_its_brackets_is_defined() -> None:
    text = (
        "X-linked hypophosphatemic rickets (XLH; OMIM 307800) and Cyclosporin A (CsA, 5 mg/kg) were "
        "studied in rats (Sham, n = 5), that is (ie, in all)."
    )
    # the short form up to the first ";" or ","; a word or "ie" there defines nothing
    assert find_abbreviations(text) == {"XLH": "X-linked hypophosphatemic rickets", "CsA": "Cyclosporin A"}
