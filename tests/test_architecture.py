"""The shape of the case core: feature modules over a small core, no import cycle among the services, no
private name imported across modules, small modules, and no literal workflow key or state name in the app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from workflows.registry import all_definitions

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "service_center"
SERVICES = APP / "services"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module imported from, names) for every ``from`` import of a module, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.append((module, [alias.name for alias in node.names]))
    return found


def _service_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SERVICES.glob("*.py"):
        name = path.stem
        graph[name] = set()
        for module, names in _imports(path):
            if module == "service_center.services":
                graph[name] |= {n for n in names if (SERVICES / f"{n}.py").exists()}
            elif module.startswith("service_center.services."):
                graph[name].add(module.rsplit(".", 1)[1])
    return graph


def test_the_services_have_no_import_cycle() -> None:
    graph = _service_graph()
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, f"import cycle: {' -> '.join([*visiting[visiting.index(node):], node])}"
        visiting.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in graph:
        visit(node)
    assert graph["core"] <= {"clock", "refusals"}, "the core builds on nothing but the clock and its errors"


def test_no_private_name_is_imported_across_modules() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name} from {module}"
        for path in APP.rglob("*.py")
        for module, names in _imports(path)
        if module.startswith("service_center")
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []


CATALOGUE = {"catalogue.py", "catalogue_io.py"}  # the catalogue's own modules, not the case core (not split yet)


@pytest.mark.parametrize("path", sorted(p for p in SERVICES.glob("*.py") if p.name not in CATALOGUE),
                         ids=lambda p: p.name)
def test_case_service_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 330


def test_the_app_compares_no_workflow_key_or_state_name() -> None:
    """Workflow-specific behaviour is declared on the definitions: the app asks them, it never writes
    ``case.workflow_key == "joint"`` or ``case.state == "parallel_review"``."""
    names = {d.key for d in all_definitions()} | {s for d in all_definitions() for s in d.states}
    literal = "|".join(sorted(map(re.escape, names)))
    comparison = re.compile(rf"""(workflow_key|\.state)\s*(==|!=|\bin\b|\bnot in\b)\s*\(?\s*["']({literal})["']""")
    template_state = re.compile(rf"""\.state\s*(==|!=)\s*["']({literal})["']""")
    offenders = []
    for path in [*APP.rglob("*.py"), *(ROOT / "templates").rglob("*.html")]:
        if "demo" in path.parts:
            continue  # the demo data plays scripted stories of named kinds
        text = path.read_text(encoding="utf-8")
        pattern = template_state if path.suffix == ".html" else comparison
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_inline_handlers_ask_window_confirm() -> None:
    """An inline handler resolves names on its form first: a bare ``confirm(...)`` in a form with a field named
    "confirm" (the irreversible actions' checkbox) calls the checkbox, throws, and the form is sent unasked."""
    bare = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "templates").rglob("*.html"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"(?<![\w.])confirm\(", line)]
    assert bare == []
