"""How policies and results read on the pages: values in human units, criteria, near misses.

Values arrive in the rules' integer representation (fen, millionths, …; see rules/fields.py)
and thresholds as written (Decimal in human units); both become text here, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from highland.platform.kit import numbers
from highland.platform.kit.industry import DIVISIONS, SECTIONS
from highland.platform.web.i18n import error_text, has, pick, translate
from highland.policies import sentences
from highland.policies.models import PackageVersion, PolicyVersion
from highland.policies.rules.amount import AmountExpr
from highland.policies.rules.explain import CriterionResult, PolicyResult, Truth, evaluate_tree
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader import RuleError
from highland.policies.rules.model import (
    AllOf,
    AnyOf,
    Criterion,
    Node,
    Not,
    Package,
    Policy,
    Predicate,
    Tree,
    Value,
)
from highland.policies.rules.whatif import EDITED

if TYPE_CHECKING:  # the service imports this module (exports speak its words)
    from highland.policies.service import EnterpriseMatch

# Fields whose codes are named in the catalogue (the registry's vocabularies).
VOCABULARY: dict[str, str] = {
    "ownership": "vocab.ownership",
    "qualifications": "vocab.qualification",
    "growth_category": "growthpages.category",
}
# The wording of a gap's target, by the comparison the criterion makes.
NEED = {
    ">=": "gap.at_least",
    ">": "gap.above",
    "<=": "gap.at_most",
    "<": "gap.below",
    "==": "gap.equal",
}


def rule_error_line(lang: str, error: RuleError) -> str:
    """A rule error as pages list it: `file:line: ` and the problem in the reader's language
    (an edited, unsaved text named as such in that language)."""
    path = error.path
    if path.endswith(EDITED):
        path = translate(lang, "policies.edited_text", policy=path.removesuffix(EDITED))
    return f"{path}:{error.line}: {error_text(lang, error)}"


def settled(tree: Tree, leaves: Sequence[Truth], parity: bool = False) -> list[int]:
    """Criteria under a group the policy already has satisfied (an `any` met by another
    alternative, an eligible result): their own outcome changes nothing, so a failed one among
    them is no gap. The complement of the criteria whose path is false or unknown throughout.
    """
    value = evaluate_tree(tree, leaves)
    kind = tree[0]
    if value is not None and value != parity:  # this node is as the policy wants it
        return _leaves_of(tree)
    if kind == "leaf":
        return []
    if kind == "not":
        return settled(tree[1], leaves, not parity)
    out: list[int] = []
    for child in tree[1]:
        out.extend(settled(child, leaves, parity))
    return out


def _leaves_of(tree: Tree) -> list[int]:
    """Every criterion index under a node."""
    if tree[0] == "leaf":
        return [tree[1]]
    if tree[0] == "not":
        return _leaves_of(tree[1])
    return [i for child in tree[1] for i in _leaves_of(child)]


def _required(tree: Tree) -> set[int]:
    """The criteria every way to eligibility needs: reached from the root through `all` only
    (a failed condition among them puts the enterprise outside the policy's scope)."""
    if tree[0] == "leaf":
        return {tree[1]}
    if tree[0] != "all":
        return set()
    return {i for child in tree[1] for i in _required(child)}


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 3.5, 4, 100."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass
class CriterionRow:
    """One line of an enterprise's per-criterion table.

    `fixed`: a condition of the scheme the enterprise cannot change (never advice);
    `moot`: failed, but under a group the policy has met otherwise (no gap, no ✗).
    """

    text: str
    cite: str | None
    value: str
    passed: bool | None
    gap: str | None
    fixed: bool = False
    moot: bool = False


@dataclass
class PolicyCard:
    """One policy on an enterprise's page: the result, explained."""

    version: PolicyVersion
    policy: Policy
    result: PolicyResult
    title: str
    rows: list[CriterionRow]
    missing: list[str]
    near: list[str] = field(default_factory=list)
    excluded_by: str | None = None
    out_of_scope: list[str] = field(default_factory=list)  # failed conditions, as sentences

    @property
    def status(self) -> str:
        """eligible | unknown | ineligible."""
        return self.result.status


class Formatter:
    """Text for one language; `regions` maps a district code to its (zh, en) names."""

    def __init__(self, lang: str, regions: Mapping[str, tuple[str, str]]) -> None:
        self.lang = lang
        self.regions = regions

    def t(self, key: str, **params: Any) -> str:
        """Translate a key."""
        return translate(self.lang, key, **params)

    def title(self, item: PolicyVersion | PackageVersion | Policy | Package) -> str:
        """A policy's or package's title in the current language (Chinese when no English)."""
        en = getattr(item, "title_en", None)
        return str(pick(self.lang, item.title, en))

    def field(self, name: str, capital: bool = False) -> str:
        """A portrait field's name."""
        spec = FIELDS.get(name)
        if spec is None:
            return name
        text = pick(self.lang, spec.label_zh, spec.label_en)
        return text[:1].upper() + text[1:] if capital else text

    def money(self, fen: int | None) -> Markup:
        """Fen as 万元/亿元 with the exact yuan on hover; '—' when missing (kit.numbers)."""
        return Markup(numbers.money_html(fen, self.lang))  # noqa: S704 - escaped there

    def money_text(self, fen: int | None) -> str:
        """Fen as 万元/亿元 in plain text (inside a sentence); '—' when missing."""
        return numbers.money(fen, self.lang)

    # ------------------------------------------------------------------ values

    def value(self, name: str, v: object) -> str:
        """A portrait value (integer representation) in human units; '—' when missing."""
        if v is None:
            return "—"
        spec = FIELDS.get(name)
        if spec is None:
            return str(v)
        if spec.numeric and isinstance(v, int) and not isinstance(v, bool):
            return self.scaled(name, Decimal(v) / spec.scale)
        if spec.kind == "bool":
            return self.t("bool.yes") if v else self.t("bool.no")
        if isinstance(v, (list, tuple, set, frozenset)):
            return self.join([self.code(name, str(i)) for i in v]) if v else self.t("pol.none")
        return self.code(name, str(v))

    def scaled(self, name: str, human: Decimal, written: bool = False) -> str:
        """A number in the field's human unit (kit.numbers): 万元/亿元 for money, % for ratios,
        years, counts; a threshold as `written` in a rule keeps exactly its digits."""
        kind = FIELDS[name].kind
        if kind == "money":
            fen = int((human * 100).to_integral_value(ROUND_HALF_UP))
            show = numbers.money_written if written else numbers.money
            return show(fen, self.lang)
        if kind == "usd":
            return f"US${human:,.0f}" if human == human.to_integral_value() else f"US${human:,}"
        if kind == "ratio":
            return numbers.percent_written(human) if written else numbers.percent(human)
        number = f"{int(human):,}" if human == human.to_integral_value() else _plain(human)
        return self.t("unit.years", n=number) if kind == "years" else number

    def code(self, name: str, code: str) -> str:
        """A code's name: districts, industries, ownership, size, stage, qualifications."""
        if name == "zone" and not code:
            return self.t("zones.none")  # in no zone: a known value, not a missing one
        if name == "growth_category" and not code:
            return self.t("growthpages.category.none")  # on no list: known, not missing
        if name in ("district", "zone"):
            names = self.regions.get(code)
            return str(pick(self.lang, names[0], names[1])) if names else code
        if name == "industry_section":
            row = SECTIONS.get(code)
            return str(pick(self.lang, row[0], row[1])) if row else code
        prefix = VOCABULARY.get(name)
        if prefix is not None:
            key = f"{prefix}.{code}"
            return self.t(key) if has(key) else code
        if name == "industry_division":
            division = DIVISIONS.get(code)
            return str(pick(self.lang, division[1], division[2])) if division else code
        if name in ("size_class", "lifecycle_stage"):
            return self.t(("size." if name == "size_class" else "stage.") + code)
        return code

    def other_name(self, name_en: str | None) -> str:
        """A row's English name shown under its Chinese one on English pages (else nothing)."""
        return str(pick(self.lang, "", name_en) or "")

    def join(self, parts: list[str]) -> str:
        """List items the way each language lists them."""
        return self.t("sep.enum").join(parts)

    def written(self, name: str, value: Value) -> str:
        """A threshold as written in a rule (human units) as text."""
        if isinstance(value, tuple):
            return self.join([self.written(name, v) for v in value])
        if isinstance(value, bool):
            return self.t("bool.yes") if value else self.t("bool.no")
        spec = FIELDS.get(name)
        if isinstance(value, Decimal) and spec is not None and spec.numeric:
            return self.scaled(name, value, written=True)
        return self.code(name, str(value))

    # ------------------------------------------------------------------ criteria

    def criterion(self, c: Criterion) -> str:
        """A criterion resolved for a date, as a sentence: 所在区为雨花台区."""
        return sentences.criterion(self, c)

    def predicate(self, p: Predicate, negated: bool = False) -> str:
        """A criterion as written, as a sentence per dated value when it has them."""
        if not p.dated:
            return sentences.predicate(self, p.field, p.op, p.values[0][1], negated)
        steps = [
            self.t(
                "pol.since",
                text=sentences.predicate(self, p.field, p.op, v, negated),
                date=since.isoformat(),
            )
            for since, v in p.values
        ]
        return self.t("sep.list").join(steps)

    def amount_text(self, expr: AmountExpr) -> str:
        """An amount formula as the benefit it describes: 研发费用的 10%，最高 200 万元."""
        return sentences.amount(self, expr)

    def cite(self, cite: str | None) -> str | None:
        """A criterion's citation (the stages criterion points at the policy's stages)."""
        return self.t("pol.cite_stages") if cite == "stages" else cite

    def tree(self, node: Node) -> dict[str, Any]:
        """An eligibility tree as nested dicts for the template (all / any / not / leaf); a
        `not` over one criterion reads as that criterion said the other way (未上市)."""
        if isinstance(node, Not) and isinstance(node.child, Predicate):
            return self._leaf(node.child, negated=True)
        if isinstance(node, Predicate):
            return self._leaf(node)
        if isinstance(node, Not):
            return {"kind": "not", "children": [self.tree(node.child)]}
        kind = "all" if isinstance(node, AllOf) else "any"
        assert isinstance(node, AllOf | AnyOf)
        return {"kind": kind, "children": [self.tree(c) for c in node.children]}

    def _leaf(self, node: Predicate, negated: bool = False) -> dict[str, Any]:
        return {
            "kind": "leaf",
            "text": self.predicate(node, negated),
            "cite": self.cite(node.cite),
            "field": node.field,
            "fixed": node.spec.fixed,
            "line": node.line,
        }

    # ------------------------------------------------------------------ gaps

    def amount(self, name: str, n: int) -> str:
        """A shortfall in the field's integer unit, in human units (percentage points)."""
        spec = FIELDS[name]
        if spec.kind == "ratio":
            return numbers.points(Decimal(n) / spec.scale, self.lang)
        return self.scaled(name, Decimal(n) / spec.scale)

    def gap(self, cr: CriterionResult) -> str | None:
        """The near-miss sentence: 'R&D intensity 3.5%, needs 4%: ¥99,990 more R&D spend'."""
        g, c = cr.gap, cr.criterion
        if g is None:
            return None
        op, target = c.predicate.op, c.threshold
        if op == "between" and isinstance(target, tuple):
            op, target = (">=", target[0]) if g.shortfall > 0 else ("<=", target[1])
        if op not in NEED or target is None:
            return None
        need = self.t(NEED[op], t=self.written(g.field, target))
        if g.via_field is not None and g.via_amount is not None:
            fix = self.t(
                "gap.via",
                field=self.field(g.via_field),
                amount=self.value(g.via_field, g.via_amount),
            )
        elif g.shortfall > 0:
            fix = self.t("gap.more", amount=self.amount(g.field, g.shortfall))
        else:
            fix = self.t("gap.less", amount=self.amount(g.field, -g.shortfall))
        value = self.value(g.field, cr.value)
        return self.t(
            "gap.sentence", field=self.field(g.field, True), value=value, need=need, fix=fix
        )

    def near(self, result: PolicyResult) -> list[str]:
        """One line per criterion that alone keeps the enterprise out."""
        out = []
        for i in result.near_miss:
            cr = result.criteria[i] if i < len(result.criteria) else None
            sentence = self.gap(cr) if cr is not None else None
            crit = result.compiled.criteria[i]
            out.append(sentence or self.t("pol.one_away", text=self.criterion(crit)))
        return out

    # ------------------------------------------------------------------ cards

    def card(
        self,
        version: PolicyVersion,
        result: PolicyResult,
        kept: tuple[bool, str | None] | None,
        titles: Mapping[str, str],
    ) -> PolicyCard:
        """An enterprise's result for one policy, ready for the template."""
        policy = result.compiled.policy
        outcomes = [cr.outcome for cr in result.criteria]
        met = set(settled(result.compiled.tree, outcomes)) if outcomes else set()
        rows = [
            CriterionRow(
                self.criterion(cr.criterion),
                self.cite(cr.criterion.predicate.cite),
                self.value(cr.criterion.field, cr.value),
                cr.passed,
                None if cr.criterion.fixed or i in met else self.gap(cr),
                cr.criterion.fixed,
                cr.passed is False and i in met,
            )
            for i, cr in enumerate(result.criteria)
        ]
        required = _required(result.compiled.tree)
        out_of_scope = [
            row.text
            for i, (row, cr) in enumerate(zip(rows, result.criteria, strict=True))
            if result.status == "ineligible" and row.fixed and cr.passed is False and i in required
        ]
        excluded = None
        if kept is not None and not kept[0] and kept[1]:
            excluded = titles.get(kept[1], kept[1])
        missing = [self.field(f) for f in result.missing]
        near = self.near(result) if result.status == "ineligible" else []
        return PolicyCard(
            version, policy, result, self.title(version), rows, missing, near, excluded,
            out_of_scope,
        )  # fmt: skip

    def labels(self, indexes: str, criteria: tuple[Criterion, ...]) -> list[str]:
        """';'-joined criterion indexes (the near column of a details frame) as sentences."""
        return [self.criterion(criteria[int(i)]) for i in indexes.split(";") if i]

    def fields(self, names: str) -> list[str]:
        """';'-joined field names as their labels."""
        return [self.field(n) for n in names.split(";") if n]

    def sections(self, match: EnterpriseMatch) -> dict[str, Any]:
        """An enterprise's cards by section, near misses first, and what its total leaves out."""
        titles = {v.policy_id: self.title(v) for v, _ in match.results}
        cards = [self.card(v, r, match.kept.get(v.policy_id), titles) for v, r in match.results]
        eligible = [c for c in cards if c.status == "eligible"]
        ineligible = [c for c in cards if c.status == "ineligible"]
        ineligible.sort(
            key=lambda c: (not c.near, bool(c.out_of_scope), -(c.result.potential_fen or 0))
        )
        pending = [
            c
            for c in eligible
            if c.policy.benefit.amount is not None
            and c.result.amount_fen is None
            and not c.excluded_by
        ]
        return {
            "eligible": eligible,
            "unknown": [c for c in cards if c.status == "unknown"],
            "ineligible": ineligible,
            "nearly": [c for c in ineligible if c.near][:5],
            "pending": len(pending),
            "package_rows": [r for r in match.packages if r["kept_fen"]],
        }
