"""The cause check: trained for real on BioRED's and BC5CDR's training splits (once per session),
saved as JSON, and applied to ``causes`` relations by their evidence sentences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from extractors.cause_check import (
    FORMAT,
    CauseCheck,
    best_threshold,
    cause_check_path,
    load_or_train_cause_check,
)
from kg.errors import ConfigError
from kg.types import Document, Mention, Relation
from wiring.settings import Settings

pytestmark = pytest.mark.shared_data

CHEM, DIS, OTHER = "MESH:D008012", "MESH:D006323", "MESH:D001249"


def _check(home: Path) -> CauseCheck:
    [path] = (home / "cause-check").iterdir()
    return CauseCheck.load(path)


def _doc(sentence: str, chemical: str, disease: str) -> Document:
    """One sentence naming ``chemical`` and ``disease`` (grounded as the pipeline grounds them), with
    the relation model's ``causes`` between them."""
    a, b = sentence.index(chemical), sentence.index(disease)
    mentions = (
        Mention(a, a + len(chemical), chemical, "Chemical", ids=(CHEM,)),
        Mention(b, b + len(disease), disease, "Disease", ids=(DIS,)),
    )
    return Document(
        "d", sentence, mentions=mentions, relations=(Relation(CHEM, "CID", DIS, 0.9, span=(0, len(sentence))),)
    )


def test_trained_on_both_corpora_with_a_cross_validated_threshold(cause_check_home: Path) -> None:
    check = _check(cause_check_home)
    card = check.card
    assert set(card["corpora"]) == {"biored_train", "bc5cdr_train"}
    assert card["corpora"]["biored_train"]["pairs"] > 2000 and card["corpora"]["bc5cdr_train"]["positive"] > 1000
    assert 0.05 < check.threshold < 0.95 and card["threshold"] == round(check.threshold, 4)
    assert card["cv_f1"] > 45  # out-of-fold F1 of "the corpus says the chemical raises the disease" (54.5 here)
    assert len(card["training_data_sha256"]) == 64


def test_a_stated_cause_stays_and_a_stated_treatment_becomes_an_association(cause_check_home: Path) -> None:
    check = _check(cause_check_home)
    docs = [
        _doc("Lidocaine induced asystole in two patients after an overdose.", "Lidocaine", "asystole"),
        _doc("Lidocaine is effective in the treatment of asystole in children.", "Lidocaine", "asystole"),
    ]
    out = check.apply(docs)
    assert [r.predicate for d in out for r in d.relations] == ["CID", "Association"]
    # the pair, its model score and its evidence span stay as they were
    assert [(r.subject, r.object, r.score, r.span) for d in out for r in d.relations] == [
        (r.subject, r.object, r.score, r.span) for d in docs for r in d.relations
    ]
    # the evidence read: the span with both concepts masked, and the words between them as features
    from extractors.cause_check import pair_text
    from extractors.text import split_sentences

    text = pair_text(docs[0], split_sentences(docs[0].text), CHEM, DIS)
    assert text == "NSENT1 CHEMX induced DISEASEX in two patients after an overdose. ORDERCD NBETWEEN0 b_induced"


def test_with_a_model_of_biored_types_a_cause_needs_its_positive_correlation_too(
    cause_check_home: Path, shared_data: Path
) -> None:
    from dataclasses import replace

    from extractors.ensemble import reads_correlations

    check = _check(cause_check_home)
    stated = _doc("Lidocaine induced asystole in two patients after an overdose.", "Lidocaine", "asystole")
    agreed = replace(stated, relations=(*stated.relations, Relation(DIS, "Positive_Correlation", CHEM, 0.7)))
    other = replace(stated, relations=(*stated.relations, Relation(CHEM, "Negative_Correlation", DIS, 0.7)))

    def causes(docs: list[Document], **kw: bool) -> list[str]:
        return [
            r.predicate for d in check.apply(docs, **kw) for r in d.relations if r.predicate in ("CID", "Association")
        ]

    assert causes([stated, agreed, other]) == ["CID", "CID", "CID"]  # no such model ran: the check alone
    # BioRED's model relates the pair (either way round) as a Positive_Correlation, or not at all, or otherwise
    assert causes([stated, agreed, other], correlated=True) == ["Association", "CID", "Association"]
    # with the agreement the check's cut is AGREED_THRESHOLD (two readers, each looser), not its own
    own, check.threshold = check.threshold, 0.999
    assert causes([agreed]) == ["Association"] and causes([agreed], correlated=True) == ["CID"]
    check.threshold = own
    check.agreement = False  # MEDKG_CAUSE_AGREEMENT=false
    assert causes([stated, agreed, other], correlated=True) == ["CID", "CID", "CID"]

    class Model:
        def __init__(self, labels: list[str | None]) -> None:
            self.labels = labels

    assert reads_correlations([Model([None, "CID"]), Model([None, "Association", "Positive_Correlation"])])
    assert not reads_correlations([Model([None, "CID"])]) and not reads_correlations([])
    for agree in (True, False):  # MEDKG_CAUSE_AGREEMENT reaches the check the pipeline loads
        loaded = Settings(home=cause_check_home, data_dir=shared_data, cause_check=True, cause_agreement=agree)
        assert loaded.cause_checker().agreement is agree  # type: ignore[union-attr]


