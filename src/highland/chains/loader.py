"""Read chain files (YAML, or XLSX with the sheets `chain` and `segments`) into checked specs.

Every problem is reported with its file and line, and reading goes on after an error, so that
one pass shows them all. A file with any error yields no chain: nothing of it may be stored.
Checks that need the database (a clash with another stored chain) live in chains.service.

Workbooks (and reading any chain file by its name) are in chains.workbook.

A GB/T 4754-2017 code is checked by its form and its division (kit.industry): the class list
itself (~1,380 classes) is not tabulated, so `6519` passes because division 65 exists.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from highland.platform.kit.industry import IndustryError, parse_industry
from highland.platform.kit.yaml_lines import LineDict, line_loader

STREAMS = ("upstream", "midstream", "downstream")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CHAIN_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_ID = 2**31 - 1
CHAIN_KEYS = ("id", "code", "name", "name_en", "description", "person_in_charge", "segments")
SEGMENT_KEYS = (
    "code", "parent", "name", "name_en", "stream", "industry", "products", "keywords",
    "bottleneck", "segments",
)  # fmt: skip
_TEXT_LIMITS = {"name": 100, "name_en": 200, "person_in_charge": 100, "description": 4000}


@dataclass(frozen=True)
class ChainError:
    """One problem in a chain file: where, and what is wrong. `message` is English (the CLI,
    the API); `code` and `params` name the catalogue entry `error.<code>` pages show."""

    path: str
    line: int
    message: str
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def shown(value: Any) -> str:
    """A value as an error names it: text as it is, anything else as Python writes it."""
    return value if isinstance(value, str) else repr(value)


@dataclass(frozen=True)
class SegmentSpec:
    """A checked segment: its parent's code (None at the top) and its order there."""

    code: str
    parent_code: str | None
    name: str
    name_en: str | None
    stream: str
    position: int
    industry_codes: tuple[str, ...]
    products: tuple[str, ...]
    keywords: tuple[str, ...]
    bottleneck: bool
    line: int = 0

    def content(self) -> dict[str, Any]:
        """The fields that make a version (line numbers excluded)."""
        return {
            "code": self.code, "parent": self.parent_code, "name": self.name,
            "name_en": self.name_en, "stream": self.stream, "position": self.position,
            "industry": list(self.industry_codes), "products": list(self.products),
            "keywords": list(self.keywords), "bottleneck": self.bottleneck,
        }  # fmt: skip


