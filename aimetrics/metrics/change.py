"""Change of a headline figure from the previous period: one rule for every page.

The previous period is :meth:`aimetrics.metrics.period.Period.previous` (equal length,
just before), as on the Overview. A change is "not enough data" (with the reason)
when the figure is undefined in either period, when either period's sample is below
its minimum, or when privacy hides the previous period's selection. Formula:
docs/metrics.md ("Change vs the previous period").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NOT_ENOUGH = "not enough data"


@dataclass(frozen=True)
class Change:
    """A figure in the period and the previous one; ``delta`` is None when ``note`` says why."""

    current: float | None
    previous: float | None
    note: str = ""  # "" or "not enough data: <reason>"

    @property
    def ok(self) -> bool:
        return not self.note and self.current is not None and self.previous is not None

    @property
    def delta(self) -> float | None:
        """current − previous (shares in share units: 0.05 = 5 points)."""
        if not self.ok:
            return None
        return float(self.current) - float(self.previous)  # type: ignore[arg-type]


def change(
    current: float | None,
    previous: float | None,
    samples: tuple[int, int] = (1, 1),
    minimum: int = 1,
    unit: str = "items",
    hidden: str = "",
) -> Change:
    """The change of a figure from the previous period.

    ``samples``: the figure's sample sizes (current, previous), e.g. its denominator;
    below ``minimum`` (of ``unit``) in either period the change is "not enough data";
    ``hidden``: why privacy hides the previous period ("" when it does not).
    """
    if hidden:
        return Change(current, None, f"{NOT_ENOUGH}: {hidden}")
    for value, n, which in zip((current, previous), samples, ("this", "the previous"), strict=True):
        if n < minimum:
            return Change(current, previous, f"{NOT_ENOUGH}: {n:,} {unit} in {which} period")
        if value is None:
            return Change(current, previous, f"{NOT_ENOUGH}: undefined in {which} period")
    return Change(current, previous)


def row_change(
    cur: Mapping[str, object],
    prev: Mapping[str, object],
    value: str,
    sample: str,
    minimum: int,
    unit: str,
    hidden: str = "",
) -> Change:
    """:func:`change` of column ``value`` of two figure rows, ``sample`` their sample sizes."""

    def n(row: Mapping[str, object]) -> int:
        return int(row.get(sample) or 0)  # type: ignore[call-overload]

    def v(row: Mapping[str, object]) -> float | None:
        x = row.get(value)
        return None if x is None else float(x)  # type: ignore[arg-type]

    return change(v(cur), v(prev), (n(cur), n(prev)), minimum, unit, hidden)
