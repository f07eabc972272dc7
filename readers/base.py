"""What all readers share: opening files, the error policy, and format detection."""

from __future__ import annotations

import gzip
import io
import logging
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from kg.errors import InputError

log = logging.getLogger(__name__)

OnError = Literal["raise", "skip"]


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    source: str
    record: str
    reason: str


@dataclass
class ReadReport:
    """Collects the records a reader skipped, so the caller can count and show them."""

    skipped: list[SkippedRecord] = field(default_factory=list)

    def handle(self, error: InputError, on_error: OnError) -> None:
        """Raise ``error``, or record it and let the reader go on."""
        if on_error == "raise":
            raise error
        log.warning("skipped %s", error)
        record = "" if error.record is None else str(error.record)
        self.skipped.append(SkippedRecord(error.source, record, error.reason))


def ascii_int(text: object) -> int | None:
    """The integer ``text`` spells in ASCII digits (surrounding spaces allowed), else None: the
    one rule for every number a reader parses (``"²".isdigit()`` is true, ``int("²")`` fails)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


@contextmanager
def open_binary(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a file for reading bytes, decompressing ``.gz`` (by magic number, not by name)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"a folder, not a file; pass its files (e.g. {p}/*.xml.gz)", source=str(p))
    if not p.is_file():
        raise InputError("no such file", source=str(p))
    with p.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=raw) as gz:
                yield gz  # type: ignore[misc]  # a GzipFile is a binary stream
        else:
            yield raw


def read_lines(path: str | Path) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text) for each line, without its line ending; a line that is not UTF-8
    comes as an ``InputError`` in place of the text, so the caller can skip just that record."""
    source = str(path)
    n = 0
    try:
        with open_binary(path) as f:
            for n, raw in enumerate(f, start=1):
                try:
                    yield n, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield (
                        n,
                        InputError(
                            f"not UTF-8 ({exc.reason} at byte {exc.start}); re-encode the file as UTF-8",
                            source=source,
                            record=n,
                        ),
                    )
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"truncated or corrupt gzip data after line {n}: {exc}", source=source) from exc


_CHUNK = 1 << 20
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


def xml_records(path: str | Path, tags: tuple[str, ...]) -> Iterator[tuple[int, Any]]:
    """(line number, element) for each element of a (possibly gzipped) XML file whose tag is one
    of ``tags``, outermost first, each parsed on its own: a record that is broken (bad bytes for
    its encoding, broken markup, no end tag) comes as an ``InputError`` in place of the element,
    and the records after it are still read. The file is streamed, one record in memory at a
    time; truncated or corrupt gzip data ends the file with an ``InputError``."""
    import xml.etree.ElementTree as ET

    source = str(path)
    names = b"|".join(re.escape(t.encode()) for t in tags)
    start_re = re.compile(rb"<(" + names + rb")(?=[\s/>])")
    buf, line, eof, encoding = b"", 1, False, "utf-8"
    with open_binary(path) as stream:
        # read1 (a gzip or buffered file has it): what was decompressed before a truncation comes
        # back before the error (read() would drop it with the error: a small cut file lost every record).
        read = getattr(stream, "read1", stream.read)

        def more() -> bool:
            nonlocal buf, eof
            try:
                chunk = read(_CHUNK)
            except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
                raise InputError(f"truncated or corrupt gzip data after line {line}: {exc}", source=source) from exc
            eof = not chunk
            buf += chunk
            return not eof

        more()
        declared = _ENCODING.search(buf[:512])
        if declared:
            encoding = declared.group(1).decode("ascii").lower()
        pos = 0
        while True:
            found = start_re.search(buf, pos)
            if found is None:
                if eof:
                    return
                keep = max(pos, len(buf) - 64)  # a start tag may straddle the chunk boundary
                line += buf.count(b"\n", 0, keep)
                buf, pos = buf[keep:], 0
                more()
                continue
            tag = found.group(1)
            begin = found.start()
            close, nxt = b"</" + tag + b">", re.compile(rb"<" + re.escape(tag) + rb"(?=[\s/>])")
            head_end = buf.find(b">", found.end())
            while head_end < 0 and more():
                head_end = buf.find(b">", found.end())
            record_line = line + buf.count(b"\n", 0, begin)
            if head_end >= 0 and buf[head_end - 1 : head_end] == b"/":  # <Tag ... />
                end = head_end + 1
            else:
                end_at, scanned = buf.find(close, found.end()), found.end()
                while end_at < 0 and nxt.search(buf, scanned) is None:  # never reads past the next record
                    scanned = max(found.end(), len(buf) - 64)  # only the new bytes (and a tag cut in two) again
                    if not more():
                        break
                    end_at = buf.find(close, scanned)
                again = nxt.search(buf, found.end(), end_at if end_at >= 0 else len(buf))
                if again is not None or end_at < 0:  # no end tag before the next record (or the file)
                    yield (
                        record_line,
                        InputError(
                            f"<{tag.decode()}> without its end tag; is the file truncated?",
                            source=source,
                            record=record_line,
                        ),
                    )
                    if again is None:
                        return
                    line = record_line + buf.count(b"\n", begin, again.start())
                    buf, pos = buf[again.start() :], 0
                    continue
                end = end_at + len(close)
            raw = buf[begin:end]
            try:
                yield record_line, ET.fromstring(raw.decode(encoding))
            except UnicodeDecodeError as exc:
                yield (
                    record_line,
                    InputError(
                        f"not {encoding} ({exc.reason} at byte {exc.start} of the record)",
                        source=source,
                        record=record_line,
                    ),
                )
            except ET.ParseError as exc:
                yield (
                    record_line,
                    InputError(f"broken XML ({exc})", source=source, record=record_line + exc.position[0] - 1),
                )
            except LookupError:
                raise InputError(f"unknown encoding {encoding!r} in the XML declaration", source=source) from None
            line = record_line + raw.count(b"\n")
            buf, pos = buf[end:], 0


def read_bytes(path: str | Path) -> IO[bytes]:
    """The whole (decompressed) file as a seekable stream, for the XML and JSON parsers."""
    source = str(path)
    try:
        with open_binary(path) as f:
            return io.BytesIO(f.read())
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"truncated or corrupt gzip data: {exc}", source=source) from exc
