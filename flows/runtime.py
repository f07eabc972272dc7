"""The process medkg's commands run in: quiet libraries, and Prefect's temporary API server
started robustly.

When no ``PREFECT_API_URL`` is set, Prefect starts a temporary API server in a subprocess on the
first flow run and gives it 20 seconds, which a loaded or slow 2-core machine does not always
meet (a first ``medkg run`` died there after an hour of training). medkg starts that server
itself before any flow runs, with a longer wait (``MEDKG_PREFECT_START_SECONDS``, default 180) and
one more try, and turns a failure into one clear line. Prefect's telemetry is off
(``PREFECT_SERVER_ANALYTICS_ENABLED=false``), its logs say only warnings and errors
(``PREFECT_LOGGING_LEVEL=WARNING``: medkg shows its own progress), and transformers says only errors
(``TRANSFORMERS_VERBOSITY=error``: no weight-loading report when a classifier head is new) unless
the user set them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kg.errors import MedkgError

DEFAULT_START_SECONDS = 180.0
START_ATTEMPTS = 2

# Set before Prefect and transformers are imported (they read them then); Prefect's server
# process inherits them.
_QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",  # no flow-run chatter; medkg shows its own progress
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # no "Loading weights" bar each time a model loads
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(int(DEFAULT_START_SECONDS)),
}


class PrefectServerError(MedkgError):
    """Prefect's temporary API server did not start."""


# A failed flow or task run logs its whole traceback; the command prints the error as one line
# (MEDKG_DEBUG=1 keeps both).
_TRACEBACK_LOGGERS = {
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "CRITICAL",
}


def configure_environment() -> None:
    """The library settings of medkg's commands; a value the user set wins."""
    # A user who chose Prefect's log level (or MEDKG_DEBUG) sees its flow-run logs, tracebacks too.
    chosen = "PREFECT_LOGGING_LEVEL" in os.environ or os.environ.get("MEDKG_DEBUG")
    defaults = _QUIET_DEFAULTS if chosen else {**_QUIET_DEFAULTS, **_TRACEBACK_LOGGERS}
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    if not sys.stderr.isatty():  # a log file or a scheduler: a bar's line every 30 s, not ten a second
        os.environ.setdefault("TQDM_MININTERVAL", "30")


def _seconds(variable: str, default: float, *, zero: bool = False) -> float:
    """A number of seconds from the environment (the process's own settings, read before
    medkg's settings exist), or a one-line error naming the variable."""
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise MedkgError(f"{variable}={raw!r}: give a number of seconds") from exc
    if value < 0 or (value == 0 and not zero):
        raise MedkgError(f"{variable}={raw!r}: give {'zero or more' if zero else 'a positive number of'} seconds")
    return value


def start_seconds() -> float:
    return _seconds("MEDKG_PREFECT_START_SECONDS", DEFAULT_START_SECONDS)


def _death_signal() -> Any:
    """A function that asks Linux to send this process SIGTERM when the process that started it
    dies, even by SIGKILL (``prctl(PR_SET_PDEATHSIG)``); resolved in the parent, so that the child
    only calls it between fork and exec (no library loading there); None where unavailable."""
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_death_signal() -> None:  # pragma: no cover - runs in the child
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return set_death_signal


