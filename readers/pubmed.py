"""PubMed XML: ``PubmedArticleSet`` (efetch, baseline and update files) and the older
``MedlineCitationSet``. Structured abstracts are joined with their labels ("METHODS: ...");
``DeleteCitation`` PMIDs come out as ``Document(deleted=True)`` so the caller can remove them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.types import Document, Passage
from readers.base import OnError, ReadReport, ascii_int, xml_records

_SPACES = re.compile(r"\s+")


def _text(el: ET.Element | None) -> str:
    return _SPACES.sub(" ", "".join(el.itertext())).strip() if el is not None else ""


def read_pubmed(
    path: str | Path, *, on_error: OnError = "raise", report: ReadReport | None = None
) -> Iterator[Document]:
    """Citations of a PubMed/MEDLINE XML file, deletions included (``deleted=True``), in file
    order. Each citation is parsed on its own: a broken one (bad bytes, broken markup) is
    skipped with its line number and the citations after it are still read."""
    report = report if report is not None else ReadReport()
    source = str(path)
    index = 0
    try:
        for _line, el in xml_records(path, ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")):
            if isinstance(el, InputError):
                index += 1
                report.handle(el, on_error)
            elif el.tag == "DeleteCitation":
                for pmid in el.findall("PMID"):
                    yield Document(doc_id=pmid.text or "", pmid=pmid.text or "", text="", deleted=True, source=source)
            else:
                index += 1
                try:
                    doc = _citation(source, index, el)
                except InputError as exc:
                    report.handle(exc, on_error)
                    continue
                yield doc
    except InputError as exc:  # corrupt gzip data: what came before it was read
        report.handle(exc, on_error)


def _citation(source: str, index: int, el: ET.Element) -> Document:
    citation = el if el.tag == "MedlineCitation" else el.find("MedlineCitation")
    book = el.find("BookDocument") if citation is None else None
    root = citation if citation is not None else book
    if root is None:
        raise InputError("no MedlineCitation or BookDocument", source=source, record=f"citation {index}")
    pmid = (root.findtext("PMID") or "").strip()
    if not pmid:
        raise InputError("citation without a PMID", source=source, record=f"citation {index}")
    article = root.find("Article") if citation is not None else root
    if article is None:
        raise InputError(f"PMID {pmid} has no Article element", source=source, record=f"PMID {pmid}")
    title = (
        _text(article.find("ArticleTitle"))
        or _text(article.find("VernacularTitle"))
        or _text(root.find("Book/BookTitle"))
    )
    sections = []
    for ab in article.findall("Abstract/AbstractText"):
        body = _text(ab)
        label = (ab.get("Label") or "").strip()
        if body:
            sections.append(f"{label}: {body}" if label else body)
    abstract = " ".join(sections)
    journal = article.findtext("Journal/Title") or ""
    year = _year(article)
    doi = ""
    for eloc in article.findall("ELocationID"):
        if eloc.get("EIdType") == "doi":
            doi = (eloc.text or "").strip()
    for aid in el.findall("PubmedData/ArticleIdList/ArticleId"):
        if aid.get("IdType") == "doi" and not doi:
            doi = (aid.text or "").strip()
    mesh = tuple(
        f"MESH:{d.get('UI')}" if d.get("UI") else _text(d)
        for d in root.findall("MeshHeadingList/MeshHeading/DescriptorName")
    )
    passages = [Passage("title", 0, title)]
    if abstract:
        passages.append(Passage("abstract", len(title) + 1, abstract))
    return Document(
        doc_id=pmid,
        pmid=pmid,
        text=f"{title} {abstract}" if abstract else title,
        title=title,
        passages=tuple(passages),
        journal=journal.strip(),
        year=year,
        doi=doi,
        mesh_terms=mesh,
        source=source,
    )


def _year(article: ET.Element) -> int | None:
    for path in ("Journal/JournalIssue/PubDate/Year", "ArticleDate/Year", "PubDate/Year"):
        y = ascii_int(article.findtext(path))
        if y is not None:
            return y
    medline_date = article.findtext("Journal/JournalIssue/PubDate/MedlineDate") or ""
    m = re.search(r"\d{4}", medline_date)
    return int(m.group()) if m else None
