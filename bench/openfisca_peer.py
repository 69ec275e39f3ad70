"""The same eligibility rules as an OpenFisca tax-benefit system (the peer of bench_policies.py).

One entity, `enterprise`. One input variable per portrait field the rules read (a set field
becomes one boolean per code: every qualification, the codes the rules name of another set,
as OpenFisca has no set type; a field the frame lacks is its default for all), and one
boolean variable per policy whose formula is the policy's eligibility written with numpy
operators, the way an OpenFisca country package writes it by hand. The formula source is
generated from the very same compiled criteria Highland evaluates, so both compute the same
rules.

Semantic differences, inherent to OpenFisca (see docs/PERFORMANCE.md):

- no missing values: a missing input is the variable's default (0, False, the first enum
  item), so "unknown" does not exist and e.g. `listed == false` holds for an unknown listing;
- `float` variables are float32 (money in yuan, ratios as fractions) and `int` is int32, so
  thresholds on money are compared in float32 (about 7 significant digits), not in exact fen;
- eligibility only: no near-miss counts, failed criteria or amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from highland.policies.rules.fields import FIELDS, QUALIFICATION_CODES
from highland.policies.rules.model import Compiled, Criterion, Tree

PERIOD = "2025"
NA = "NA"  # the enum item a missing code becomes (OpenFisca's default)


def _set_var(field: str, code: str) -> str:
    if field == "qualifications":
        return f"qualification_{code}"
    return f"{field}__" + "".join(ch if ch.isalnum() else "_" for ch in code)


def _set_codes(field: str, compiled: Sequence[Compiled]) -> list[str]:
    """The codes of a set field held as booleans: every qualification, else those named."""
    if field == "qualifications":
        return list(QUALIFICATION_CODES)
    named = {str(i) for p in compiled for c in p.criteria if c.field == field for i in c.items}
    return sorted(named)


def _enum_item(value: str) -> str:
    return "c_" + value.replace("-", "_")


def _float_kind(name: str) -> bool:
    return FIELDS[name].kind in ("money", "usd", "ratio")


class Peer:
    """An OpenFisca TaxBenefitSystem holding the compiled policies' eligibility."""

    def __init__(self, compiled: Sequence[Compiled], frame: pl.DataFrame) -> None:
        from openfisca_core.entities import build_entity
        from openfisca_core.indexed_enums import Enum
        from openfisca_core.periods import DateUnit
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable

        self.compiled = list(compiled)
        self.fields = sorted(
            {c.field for p in compiled for c in p.criteria}, key=list(FIELDS).index
        )
        entity = build_entity(
            key="enterprise", plural="enterprises", label="An enterprise", is_person=True
        )
        tbs = TaxBenefitSystem([entity])
        self.enums: dict[str, Any] = {}
        self.inputs: list[str] = []
        for name in self.fields:
            kind = FIELDS[name].kind
            attrs: dict[str, Any] = {
                "entity": entity,
                "definition_period": DateUnit.YEAR,
                "label": FIELDS[name].label_en,
            }
            if kind == "set":
                for code in _set_codes(name, compiled):
                    var = _set_var(name, code)
                    attrs_set = {**attrs, "value_type": bool, "label": code}
                    tbs.add_variable(type(var, (Variable,), attrs_set))
                    self.inputs.append(var)
                continue
            if kind == "code":
                values = (
                    set(frame.get_column(name).drop_nulls().unique().to_list())
                    if name in frame.columns
                    else set()
                )
                values |= {
                    str(i) for p in compiled for c in p.criteria if c.field == name for i in c.items
                }
                items = {NA: "missing", **{_enum_item(v): v for v in sorted(values)}}
                enum = Enum(f"{name.title().replace('_', '')}Code", items)  # type: ignore[call-overload]
                self.enums[name] = enum
                attrs |= {"value_type": Enum, "possible_values": enum, "default_value": enum.NA}
            elif kind == "bool":
                attrs["value_type"] = bool
            else:
                attrs["value_type"] = float if _float_kind(name) else int
            tbs.add_variable(type(name, (Variable,), attrs))
            self.inputs.append(name)
        self.sources: dict[str, str] = {}
        for p in compiled:
            var = _policy_var(p)
            source = formula_source(p, self.enums)
            self.sources[var] = source
            namespace: dict[str, Any] = {
                "np": np,
                **{_enum_class(f): e for f, e in self.enums.items()},
            }
            exec(compile(source, f"<openfisca {var}>", "exec"), namespace)  # noqa: S102
            tbs.add_variable(
                type(
                    var,
                    (Variable,),
                    {
                        "entity": entity,
                        "definition_period": DateUnit.YEAR,
                        "value_type": bool,
                        "label": p.policy.title,
                        "formula": namespace["formula"],
                    },
                )
            )
        self.tbs = tbs
        self.variables = [_policy_var(p) for p in compiled]

    def arrays(self, frame: pl.DataFrame) -> dict[str, np.ndarray]:
        """The input arrays of a frame, in OpenFisca's types (nulls, and the fields the frame
        lacks, become the defaults)."""
        out: dict[str, np.ndarray] = {}
        for name in self.fields:
            spec = FIELDS[name]
            if name in frame.columns:
                col = frame.get_column(name)
            else:  # a field the portrait does not supply: missing for every enterprise
                dtype = {"set": pl.List(pl.String), "code": pl.String(), "bool": pl.Boolean()}
                col = pl.Series(name, [None] * frame.height, dtype=dtype.get(spec.kind, pl.Int64))
            if spec.kind == "set":
                for code in _set_codes(name, self.compiled):
                    has = col.list.contains(code).fill_null(False)
                    out[_set_var(name, code)] = has.to_numpy()
            elif spec.kind == "code":
                enum = self.enums[name]
                index = {item.value: i for i, item in enumerate(enum)}
                codes = col.replace_strict(index, default=0, return_dtype=pl.Int16)
                out[name] = codes.fill_null(0).to_numpy()
            elif spec.kind == "bool":
                out[name] = col.fill_null(False).to_numpy()
            elif _float_kind(name):
                out[name] = (
                    (col.cast(pl.Float64) / spec.scale).fill_null(0).cast(pl.Float32).to_numpy()
                )
            else:
                out[name] = col.fill_null(0).cast(pl.Int32).to_numpy()
        return out

    def simulation(self, arrays: dict[str, np.ndarray], count: int) -> Any:
        """A fresh simulation of `count` enterprises with every input set."""
        from openfisca_core.simulations import SimulationBuilder

        sim = SimulationBuilder().build_default_simulation(self.tbs, count=count)
        for name, values in arrays.items():
            sim.set_input(name, PERIOD, values)
        return sim

    def calculate_all(self, sim: Any) -> list[np.ndarray]:
        """Every policy's eligibility (the timed step)."""
        return [sim.calculate(var, PERIOD) for var in self.variables]


