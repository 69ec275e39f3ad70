"""Rule files: every kind of mistake is reported with its file, line and what is wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from highland.policies.rules.loader import check_references, load_library, read_text
from highland.policies.rules.model import compile_policy

GOOD = """\
id: nj-2025-rd-subsidy
title: 研发费用补助
issuer: 南京市科学技术局
level: municipal
document: 宁科〔2025〕12号
article: 第三条
effective: 2025-01-01
expires: 2026-12-31
stages: [startup, growth]
benefit:
  type: subsidy
  amount: "min(rd_spend * 0.10, 2000000)"
  rounding: yuan
eligibility:
  all:
    - {field: district, op: in, value: ["320115", "320106"]}
    - {field: rd_intensity, op: ">=", value: 0.04}
    - any:
        - {field: qualifications, op: contains, value: high_tech}
        - {field: size_class, op: in, value: [small, micro]}
    - not: {field: listed, op: "==", value: true}
"""


def _errors(text: str) -> list[tuple[int, str]]:
    lib = read_text(text, "p.yaml")
    check_references(lib)
    return [(e.line, e.message) for e in lib.errors]


def test_the_issue_example_reads_exactly() -> None:
    lib = read_text(GOOD, "p.yaml")
    assert lib.ok, lib.errors
    p = lib.policies["nj-2025-rd-subsidy"]
    assert p.effective == date(2025, 1, 1) and p.expires == date(2026, 12, 31)
    assert [c.field for c in p.criteria] == [
        "district", "rd_intensity", "qualifications", "size_class", "listed",
    ]  # fmt: skip
    assert p.criteria[1].values[0][1] == Decimal("0.04")  # read as Decimal, never float
    compiled = compile_policy(p, date(2025, 6, 1))
    assert compiled.criteria[-1].label == "lifecycle_stage in [startup, growth]"
    assert compiled.criteria[1].lo == 40_000  # millionths
    assert compiled.criteria[4].label == "not listed == true"


def _swap(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (_swap("field: rd_intensity", "field: rd_intensty"), 17, "unknown field 'rd_intensty'"),
        (_swap("value: 0.04", 'value: "0.04"'), 17, "is not a number"),
        (_swap("field: district, op: in", 'field: district, op: ">="'), 16, "needs a number field"),
        (_swap('op: ">=", value: 0.04', 'op: "=>", value: 0.04'), 17, "unknown operator '=>'"),
        (_swap("effective: 2025-01-01", "effective: 2025-13-01"), 7, "is not a date"),
        (_swap("expires: 2026-12-31", "expires: 2024-12-31"), 8, "is before effective"),
        (_swap("rd_spend * 0.10", "rd_spend ** 0.10"), 12, "benefit.amount: column"),
        (_swap("rd_spend * 0.10", "__import__('os')"), 12, "unknown function '__import__'"),
        (_swap("level: municipal", "level: city"), 4, "level 'city' is not one of"),
        (_swap("value: [small, micro]", "value: [small, tiny]"), 20, "'tiny' is not one of"),
        (_swap('value: ["320115", "320106"]', "value: [320115]"), 16, 'quote codes: "320115"'),
        (_swap("value: high_tech", "value: high-tech"), 19, "'high-tech' is not one of"),
        (_swap("stages: [startup, growth]", "stages: [seed]"), 9, "'seed' is not one of"),
        (_swap("  rounding: yuan", "  rounding: jiao"), 13, "rounding 'jiao' is not one of"),
        (_swap("id: nj-2025-rd-subsidy", "id: NJ 2025"), 1, "must be 2–64 lowercase"),
        (_swap("title: 研发费用补助\n", ""), 1, "missing 'title'"),
        (_swap("article: 第三条", "artcle: 第三条"), 6, "unknown key 'artcle'"),
        (_swap("    - not:", "    - nto:"), 21, "unknown key 'nto'"),
        (_swap("eligibility:\n  all:", "eligibility:\n  all: []\n  x:"), 15, "must stand alone"),
        (GOOD + "excludes: [nj-2025-nothing]\n", 1, "excludes 'nj-2025-nothing', which names"),
        (GOOD + "package: nj-none\n", 1, "package 'nj-none' is not defined"),
        (GOOD + "title: again\n", 22, "duplicate key 'title'"),
        (GOOD + "    - {field: revenue, op: between, value: [5, 1]}\n", 22, "low 5 is above high"),
        ("id: x1\n  - broken: [\n", 2, "YAML"),
        ("- just a list\n", 1, "a document must be a mapping"),
    ],
)
def test_each_mistake_is_reported_with_its_line(text: str, line: int, message: str) -> None:
    errors = _errors(text)
    assert any(ln == line and message in msg for ln, msg in errors), errors


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# another\n" + GOOD, encoding="utf-8")
    lib = load_library([tmp_path])
    assert [str(e) for e in lib.errors] == [
        f"{tmp_path / 'b.yaml'}:2: duplicate id 'nj-2025-rd-subsidy' (first at "
        f"{tmp_path / 'a.yaml'}:1)"
    ]


def test_errors_in_a_multi_document_file_carry_file_lines(tmp_path: Path) -> None:
    text = (
        GOOD
        + "---\n"
        + _swap("id: nj-2025-rd-subsidy", "id: second").replace("rd_intensity", "rd_intensty")
    )
    (tmp_path / "many.yaml").write_text(text, encoding="utf-8")
    lib = load_library([tmp_path / "many.yaml"])
    assert [(e.line, e.message) for e in lib.errors] == [(23 + 16, "unknown field 'rd_intensty'")]


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    lib = load_library([tmp_path / "nope.yaml", tmp_path])
    assert [e.message for e in lib.errors] == [
        "no .yaml files in this folder",
        "no such file or folder",
    ]


def test_dated_parameter_takes_the_value_in_force() -> None:
    text = _swap("value: 0.04", "value: {2025-01-01: 0.04, 2026-01-01: 0.045}")
    lib = read_text(text, "p.yaml")
    assert lib.ok, lib.errors
    p = lib.policies["nj-2025-rd-subsidy"]
    assert compile_policy(p, date(2025, 12, 31)).criteria[1].lo == 40_000
    assert compile_policy(p, date(2026, 1, 1)).criteria[1].lo == 45_000
    late = _swap("value: 0.04", "value: {2025-06-01: 0.04}")
    assert any("after the policy's effective date" in m for _, m in _errors(late))


def test_thresholds_become_exact_integer_bounds() -> None:
    lib = read_text(_swap("value: 0.04", "value: 0.0400005"), "p.yaml")
    c = compile_policy(lib.policies["nj-2025-rd-subsidy"], date(2025, 6, 1)).criteria[1]
    assert c.lo == 40_001  # 40000.5 millionths: >= needs the next whole millionth
