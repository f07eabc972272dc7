"""The packages import each other only as docs/architecture.md's table allows (data flows one
way: readers -> extractors -> ontologies -> kg -> diagnosis -> api; wiring builds ready objects
from the settings, flows runs them under Prefect, cli is the command line over all of it). Lazy
imports inside functions count too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = {"kg", "readers", "extractors", "ontologies", "diagnosis", "api", "wiring", "flows", "cli"}
LIBRARIES = {"kg", "readers", "extractors", "ontologies", "diagnosis"}
ALLOWED = {
    "kg": set(),
    "readers": {"kg"},
    "extractors": {"kg", "readers"},
    "ontologies": {"kg"},
    "diagnosis": {"kg", "extractors", "ontologies"},
    "api": {"kg", "readers", "extractors", "ontologies", "diagnosis"},
    "wiring": LIBRARIES | {"api"},
    "flows": LIBRARIES | {"wiring"},
    "cli": OURS - {"cli"},
}
# Only these parts use the frameworks that run medkg (the library packages never do).
FRAMEWORKS = {"typer": {"cli"}, "prefect": {"flows", "cli"}}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_packages_import_only_what_the_design_allows() -> None:
    wrong = {}
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            extra = _imports(path) & OURS - allowed - {package}
            if extra:
                wrong[str(path.relative_to(ROOT))] = sorted(extra)
    assert wrong == {}


def test_only_the_cli_uses_typer_and_only_flows_and_cli_use_prefect() -> None:
    wrong = {}
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            extra = {f for f in _imports(path) & set(FRAMEWORKS) if package not in FRAMEWORKS[f]}
            if extra:
                wrong[str(path.relative_to(ROOT))] = sorted(extra)
    assert wrong == {}