def _policy_var(p: Compiled) -> str:
    return "eligible_" + p.policy.id.replace("-", "_")


def _enum_class(field: str) -> str:
    return f"{field.title().replace('_', '')}Code"


def _literal(c: Criterion, value: int) -> str:
    spec = FIELDS[c.field]
    if _float_kind(c.field):
        return repr(value / spec.scale)
    return repr(int(value))


def criterion_source(c: Criterion, enums: dict[str, Any]) -> str:
    """The predicate as a numpy expression over the local variable of its field."""
    name = c.field
    spec = FIELDS[name]
    kind = c.kind
    if kind in ("exists", "missing"):  # no missing in OpenFisca: the nearest is "not default"
        test = f"({name} != 0)" if spec.numeric else f"({name} != {_enum_class(name)}.NA)"
        return test if kind == "exists" else f"~{test}"
    if spec.kind == "set":
        items = [_set_var(name, str(i)) for i in c.items]
        if kind == "has_all":
            return "(" + " & ".join(items) + ")"
        hit = "(" + " | ".join(items) + ")"
        return hit if kind == "one_of" else f"~{hit}"
    if kind == "range":
        if c.lo is not None and c.hi is not None and c.lo > c.hi:
            return f"np.zeros_like({name}, dtype=bool)"
        parts = []
        if c.lo is not None:
            parts.append(f"({name} >= {_literal(c, c.lo)})")
        if c.hi is not None:
            parts.append(f"({name} <= {_literal(c, c.hi)})")
        return "(" + " & ".join(parts) + ")" if parts else f"np.ones_like({name}, dtype=bool)"
    if kind == "not_equal":
        return f"({name} != {_literal(c, c.lo)})"  # type: ignore[arg-type]
    if spec.kind == "bool":
        wanted = [bool(i) for i in c.items]
        hit = "(" + " | ".join(name if w else f"~{name}" for w in wanted) + ")"
        return hit if kind == "one_of" else f"~{hit}"
    if spec.kind == "code":
        enum = _enum_class(name)
        hit = "(" + " | ".join(f"({name} == {enum}.{_enum_item(str(i))})" for i in c.items) + ")"
        return hit if kind == "one_of" else f"~{hit}"
    hit = "(" + " | ".join(f"({name} == {_literal(c, int(i))})" for i in c.items) + ")"  # type: ignore[call-overload]
    return hit if kind == "one_of" else f"~{hit}"


def _tree_source(tree: Tree, leaves: list[str]) -> str:
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]  # type: ignore[index,call-overload]
    if kind == "not":
        return f"~{_tree_source(tree[1], leaves)}"  # type: ignore[arg-type]
    joiner = " & " if kind == "all" else " | "
    return "(" + joiner.join(_tree_source(t, leaves) for t in tree[1]) + ")"  # type: ignore[union-attr]


def formula_source(p: Compiled, enums: dict[str, Any]) -> str:
    """`def formula(enterprise, period): …` for a policy, as an OpenFisca package writes it."""
    fields = sorted({c.field for c in p.criteria}, key=list(FIELDS).index)
    lines = ["def formula(enterprise, period):"]
    for name in fields:
        if FIELDS[name].kind == "set":
            codes = sorted({str(i) for c in p.criteria if c.field == name for i in c.items})
            for code in codes:
                var = _set_var(name, code)
                lines.append(f"    {var} = enterprise({var!r}, period)")
        else:
            lines.append(f"    {name} = enterprise({name!r}, period)")
    leaves = [criterion_source(c, enums) for c in p.criteria]
    lines.append(f"    return {_tree_source(p.tree, leaves)}")
    return "\n".join(lines) + "\n"
