"""XLSX chain files (sheets `chain` and `segments`), reading any chain file by its name, and
writing a chain back as YAML. The checks are chains.loader's, so a workbook's errors are the
same as a YAML file's, named by sheet and row."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import yaml

from highland.chains.loader import (
    ChainError,
    ChainFile,
    ChainSpec,
    SegmentSpec,
    check_document,
    read_yaml,
)
from highland.platform.errors import InvalidInput
from highland.platform.kit import sheets
from highland.platform.kit.yaml_lines import LineDict, LineList

# --------------------------------------------------------------------------- XLSX

_SPLIT = re.compile(r"[;,；，、\n]")


def _cells(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _sheet_rows(ws: Any, where: str) -> list[tuple[int, dict[str, Any]]]:
    rows = sheets.sheet_rows(ws, where)  # as stored, within row / column caps
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h).strip() if h is not None else "" for h in header]
    out = []
    for number, row in enumerate(rows, 2):
        values = {n: _cells(v) for n, v in zip(names, row, strict=False) if n}
        if any(v is not None for v in values.values()):
            out.append((number, values))
    return out


def _as_list(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    return [p.strip() for p in _SPLIT.split(text) if p.strip()]


def _as_bool(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, bool | int):
        return bool(value)
    low = str(value).lower()
    if low in ("true", "yes", "y", "1", "是", "√"):
        return True
    if low in ("false", "no", "n", "0", "否", ""):
        return False
    return value


def _mapping_at(values: dict[str, Any], line: int) -> LineDict:
    m = LineDict({k: v for k, v in values.items() if v is not None})
    m.line, m.lines = line, dict.fromkeys(m, line)
    return m


def read_xlsx(data: bytes, path: str) -> ChainFile:
    """Read an XLSX chain file: sheet `chain` (a header row and one row) and sheet `segments`
    (a header row, one segment a row, `parent` naming the parent's code; lists split on ; , 、).
    Errors name the sheet and row. The stored source is the equivalent YAML."""
    try:
        wb = sheets.open_workbook(data, "the workbook")
    except InvalidInput as exc:  # not a workbook, or a cell over the cap
        return ChainFile(path, errors=[_refused(path, exc)])
    try:
        missing = [s for s in ("chain", "segments") if s not in wb.sheetnames]
        if missing:
            return ChainFile(path, errors=[ChainError(path, 0, "missing sheet(s): "
                             f"{', '.join(missing)} (need `chain` and `segments`)",
                             code="chains.file.missing_sheets",
                             params={"sheets": ", ".join(missing)})])  # fmt: skip
        chain_rows = _sheet_rows(wb["chain"], "sheet `chain`")
        seg_rows = _sheet_rows(wb["segments"], "sheet `segments`")
    except InvalidInput as exc:  # a row or column cap
        return ChainFile(path, errors=[_refused(path, exc)])
    finally:
        wb.close()
    if len(chain_rows) != 1:
        msg = f"sheet `chain` must have a header row and exactly one row, has {len(chain_rows)}"
        bad = ChainError(f"{path}:chain", 1, msg, code="chains.file.chain_sheet",
                         params={"rows": len(chain_rows)})  # fmt: skip
        return ChainFile(path, errors=[bad])
    chain_line, values = chain_rows[0]
    head = _mapping_at(values, 0)  # line 0 marks the `chain` sheet's row (mapped below)
    segs = LineList()
    segs.line, segs.lines = 0, []
    for number, row in seg_rows:
        for key in ("industry", "products", "keywords"):
            if key in row:
                row[key] = _as_list(row[key])
        row["bottleneck"] = _as_bool(row.get("bottleneck"))
        if isinstance(row.get("code"), int):
            row["code"] = str(row["code"])
        segs.append(_mapping_at(row, number))
        segs.lines.append(number)
    head["segments"] = segs
    checked = check_document(head, "", path)
    errors = [
        replace(e, path=f"{path}[chain]", line=chain_line)
        if e.line == 0
        else replace(e, path=f"{path}[segments]")
        for e in checked.errors
    ]
    if checked.chain is None:
        return ChainFile(path, errors=errors)
    spec = replace(checked.chain, lines={"id": 0, "code": 0, "file": 0})
    return ChainFile(path, replace(spec, source=to_yaml(spec)))


def _refused(path: str, exc: InvalidInput) -> ChainError:
    """A workbook the sheet reader refused, with its own catalogue entry when it has one."""
    if exc.code:
        return ChainError(path, 0, exc.message, exc.code, exc.params)
    return ChainError(path, 0, exc.message, code="chains.file.workbook",
                      params={"problem": exc.message})  # fmt: skip


def read_bytes(data: bytes, path: str) -> ChainFile:
    """Read a chain file by its name: .xlsx as a workbook, anything else as UTF-8 YAML."""
    if path.lower().endswith(".xlsx"):
        return read_xlsx(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad = ChainError(path, 0, "the file is not UTF-8 text", code="chains.file.not_utf8")
        return ChainFile(path, errors=[bad])
    return read_yaml(text, path)


# --------------------------------------------------------------------------- writing


def to_yaml(spec: ChainSpec) -> str:
    """The chain as a YAML chain file (nested segments), e.g. for a workbook's source."""

    def seg(s: SegmentSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"code": s.code, "name": s.name}
        if s.name_en:
            out["name_en"] = s.name_en
        out["stream"] = s.stream
        for key, value in (("industry", s.industry_codes), ("products", s.products),
                           ("keywords", s.keywords)):  # fmt: skip
            if value:
                out[key] = list(value)
        if s.bottleneck:
            out["bottleneck"] = True
        kids = [seg(c) for c in spec.segments if c.parent_code == s.code]
        if kids:
            out["segments"] = kids
        return out

    doc: dict[str, Any] = {"id": spec.id, "code": spec.code, "name": spec.name}
    for key in ("name_en", "description", "person_in_charge"):
        if getattr(spec, key):
            doc[key] = getattr(spec, key)
    doc["segments"] = [seg(s) for s in spec.segments if s.parent_code is None]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
