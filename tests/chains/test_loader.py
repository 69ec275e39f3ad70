"""Reading chain files: the tree, every error with its line, XLSX, the demo files."""

from __future__ import annotations

import io

from openpyxl import Workbook

from highland.chains.demo_data import CHAIN_FILES as DEMO_DIR
from highland.chains.loader import read_yaml
from highland.chains.workbook import read_bytes, read_xlsx, to_yaml
from tests.chains.chain_files import BROKEN, FLAT, SMALL


def test_small_file_reads_into_a_tree_in_order() -> None:
    f = read_yaml(SMALL, "small.yaml")
    assert not f.errors and f.chain is not None
    c = f.chain
    assert (c.id, c.code, c.name_en) == (1, "software", "Software and information services")
    assert [(s.code, s.parent_code, s.position, s.stream) for s in c.segments] == [
        ("basic", None, 1, "upstream"),
        ("os", "basic", 1, "upstream"),  # children inherit the stream
        ("db", "basic", 2, "upstream"),
        ("apps", None, 2, "midstream"),
        ("services", None, 3, "downstream"),
    ]
    assert c.segments[0].bottleneck and not c.segments[1].bottleneck
    assert c.segments[-1].industry_codes == ("6531", "6540")  # section letter dropped
    assert c.segments[0].products == ("操作系统", "数据库")


def test_flat_list_with_parent_codes() -> None:
    f = read_yaml(FLAT, "flat.yaml")
    assert not f.errors and f.chain is not None
    got = [(s.code, s.parent_code, s.stream) for s in f.chain.segments]
    assert got == [("a", None, "upstream"), ("b", "a", "upstream"), ("c", "b", "upstream"),
                   ("d", None, "downstream")]  # fmt: skip


def test_every_error_is_reported_with_its_line() -> None:
    f = read_yaml(BROKEN, "bad.yaml")
    assert f.chain is None
    text = [str(e) for e in f.errors]
    expected = [
        "bad.yaml:1: id must be a positive integer, got 0",
        "bad.yaml:4: unknown key 'colour' in the chain",
        "bad.yaml:8: stream 'sideways': use upstream, midstream, downstream",
        "bad.yaml:9: industry: each item must be quoted text, got 6511",
        "bad.yaml:10: duplicate segment code 'a' (lines 6 and 10)",
        "bad.yaml:15: segment 'orphan': parent 'nowhere' names no segment of this chain (orphan)",
        "bad.yaml:16: segments form a cycle through parent: ",
        "bad.yaml:18: segment code must be text (quote it), got 12",
        "bad.yaml:19: a segment is missing the field 'code'",
    ]
    for want in expected:
        assert any(t.startswith(want) for t in text), (want, text)
    assert any("industry '9999'" in t and "unknown division '99'" in t for t in text), text
    assert len([t for t in text if "cycle" in t]) == 1


def test_missing_stream_and_name() -> None:
    f = read_yaml("id: 3\ncode: c\nname: C\nsegments:\n  - {code: a}\n", "m.yaml")
    text = [str(e) for e in f.errors]
    assert any(t.startswith("m.yaml:5: segment 'a' is missing the field 'stream'") for t in text)
    assert any(t.startswith("m.yaml:5: segment 'a' is missing the field 'name'") for t in text)


def test_yaml_syntax_and_shape_errors() -> None:
    f = read_yaml("id: 1\ncode: [unclosed\n", "s.yaml")
    assert f.chain is None and f.errors[0].path == "s.yaml" and f.errors[0].line >= 2
    f = read_yaml("id: 1\nid: 2\n", "d.yaml")
    assert str(f.errors[0]) == "d.yaml:2: YAML: key 'id' is given twice"
    assert str(read_yaml("- a\n", "l.yaml").errors[0]).startswith("l.yaml:1: a chain file must")
    assert str(read_yaml("  \n", "e.yaml").errors[0]) == "e.yaml:1: the file is empty"
    f = read_yaml("id: 1\ncode: c\nname: C\nsegments: []\n", "n.yaml")
    assert str(f.errors[0]) == "n.yaml:4: segments is empty: a chain needs at least one"
    f = read_yaml("id: true\ncode: c\nname: C\nsegments: [{code: a, name: A, stream: upstream}]",
                  "b.yaml")  # fmt: skip
    assert str(f.errors[0]).startswith("b.yaml:1: id must be a positive integer")


