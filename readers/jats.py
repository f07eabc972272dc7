"""PMC JATS full text (``.nxml``): title, abstract and body paragraphs, with their offsets.

The text is the title, the abstract and each body paragraph, separated by blank lines; each one is
a ``Passage`` (section titles are passages too). Figures, tables and formulas are left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.types import Document, Passage
from readers.base import OnError, ReadReport, ascii_int, read_bytes

_SKIP = {"fig", "table-wrap", "disp-formula", "table-wrap-foot", "supplementary-material", "ref-list"}
_SPACES = re.compile(r"\s+")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: ET.Element) -> str:
    return _SPACES.sub(" ", "".join(el.itertext())).strip()


def read_jats(path: str | Path, *, on_error: OnError = "raise", report: ReadReport | None = None) -> Iterator[Document]:
    """The article of a JATS file (one document)."""
    report = report if report is not None else ReadReport()
    source = str(path)
    try:
        root = ET.parse(read_bytes(path)).getroot()
        yield _article(source, root)
    except ET.ParseError as exc:
        line, col = exc.position
        report.handle(InputError(f"broken XML at column {col} ({exc})", source=source, record=line), on_error)
    except InputError as exc:
        report.handle(exc, on_error)


def _article(source: str, root: ET.Element) -> Document:
    for el in root.iter():
        el.tag = _local(el.tag) if isinstance(el.tag, str) else el.tag
    meta = root.find(".//article-meta")
    if meta is None:
        raise InputError("no <article-meta>: not a JATS article", source=source)
    ids = {a.get("pub-id-type"): (a.text or "").strip() for a in meta.findall("article-id")}
    pmid = ids.get("pmid", "")
    doc_id = (
        pmid
        or (f"PMC{ids['pmc']}" if ids.get("pmc") and not ids["pmc"].startswith("PMC") else ids.get("pmc", ""))
        or ids.get("doi", "")
        or Path(source).stem
    )
    title_el = meta.find("title-group/article-title")
    title = _text(title_el) if title_el is not None else ""
    blocks: list[tuple[str, str]] = [("title", title)]
    for abstract in meta.findall("abstract"):
        if abstract.get("abstract-type") in ("graphical", "teaser"):
            continue
        body = " ".join(_text(p) for p in abstract.iter("p")) or _text(abstract)
        if body:
            blocks.append(("abstract", body))
    body_el = root.find("body")
    if body_el is not None:
        _walk(body_el, blocks)
    parts: list[str] = []
    passages: list[Passage] = []
    offset = 0
    for kind, text in blocks:
        if not text:
            continue
        if parts:
            offset += 2
        passages.append(Passage(kind, offset, text))
        parts.append(text)
        offset += len(text)
    journal = (
        root.findtext(".//journal-meta/journal-title-group/journal-title")
        or root.findtext(".//journal-meta/journal-title")
        or ""
    )
    year_text = meta.findtext("pub-date/year") or ""
    return Document(
        doc_id=doc_id,
        pmid=pmid,
        text="\n\n".join(parts),
        title=title,
        passages=tuple(passages),
        journal=journal.strip(),
        year=ascii_int(year_text),
        doi=ids.get("doi", ""),
        source=source,
    )


def _walk(el: ET.Element, blocks: list[tuple[str, str]]) -> None:
    for child in el:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == "title":
            blocks.append(("section_title", _text(child)))
        elif tag == "p":
            blocks.append(("paragraph", _text(child)))
        else:
            _walk(child, blocks)
