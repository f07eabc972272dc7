"""Prefect's temporary server as medkg starts it: a start that fails ends in one clear line, with
no traceback and no server process left behind."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_a_server_that_does_not_start_in_time_fails_in_one_line(tmp_path: Path) -> None:
    marker = f"MEDKG_TEST_MARKER={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "MEDKG_PREFECT_START_SECONDS": "0.05",
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "MEDKG_HOME": str(tmp_path / "home"),
            marker.split("=")[0]: marker.split("=")[1],
        }
    )
    ner = tmp_path / "ner"  # checked before the server starts; never loaded, since the server fails first
    ner.mkdir()
    (ner / "medkg.json").write_text("{}")
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "ingest",
        str(DATA / "pubmed_sample.xml"),
        "--ner-model",
        str(ner),
        "--no-relations",
    ]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: Prefect's temporary API server did not start (2 tries"), (
        done.stderr
    )
    assert "MEDKG_PREFECT_START_SECONDS" in lines[0] and "Traceback" not in done.stderr + done.stdout
    assert _processes_with(marker) == []  # the server that did not answer was stopped


def test_start_seconds_must_be_a_positive_number(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.runtime import start_seconds
    from kg.errors import MedkgError

    monkeypatch.setenv("MEDKG_PREFECT_START_SECONDS", "soon")
    with pytest.raises(MedkgError, match="give a number of seconds"):
        start_seconds()
    monkeypatch.setenv("MEDKG_PREFECT_START_SECONDS", "0")
    with pytest.raises(MedkgError, match="positive"):
        start_seconds()
    monkeypatch.setenv("MEDKG_PREFECT_START_SECONDS", "240")
    assert start_seconds() == 240


def test_cli_errors_nobody_foresaw_end_in_one_line(tmp_path: Path) -> None:
    """The entry point's last line of defence: an unexpected exception is one line (with its type),
    not a traceback; MEDKG_DEBUG=1 shows it."""
    code = (
        "import sys; import cli.main as entry; sys.argv = ['medkg', 'stats']; "
        "entry.app = lambda: (_ for _ in ()).throw(KeyError('[boom]')); entry.main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["error: KeyError: '[boom]' (MEDKG_DEBUG=1 shows the traceback)"]
    debug = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "MEDKG_DEBUG": "1"},
    )
    assert "Traceback" in debug.stderr


def test_sigterm_ends_a_command_whose_worker_thread_is_busy() -> None:
    """Prefect waits for a running task thread when the flow ends (an index build: minutes); a
    SIGTERM still ends the command within the grace period, with 143 and one line saying so."""
    import signal
    import time

    code = """
import sys
from concurrent.futures import ThreadPoolExecutor
import cli.main as entry

def busy():  # a task thread that never checks for a stop (a model's forward pass, an index build)
    while True:
        sum(range(10_000))

def run():  # what Prefect's thread pool task runner does: wait for the result, and on the way out for the thread
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(busy)
        print("up", flush=True)
        future.result()

sys.argv = ["medkg", "stats"]
entry.app = run
entry.main()
"""
    env = {**os.environ, "MEDKG_STOP_GRACE_S": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 10
    assert proc.stderr is not None and "stopped: the work in progress was cut short" in proc.stderr.read()


def test_ctrl_c_ends_a_command_with_one_line() -> None:
    """Typer turns Ctrl-C into a silent exit 130; the command says it stopped (and the step that
    was running says what it keeps: ``extractors.training``, ``flows.ingest``)."""
    import signal

    code = """
import signal, sys, time
import typer
import cli.main as entry

signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job inherits SIGINT ignored
app = typer.Typer()

@app.command()
def wait() -> None:
    print("up", flush=True)
    time.sleep(60)

sys.argv = ["medkg"]
entry.app = app
entry.main()
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert proc.stderr is not None and proc.stderr.read().strip() == "stopped (Ctrl-C)"


@pytest.mark.slow
def test_sigterm_ends_a_flow_whose_task_thread_is_busy(tmp_path: Path) -> None:
    """While a flow runs, Prefect's own SIGTERM handler raises in the main thread and then waits
    for the running task threads (an index build: minutes); ``ends_when_stopped`` ends the
    command within the grace period anyway, and its server with it."""
    import signal
    import time

    marker = f"MEDKG_TEST_MARKER={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "MEDKG_HOME": str(tmp_path / "home"),
            "MEDKG_STOP_GRACE_S": "3",
            marker.split("=")[0]: marker.split("=")[1],
        }
    )
    code = """
import sys
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner
import cli.main as entry; from flows import runtime

@task
def busy() -> None:
    while True:
        sum(range(10_000))

@flow(task_runner=ThreadPoolTaskRunner(max_workers=1))
def stuck() -> None:
    with runtime.ends_when_stopped(lambda: "what this step keeps"):
        future = busy.submit()
        print("up", flush=True)
        future.result()

sys.argv = ["medkg", "stats"]
entry.app = lambda: (runtime.ensure_server(), stuck())
entry.main()
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    time.sleep(1)  # the task thread is running
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 15
    assert proc.stderr is not None and "stopped: what this step keeps" in proc.stderr.read()
    deadline = time.monotonic() + 15
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_with(marker) == []


def test_a_bad_stop_grace_is_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "stats"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "MEDKG_STOP_GRACE_S": "soon"},
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr and "MEDKG_STOP_GRACE_S='soon'" in done.stderr


@pytest.mark.slow
def test_sigterm_stops_the_temporary_server_with_the_command(tmp_path: Path) -> None:
    """A command stopped with SIGTERM (a scheduler, Ctrl-C in a container) takes Prefect's
    temporary server with it: no orphan process keeps running."""
    import signal
    import time

    marker = f"MEDKG_TEST_MARKER={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "MEDKG_HOME": str(tmp_path / "home"),
            marker.split("=")[0]: marker.split("=")[1],
        }
    )
    code = (
        "import time; import cli.main as entry; from flows import runtime; import sys; sys.argv = ['medkg', 'stats'];"
        "entry.app = lambda: (runtime.ensure_server(), print('up', flush=True), time.sleep(600)); entry.main()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    assert len(_processes_with(marker)) == 2  # the command and its server
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 15
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_with(marker) == []
