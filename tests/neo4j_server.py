"""A real Neo4j 5 server for tests: Neo4j Community 5.26 from Maven Central, run in-process by the
small launcher in tools/neo4j-test-server on a free loopback port (no Docker)."""

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
SERVER_DIR = ROOT / "tools" / "neo4j-test-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_launcher() -> str:
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