@contextmanager
def _children_die_with_us() -> Iterator[None]:
    """Processes started meanwhile (Prefect's server) end when this process ends, however it
    ends: a `kill -9` of `medkg run` must not leave the server running (Linux; elsewhere the
    SIGTERM handler and Prefect's exit hook stop it)."""
    import subprocess

    set_death_signal = _death_signal() if sys.platform.startswith("linux") else None
    if set_death_signal is None:
        yield
        return
    popen = subprocess.Popen

    def with_death_signal(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("preexec_fn", set_death_signal)
        return popen(*args, **kwargs)

    subprocess.Popen = with_death_signal  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        subprocess.Popen = popen  # type: ignore[misc]


def ensure_server(timeout: float | None = None, attempts: int = START_ATTEMPTS) -> str | None:
    """Start Prefect's temporary API server now, unless a server is configured
    (``PREFECT_API_URL``); returns its API URL, or None when the user's server is used.

    Each attempt waits up to ``timeout`` seconds (``start_seconds()`` by default); a server that
    did not answer is stopped before the next attempt, so no process is left behind. Raises
    ``PrefectServerError`` with what to do when every attempt failed.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    timeout = start_seconds() if timeout is None else timeout
    last, waited = "", timeout
    for attempt in range(1, attempts + 1):
        server = SubprocessASGIServer()
        if server.running and server.server_process is not None and server.server_process.poll() is None:
            return server.api_url
        waited = timeout * 2 ** (attempt - 1)  # a loaded machine: wait longer the second time
        try:
            with _children_die_with_us():
                server.start(timeout=waited)  # type: ignore[arg-type]  # Prefect types it int; a float works
            return server.api_url
        except Exception as exc:  # noqa: BLE001 - Prefect raises RuntimeError or httpx errors here
            last = str(exc).split(" stdout:")[0].strip() or type(exc).__name__
            server.stop()  # the process that did not answer in time, so none is left behind
    raise PrefectServerError(
        f"Prefect's temporary API server did not start ({attempts} tries, the last one waited {waited:g} s): {last} "
        "Nothing was lost: trained models and the term index are kept. Run the command again, give the server more "
        "time (MEDKG_PREFECT_START_SECONDS=600), or start one with `prefect server start` and set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api"
    )


DEFAULT_STOP_GRACE_SECONDS = 10.0


def stop_grace_seconds() -> float:
    """How long a stopped command may take to end cleanly (``MEDKG_STOP_GRACE_S``, default 10)."""
    return _seconds("MEDKG_STOP_GRACE_S", DEFAULT_STOP_GRACE_SECONDS, zero=True)


_hard_exit_armed = False


def arm_hard_exit(code: int, grace: float | None = None) -> None:
    """End the process with ``os._exit(code)`` once ``grace`` seconds have passed (once per
    process; a daemon timer). For a command that was told to stop while a thread it waits for
    cannot be interrupted."""
    import threading

    global _hard_exit_armed
    if _hard_exit_armed:
        return
    _hard_exit_armed = True
    grace = stop_grace_seconds() if grace is None else grace

    def hard_exit() -> None:
        sys.stderr.write(
            f"stopped: the work in progress was cut short after {grace:g} s; run the command again to redo it\n"
        )
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(grace, hard_exit)
    timer.daemon = True
    timer.start()


@contextmanager
def ends_when_stopped(kept: Callable[[], str] | None = None) -> Iterator[None]:
    """Around a flow's body: SIGTERM (Prefect's ``TerminationSignal`` while a flow runs, or
    medkg's own ``SystemExit``) or Ctrl-C arms ``arm_hard_exit``, because Prefect then waits for
    its running task threads before the exception gets further (an index build, a batch of
    extraction: minutes).

    That loses nothing committed: an article's content hash is written after its extraction, so
    the next run redoes what was cut short, and Prefect's server ends with us (``PR_SET_PDEATHSIG``).
    ``kept``: one line on what the stopped work keeps, written to stderr when it stops.
    """
    import signal

    from prefect.exceptions import TerminationSignal

    def stopping(code: int) -> None:
        if kept is not None:
            sys.stderr.write(f"stopped: {kept()}\n")
            sys.stderr.flush()
        arm_hard_exit(code)

    try:
        yield
    except TerminationSignal:
        stopping(128 + signal.SIGTERM)
        raise
    except SystemExit as exc:
        stopping(exc.code if isinstance(exc.code, int) else 1)
        raise
    except KeyboardInterrupt:
        stopping(128 + signal.SIGINT)
        raise


def stop_on_signals() -> None:
    """SIGTERM (a scheduler, ``docker stop``) ends the command within ``MEDKG_STOP_GRACE_S``:
    the main thread gets ``SystemExit`` at once, so exit handlers run (Prefect's stops its
    temporary server), and ``arm_hard_exit`` ends the process if a thread holds it longer. While
    a flow runs Prefect has its own SIGTERM handler; ``ends_when_stopped`` does the same there.
    A second SIGTERM ends the process at once."""
    import signal

    code = 128 + signal.SIGTERM
    grace = stop_grace_seconds()  # a bad value is an error now, not when the signal comes

    def on_signal(*_: Any) -> None:
        if _hard_exit_armed:
            os._exit(code)
        arm_hard_exit(code, grace)
        sys.exit(code)

    signal.signal(signal.SIGTERM, on_signal)
