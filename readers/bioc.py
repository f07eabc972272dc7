"""BioC XML and BioC JSON collections (BC5CDR, BioRED, PubTator exports).

Both forms are turned into the same plain dict shape and then into Documents, so the two cannot
disagree. Passages are laid at their offsets (gaps filled with spaces), which gives exactly the
PubTator text. BC5CDR's ``IndividualMention`` annotations (the parts of a composite mention, which
PubTator lists in a 7th column rather than as mentions) are not counted as mentions.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.types import Document, Mention, Passage, Relation
from readers.base import OnError, ReadReport, ascii_int, open_binary, read_bytes, xml_records
from readers.ids import remember_ids, split_ids, to_curie

_ID_KEYS = ("identifier", "MESH", "Identifier", "NCBI Gene", "ID")


def read_bioc(path: str | Path, *, on_error: OnError = "raise", report: ReadReport | None = None) -> Iterator[Document]:
    """Documents of a BioC XML or BioC JSON file, with gold mentions and relations. Each document
    is read on its own: a broken one is skipped with its number, the ones after it are read."""
    report = report if report is not None else ReadReport()
    source = str(path)
    with open_binary(path) as f:
        head = f.read(64).lstrip()
    raw_docs = _json_documents(source, read_bytes(path)) if head[:1] in (b"{", b"[") else _xml_documents(path)
    try:
        for index, raw in raw_docs:
            try:
                if isinstance(raw, InputError):
                    raise raw
                if not isinstance(raw, dict):
                    raise InputError(
                        f"a BioC document must be an object, not {type(raw).__name__}",
                        source=source,
                        record=f"document {index}",
                    )
                yield _document(source, index, raw)
            except InputError as exc:
                report.handle(exc, on_error)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                report.handle(
                    InputError(f"malformed BioC document: {exc!r}", source=source, record=f"document {index}"),
                    on_error,
                )
    except InputError as exc:  # broken JSON, corrupt gzip: the documents before it were read
        report.handle(exc, on_error)


def _json_documents(source: str, stream: Any) -> Iterator[tuple[int, Any]]:
    """The documents of a BioC JSON collection; also of a list of collections, a list of
    documents, PubTator3's API answer (``{"PubTator3": [documents]}``) and a single document."""
    try:
        collection = json.load(stream)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg})", source=source, record=exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 ({exc.reason} at byte {exc.start}); re-encode the file as UTF-8", source=source
        ) from None

    def is_document(item: Any) -> bool:
        return isinstance(item, dict) and "passages" in item

    if isinstance(collection, dict) and isinstance(collection.get("documents"), list):
        docs = collection["documents"]
    elif isinstance(collection, dict) and isinstance(collection.get("PubTator3"), list):
        docs = collection["PubTator3"]
    elif is_document(collection):
        docs = [collection]
    elif (
        isinstance(collection, list)
        and collection
        and all(isinstance(c, dict) and "documents" in c for c in collection)
    ):
        docs = [d for c in collection for d in c["documents"]]  # some exports are a list of collections
    elif isinstance(collection, list) and any(is_document(d) for d in collection):
        docs = collection
    elif collection == [] or (isinstance(collection, dict) and collection.get("documents") == []):
        docs = []
    else:
        keys = ", ".join(map(repr, list(collection)[:5])) if isinstance(collection, dict) else type(collection).__name__
        raise InputError(
            f'no BioC documents here (expected a collection with "documents", or PubTator3\'s '
            f'"PubTator3" list; found {keys})',
            source=source,
        )
    yield from enumerate(docs, start=1)


def _infons(el: ET.Element) -> dict[str, str]:
    return {i.get("key", ""): i.text or "" for i in el.findall("infon")}


def _xml_documents(path: str | Path) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    source = str(path)
    for index, (line, el) in enumerate(xml_records(path, ("document",)), start=1):
        if isinstance(el, InputError):
            yield index, el
            continue
        try:
            yield index, _xml_document(el)
        except ValueError as exc:
            yield (
                index,
                InputError(f"malformed BioC document: {exc}", source=source, record=f"document {index} (line {line})"),
            )


