"""`highland innovation import|export|sweep`: a file all or nothing with the refused rows
listed, exports, the sweep; bad flags exit non-zero naming what is wrong."""

from __future__ import annotations

from pathlib import Path

from tests.cli import Cli

GOOD = (
    "名称,国家代码,城市\n南京-慕尼黑协同创新中心,DE,慕尼黑\n南京-特拉维夫协同创新中心,il,特拉维夫\n"
)
BAD = "名称,国家代码,城市\n甲,DE,慕尼黑\n乙,XX,某地\n"


def test_import_export_and_sweep(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    ran = cli("innovation", "import", "centres", str(bad))
    assert ran.code == 1 and "XX" in ran.output and "3" in ran.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    ran = cli("innovation", "import", "centres", str(good))
    assert ran.code == 0, ran.output
    out = tmp_path / "centres.xlsx"
    ran = cli("innovation", "export", "centres", "--out", str(out))
    assert ran.code == 0 and out.stat().st_size > 0
    out_csv = tmp_path / "centres.csv"
    assert cli("innovation", "export", "centres", "--out", str(out_csv)).code == 0
    text = out_csv.read_text(encoding="utf-8-sig")
    assert text.startswith("名称,") and "特拉维夫" in text and "乙" not in text
    assert cli("innovation", "sweep").code == 0


def test_bad_flags_exit_non_zero(cli: Cli, tmp_path: Path) -> None:
    assert cli("innovation", "import", "centres", str(tmp_path / "none.csv")).code == 2
    f = tmp_path / "x.csv"
    f.write_text(GOOD, encoding="utf-8")
    ran = cli("innovation", "import", "rockets", str(f))
    assert ran.code == 2 and "rockets" in ran.output
    ran = cli("innovation", "export", "centres", "--out", str(tmp_path / "x.pdf"))
    assert ran.code == 2
    ran = cli("innovation", "export", "centres", "--out", str(tmp_path / "y.csv"), "--headers", "x")
    assert ran.code == 2
