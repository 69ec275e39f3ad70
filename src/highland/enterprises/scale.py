"""规上 / 限上: whether an enterprise is above the statistical "designated size".

The National Bureau of Statistics counts an enterprise in its regular surveys ("四上企业") once
its yearly revenue reaches the starting point of its industry (起点标准, in force since the 2011
survey year):

- 规模以上工业 (sections B, C, D): 主营业务收入 ≥ 2000 万元;
- 限额以上批发业 (division 51) ≥ 2000 万元, 零售业 (52) ≥ 500 万元, 住宿业 (61) and 餐饮业 (62)
  ≥ 200 万元 (主营业务收入);
- 规模以上服务业 (营业收入): 交通运输、仓储和邮政业 (G), 信息传输、软件和信息技术服务业 (I),
  水利、环境和公共设施管理业 (N) ≥ 2000 万元; 租赁和商务服务业 (L), 科学研究和技术服务业 (M),
  教育 (P) ≥ 1000 万元; 居民服务、修理和其他服务业 (O), 文化、体育和娱乐业 (R), 卫生和社会工作 (Q),
  and 物业管理 (702), 房地产中介服务 (703), 房地产租赁经营 (704), 其他房地产业 (709) ≥ 500 万元.

Not judged from revenue (never counted as 规上 here): 有资质的建筑业 (E) and 房地产开发经营 (701),
which the bureau counts by licence, and agriculture (A), finance (J), 公共管理 (S) and
国际组织 (T), which these surveys do not cover. The registry keeps one revenue figure a year,
so it stands for both 主营业务收入 and 营业收入 (docs/desks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

WAN_FEN = 1_000_000  # 1 万元 in fen


@dataclass(frozen=True)
class Threshold:
    """The starting point for codes beginning with `prefix` (a GB/T 4754 section letter, or the
    digits of a division or group); `fen` None: not judged from revenue."""

    prefix: str
    fen: int | None


# Most specific first: a group before its division, a division before its section.
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("701", None),
    *(Threshold(group, 500 * WAN_FEN) for group in ("702", "703", "704", "709")),
    Threshold("51", 2000 * WAN_FEN),
    Threshold("52", 500 * WAN_FEN),
    Threshold("61", 200 * WAN_FEN),
    Threshold("62", 200 * WAN_FEN),
    *(Threshold(section, 2000 * WAN_FEN) for section in "BCDGIN"),
    *(Threshold(section, 1000 * WAN_FEN) for section in "LMP"),
    *(Threshold(section, 500 * WAN_FEN) for section in "ORQ"),
)


def threshold(section: str, industry_code: str) -> int | None:
    """The starting point in fen for an enterprise of this section and 4-digit class; None when
    the industry is not judged from revenue."""
    for t in THRESHOLDS:
        if (t.prefix.isalpha() and t.prefix == section) or (
            t.prefix.isdigit() and industry_code.startswith(t.prefix)
        ):
            return t.fen
    return None


def above(section: str, industry_code: str, revenue_fen: int | None) -> bool | None:
    """Whether a year's revenue reaches the starting point; None when revenue is missing
    (missing is not zero); False for industries not judged from revenue."""
    if revenue_fen is None:
        return None
    fen = threshold(section, industry_code)
    return fen is not None and revenue_fen >= fen
