"""Reading YAML text and folders into a Library, and checking references between documents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from highland.platform.kit.yaml_lines import ALIAS_PROBLEM, DEPTH_PROBLEM, MAX_DEPTH, LineDict
from highland.policies.rules.loader.documents import read_package, read_policy, read_tests
from highland.policies.rules.loader.library import (
    Doc,
    Library,
    LineLoader,
    RuleError,
    split_documents,
)

# The bounded loader's own refusals (platform/kit/yaml_lines.py) → their catalogue codes.
OWN_PROBLEMS = {DEPTH_PROBLEM: "yaml_depth", ALIAS_PROBLEM: "yaml_alias"}


def read_text(text: str, path: str, library: Library | None = None) -> Library:
    """Read one file's text into a library (or into `library`), collecting errors."""
    lib = library if library is not None else Library()
    for start, chunk in split_documents(text):
        doc = Doc(path, start, lib.errors)
        try:
            data = yaml.load(chunk, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = str(exc.problem or exc)
            line, column = ((mark.line + 1), (mark.column + 1)) if mark else (1, 1)
            if problem in OWN_PROBLEMS:  # the bounded loader's refusals have words of their own
                doc.error(line, f"YAML: {problem}", code=OWN_PROBLEMS[problem], detail=problem,
                          column=column, limit=MAX_DEPTH)  # fmt: skip
                continue
            # The parser's own words are English: pages name the line and column instead.
            doc.error(line, f"YAML: {problem}", code="yaml_at", detail=problem, column=column)
            continue
        except (yaml.YAMLError, ValueError) as exc:
            doc.error(1, f"YAML: {exc}", code="yaml", detail=str(exc))
            continue
        if not isinstance(data, LineDict):
            doc.error(1, "a document must be a mapping (id: …, title: …)", code="document_mapping")
            continue
        _read_document(data, chunk, doc, lib)
    return lib


def _read_document(data: LineDict, chunk: str, doc: Doc, lib: Library) -> None:
    kind = data.get("kind", "policy")
    if kind == "policy":
        policy = read_policy(data, doc)
        if policy is not None and not doc.failed:
            _add(lib.policies, replace(policy, source=chunk.strip() + "\n"), doc, data, lib)
    elif kind == "package":
        package = read_package(data, doc)
        if package is not None and not doc.failed:
            _add(lib.packages, replace(package, source=chunk.strip() + "\n"), doc, data, lib)
    elif kind == "tests":
        read_tests(data, doc, lib)
    else:
        doc.error(data.lines.get("kind", data.line), f"unknown kind {kind!r}: use policy, "
                  "package or tests", code="unknown_kind", kind=str(kind)[:40])  # fmt: skip


def _add(into: dict[str, Any], item: Any, doc: Doc, data: LineDict, lib: Library) -> None:
    if item.id in into:
        first = into[item.id]
        doc.error(data.lines["id"], f"duplicate id {item.id!r} (first at {first.path}:"
                  f"{first.line})", code="duplicate_id", id=item.id,
                  first=f"{first.path}:{first.line}")  # fmt: skip
        return
    into[item.id] = replace(item, path=doc.path, line=data.line + doc.offset - 1)


def read_paths(paths: Iterable[Path], library: Library | None = None) -> Library:
    """Read YAML files and folders (recursively, *.yaml / *.yml), then check references."""
    lib = library if library is not None else Library()
    for path in paths:
        files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        if path.is_dir() and not files:
            lib.errors.append(RuleError(str(path), 0, "no .yaml files in this folder",
                                        "rules.no_yaml_files"))  # fmt: skip
        if not path.exists():
            lib.errors.append(RuleError(str(path), 0, "no such file or folder", "rules.no_file"))
            continue
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                lib.errors.append(RuleError(str(file), 0, f"cannot read: {exc}", "rules.unreadable",
                                            {"problem": str(exc)}))  # fmt: skip
                continue
            read_text(text, str(file), lib)
    return lib


def check_references(
    lib: Library, known_policies: Iterable[str] = (), known_packages: Iterable[str] = ()
) -> None:
    """Report `excludes` and `package` naming nothing (in the library or already stored)."""
    policies = set(lib.policies) | set(known_policies)
    packages = set(lib.packages) | set(known_packages)
    for p in lib.policies.values():
        if p.package and p.package not in packages:
            lib.errors.append(RuleError(p.path, p.line, f"{p.id}: package {p.package!r} is not "
                                        "defined (add a `kind: package` document)",
                                        "rules.unknown_package",
                                        {"id": p.id, "package": p.package}))  # fmt: skip
        for other in p.excludes:
            if other not in policies:
                lib.errors.append(
                    RuleError(
                        p.path,
                        p.line,
                        f"{p.id}: excludes {other!r}, which names no policy",
                        "rules.unknown_exclude",
                        {"id": p.id, "other": other},
                    )
                )
    lib.errors.sort(key=lambda e: (e.path, e.line))


def load_library(paths: Sequence[Path], known_policies: Iterable[str] = ()) -> Library:
    """Read files and folders and check cross-references in one go."""
    lib = read_paths(paths)
    check_references(lib, known_policies)
    return lib
