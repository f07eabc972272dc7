"""Mention strings of the training corpus, tagged wherever the model left them untagged.

A string the annotators tagged at least half the times it occurs in the training texts
("thiopental", "muscimol", "nitroprusside") is tagged with its usual type in new text when the
model missed it there. It is a dictionary feature learnt from the training split only, saved in
the model folder (``gazetteer.json``) by ``train_ner``. Measured on the dev sets
(BENCHMARKS.md): BC5CDR +0.2 strict F1, NCBI-disease +0.4.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from extractors.text import word_occurrences
from kg.errors import ConfigError
from kg.types import Document, Mention

GAZETTEER_FILE = "gazetteer.json"
MIN_SHARE = 0.5  # tagged at least this share of its occurrences in the training texts
MIN_LENGTH = 3  # shorter strings ("Ca", "T") depend on their abstract
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Gazetteer:
    """String -> entity type.

    >>> train = [Document("1", "Muscimol and muscimol.", mentions=(Mention(0, 8, "Muscimol", "Chemical"),))]
    >>> gazetteer = Gazetteer.from_documents(train)
    >>> gazetteer.entries
    {'Muscimol': 'Chemical'}
    >>> [m.text for m in gazetteer.tag(Document("2", "Muscimol was given.")).mentions]
    ['Muscimol']
    """

    entries: dict[str, str]

    @classmethod
    def from_documents(
        cls, docs: Sequence[Document], *, min_share: float = MIN_SHARE, types: Collection[str] | None = None
    ) -> Gazetteer:
        """The strings tagged in ``docs`` (with a type in ``types``, when given) at least
        ``min_share`` of the times they occur there, each with the type it was tagged with most
        often."""
        tagged: Counter[str] = Counter()
        types_of: dict[str, Counter[str]] = {}
        for doc in docs:
            for m in doc.mentions:
                if len(m.text) >= MIN_LENGTH and (types is None or m.label in types):
                    tagged[m.text] += 1
                    types_of.setdefault(m.text, Counter())[m.label] += 1
        seen: Counter[str] = Counter()
        for doc in docs:
            for form in tagged:
                if form in doc.text:
                    seen[form] += len(word_occurrences(doc.text, form))
        return cls(
            {
                form: types_of[form].most_common(1)[0][0]
                for form, n in sorted(tagged.items())
                if n >= min_share * max(seen[form], 1)
            }
        )

    @cached_property
    def _anchors(self) -> list[tuple[str, str, str | None]]:
        """Each entry with its longest word (``_WORD``), which a text holding the entry as whole
        words holds as a word too (None for an entry without one)."""
        return [(form, label, max(_WORD.findall(form), key=len, default=None)) for form, label in self.entries.items()]

    def tag(self, doc: Document) -> Document:
        """``doc`` with every whole-word occurrence of an entry that overlaps no mention tagged."""
        text = doc.text
        words = set(_WORD.findall(text))  # an entry's word checked first: 5x faster than searching every entry
        mentions = list(doc.mentions)
        added = False
        for form, label, anchor in self._anchors:
            if (anchor is not None and anchor not in words) or form not in text:
                continue
            for a, b in word_occurrences(text, form):
                if all(b <= m.start or a >= m.end for m in mentions):
                    mentions.append(Mention(a, b, form, label))
                    added = True
        return replace(doc, mentions=tuple(sorted(mentions, key=lambda m: (m.start, m.end)))) if added else doc

    def save(self, folder: str | Path) -> None:
        """Write ``gazetteer.json`` into a model folder (string -> type, readable JSON)."""
        (Path(folder) / GAZETTEER_FILE).write_text(json.dumps(self.entries, indent=0, ensure_ascii=False))

    @classmethod
    def load(cls, folder: str | Path) -> Gazetteer | None:
        """The folder's gazetteer; None when it has none (models trained before it existed)."""
        path = Path(folder) / GAZETTEER_FILE
        if not path.is_file():
            return None
        try:
            entries = json.loads(path.read_text())
        except ValueError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc}); retrain the model or delete the file") from exc
        return cls(dict(entries))
