"""PubTator: ``PMID|t|title``, ``PMID|a|abstract``, tab-separated mention and relation lines.

Handles BC5CDR (``CID`` relations, composite mentions with a 7th column), NCBI-disease (four mention
classes, ``|`` alternatives and ``+`` composites) and BioRED (six entity types, eight relation
types with a novelty flag). Offsets count ``title + " " + abstract``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.types import Document, Mention, Passage, Relation
from readers.base import OnError, ReadReport, ascii_int, read_lines
from readers.ids import remember_ids, split_ids, to_curie

_CORPUS_TYPES = {
    "SpecificDisease",
    "DiseaseClass",
    "Modifier",
    "CompositeMention",
}


def read_pubtator(
    path: str | Path, *, on_error: OnError = "raise", report: ReadReport | None = None
) -> Iterator[Document]:
    """Documents of a PubTator file, with gold mentions and relations."""
    report = report if report is not None else ReadReport()
    for block, bad in _blocks(read_lines(path)):
        doc = _finish(path, block, bad, on_error, report)
        if doc is not None:
            yield doc


def _blocks(
    lines: Iterable[tuple[int, str | InputError]],
) -> Iterator[tuple[list[tuple[int, str]], InputError | None]]:
    """Each document's numbered lines and the first unreadable one among them: a document ends at
    a blank line, or where the next one's title line starts (files joined with ``cat`` often
    lack the blank line between)."""
    block: list[tuple[int, str]] = []
    bad: InputError | None = None
    for n, line in lines:
        if isinstance(line, InputError):
            bad = bad or line
            continue
        if line.strip() and not (block and _is_title(line)):
            block.append((n, line))
            continue
        if block or bad:
            yield block, bad
        block, bad = ([(n, line)] if line.strip() else []), None
    if block or bad:
        yield block, bad


def _finish(
    path: str | Path,
    block: list[tuple[int, str]],
    bad: InputError | None,
    on_error: OnError,
    report: ReadReport,
) -> Document | None:
    try:
        if bad is not None:
            raise bad
        return _parse_block(str(path), block)
    except InputError as exc:
        report.handle(exc, on_error)
        return None


def _is_title(line: str) -> bool:
    """A document's first line, ``PMID|t|title``."""
    return "|t|" in line[:40] and "\t" not in line.split("|t|", 1)[0]


def _parse_block(source: str, block: list[tuple[int, str]]) -> Document:
    title = abstract = None
    pmid = ""
    mention_lines: list[tuple[int, list[str]]] = []
    relation_lines: list[tuple[int, list[str]]] = []
    for n, line in block:
        if _is_title(line):
            pmid, title = line.split("|t|", 1)
        elif "|a|" in line[:40] and "\t" not in line.split("|a|", 1)[0]:
            abstract = line.split("|a|", 1)[1]
        else:
            fields = line.split("\t")
            if len(fields) >= 4 and ascii_int(fields[1]) is not None and ascii_int(fields[2]) is not None:
                mention_lines.append((n, fields))
            elif len(fields) in (4, 5):
                relation_lines.append((n, fields))
            else:
                raise InputError(
                    f"not a title, abstract, mention or relation line: {line[:80]!r}", source=source, record=n
                )
    first = block[0][0]
    if title is None or abstract is None:
        raise InputError(f"document {pmid or '?'} lacks its |t| or |a| line", source=source, record=first)
    text = f"{title} {abstract}"
    mentions = []
    raw_to_curie: dict[str, str] = {}
    for n, fields in mention_lines:
        if fields[0] != pmid:
            raise InputError(f"mention of PMID {fields[0]} inside document {pmid}", source=source, record=n)
        start, end = int(fields[1]), int(fields[2])  # ASCII digits: checked above
        surface, label = fields[3], fields[4] if len(fields) > 4 else ""
        if not 0 <= start < end <= len(text):
            raise InputError(
                f"offsets {start}-{end} outside the text of {pmid} ({len(text)} chars)", source=source, record=n
            )
        if text[start:end].strip() != surface.strip():  # some corpora pad the text field
            raise InputError(
                f"mention text {surface!r} does not match the text at {start}-{end}: {text[start:end]!r}",
                source=source,
                record=n,
            )
        subtype = label if label in _CORPUS_TYPES else ""
        if len(fields) > 6 and fields[6].strip():
            subtype = "CompositeMention"
        raw = fields[5] if len(fields) > 5 else ""
        try:
            ids, composite = split_ids(raw, label, subtype)
        except InputError as exc:
            raise InputError(exc.reason, source=source, record=n) from None
        remember_ids(raw, label, raw_to_curie)
        mentions.append(Mention(start, end, text[start:end], label, ids=ids, composite=composite, subtype=subtype))
    relations = [_relation(source, n, fields, raw_to_curie) for n, fields in relation_lines]
    return Document(
        doc_id=pmid,
        pmid=pmid if ascii_int(pmid) is not None else "",
        text=text,
        title=title,
        passages=(Passage("title", 0, title), Passage("abstract", len(title) + 1, abstract)),
        mentions=tuple(mentions),
        relations=tuple(relations),
        source=source,
    )


def _relation(source: str, n: int, fields: list[str], raw_to_curie: dict[str, str]) -> Relation:
    if len(fields) == 4:  # BC5CDR: PMID CID chemical disease
        _, kind, subj, obj = fields
        return Relation(_curie(subj, raw_to_curie, "Chemical"), kind, _curie(obj, raw_to_curie, "Disease"))
    _, kind, subj, obj, novelty = fields  # BioRED: PMID type id1 id2 Novel|No
    if novelty not in ("Novel", "No"):
        raise InputError(f"novelty flag must be Novel or No, not {novelty!r}", source=source, record=n)
    return Relation(raw_to_curie.get(subj, subj), kind, raw_to_curie.get(obj, obj), novel=novelty == "Novel")


def _curie(raw: str, raw_to_curie: dict[str, str], label: str) -> str:
    return raw_to_curie.get(raw) or to_curie(raw, label) or raw
