"""Diseases defined in everyday words: WordNet's glosses (issue 20).

A patient says "my skin itches and there are little blisters that crust over"; MeSH's scope note
of impetigo says "a common superficial bacterial infection of the SKIN", WordNet's gloss says "a
very contagious infection of the skin; common in children; localized redness develops into small
blisters that gradually crust and erode". WordNet (Princeton's lexical database of English,
version 3.0; its licence allows any use with the copyright notice kept) defines about 2,400
diseases, conditions and symptoms that way, written for readers who are not physicians: what a
general practitioner's patient describes. ``diagnosis.definitions`` reads the phenotypes they
name (the diseases' descriptions of ``diagnosis.descriptions`` do not take them: they ranked the
lay dev cases worse; BENCHMARKS.md, session 45).

``fetch_wordnet`` gets the Debian package ``wordnet-base`` with ``apt-get download`` (no
root, nothing installed), as ``ontologies.genes`` gets the human genes, and writes the glosses
medkg reads (``lemma<TAB>synset<TAB>gloss``): for each noun, its most frequent sense that is a
pathological state or a symptom in WordNet's hierarchy (not a plant's or an animal's disease).
Only the Python standard library reads it.

The same package gives the lay-phrase matcher its nominalizations (``write_nominalizations``):
each adjective with the nouns WordNet derives from it ("dizzy" -> dizziness, "thirsty" -> thirst,
"itchy" -> itch, itchiness). A patient says "I feel dizzy", HPO names "Dizziness"; an adjective
alone is nearer to many terms than it means one ("weak" is nearest "Weak arm"), its noun is not.
"""

from __future__ import annotations

import gzip
import logging
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import OntologyError
from ontologies.genes import download_deb, extract_deb_member
from ontologies.text import normalize
from ontologies.wheels import gzip_text

log = logging.getLogger(__name__)

DEBIAN_PACKAGE = "wordnet-base"
# The senses kept: those below these synsets in WordNet's noun hierarchy, each named by lemmas it
# has ("disorder, upset" is the body's disorder, where heart failure and hypertension are; the
# "disorder" of a riot has no "upset")...
ROOTS = (frozenset({"pathological_state"}), frozenset({"symptom"}), frozenset({"disorder", "upset"}))
# ... and not below these ("pink disease" of coffee trees, "distemper" of dogs).
LEFT_OUT = (frozenset({"plant_disease"}), frozenset({"animal_disease"}))
HEADER = "lemma\tsynset\tgloss"


# A gloss's usage examples, quoted after a semicolon ("...; \"will they never find a cure?\"").
_EXAMPLES = re.compile(r';?\s*"[^"]*"')


class _Synset:
    __slots__ = ("gloss", "hypernyms", "lemmas")

    def __init__(self, lemmas: list[str], hypernyms: list[str], gloss: str) -> None:
        self.lemmas, self.hypernyms, self.gloss = lemmas, hypernyms, gloss


Pointer = tuple[str, str, str, str]  # symbol, target offset, target part of speech, source/target word numbers (hex)


def _records(data: Iterable[str]) -> Iterator[tuple[str, list[str], list[Pointer], str]]:
    """Each synset of the lines of a ``data.*`` file (the database format of ``wndb(5WN)``:
    offset, lexicographer file, type, word count in hex, words with their lex ids, pointer count,
    pointers, then ``| gloss``): its offset, words as written, pointers and gloss. The licence
    header's lines start with spaces."""
    for line in data:
        if line.startswith(" ") or not line.strip():
            continue
        head, _, gloss = line.partition(" | ")
        fields = head.split()
        n = int(fields[3], 16)
        k = 4 + 2 * n
        pointers = [
            (fields[k + 1 + 4 * j], fields[k + 2 + 4 * j], fields[k + 3 + 4 * j], fields[k + 4 + 4 * j])
            for j in range(int(fields[k]))
        ]
        yield fields[0], [fields[4 + 2 * i] for i in range(n)], pointers, gloss.strip()


def read_nouns(data_noun: Iterable[str]) -> dict[str, _Synset]:
    """WordNet's noun synsets by offset, from the lines of ``data.noun`` (``_records``)."""
    return {
        offset: _Synset(lemmas, [target for symbol, target, _, _ in pointers if symbol in ("@", "@i")], gloss)
        for offset, lemmas, pointers, gloss in _records(data_noun)
    }