def test_nested_child_naming_another_parent() -> None:
    text = SMALL.replace("{code: db, name: 数据库}", "{code: db, name: 数据库, parent: apps}")
    f = read_yaml(text, "n.yaml")
    assert [str(e) for e in f.errors] == [
        "n.yaml:15: segment 'db' is nested under 'basic' but names parent 'apps'"
    ]


def test_layout_does_not_change_the_digest() -> None:
    a = read_yaml(SMALL, "a.yaml").chain
    b = read_yaml("# a comment\n" + SMALL.replace("name: 应用软件", "name:   应用软件"), "b").chain
    assert a is not None and b is not None and a.sha256 == b.sha256
    again = read_yaml(to_yaml(a), "round.yaml").chain
    assert again is not None and again.sha256 == a.sha256
    c = read_yaml(SMALL.replace("bottleneck: true", "bottleneck: false"), "c.yaml").chain
    assert c is not None and c.sha256 != a.sha256


def _book(segment_rows: list[list[object]], chain_row: list[object] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "chain"
    ws.append(["id", "code", "name", "name_en"])
    ws.append(chain_row or [9, "book", "表格链", "Workbook chain"])
    segs = wb.create_sheet("segments")
    segs.append(["code", "parent", "name", "stream", "industry", "products", "bottleneck"])
    for row in segment_rows:
        segs.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_reads_like_yaml_and_errors_name_sheet_and_row() -> None:
    data = _book([
        ["up", None, "上游", "upstream", "6511;6513", "甲、乙", "是"],
        ["child", "up", "子环节", None, 3973, None, None],
        ["down", None, "下游", "downstream", None, None, "no"],
    ])  # fmt: skip
    f = read_bytes(data, "c.xlsx")
    assert not f.errors and f.chain is not None
    segs = f.chain.segments
    assert [(s.code, s.parent_code, s.stream, s.bottleneck) for s in segs] == [
        ("up", None, "upstream", True), ("child", "up", "upstream", False),
        ("down", None, "downstream", False),
    ]  # fmt: skip
    assert segs[0].industry_codes == ("6511", "6513") and segs[0].products == ("甲", "乙")
    assert segs[1].industry_codes == ("3973",)
    assert "id: 9" in f.chain.source and "segments:" in f.chain.source  # stored as YAML
    bad = _book([["up", "nowhere", "上游", "upstream", "9912", None, None]], [-1, "b", "B", None])
    errors = [str(e) for e in read_xlsx(bad, "b.xlsx").errors]
    assert "b.xlsx[chain]:2: id must be a positive integer, got -1" in errors
    assert any(e.startswith("b.xlsx[segments]:2: segment 'up': parent 'nowhere'") for e in errors)
    assert any(e.startswith("b.xlsx[segments]:2: industry '9912'") for e in errors)
    assert read_bytes(b"not a zip", "x.xlsx").errors[0].message.startswith("not a readable XLSX")


def test_demo_files_are_valid_and_realistic() -> None:
    files = sorted(DEMO_DIR.glob("*.yaml"))
    chains = []
    for path in files:
        f = read_yaml(path.read_text(encoding="utf-8"), str(path))
        assert not f.errors, f.errors
        assert f.chain is not None
        chains.append(f.chain)
    assert [c.id for c in chains] == list(range(1, 9))
    assert [c.code for c in chains] == ["software", "nev", "medicine", "ai", "ic", "smart-grid",
                                        "rail", "smart-equipment"]  # fmt: skip
    for c in chains:
        assert 12 <= len(c.segments) <= 25, (c.code, len(c.segments))
        assert {s.stream for s in c.segments} == {"upstream", "midstream", "downstream"}
        assert any(s.bottleneck for s in c.segments)
        assert any(s.parent_code for s in c.segments)  # at least two levels
        assert "ILLUSTRATIVE" in c.source
    ic = chains[4]
    flagged = {s.code for s in ic.segments if s.bottleneck}
    assert {"eda", "lithography", "photoresist", "high-end-chips"} <= flagged
