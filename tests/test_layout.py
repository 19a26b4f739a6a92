"""The shape of the package: no import cycle, small modules, light imports, a locked public surface,
and every setting documented. These fail when the house gets messy again, not when behaviour changes.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import service
from service.cli import build_parser
from service.settings import VARIABLES, markdown_table

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "service"
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The longest a module may grow before it is split (issue: "no module over ~450 lines").
MAX_MODULE_LINES = 450


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its body (lazy imports count too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_planted_cycle():
    graph = _import_graph()
    graph["service.web.backend"].add("service.web.gradio_ui")  # the old api <-> ui cycle
    assert any("service.web.backend" in cycle for cycle in _cycles(graph))


def test_the_page_and_the_routes_meet_only_in_web_app():
    graph = _import_graph()
    page, routes = "service.web.gradio_ui", "service.web.http_api"
    assert routes not in graph[page] and page not in graph[routes]
    assert {name for name, deps in graph.items() if page in deps and routes in deps} == {"service.web.app"}
    # the page talks to the backend, never to the pipeline directly
    assert "service.pipeline" not in graph[page]


def test_no_module_is_too_long():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(out.stdout.split())


def test_importing_the_library_loads_no_web_or_model_framework():
    loaded = _imported_after("import service")
    assert not loaded & {"gradio", "torch", "transformers", "ctranslate2", "fastapi", "uvicorn"}


def test_the_page_module_loads_no_model_code():
    loaded = _imported_after("import service.web.gradio_ui")
    assert "gradio" in loaded
    assert not loaded & {"torch", "transformers", "ctranslate2"}


def test_public_surface_is_what_the_readme_documents():
    assert sorted(service.__all__) == sorted(
        [
            "LENGTHS",
            "MODES",
            "ROLES",
            "DocumentError",
            "EmptyInput",
            "InputError",
            "InputTooLarge",
            "Limits",
            "ModelSet",
            "ModelSetError",
            "ModelSpec",
            "ModelUnavailable",
            "Pipeline",
            "PipelineOptions",
            "QualityFlag",
            "Result",
            "Segment",
            "ServiceError",
            "Settings",
            "UnsupportedLanguage",
            "load_model_set",
        ]
    )
    for name in service.__all__:
        assert hasattr(service, name)
    for documented in ("Pipeline", "EmptyInput", "UnsupportedLanguage", "InputTooLarge", "DocumentError"):
        assert documented in README


def test_cli_commands_are_the_documented_ones():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for command in commands:
        assert f"python -m service {command}" in README, command
    help_text = parser.format_help()
    for command in commands:
        assert command in help_text


def _setting_names_in_code() -> set[str]:
    names = set()
    for path in [*PACKAGE.rglob("*.py"), ROOT / "app.py"]:
        names |= set(re.findall(r"\bSERVICE_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    # limits are read by field name (SERVICE_ + the Limits field upper-cased)
    from dataclasses import fields

    from service.limits import Limits

    names |= {f"SERVICE_{f.name.upper()}" for f in fields(Limits)}
    return names


def test_every_setting_is_declared_once_and_documented_in_the_readme():
    declared = [v.name for v in VARIABLES]
    assert len(declared) == len(set(declared))
    assert _setting_names_in_code() <= set(declared), "a SERVICE_ variable is read but not declared"
    assert markdown_table() in README, (
        "the README's settings table differs from service.settings.VARIABLES: paste "
        "`python -c 'from service.settings import markdown_table; print(markdown_table())'`"
    )


def test_only_the_settings_module_reads_the_environment():
    """`os.environ` / `os.getenv` appear only where settings are read (and in documented exceptions)."""
    allowed = {
        "service/settings.py",  # Settings.from_env, default_cache_dir
        "service/limits.py",  # Limits.from_env(environ), called by Settings.from_env
        "service/web/access.py",  # Access.from_env(environ), called by Settings.from_env
        "service/models/fetch.py",  # HF_HUB_OFFLINE: the Hub library's own switch, reported to users
        "service/cluster/runner.py",  # RAY_ADDRESS: Ray's own switch (join a cluster, or start one)
    }
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|getenv\(", text):
            readers.add(str(path.relative_to(ROOT)))
    assert readers <= allowed, sorted(readers - allowed)