def read_senses(index_noun: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """Each noun of ``index.noun`` with its synsets, most frequent sense first."""
    for line in index_noun:
        if line.startswith(" ") or not line.strip():
            continue
        fields = line.split()
        pointer_count = int(fields[3])
        yield fields[0], fields[4 + pointer_count + 2 :]


def disease_glosses(synsets: dict[str, _Synset], senses: Iterable[tuple[str, list[str]]]) -> list[tuple[str, str, str]]:
    """(lemma, synset, gloss) of each noun's most frequent sense below ``ROOTS`` and not below
    ``LEFT_OUT``, lemmas with spaces for underscores, in ``index.noun``'s order."""
    below: dict[str, str] = {}  # offset -> "in", "out" or "" (neither)

    def kind(offset: str) -> str:
        if offset in below:
            return below[offset]
        below[offset] = ""  # WordNet's noun hierarchy has no cycle; this guards against one
        s = synsets.get(offset)
        if s is None:
            return ""
        lemmas = set(s.lemmas)
        if any(names <= lemmas for names in LEFT_OUT):
            found = "out"
        elif any(names <= lemmas for names in ROOTS):
            found = "in"
        else:
            up = [kind(h) for h in s.hypernyms]
            found = "out" if "out" in up else "in" if "in" in up else ""
        below[offset] = found
        return found

    rows = []
    for lemma, offsets in senses:
        first = next((o for o in offsets if kind(o) == "in"), None)
        if first is not None:
            rows.append((lemma.replace("_", " "), first, _EXAMPLES.sub("", synsets[first].gloss).strip()))
    return rows


def write_glosses(deb: Path, out: Path) -> int:
    """The disease glosses of WordNet's ``.deb`` written to ``out`` (gzipped TSV); how many."""
    with tempfile.TemporaryDirectory() as tmp:
        data, index = Path(tmp) / "data.noun", Path(tmp) / "index.noun"
        extract_deb_member(deb, "data.noun", data)
        extract_deb_member(deb, "index.noun", index)
        with data.open(encoding="latin-1") as f:
            synsets = read_nouns(f)
        with index.open(encoding="latin-1") as f:
            rows = disease_glosses(synsets, read_senses(f))
    with gzip_text(out) as f:
        f.write(HEADER + "\n")
        for row in rows:
            f.write("\t".join(x.replace("\t", " ") for x in row) + "\n")
    return len(rows)


NOMINALIZATION_HEADER = "adjective\tnouns"


def read_synsets(data: Iterable[str]) -> dict[str, tuple[list[str], list[Pointer]]]:
    """Any part of speech's synsets by offset, from the lines of its ``data.*`` file (``_records``):
    the words (lower-cased, without an adjective's position marker such as "(a)") and every pointer."""
    return {
        offset: ([re.sub(r"\(\w+\)$", "", w).lower() for w in words], pointers)
        for offset, words, pointers, _ in _records(data)
    }


def nominalizations(adjectives: Iterable[str], nouns: Iterable[str], index_adj: Iterable[str]) -> dict[str, list[str]]:
    """Each adjective of ``index.adj`` (one word) with the nouns its senses are derivationally
    related to (WordNet's "+" pointers from that very word, not from its synonyms), in sense
    order: "dizzy" -> ["dizziness"], "thirsty" -> ["thirstiness", "thirst"]."""
    adj, noun = read_synsets(adjectives), read_synsets(nouns)
    out: dict[str, list[str]] = {}
    for line in index_adj:
        if line.startswith(" ") or not line.strip():
            continue
        fields = line.split()
        lemma, count = fields[0], int(fields[2])
        if "_" in lemma or "-" in lemma:
            continue
        found: list[str] = []
        for offset in fields[-count:]:
            words, pointers = adj.get(offset, ([], []))
            mine = {i + 1 for i, w in enumerate(words) if w == lemma}
            for symbol, target, pos, numbers in pointers:
                if symbol != "+" or pos != "n" or int(numbers[:2], 16) not in mine or target not in noun:
                    continue
                word = noun[target][0][int(numbers[2:4], 16) - 1]
                if "_" not in word and word != lemma and word not in found:
                    found.append(word)
        if found:
            out[lemma] = found
    return out


def write_nominalizations(deb: Path, out: Path) -> int:
    """The nominalizations of WordNet's ``.deb`` written to ``out`` (gzipped TSV: an adjective, its
    nouns joined by "|"); how many adjectives."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / name for name in ("data.adj", "data.noun", "index.adj")}
        for name, path in paths.items():
            extract_deb_member(deb, name, path)
        with (
            paths["data.adj"].open(encoding="latin-1") as a,
            paths["data.noun"].open(encoding="latin-1") as n,
            paths["index.adj"].open(encoding="latin-1") as i,
        ):
            rows = nominalizations(a, n, i)
    with gzip_text(out) as f:
        f.write(NOMINALIZATION_HEADER + "\n")
        for adjective, found in rows.items():
            f.write(f"{adjective}\t{'|'.join(found)}\n")
    return len(rows)


GLOSSES_FILE = "wordnet-glosses.tsv.gz"
NOMINALIZATIONS_FILE = "wordnet-nominalizations.tsv.gz"
_WRITERS = {GLOSSES_FILE: write_glosses, NOMINALIZATIONS_FILE: write_nominalizations}


def fetch_wordnet(dest: Path) -> Path:
    """``dest`` (``GLOSSES_FILE`` or ``NOMINALIZATIONS_FILE``), written first when missing from
    Debian's ``wordnet-base``, with the other file of its folder when that is missing too (one
    download for both). Raises ``OntologyError`` with what to do when that is not possible."""
    if dest.is_file():
        return dest
    if dest.name not in _WRITERS:
        raise OntologyError(f"{dest}: not a WordNet file medkg writes ({', '.join(_WRITERS)})")
    instead = (
        "diseases are then described and lay phrases matched without WordNet (MEDKG_WORDNET=false: without it "
        f"and without this warning); on a Debian or Ubuntu machine `apt-get download {DEBIAN_PACKAGE}` gets it"
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        log.info("fetching WordNet (%s, 6.5 MB, once)", DEBIAN_PACKAGE)
        deb = download_deb(DEBIAN_PACKAGE, Path(tmp), instead)
        for name, write in _WRITERS.items():
            if not (dest.parent / name).is_file():
                part = Path(tmp) / name
                count = write(deb, part)
                part.replace(dest.parent / name)
                log.info(
                    "WordNet: %d %s -> %s",
                    count,
                    name.removeprefix("wordnet-").removesuffix(".tsv.gz"),
                    dest.parent / name,
                )
    return dest


def load_nominalizations(path: Path) -> dict[str, tuple[str, ...]]:
    """Adjective -> its nouns, from a file ``write_nominalizations`` wrote."""
    forms: dict[str, tuple[str, ...]] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            if f.readline().rstrip("\n") != NOMINALIZATION_HEADER:
                raise OntologyError(
                    f"{path}: not a WordNet nominalization file (its first line is not {NOMINALIZATION_HEADER!r})"
                )
            for line in f:
                adjective, _, nouns = line.rstrip("\n").partition("\t")
                forms[adjective] = tuple(nouns.split("|"))
    except (OSError, EOFError, UnicodeError, ValueError) as exc:
        raise OntologyError(f"{path}: cannot read WordNet's nominalizations ({exc})") from exc
    return forms


class Glosses:
    """WordNet's glosses by name: ``get`` tries the name as written (lower-cased), then its
    ``normalize``d form ("anaemia" and "anemia" are two nouns of WordNet; each keeps its own)."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self.exact: dict[str, str] = {}
        self.normalized: dict[str, str] = {}
        for lemma, gloss in rows:
            self.exact.setdefault(lemma.lower(), gloss)
            self.normalized.setdefault(normalize(lemma), gloss)

    def __len__(self) -> int:
        return len(self.exact)

    def get(self, name: str) -> str | None:
        return self.exact.get(name.lower()) or self.normalized.get(normalize(name))


def load_glosses(path: Path) -> Glosses:
    """The glosses of a file ``write_glosses`` wrote."""
    rows = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            if f.readline().rstrip("\n") != HEADER:
                raise OntologyError(f"{path}: not a WordNet gloss file (its first line is not {HEADER!r})")
            for line in f:
                lemma, _, gloss = line.rstrip("\n").split("\t", 2)
                rows.append((lemma, gloss))
    except (OSError, EOFError, UnicodeError, ValueError) as exc:
        raise OntologyError(f"{path}: cannot read WordNet's glosses ({exc})") from exc
    return Glosses(rows)