def test_a_chemical_named_only_as_what_something_resists_is_no_cause(cause_check_home: Path) -> None:
    check = _check(cause_check_home)
    # the session-14 MEDLINE census's methicillin -> keratitis edge, and the same drug also named itself
    only = _doc(
        "Methicillin-resistant Staphylococcus aureus keratitis induced corneal perforation.", "Methicillin", "keratitis"
    )
    also = Document(
        "e",
        only.text + " Methicillin was given.",
        mentions=(
            *only.mentions,
            Mention(len(only.text) + 1, len(only.text) + 12, "Methicillin", "Chemical", ids=(CHEM,)),
        ),
        relations=only.relations,
    )
    from extractors.cause_check import named_only_as_qualifier

    assert named_only_as_qualifier(only, CHEM) and not named_only_as_qualifier(also, CHEM)
    assert not named_only_as_qualifier(_doc("Insulin therapy and diabetes.", "Insulin", "diabetes"), CHEM)
    assert named_only_as_qualifier(_doc("Insulin dependent diabetes.", "Insulin", "diabetes"), CHEM)
    [out] = check.apply([only])
    assert [(r.predicate, r.score, r.span) for r in out.relations] == [("Association", 0.9, (0, len(only.text)))]


def _chemical_everywhere(text: str, name: str) -> Document:
    """``text`` with a chemical mention of CHEM wherever ``name`` occurs."""
    starts, at = [], text.find(name)
    while at >= 0:
        starts.append(at)
        at = text.find(name, at + 1)
    return Document("d", text, mentions=tuple(Mention(a, a + len(name), name, "Chemical", ids=(CHEM,)) for a in starts))


def test_a_chemical_named_only_as_a_level_or_inside_a_name_is_no_exposure() -> None:
    from extractors.cause_check import named_without_exposure

    def without(text: str, name: str = "cholesterol") -> bool:
        return named_without_exposure(_chemical_everywhere(text, name), CHEM)

    assert without("Components were hypertension and low cholesterol.")
    assert without("Serum cholesterol rose and cholesterol levels were high.")
    assert without("It was defined by the National Cholesterol Education Program.", "Cholesterol")
    assert without("Insulin-dependent diabetes.", "Insulin")  # a qualifier, as before
    assert not without("Patients took cholesterol and then developed gallstones.")
    assert not without("Serum cholesterol rose after cholesterol feeding.")  # the second is an exposure
    assert not without("A high cholesterol diet caused atherosclerosis.")  # a diet is an exposure
    assert not without("No mention of the chemical.")
    # a list shares the words before its first item and after its last
    text = "Blood glucose, triglycerides, cholesterol and urea (BUN) levels were measured."
    doc = _chemical_everywhere(text, "cholesterol")
    others = tuple(
        Mention(text.index(n), text.index(n) + len(n), n, "Chemical", ids=(OTHER,))
        for n in ("glucose", "triglycerides", "urea", "BUN")
    )
    doc = Document("d", text, mentions=(*doc.mentions, *others))
    assert named_without_exposure(doc, CHEM)
    unlisted = Document("d", "Cholesterol was fed; glucose levels rose.", mentions=())
    unlisted = Document(
        "d",
        unlisted.text,
        mentions=(
            Mention(0, 11, "Cholesterol", "Chemical", ids=(CHEM,)),
            Mention(21, 28, "glucose", "Chemical", ids=(OTHER,)),
        ),
    )
    assert not named_without_exposure(unlisted, CHEM)


def test_other_relations_and_relations_without_mentions_are_left_alone(cause_check_home: Path) -> None:
    check = _check(cause_check_home)
    doc = _doc("Outcome measures were lidocaine use and asystole at discharge.", "lidocaine", "asystole")
    doc = Document(
        doc.doc_id,
        doc.text,
        mentions=doc.mentions,
        relations=(
            Relation(CHEM, "treats", DIS, 0.8, span=(0, len(doc.text))),
            Relation(OTHER, "CID", DIS, 0.8),  # no mention of OTHER: no evidence to read
        ),
    )
    assert check.apply([doc]) == [doc]


def test_saved_as_json_and_loaded_gives_the_same_probabilities(cause_check_home: Path, tmp_path: Path) -> None:
    check = _check(cause_check_home)
    texts = ["NSENT1 CHEMX induced DISEASEX in rats", "NSENT1 CHEMX for the treatment of DISEASEX", "NSENT2 words"]
    check.save(tmp_path / "c.json")
    raw = json.loads((tmp_path / "c.json").read_text())
    assert set(raw) == {"card", "threshold", "intercept", "coef", "idf", "vocabulary"}  # no pickle
    again = CauseCheck.load(tmp_path / "c.json")
    assert np.allclose(again.probability(texts), check.probability(texts), atol=1e-5)
    assert check.probability(texts)[0] > check.threshold > check.probability(texts)[1]


