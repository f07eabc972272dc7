"""Helpers the ontology tests share."""

import zipfile
from pathlib import Path


def wheel(path: Path, members: dict[str, str]) -> Path:
    """A stand-in for a PyPI wheel at ``path`` holding ``members`` (name -> text), as
    ``ontologies.wheels`` reads one."""
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path
