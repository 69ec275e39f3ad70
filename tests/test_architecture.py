"""The house's shape, read from the code: the platform kernel imports no domain, domains
depend in one direction, and no two packages import each other.

The import graph counts every import, those written inside functions too (an import hidden in
a function still ties the packages). Edges that still point the wrong way are listed below as
debts with the reason each exists; the list may only shrink: a new wrong-way edge fails, and so
does a listed debt that has been paid (remove it from the list)."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "highland"

# Who may import whom. The kernel (highland.platform) is imported by everyone and imports no
# one; the assembly (the `highland` command, the web app, the schema and its migrations,
# backup) may import everything.
KERNEL = "platform"
DOMAINS: dict[str, set[str]] = {
    "enterprises": set(),
    "policies": {"enterprises"},
    "demands": {"enterprises"},
    "chains": {"enterprises", "demands"},
    "desk": {"enterprises", "policies", "demands", "chains"},
    "growth": {"enterprises", "policies", "chains"},
    "innovation": {"enterprises", "demands", "chains"},
    "docking": {"enterprises", "chains", "demands"},
}
ASSEMBLY = {
    "cli", "main", "models", "schema", "schema_state", "migrations", "backup", "wiring", "__init__"
}  # fmt: skip

# Wrong-way edges still in the code: (importer, imported) → why, and what removes it.
DEBTS: dict[tuple[str, str], str] = {}
# Imports written inside functions across packages; may only go down.
HIDDEN_MAX = 0


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "highland":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


@cache
def _graph() -> tuple[dict[tuple[str, str], list[str]], int]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    hidden = 0
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        source = _package(".".join(rel.parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {
            id(node)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            else:
                continue
            for target in targets:
                imported = _package(target)
                if imported and source and imported != source:
                    edges[(source, imported)].append(str(path.relative_to(SRC)))
                    hidden += id(node) in inside
    return edges, hidden


def _allowed(importer: str, imported: str) -> bool:
    if importer in ASSEMBLY:
        return True
    if importer == KERNEL:
        return False
    return imported == KERNEL or imported in DOMAINS.get(importer, set())


def test_every_package_has_a_place() -> None:
    edges, _ = _graph()
    known = {KERNEL, *DOMAINS, *ASSEMBLY}
    unknown = {p for edge in edges for p in edge} - known
    assert not unknown, f"packages without a place in the house: {sorted(unknown)}"


def test_the_kernel_imports_no_domain() -> None:
    edges, _ = _graph()
    bad = {edge: files for edge, files in edges.items() if edge[0] == KERNEL}
    assert not bad, f"the kernel imports: {bad}"


def test_domains_depend_in_one_direction() -> None:
    edges, _ = _graph()
    wrong = {edge: sorted(set(files)) for edge, files in edges.items() if not _allowed(*edge)}
    new = {edge: files for edge, files in wrong.items() if edge not in DEBTS}
    paid = sorted(set(DEBTS) - set(wrong))
    assert not new, f"imports against the direction of the house: {new}"
    assert not paid, f"debts paid: remove them from DEBTS: {paid}"


def test_no_two_packages_import_each_other() -> None:
    edges, _ = _graph()
    cycles = sorted((a, b) for (a, b) in edges if a < b and (b, a) in edges and a not in ASSEMBLY)
    owed = {tuple(sorted(debt)) for debt in DEBTS}
    assert [c for c in cycles if c not in owed] == [], cycles


def test_imports_hidden_in_functions_do_not_grow() -> None:
    _, hidden = _graph()
    assert hidden <= HIDDEN_MAX, f"{hidden} imports across packages inside functions"


# What a domain may import from another domain: the modules it publishes for them (see
# `enterprises/public.py`), never its models, tables, repository or import internals.
PUBLISHED = {"public", "service", "scope", "vocab"}
# Imports of another domain's internals still in the code: (importer, imported module) → why.
# May only shrink, like DEBTS.
INTERNAL_DEBTS: dict[tuple[str, str], str] = {}


@cache
def _cross_domain_modules() -> dict[tuple[str, str], list[str]]:
    """(importing domain, imported module of another domain) → files, for every import."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        source = _package(".".join(rel.parts))
        if source not in DOMAINS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                package = node.module.split(".")
                # `from highland.enterprises import repository` names the module it imports.
                targets = (
                    [f"{node.module}.{alias.name}" for alias in node.names]
                    if len(package) == 2
                    else [node.module]
                )
            else:
                continue
            for target in targets:
                imported = _package(target)
                if imported in DOMAINS and imported != source:
                    found[(source, target)].append(str(path.relative_to(SRC)))
    return found