def _xml_document(el: ET.Element) -> dict[str, Any]:
    """A BioC XML document as the plain dict of its JSON form; offsets must be ASCII integers."""

    def number(text: str | None, what: str) -> int:
        value = ascii_int(text)
        if value is None:
            raise ValueError(f"{what} {text!r} is not a number")
        return value

    passages = []
    for p in el.findall("passage"):
        passages.append(
            {
                "infons": _infons(p),
                "offset": number(p.findtext("offset") or "0", "passage offset"),
                "text": p.findtext("text") or "",
                "annotations": [
                    {
                        "id": a.get("id"),
                        "infons": _infons(a),
                        "text": a.findtext("text") or "",
                        "locations": [
                            {
                                "offset": number(loc.get("offset"), f"annotation {a.get('id')} offset"),
                                "length": number(loc.get("length"), f"annotation {a.get('id')} length"),
                            }
                            for loc in a.findall("location")
                        ],
                    }
                    for a in p.findall("annotation")
                ],
            }
        )
    return {
        "id": el.findtext("id") or "",
        "passages": passages,
        "relations": [{"infons": _infons(r)} for r in el.findall("relation")],
    }


def _document(source: str, index: int, raw: dict[str, Any]) -> Document:
    doc_id = str(raw.get("id") or raw.get("pmid") or "")
    where = f"document {doc_id or index}"
    parts: list[str] = []
    length = 0
    passages = []
    for p in raw.get("passages", []):
        offset, text = int(p.get("offset", 0)), p.get("text") or ""
        if offset < length:
            raise InputError(f"passage at offset {offset} overlaps the one before", source=source, record=where)
        parts.append(" " * (offset - length) + text)
        length = offset + len(text)
        kind = (p.get("infons") or {}).get("type", "")
        passages.append(Passage(kind, offset, text))
    text = "".join(parts)
    mentions = []
    raw_to_curie: dict[str, str] = {}
    for p in raw.get("passages", []):
        for a in p.get("annotations", []):
            infons = a.get("infons") or {}
            if infons.get("CompositeRole") == "IndividualMention":
                continue
            label = infons.get("type", "")
            locs = a.get("locations") or []
            if not locs:
                raise InputError(f"annotation {a.get('id')} has no location", source=source, record=where)
            start = min(int(loc["offset"]) for loc in locs)
            end = max(int(loc["offset"]) + int(loc["length"]) for loc in locs)
            surface = a.get("text") or ""
            if not 0 <= start < end <= len(text):
                raise InputError(
                    f"annotation {a.get('id')} at {start}-{end} is outside the text", source=source, record=where
                )
            if len(locs) == 1 and text[start:end] != surface:
                raise InputError(
                    f"annotation {a.get('id')} text {surface!r} does not match {text[start:end]!r}",
                    source=source,
                    record=where,
                )
            raw_ids = next((infons[k] for k in _ID_KEYS if k in infons), "")
            subtype = "CompositeMention" if infons.get("CompositeRole") == "CompositeMention" else ""
            ids, composite = split_ids(raw_ids, label, subtype)
            remember_ids(raw_ids, label, raw_to_curie)
            mentions.append(Mention(start, end, text[start:end], label, ids=ids, composite=composite, subtype=subtype))
    mentions.sort(key=lambda m: (m.start, m.end))
    relations = [_relation(r.get("infons") or {}, raw_to_curie) for r in raw.get("relations", [])]
    title = next((p.text for p in passages if p.kind in ("title", "front")), "")
    return Document(
        doc_id=doc_id,
        pmid=doc_id if ascii_int(doc_id) is not None else "",
        text=text,
        title=title,
        passages=tuple(passages),
        mentions=tuple(mentions),
        relations=tuple(relations),
        source=source,
    )


def _relation(infons: dict[str, str], raw_to_curie: dict[str, str]) -> Relation:
    if "Chemical" in infons and "Disease" in infons:  # BC5CDR
        chem, dis = infons["Chemical"], infons["Disease"]
        return Relation(
            raw_to_curie.get(chem) or to_curie(chem, "Chemical") or chem,
            infons.get("relation", "CID"),
            raw_to_curie.get(dis) or to_curie(dis, "Disease") or dis,
        )
    subj, obj = infons["entity1"], infons["entity2"]
    novel = infons.get("novel")
    return Relation(
        raw_to_curie.get(subj, subj),
        infons["type"],
        raw_to_curie.get(obj, obj),
        novel=None if novel is None else novel == "Novel",
    )
