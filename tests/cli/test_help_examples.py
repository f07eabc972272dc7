"""Every example in ``medkg --help`` texts runs as printed, where it can here: the ones that need
no trained model and take seconds run against a small store built by the ``load`` example; the
rest are listed below with the reason, so a new example is either run or explained."""

from __future__ import annotations

import inspect
import re
import shlex
from pathlib import Path

import pytest
import typer
from rich.markup import render
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()

# Examples that need a trained model, a term index or a long run (each is tested elsewhere).
NOT_RUN = {
    "extract",
    "normalize",
    "load-hpo",
    "diagnose",
    "run",
    "ingest",
    "train ner",
    "train gazetteer",
    "train re",
    "train known-pairs",
    "train diagnosis",
    "train phenotype-encoder",
    "evaluate ner",
    "evaluate re",
    "evaluate normalize",
    "evaluate diagnosis",
    "models package",
    "models install",
    "models promote",
    "models rollback",
}


def _examples(t: typer.Typer, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for c in t.registered_commands:
        name = f"{prefix}{c.name or c.callback.__name__}"  # type: ignore[union-attr]
        doc = inspect.getdoc(c.callback) or ""
        found += [(name, render(ex).plain) for ex in re.findall(r"\[bold\](medkg .*?)\[/\]", doc, re.DOTALL)]
    for g in t.registered_groups:
        assert g.typer_instance is not None
        found += _examples(g.typer_instance, f"{prefix}{g.name} ")
    return found


@pytest.mark.slow
@pytest.mark.shared_data
def test_help_examples_run_as_printed(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MEDKG_NEO4J_URI", raising=False)
    monkeypatch.chdir(tmp_path)  # exports land here
    examples = _examples(app)
    assert {name for name, _ in examples} >= {"load", "query", "export", "stats", "corpus stats", "models list"}
    ran = []
    for name, example in sorted(examples, key=lambda e: e[0] != "load"):  # the load example fills the store first
        if name in NOT_RUN:
            continue
        args = [a.replace("../shared/data", str(shared_data)) for a in shlex.split(example)[1:]]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (example, result.output)
        ran.append(example)
    assert len(ran) >= 8, ran
    assert (tmp_path / "graph.ttl").stat().st_size > 0 and (tmp_path / "medkg_edges.tsv").is_file()
