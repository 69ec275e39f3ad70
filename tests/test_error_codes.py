"""Every error a person may see carries a catalogue code: each construction of a HighlandError
subclass in src passes `code=` (pages show `error.<code>` in the reader's language; the English
message stays for logs and the CLI).

Files that still build errors without a code are counted in UNCODED; the counts may only
shrink. A file below its count fails too, until its number is lowered here, so the list keeps
telling the truth."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
BASE = "HighlandError"

# file (under src/) → constructions without code= still allowed: none (a new one fails).
UNCODED: dict[str, int] = {}


def _trees() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(SRC.rglob("*.py"))
    }


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _passes_code(call: ast.Call) -> bool:
    return any(k.arg == "code" or k.arg is None for k in call.keywords)


def error_classes(trees: dict[str, ast.Module]) -> dict[str, bool]:
    """Every HighlandError subclass (by name) → whether it passes a code itself (an __init__
    of its own whose super().__init__ names one), so its callers need not."""
    bases: dict[str, set[str]] = {}
    own_code: dict[str, bool] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {n for b in node.bases if (n := _name(b))}
                inits = [f for f in node.body if isinstance(f, ast.FunctionDef)
                         and f.name == "__init__"]  # fmt: skip
                own_code[node.name] = any(
                    isinstance(c, ast.Call) and _passes_code(c)
                    for f in inits for c in ast.walk(f)
                    if isinstance(c, ast.Call) and _name(c.func) == "__init__"
                )  # fmt: skip
    found = {BASE: False}
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in found and parents & found.keys():
                found[name] = own_code.get(name, False) or any(
                    found[p] for p in parents if p in found
                )
                grew = True
    return found


def uncoded(trees: dict[str, ast.Module]) -> dict[str, list[int]]:
    """file → the lines that construct an error without a code."""
    classes = error_classes(trees)
    out: dict[str, list[int]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in classes and not classes[name] and not _passes_code(node):
                out.setdefault(path, []).append(node.lineno)
    return out


def test_every_error_carries_a_code() -> None:
    found = uncoded(_trees())
    counts = {path: len(lines) for path, lines in found.items()}
    worse = {
        f"{path} ({n} > {UNCODED.get(path, 0)}): lines {found[path]}"
        for path, n in counts.items()
        if n > UNCODED.get(path, 0)
    }
    assert not worse, "errors built without code= (add a code and its catalogue entry):\n" + (
        "\n".join(sorted(worse))
    )
    better = {p: counts.get(p, 0) for p, n in UNCODED.items() if counts.get(p, 0) < n}
    assert not better, f"fewer errors without a code than UNCODED says: lower it to {better}"


def test_the_walk_finds_constructions() -> None:
    source = """
class HighlandError(Exception): ...
class Bad(HighlandError): ...
class Coded(Bad):
    def __init__(self, n):
        super().__init__("x", code="coded")
def f():
    raise Bad("no code")
def g():
    raise Bad("with", code="c", params={})
def h():
    raise Coded(1)
def i(kw):
    raise errors.Bad("passed on", **kw)
"""
    assert uncoded({"m.py": ast.parse(source)}) == {"m.py": [8]}