def test_domains_reach_each_other_only_through_published_modules() -> None:
    """A domain reads another through its service or public module (`enterprises/public.py`
    lends the registry), never through its models, tables, repository or internals."""
    wrong = {
        edge: sorted(set(files))
        for edge, files in _cross_domain_modules().items()
        if edge[1].split(".")[-1] not in PUBLISHED
    }
    new = {edge: files for edge, files in wrong.items() if edge not in INTERNAL_DEBTS}
    paid = sorted(set(INTERNAL_DEBTS) - set(wrong))
    assert not new, f"a domain imports another domain's internals: {new}"
    assert not paid, f"debts paid: remove them from INTERNAL_DEBTS: {paid}"


# Edges: the modules that speak HTTP or the command line. They call services and repositories
# and hold no SQL (no statement built, none executed).
EDGE_NAMES = ("pages", "api", "cli", "routes", "open311")
SQL_BUILDERS = {"select", "update", "delete", "insert", "text", "func", "and_", "or_", "exists"}
SQL_CALLS = {"execute", "scalars", "scalar", "query", "scalar_one"}
SESSION_NAMES = {"db", "session", "s", "conn", "connection"}
# Edge modules that still hold SQL: may only shrink.
SQL_IN_EDGES: dict[str, int] = {
}


def _is_edge(path: Path) -> bool:
    rel = path.relative_to(SRC)
    stem = path.stem
    if rel.parts[0] == "cli":
        return True
    return any(stem == n or stem.endswith(f"_{n}") for n in EDGE_NAMES)


def _sql_in(path: Path) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += sum(alias.name in SQL_BUILDERS for alias in node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, owner = node.func.attr, node.func.value
            if attr in SQL_CALLS or (
                attr == "get" and isinstance(owner, ast.Name) and owner.id in SESSION_NAMES
            ):
                found += 1
    return found


def test_pages_api_routes_and_commands_hold_no_sql() -> None:
    """Reads and writes go through each domain's repository or service."""
    found = {
        str(path.relative_to(SRC)): n
        for path in sorted(SRC.rglob("*.py"))
        if _is_edge(path) and (n := _sql_in(path))
    }
    grown = {f: n for f, n in found.items() if n > SQL_IN_EDGES.get(f, 0)}
    shrunk = {f: n for f, n in SQL_IN_EDGES.items() if found.get(f, 0) < n}
    assert not grown, f"SQL in pages, API routes or commands: {grown}"
    assert not shrunk, f"SQL left the edges: lower SQL_IN_EDGES to {found}"


LONG_FUNCTION = 80
FILE_LINES = 650  # "about 600": a file past this is split into a package by feature


def test_no_long_function_without_its_reason() -> None:
    """A function past ~80 lines says why in a `# long: …` comment (migrations are exempt:
    one generated upgrade per revision)."""
    bare = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                body = lines[node.lineno - 1 : node.end_lineno]
                if len(body) > LONG_FUNCTION and not any("# long:" in x for x in body):
                    bare.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert not bare, f"functions over {LONG_FUNCTION} lines without a reason: {bare}"


def test_no_file_past_about_six_hundred_lines() -> None:
    big = {
        str(p.relative_to(SRC)): n
        for p in sorted(SRC.rglob("*.py"))
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > FILE_LINES
    }
    assert not big, f"files past {FILE_LINES} lines: split them by feature: {big}"


def test_every_lazy_command_path_names_what_exists() -> None:
    """The `highland` command imports its commands by name ("module:attribute") when one is
    run, which the import graph above does not see: each name must resolve, and stay inside
    the house's places (a typo fails here, not on an operator's command line)."""
    from highland.cli import BEFORE, COMMANDS
    from highland.platform.cli import load

    known = {KERNEL, *DOMAINS, *ASSEMBLY}
    paths = {*COMMANDS.values(), *(step for steps in BEFORE.values() for step in steps)}
    assert set(BEFORE) == set(COMMANDS)
    for path in sorted(paths):
        module, _, attribute = path.partition(":")
        assert attribute and _package(module) in known, path
        assert load(path) is not None, path
