"""Counts over a corpus file: what ``medkg corpus stats`` prints."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from readers.base import OnError, ReadReport
from readers.documents import detect_format, read_documents


def corpus_stats(path: str | Path, fmt: str = "auto", *, on_error: OnError = "skip") -> dict[str, Any]:
    """Documents, unique PMIDs, mentions and relations by type, deletions and skipped records.

    >>> corpus_stats("CDR_TrainingSet.PubTator.txt")["relations_by_type"]  # doctest: +SKIP
    {'CID': 1038}
    """
    fmt = detect_format(path) if fmt == "auto" else fmt
    report = ReadReport()
    documents = deletions = with_abstract = 0
    pmids: set[str] = set()
    mentions: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    for doc in read_documents(path, fmt, on_error=on_error, report=report):
        if doc.deleted:
            deletions += 1
            continue
        documents += 1
        pmids.add(doc.pmid or doc.doc_id)
        with_abstract += any(p.kind != "title" and p.text for p in doc.passages)
        mentions.update(m.label for m in doc.mentions)
        relations.update(r.predicate for r in doc.relations)
    return {
        "path": str(path),
        "format": fmt,
        "documents": documents,
        "unique_pmids": len(pmids),
        "with_abstract": with_abstract,
        "mentions": sum(mentions.values()),
        "mentions_by_type": dict(sorted(mentions.items())),
        "relations": sum(relations.values()),
        "relations_by_type": dict(sorted(relations.items())),
        "deletions": deletions,
        "skipped": len(report.skipped),
        "skipped_records": [{"source": s.source, "record": s.record, "reason": s.reason} for s in report.skipped[:20]],
    }
