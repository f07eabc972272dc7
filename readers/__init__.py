"""Streaming readers: literature and annotated corpora in, ``kg.types.Document`` out.

Every reader is a generator that holds one document at a time, reads ``.gz`` files transparently,
and on a malformed record either raises an ``InputError`` naming the file and line or record, or
(``on_error="skip"``) reports it in a ``ReadReport`` and goes on.

>>> from readers import read_documents, ReadReport
>>> report = ReadReport()
>>> for doc in read_documents("CDR_TrainingSet.PubTator.txt", on_error="skip", report=report):
...     ...  # doctest: +SKIP
"""

from readers.base import ReadReport, SkippedRecord
from readers.documents import FORMATS, detect_format, read_documents

__all__ = ["FORMATS", "ReadReport", "SkippedRecord", "detect_format", "read_documents"]
