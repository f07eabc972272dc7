"""Shared fixtures: the shared data folder, a real Neo4j 5 server, and fresh stores.

The Neo4j server is Neo4j Community 5.26 from Maven Central, run in-process by the small launcher
in tools/neo4j-test-server on a free loopback port (no Docker). It starts once per test session.
Set MEDKG_TEST_NEO4J_URI to use a server of your own instead. A Neo4j test is never skipped: if
the server cannot start, the tests that need it fail with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MEDKG_DATA_DIR", ROOT.parent / "shared" / "data"))
SERVER_DIR = ROOT / "tools" / "neo4j-test-server"
# Term indexes built by tests leave out the 77,614 human genes (a 37 MB download and a slower
# build in every temporary MEDKG_HOME); tests/ontologies/test_genes_and_variants.py uses them.
os.environ.setdefault("MEDKG_GENES", "false")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared corpora and ontologies; fails (never skips) when they are missing."""
    if not (SHARED / "corpora").is_dir():
        pytest.fail(f"shared data not found at {SHARED}; put shared/ beside the checkout or set MEDKG_DATA_DIR")
    return SHARED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_launcher() -> str:
    """Compile the launcher and resolve Neo4j's jars (cached in ~/.m2); return the classpath."""
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.fail("Maven (mvn) is needed to fetch Neo4j for the tests: apt-get install maven")
    cp_file = SERVER_DIR / "target" / "classpath.txt"
    cmd = [mvn, "-q", "-B", "compile", "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"]
    done = subprocess.run(cmd, check=False, cwd=SERVER_DIR, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        pytest.fail(f"building the Neo4j test server failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return f"{SERVER_DIR / 'target' / 'classes'}{os.pathsep}{cp_file.read_text().strip()}"


@pytest.fixture(scope="session")
def neo4j_classpath() -> str:
    """The classpath of the launcher and Neo4j's jars (also holds neo4j-admin's AdminTool)."""
    if shutil.which("java") is None:
        pytest.fail("Java 17 is needed to run the Neo4j test server: apt-get install openjdk-17-jre-headless")
    return _build_launcher()


@contextmanager
def running_neo4j(classpath: str, home: Path, heap: str = "1g") -> Iterator[str]:
    """A Neo4j test server on the database folder ``home`` (its Bolt URI) until the block ends."""
    port = _free_port()
    log_path = home / "server.log"
    home.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            "java",
            "-Xms256m",
            f"-Xmx{heap}",
            "-XX:+UseParallelGC",
            "-cp",
            classpath,
            "medkg.Neo4jTestServer",
            str(home),
            str(port),
            "128",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    deadline = time.monotonic() + 180
    ready = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY"):
            ready = line.split()[1]
            break
        if not line and proc.poll() is not None:
            break
    if not ready:
        proc.kill()
        pytest.fail(f"Neo4j test server did not start:\n{log_path.read_text()[-4000:]}")
    try:
        yield ready
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