def test_settings_find_the_trained_check_and_broken_or_missing_files_fail_in_one_line(
    cause_check_home: Path, shared_data: Path, tmp_path: Path
) -> None:
    shutil.copytree(cause_check_home / "cause-check", tmp_path / "cause-check")
    settings = Settings(home=tmp_path, data_dir=shared_data, cause_check=True)
    [path] = (tmp_path / "cause-check").iterdir()
    before = path.stat().st_mtime_ns
    assert settings.cause_checker() is not None and path.stat().st_mtime_ns == before  # loaded, not trained again
    assert settings.model_copy(update={"cause_check": False}).cause_checker() is None
    # a site without the corpora (installed models) uses the check it has
    no_corpora = [("x", tmp_path / "missing.PubTator", frozenset({"CID"}))]
    assert load_or_train_cause_check(no_corpora, tmp_path / "cause-check").card["format"] == FORMAT
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not a readable cause check.*delete it"):
        settings.cause_checker()
    with pytest.raises(ConfigError, match="MEDKG_CAUSE_CHECK=false"):
        load_or_train_cause_check([("x", tmp_path / "missing.PubTator", frozenset({"CID"}))], tmp_path)
    assert cause_check_path(tmp_path, [tmp_path / "cause-check" / path.name]).name.startswith(f"cause-check-v{FORMAT}-")


def test_best_threshold_maximizes_f1() -> None:
    labels = np.array([1, 1, 0, 1, 0, 0])
    probs = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    threshold, f1 = best_threshold(labels, probs)
    assert threshold == 0.6 and f1 == pytest.approx(2 * 0.75 * 1.0 / 1.75)


def test_evidence_that_denies_the_link_is_no_cause() -> None:
    from extractors.cause_check import denies_link

    assert denies_link("NSENT1 CHEMX , used by 38% of patients, was not associated with DISEASEX risks")
    assert denies_link("NSENT1 There was no significant association between CHEMX and DISEASEX .")
    assert denies_link("NSENT1 CHEMX did not cause DISEASEX in rats")
    # Denied for another disease, then stated for this one: "but" ends the denial.
    assert not denies_link(
        "NSENT1 CHEMX was not associated with OTHERDIS risks, but was related significantly to DISEASEX ."
    )
    assert not denies_link("NSENT1 CHEMX - induced DISEASEX was not prevented by OTHERCHEM")
    assert not denies_link("NSENT1 no CHEMX here")
    # The closest mentions of the two: a short form right after the chemical does not hide the denial.
    assert denies_link("NSENT1 CHEMX ( CHEMX ), used by 38% of patients, was not associated with DISEASEX risks")


def test_an_exclusion_criterion_is_no_cause() -> None:
    from extractors.cause_check import states_exclusion

    assert states_exclusion("NSENT1 Patients with a history of long-term use or allergy to CHEMX were excluded.")
    assert states_exclusion("NSENT1 Exclusion criteria were CHEMX -induced DISEASEX and pregnancy.")
    # Where the evidence runs over several sentences, the criterion may be another sentence's.
    assert not states_exclusion("NSENT3 Exclusion criteria included OTHERDIS . ... CHEMX ... DISEASEX")
    assert not states_exclusion("NSENT1 A CHEMX -induced DISEASEX cannot be excluded.")


def test_another_chemicals_cause_wording_is_masked_as_its_own() -> None:
    from extractors.cause_check import pair_text
    from extractors.text import split_sentences

    def text(sentence: str, names: list[tuple[str, str, str]], subject: str) -> str:
        mentions, at = [], 0
        for name, label, curie in names:
            start = sentence.index(name, at)
            mentions.append(Mention(start, start + len(name), name, label, ids=(curie,)))
            at = start + len(name)
        doc = Document("d", sentence, mentions=tuple(mentions))
        return pair_text(doc, split_sentences(sentence), subject, DIS) or ""

    sentence = "Can low dose of propofol effectively suppress fentanyl-induced cough?"
    names = [("propofol", "Chemical", CHEM), ("fentanyl", "Chemical", OTHER), ("cough", "Disease", DIS)]
    # fentanyl's "induced" is fentanyl's, not the pair's
    assert "OTHERCAUSE DISEASEX" in text(sentence, names, CHEM) and "induced" not in text(sentence, names, CHEM)
    # the pair's own cause wording stays, as does one the pair's chemical shares
    assert "CHEMX -induced DISEASEX" in text(sentence, names, OTHER)
    sentence = "Seizures: pilocarpine- and kainic acid-induced seizures in rats."
    names = [
        ("pilocarpine", "Chemical", CHEM),
        ("kainic acid", "Chemical", OTHER),
        ("seizures", "Disease", DIS),
    ]
    assert "OTHERCHEM -induced DISEASEX" in text(sentence, names, CHEM)
