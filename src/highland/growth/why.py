"""Why a firm is (or is not) in a category: each criterion of the category in the catalogue's
words, met, failed or lacking data, recomputed one firm at a time with the list's rule text
(the reference evaluator) on the registry's figures as they are now.

A criterion reads as a person would say it — 2020 年营业收入不低于 500 万元, 2020–2023 年营业收入
复合年均增长率不低于 50%, 未上市 — never as the rule's code (`cagr(revenue, 3y) >= 0.5`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import repository
from highland.growth.rules import frame as vector
from highland.growth.rules.decide import Truth, fixed
from highland.growth.rules.model import SCALES, SERIES, FnLeaf, RuleSet, Tree
from highland.growth.rules.reference import Firm, truths
from highland.platform.kit import numbers
from highland.platform.web.i18n import translate
from highland.policies import public as rules

COMPARE = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}


def _usd(cents: int, lang: str) -> str:
    dollars = Decimal(cents) / 100
    for unit, key in ((Decimal(10**8), "yi"), (Decimal(10**4), "wan")):
        if lang.startswith("zh") and dollars >= unit and dollars % unit == 0:
            return translate(lang, f"growthpages.usd.{key}", n=f"{dollars / unit:,.0f}")
    return f"US${dollars:,.0f}" if dollars == dollars.to_integral_value() else f"US${dollars:,}"


def _value(leaf: FnLeaf, lang: str) -> str:
    t = leaf.threshold
    assert isinstance(t, Fraction)
    if leaf.fn in ("growth_each", "cagr"):
        return numbers.percent_written(Decimal(t.numerator) / Decimal(t.denominator))
    if leaf.fn == "age":
        return translate(lang, "unit.years", n=leaf.written)
    kind = SERIES[leaf.of or ""]
    if kind == "money":
        return numbers.money_written(int(t), lang)
    if kind == "usd":
        return _usd(int(t), lang)
    return f"{int(t) // SCALES['count']:,}"


def phrase(rs: RuleSet, i: int, year: int, lang: str) -> str:
    """Leaf i of a rule set, for the list of `year`, in the catalogue's words."""
    leaf = rs.leaves[i]
    if not isinstance(leaf, FnLeaf):
        return rules.criterion_words(lang, leaf.predicate, rs.reference_date(year))
    if leaf.fn == "listed":
        listed = (leaf.op == "==") == bool(leaf.threshold)
        return translate(lang, "growthpages.listed" if listed else "growthpages.unlisted")
    fy = rs.figures_year(year)
    if leaf.fn == "age":
        subject = translate(lang, "growthpages.fn.age", date=str(rs.reference_date(year)))
    else:
        figure = translate(lang, f"growthpages.figure.{leaf.of}")
        first = fy - leaf.window
        subject = translate(lang, f"growthpages.fn.{leaf.fn}", figure=figure, year=first,
                            first=first, last=fy)  # fmt: skip
    return translate(lang, f"explain.{COMPARE[leaf.op]}", field=subject, value=_value(leaf, lang))


def phrases(rs: RuleSet, labels: str, year: int, lang: str) -> list[str]:
    """The `;`-joined criterion labels a list line or a classification holds, in words."""
    index = {rs.leaf_label(i): i for i in range(len(rs.leaves))}
    out = []
    for label in dict.fromkeys(x for x in (labels or "").split(";") if x):
        i = index.get(label)
        out.append(phrase(rs, i, year, lang) if i is not None else label)
    return out


@dataclass(frozen=True)
class Criterion:
    """One criterion of a category for one firm: its words and its truth (None: no data)."""

    words: str
    truth: Truth
    fixed: bool


def shown(rs: RuleSet, tree: Tree, t: list[Truth]) -> list[int]:
    """The leaves a category's criteria are told by: of alternatives (`any`), those not
    closed by a fixed condition (the manufacturing branch is not shown to a services firm)."""
    if tree[0] == "leaf":
        return [tree[1]]
    if tree[0] == "not":
        return shown(rs, tree[1], t)
    parts = [shown(rs, child, t) for child in tree[1]]
    if tree[0] == "any":
        open_ = [p for p in parts if not any(fixed(rs, i) and t[i] is False for i in p)]
        parts = open_ or parts
    return list(dict.fromkeys(i for p in parts for i in p))


def firm_of(session: Session, rs: RuleSet, year: int, uscc: str) -> Firm | None:
    """One firm as the reference evaluator reads it for a list year (None: not in the
    registry)."""
    fy = rs.figures_year(year)
    figures = sorted({leaf.of for leaf in rs.leaves if isinstance(leaf, FnLeaf) and leaf.of})
    found = repository.firm_figures(session, uscc, figures, fy - rs.reach, fy)
    if found is None:
        return None
    founded, listed, series = found
    portrait: dict[str, object] = {}
    if vector.needs_portrait(rs):
        portrait = registry.portrait_values(session, uscc, rs.reference_date(year)) or {}
    return Firm(uscc, founded, listed, series, portrait)


def criteria(session: Session, rs: RuleSet, year: int, uscc: str, category: str,
             lang: str) -> list[Criterion] | None:  # fmt: skip
    """Each criterion of a category for one firm (None: the firm or category is gone)."""
    firm = firm_of(session, rs, year, uscc)
    try:
        tree = rs.category(category).tree
    except KeyError:
        return None
    if firm is None:
        return None
    t = truths(rs, firm, year)
    return [Criterion(phrase(rs, i, year, lang), t[i], fixed(rs, i)) for i in shown(rs, tree, t)]

