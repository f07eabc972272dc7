"""Shared fixtures: the shared data folder, a real Neo4j 5 server, and fresh stores.

The Neo4j server is Neo4j Community 5.26 from Maven Central, run in-process by the small launcher
in tools/neo4j-test-server on a free loopback port (no Docker). It starts once per test session.
Set MEDKG_TEST_NEO4J_URI to use a server of your own instead. A Neo4j test is never skipped: if
the server cannot start, the tests that need it fail with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.neo4j_server import build_launcher, running_neo4j

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MEDKG_DATA_DIR", ROOT.parent / "shared" / "data"))
# Term indexes built by tests leave out the 77,614 human genes (a 37 MB download and a slower
# build in every temporary MEDKG_HOME); tests/ontologies/test_genes_and_variants.py uses them.
os.environ.setdefault("MEDKG_GENES", "false")
# Likewise the cause check (about half a minute to train in each temporary MEDKG_HOME) is off unless a
# test turns it on: tests/extractors/test_cause_check.py trains it once and runs it through ingestion.
os.environ.setdefault("MEDKG_CAUSE_CHECK", "false")
# And WordNet's definitions of diseases (a Debian package fetched on the first `medkg load-hpo`):
# tests/diagnosis/test_wordnet.py writes its own.
os.environ.setdefault("MEDKG_WORDNET", "false")
# And Synthea's symptoms of common diseases (its jar, 21 MB from Maven Central, on the first `medkg
# load-hpo`): tests/diagnosis/test_synthea.py writes its own.
os.environ.setdefault("MEDKG_SYNTHEA", "false")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared corpora and ontologies; fails (never skips) when they are missing."""
    if not (SHARED / "corpora").is_dir():
        pytest.fail(f"shared data not found at {SHARED}; put shared/ beside the checkout or set MEDKG_DATA_DIR")
    return SHARED


@pytest.fixture(scope="session")
def cause_check_home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MEDKG_HOME whose cause check (``extractors.cause_check``) was trained for real, once per
    session, on the shared corpora; tests copy its ``cause-check`` folder into their own home."""
    from wiring.settings import Settings

    home = tmp_path_factory.mktemp("cause-check-home")
    Settings(home=home, data_dir=shared_data, cause_check=True).cause_checker()
    return home


@pytest.fixture(scope="session")
def neo4j_classpath() -> str:
    """The classpath of the launcher and Neo4j's jars (also holds neo4j-admin's AdminTool)."""
    if shutil.which("java") is None:
        pytest.fail("Java 17 is needed to run the Neo4j test server: apt-get install openjdk-17-jre-headless")
    return build_launcher()


@pytest.fixture(scope="session")
def neo4j_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Neo4j; its Bolt URI."""
    external = os.environ.get("MEDKG_TEST_NEO4J_URI")
    if external:
        yield external
        return
    classpath = request.getfixturevalue("neo4j_classpath")
    with running_neo4j(classpath, tmp_path_factory.mktemp("neo4j") / "db") as uri:
        yield uri


def _check_marker(request: pytest.FixtureRequest, what: str, marker: str) -> None:
    if request.node.get_closest_marker(marker) is None:
        pytest.fail(
            f"{request.node.nodeid} uses {what} without @pytest.mark.{marker} (so -m 'not {marker}' would not leave it "
            "out)"
        )


@pytest.fixture(autouse=True)
def _markers_say_what_a_test_uses(request: pytest.FixtureRequest) -> None:
    """A test that reaches the Neo4j server or reads the shared data carries the marker that
    selects it; one that does not fails here."""
    for fixture, marker in (("neo4j_uri", "neo4j"), ("shared_data", "shared_data")):
        if fixture in request.fixturenames:
            _check_marker(request, fixture, marker)


@pytest.fixture()
def neo4j_store(neo4j_uri: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A Neo4jStore on the session's server, emptied before the test."""
    from kg.neo4j_store import Neo4jStore

    _check_marker(request, "the Neo4j store", "neo4j")  # also when reached through getfixturevalue

    store = Neo4jStore(neo4j_uri, batch_size=50)
    store.clear()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture()
def embedded_store(tmp_path: Path) -> Iterator[object]:
    """A fresh EmbeddedStore in a temporary folder."""
    from kg.embedded_store import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph", batch_size=50)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> object:
    """Each store in turn, so one test checks both share the schema and behaviour."""
    return request.getfixturevalue(f"{request.param}_store")


SLOW_SECONDS = 30.0  # a test that takes longer without the slow marker is named at the end of the run
_unmarked_slow: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.duration > SLOW_SECONDS and "slow" not in report.keywords:
        _unmarked_slow.append(f"{report.nodeid} ({report.duration:.0f} s)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _unmarked_slow:
        terminalreporter.write_sep("=", f"over {SLOW_SECONDS:.0f} s without @pytest.mark.slow (mark them)", yellow=True)
        for line in _unmarked_slow:
            terminalreporter.write_line(line)
