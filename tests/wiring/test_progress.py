"""How a long step shows itself where stderr is no terminal (a log file, a scheduler)."""

import io

import pytest
from rich.console import Console

from wiring import progress


def test_a_status_is_lines_where_stderr_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=out, force_terminal=False, width=200))
    monkeypatch.setattr(progress, "LINE_EVERY_SECONDS", 0.0)
    with progress.status("building the term index") as shown:
        shown.update("embedding names: 3 of 5 batches")
    assert out.getvalue().splitlines() == ["building the term index ...", "embedding names: 3 of 5 batches"]

    monkeypatch.setattr(progress, "LINE_EVERY_SECONDS", 3600.0)
    out.truncate(0)
    out.seek(0)
    with progress.status("extracting") as shown:
        shown.update("extracting: 10 documents")  # too soon after the last line: not written
    assert out.getvalue().splitlines() == ["extracting ..."]


def test_a_progress_bar_writes_lines_where_stderr_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=out, force_terminal=False, width=200))
    monkeypatch.setattr(progress, "LINE_EVERY_SECONDS", 0.0)
    with progress.progress_bar("docs") as bar:
        task = bar.add_task("loading", total=3)
        for _ in range(3):
            bar.advance(task)
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["loading: 1 of 3", "loading: 2 of 3", "loading: 3 of 3"]
    assert lines[-1].startswith("loading") and "3/3" in lines[-1]  # and the bar's end, as before


def test_on_a_terminal_a_status_is_rich_s_spinner(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.status import Status

    out = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=out, force_terminal=True, width=200))
    with progress.status("building the term index") as shown:
        assert isinstance(shown, Status)
        shown.update("embedding names")
    assert type(progress.progress_bar()) is progress.Progress
