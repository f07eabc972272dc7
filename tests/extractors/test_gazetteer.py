"""The training split's mention strings as a dictionary feature of a NER model."""

from pathlib import Path

import pytest

from extractors.gazetteer import GAZETTEER_FILE, Gazetteer
from kg.errors import ConfigError
from kg.types import Document, Mention


def _doc(doc_id: str, text: str, *spans: tuple[int, int, str]) -> Document:
    return Document(doc_id, text, mentions=tuple(Mention(a, b, text[a:b], label) for a, b, label in spans))


def test_strings_tagged_at_least_half_the_time_are_kept_with_their_usual_type() -> None:
    train = [
        _doc("1", "Muscimol and lead; lead again.", (0, 8, "Chemical"), (13, 17, "Chemical")),
        _doc("2", "Lead poisoning, lead time, lead.", (0, 14, "Disease")),
        _doc("3", "muscimol-induced catalepsy", (0, 8, "Chemical")),
    ]
    entries = Gazetteer.from_documents(train).entries
    # "lead": tagged once in its 4 whole-word occurrences; "Muscimol" once in 1 ("muscimol-" is
    # inside a word, and case counts)
    assert entries == {"Lead poisoning": "Disease", "Muscimol": "Chemical", "muscimol": "Chemical"}
    # a model that learns chemicals only gets chemical strings
    assert Gazetteer.from_documents(train, types={"Chemical"}).entries == {
        "Muscimol": "Chemical",
        "muscimol": "Chemical",
    }


def test_tag_adds_only_free_whole_word_occurrences() -> None:
    gazetteer = Gazetteer({"muscimol": "Chemical", "Lead poisoning": "Disease"})
    text = "muscimol, muscimol-treated rats and Lead poisoning."
    doc = _doc("1", text, (36, 40, "Chemical"))  # the model tagged "Lead"
    out = gazetteer.tag(doc)
    assert [(m.text, m.start, m.label) for m in out.mentions] == [("muscimol", 0, "Chemical"), ("Lead", 36, "Chemical")]
    assert gazetteer.tag(Document("2", "nothing here")) == Document("2", "nothing here")


def test_entries_whose_words_the_text_lacks_are_skipped_without_changing_what_is_tagged() -> None:
    from extractors.text import word_occurrences

    entries = {"(2R,4R)-APDC": "Chemical", "5-FU": "Chemical", "nitric oxide": "Chemical", "MI": "Disease", "+": "X"}
    gazetteer = Gazetteer(entries)
    for text in ["5-FU and (2R,4R)-APDC, nitric oxide; MI, MIA, anti-MI + 5-FUx", "nitric oxides and 5 FU", "β-MI"]:
        expected = [
            (a, b, form) for form in entries for a, b in word_occurrences(text, form)
        ]  # every whole-word occurrence, as a substring search finds them
        got = [(m.start, m.end, m.text) for m in gazetteer.tag(Document("1", text)).mentions]
        assert sorted(got) == sorted(expected)


def test_save_and_load_round_trip_and_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    assert Gazetteer.load(tmp_path) is None
    Gazetteer({"β-alanine": "Chemical"}).save(tmp_path)
    assert Gazetteer.load(tmp_path) == Gazetteer({"β-alanine": "Chemical"})
    (tmp_path / GAZETTEER_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match=GAZETTEER_FILE):
        Gazetteer.load(tmp_path)
