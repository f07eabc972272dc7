"""The packages stay mypy-clean (STYLE.md) and the code ruff-clean."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_library_packages_are_mypy_clean() -> None:
    from mypy import api

    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", "/tmp/medkg-mypy-cache"]
    )
    assert status == 0, stdout + stderr


@pytest.mark.parametrize("command", [["check", "--output-format", "concise"], ["format", "--check"]])
def test_ruff_finds_nothing(command: list[str]) -> None:
    """Lint with the pinned ruff (pyproject.toml's dev extra), its default rules and the project's
    line length, and check the code is as ruff's formatter writes it; a finding fails the suite
    instead of piling up (``ruff format .`` mends the second)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, str(ROOT)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
