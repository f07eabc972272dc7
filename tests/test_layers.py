"""The packages import each other only as DESIGN.md's table allows (data flows one way:
readers -> extractors -> ontologies -> kg -> diagnosis -> api; flows wires them all). Lazy
imports inside functions count too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = {"kg", "readers", "extractors", "ontologies", "diagnosis", "api", "flows"}
ALLOWED = {
    "kg": set(),
    "readers": {"kg"},
    "extractors": {"kg", "readers"},
    "ontologies": {"kg"},
    "diagnosis": {"kg", "extractors", "ontologies"},
    "api": {"kg", "readers", "extractors", "ontologies", "diagnosis"},
    "flows": OURS - {"flows"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


def test_packages_import_only_what_the_design_allows() -> None:
    wrong = {}
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            extra = _imports(path) - allowed - {package}
            if extra:
                wrong[str(path.relative_to(ROOT))] = sorted(extra)
    assert wrong == {}
