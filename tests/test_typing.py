"""The library packages stay mypy-clean (STYLE.md)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_library_packages_are_mypy_clean() -> None:
    from mypy import api

    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", "/tmp/medkg-mypy-cache"])
    assert status == 0, stdout + stderr