@dataclass(frozen=True)
class ChainSpec:
    """A checked chain file: the chain's fields, its segments in tree order, its source."""

    id: int
    code: str
    name: str
    name_en: str | None
    description: str | None
    person_in_charge: str | None
    segments: tuple[SegmentSpec, ...]
    source: str
    path: str
    lines: dict[str, int] = field(default_factory=dict)  # line of `id`, `code`, the file

    def content(self) -> dict[str, Any]:
        """Everything a version holds, for comparing versions (not the text's layout)."""
        return {
            "id": self.id, "code": self.code, "name": self.name, "name_en": self.name_en,
            "description": self.description, "person_in_charge": self.person_in_charge,
            "segments": [s.content() for s in self.segments],
        }  # fmt: skip

    @property
    def sha256(self) -> str:
        """Digest of the content: an unchanged chain (whatever its layout) has the same one."""
        text = json.dumps(self.content(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ChainFile:
    """What was read from one file: the chain, or the errors."""

    path: str
    chain: ChainSpec | None = None
    errors: list[ChainError] = field(default_factory=list)


# --------------------------------------------------------------------------- YAML with lines


_LineLoader = line_loader("key {key!r} is given twice")  # LineDict / LineList with lines


def _line_of(data: Any, key: Any, default: int = 1) -> int:
    if isinstance(data, LineDict):
        return data.lines.get(key, data.line)
    return getattr(data, "line", default) or default


# --------------------------------------------------------------------------- checking


class _Reader:
    """Checks one chain document, collecting errors with lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ChainError] = []

    def error(
        self, line: int, message: str, *, code: str, params: dict[str, Any] | None = None
    ) -> None:
        self.errors.append(ChainError(self.path, line, message, code, dict(params or {})))

    def keys(self, data: LineDict, allowed: tuple[str, ...], what: str) -> None:
        where = "@chains.file.the_chain" if what == "the chain" else "@chains.file.a_segment"
        for key in data:
            if key not in allowed:
                self.error(
                    data.lines.get(key, data.line),
                    f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})",
                    code="chains.file.unknown_key",
                    params={"key": shown(key), "where": where, "allowed": ", ".join(allowed)},
                )

    def text(self, data: LineDict, key: str, what: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.error(data.line, f"{what} is missing the field {key!r}",
                           code="chains.file.missing", params={"field": key})  # fmt: skip
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(_line_of(data, key), f"{key} must be non-empty text, got {value!r}",
                       code="chains.file.not_text", params={"field": key,
                       "value": shown(value)})  # fmt: skip
            return None
        limit = _TEXT_LIMITS.get(key)
        if limit is not None and len(value) > limit:
            self.error(_line_of(data, key), f"{key} is longer than {limit} characters",
                       code="chains.file.too_long", params={"field": key,
                       "limit": limit})  # fmt: skip
            return None
        return value.strip()

    def strings(self, data: LineDict, key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(_line_of(data, key), f"{key} must be a list, e.g. [a, b]",
                       code="chains.file.not_list", params={"field": key})  # fmt: skip
            return ()
        lines = getattr(value, "lines", [])
        out: list[str] = []
        for i, item in enumerate(value):
            line = lines[i] if i < len(lines) else _line_of(data, key)
            if not isinstance(item, str) or not item.strip():
                self.error(line, f"{key}: each item must be quoted text, got {item!r}",
                           code="chains.file.item_not_text", params={"field": key,
                           "value": shown(item)})  # fmt: skip
            else:
                out.append(item.strip())
        return tuple(out)

    def industry(self, data: LineDict) -> tuple[str, ...]:
        out: list[str] = []
        for code in self.strings(data, "industry"):
            try:
                out.append(parse_industry(code).code)
            except IndustryError as exc:
                self.error(_line_of(data, "industry"), f"industry {code!r}: {exc.message}",
                           code="chains.file.industry", params={"value": code,
                           "problem": f"@chains.file.industry_{exc.reason}"})  # fmt: skip
        return tuple(dict.fromkeys(out))


@dataclass
class _Raw:
    """A segment as read, before the tree is checked."""

    data: LineDict
    code: str | None
    parent: str | None  # from nesting, or from `parent:`
    stream: str | None
    line: int
    fields: dict[str, Any] = field(default_factory=dict)


def _check_chain_head(data: LineDict, r: _Reader) -> dict[str, Any]:
    r.keys(data, CHAIN_KEYS, "the chain")
    raw_id = data.get("id")
    chain_id: int | None = None
    if raw_id is None:
        r.error(data.line, "the chain is missing the field 'id' (a positive integer)",
                code="chains.file.missing", params={"field": "id"})  # fmt: skip
    elif isinstance(raw_id, bool) or not isinstance(raw_id, int) or not 0 < raw_id <= MAX_ID:
        r.error(_line_of(data, "id"), f"id must be a positive integer, got {raw_id!r}",
                code="chains.file.bad_id", params={"value": shown(raw_id)})  # fmt: skip
    else:
        chain_id = raw_id
    code = data.get("code")
    if code is None:
        r.error(data.line, "the chain is missing the field 'code'",
                code="chains.file.missing", params={"field": "code"})  # fmt: skip
    elif not isinstance(code, str):
        r.error(_line_of(data, "code"), f"code must be text (quote it), got {code!r}",
                code="chains.file.code_not_text", params={"value": shown(code)})  # fmt: skip
        code = None
    elif not CHAIN_CODE_RE.match(code):
        r.error(_line_of(data, "code"), f"code {code!r}: use letters, digits, - _ . (max 32)",
                code="chains.file.bad_code", params={"value": code, "max": 32})  # fmt: skip
        code = None
    return {
        "id": chain_id,
        "code": code,
        "name": r.text(data, "name", "the chain", required=True),
        "name_en": r.text(data, "name_en", "the chain"),
        "description": r.text(data, "description", "the chain"),
        "person_in_charge": r.text(data, "person_in_charge", "the chain"),
    }


def _walk(items: Any, parent: str | None, r: _Reader, out: list[_Raw], line: int) -> None:
    """Collect segments depth-first, in file order (children follow their parent)."""
    if not isinstance(items, list):
        r.error(line, "segments must be a list of segments", code="chains.file.segments_list")
        return
    lines = getattr(items, "lines", [])
    for i, item in enumerate(items):
        item_line = lines[i] if i < len(lines) else line
        if not isinstance(item, LineDict):
            r.error(item_line, f"a segment must be a mapping (code: …, name: …), got {item!r}",
                    code="chains.file.segment_mapping", params={"value": shown(item)})  # fmt: skip
            continue
        r.keys(item, SEGMENT_KEYS, "a segment")
        code = item.get("code")
        if code is None:
            r.error(item.line, "a segment is missing the field 'code'",
                    code="chains.file.segment_missing", params={"field": "code"})  # fmt: skip
        elif not isinstance(code, str):
            r.error(_line_of(item, "code"), f"segment code must be text (quote it), got {code!r}",
                    code="chains.file.code_not_text", params={"value": shown(code)})  # fmt: skip
            code = None
        elif not CODE_RE.match(code):
            r.error(_line_of(item, "code"), f"segment code {code!r}: use letters, digits, - _ .",
                    code="chains.file.bad_code", params={"value": code, "max": 64})  # fmt: skip
            code = None
        named = item.get("parent")
        if named is not None and not isinstance(named, str):
            r.error(_line_of(item, "parent"), f"parent must be a segment code, got {named!r}",
                    code="chains.file.bad_parent", params={"value": shown(named)})  # fmt: skip
            named = None
        if named is not None and parent is not None and named != parent:
            r.error(_line_of(item, "parent"), f"segment {code!r} is nested under {parent!r} "
                    f"but names parent {named!r}", code="chains.file.parent_mismatch",
                    params={"segment": shown(code), "parent": parent,
                            "named": named})  # fmt: skip
        stream = item.get("stream")
        if stream is not None and stream not in STREAMS:
            r.error(_line_of(item, "stream"), f"stream {stream!r}: use {', '.join(STREAMS)}",
                    code="chains.file.bad_stream", params={"value": shown(stream),
                    "allowed": ", ".join(STREAMS)})  # fmt: skip
            stream = None
        bottleneck = item.get("bottleneck", False)
        if not isinstance(bottleneck, bool):
            r.error(_line_of(item, "bottleneck"), f"bottleneck must be true or false, "
                    f"got {bottleneck!r}", code="chains.file.bad_bottleneck",
                    params={"value": shown(bottleneck)})  # fmt: skip
        fields = {
            "name": r.text(item, "name", f"segment {code!r}", required=True) or "",
            "name_en": r.text(item, "name_en", "a segment"),
            "industry_codes": r.industry(item),
            "products": r.strings(item, "products"),
            "keywords": r.strings(item, "keywords"),
            "bottleneck": bottleneck is True,
        }
        out.append(_Raw(item, code, parent or named, stream, item.line, fields))
        if "segments" in item:
            _walk(item["segments"], code, r, out, _line_of(item, "segments"))


def _check_tree(raws: list[_Raw], r: _Reader) -> list[SegmentSpec]:
    before = len(r.errors)
    first: dict[str, _Raw] = {}
    for raw in raws:
        if raw.code is None:
            continue
        if raw.code in first:
            r.error(raw.line, f"duplicate segment code {raw.code!r} (lines "
                    f"{first[raw.code].line} and {raw.line})", code="chains.file.duplicate",
                    params={"segment": raw.code, "first": first[raw.code].line,
                            "second": raw.line})  # fmt: skip
        else:
            first[raw.code] = raw
    for raw in raws:
        if raw.parent is not None and raw.parent not in first and raw.code is not None:
            r.error(_line_of(raw.data, "parent"), f"segment {raw.code!r}: parent "
                    f"{raw.parent!r} names no segment of this chain (orphan)",
                    code="chains.file.orphan", params={"segment": raw.code,
                    "parent": raw.parent})  # fmt: skip
    parent_of: dict[str, str | None] = {
        c: raw.parent for c, raw in first.items() if raw.parent in first
    }
    in_cycle: set[str] = set()
    for start in first:
        path, node = [start], parent_of.get(start)
        while node is not None and node not in path and node not in in_cycle:
            path.append(node)
            node = parent_of.get(node)
        if node is not None and node in path:
            loop = path[path.index(node) :]
            if not in_cycle & set(loop):
                path_text = " → ".join([*loop, node])
                r.error(_line_of(first[node].data, "parent"), f"segments form a cycle "
                        f"through parent: {path_text}", code="chains.file.cycle",
                        params={"path": path_text})  # fmt: skip
            in_cycle.update(loop)
    if len(r.errors) > before or any(raw.code is None for raw in raws):
        return []  # the tree itself is broken: streams cannot be inherited
    return _build(raws, first, parent_of, r)


def _stream_of(code: str, first: dict[str, _Raw], parent_of: dict[str, str | None]) -> str | None:
    node: str | None = code
    while node is not None:
        if first[node].stream is not None:
            return first[node].stream
        node = parent_of.get(node)
    return None


def _build(
    raws: list[_Raw], first: dict[str, _Raw], parent_of: dict[str, str | None], r: _Reader
) -> list[SegmentSpec]:
    """Segments in tree order (each parent before its children), positions from 1."""
    children: dict[str | None, list[_Raw]] = {}
    for raw in raws:
        children.setdefault(raw.parent, []).append(raw)
    out: list[SegmentSpec] = []

    def visit(parent: str | None) -> None:
        for pos, raw in enumerate(children.get(parent, []), 1):
            assert raw.code is not None
            stream = _stream_of(raw.code, first, parent_of)
            if stream is None:
                r.error(raw.line, f"segment {raw.code!r} is missing the field 'stream' "
                        f"({', '.join(STREAMS)}; children inherit their parent's)",
                        code="chains.file.no_stream", params={"segment": raw.code,
                        "allowed": ", ".join(STREAMS)})  # fmt: skip
            out.append(
                SegmentSpec(
                    code=raw.code, parent_code=parent, stream=stream or "", position=pos,
                    line=raw.line, **raw.fields,
                )
            )  # fmt: skip
            visit(raw.code)

    visit(None)
    return out


def check_document(data: Any, source: str, path: str) -> ChainFile:
    """Check one chain document (already parsed, with lines) into a ChainFile."""
    result = ChainFile(path)
    r = _Reader(path)
    if not isinstance(data, LineDict):
        r.error(1, "a chain file must be a mapping (id: …, code: …, name: …, segments: …)",
                code="chains.file.not_mapping")  # fmt: skip
        result.errors = r.errors
        return result
    head = _check_chain_head(data, r)
    raws: list[_Raw] = []
    if "segments" not in data:
        r.error(data.line, "the chain is missing the field 'segments'",
                code="chains.file.missing", params={"field": "segments"})  # fmt: skip
    elif not data["segments"]:
        r.error(_line_of(data, "segments"), "segments is empty: a chain needs at least one",
                code="chains.file.no_segments")  # fmt: skip
    else:
        _walk(data["segments"], None, r, raws, _line_of(data, "segments"))
    segments = _check_tree(raws, r) if raws else []
    if not r.errors and head["id"] is not None and head["code"] and head["name"]:
        lines = {"id": _line_of(data, "id"), "code": _line_of(data, "code"), "file": data.line}
        result.chain = ChainSpec(
            segments=tuple(segments), source=source, path=path, lines=lines, **head
        )
    result.errors = sorted(r.errors, key=lambda e: e.line)  # stable: same line keeps order
    return result


def read_yaml(text: str, path: str) -> ChainFile:
    """Read and check the YAML text of one chain file."""
    if not text.strip():
        empty = ChainError(path, 1, "the file is empty", code="upload.empty")
        return ChainFile(path, errors=[empty])
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = str(exc.problem or exc)
        bad = ChainError(path, line, f"YAML: {problem}", code="chains.file.yaml",
                         params={"problem": problem})  # fmt: skip
        return ChainFile(path, errors=[bad])
    except yaml.YAMLError as exc:
        bad = ChainError(path, 1, f"YAML: {exc}", code="chains.file.yaml",
                         params={"problem": str(exc)})  # fmt: skip
        return ChainFile(path, errors=[bad])
    return check_document(data, text, path)
