"""``ai_tools:`` (seat plans and their changes), ``roi:`` and ``budgets:``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from aimetrics.settings.checks import (
    Currency,
    Day,
    Login,
    Money,
    Slug,
    Text,
    _at,
    _check_tool_id,
    _list_section,
    _Model,
    _refuse_duplicates,
)
from aimetrics.vocabulary import TOOL_NAMES


class SeatChange(_Model):
    example: ClassVar[str] = "- {from: 2026-01-01, count: 20}"

    valid_from: Annotated[Day, Field(alias="from", examples=[date(2026, 1, 1)])]
    count: Annotated[int, Field(ge=0, examples=[20])]


class SeatPlan(_Model):
    example: ClassVar[str] = (
        "- {name: business, price_per_seat_month: 19, currency: USD, start: 2026-01-01, "
        "seats: [{from: 2026-01-01, count: 20}]}"
    )

    name: Annotated[Text, Field(examples=["business"])]
    price_per_seat_month: Annotated[Money, Field(examples=[19])]
    currency: Annotated[Currency, Field(examples=["USD"])] = "USD"
    start: Annotated[Day | None, Field(examples=[date(2026, 1, 1)])] = None
    end: Annotated[Day | None, Field(examples=[date(2026, 12, 31)])] = None
    seats: Annotated[
        list[SeatChange],
        BeforeValidator(_list_section),
        Field(examples=[[{"from": date(2026, 1, 1), "count": 20}]]),
    ] = []
    holders: Annotated[list[Login], Field(examples=[["alice", "bob"]])] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> SeatPlan:
        if self.start and self.end and self.end <= self.start:
            raise _at(f"'end' ({self.end}) must be after 'start' ({self.start})", "end")
        for i, change in enumerate(self.seats):
            if i and change.valid_from <= self.seats[i - 1].valid_from:
                raise _at(
                    f"seat changes must be in ascending date order: {change.valid_from} "
                    f"comes after {self.seats[i - 1].valid_from} (seats[{i - 1}])",
                    "seats",
                    i,
                    "from",
                )
            if self.start and change.valid_from < self.start:
                raise _at(
                    f"seat change on {change.valid_from} is before the plan's start ({self.start})",
                    "seats",
                    i,
                    "from",
                )
        return self

    def seats_on(self, day: date) -> int:
        """Seats paid for on ``day`` (0 outside the plan's dates or before the first change)."""
        if (self.start and day < self.start) or (self.end and day >= self.end):
            return 0
        count = 0
        for change in self.seats:
            if change.valid_from <= day:
                count = change.count
        return count


class AiTool(_Model):
    example: ClassVar[str] = (
        "- {id: github-copilot, plans: [{name: business, price_per_seat_month: 19}]}"
    )

    id: Annotated[str, AfterValidator(_check_tool_id), Field(examples=["github-copilot"])]
    name: Annotated[Text, Field(examples=["GitHub Copilot"])]
    plans: Annotated[list[SeatPlan], BeforeValidator(_list_section)] = []

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("name") is None:
            tool = data.get("id")
            name = TOOL_NAMES.get(tool, tool) if isinstance(tool, str) else None
            if name:
                return {**data, "name": name}
        return data

    @field_validator("plans")
    @classmethod
    def _unique_plan_names(cls, plans: list[SeatPlan]) -> list[SeatPlan]:
        _refuse_duplicates([p.name for p in plans], "plan name", "name")
        return plans


class RoiSettings(_Model):
    example: ClassVar[str] = "roi: {currency: USD, loaded_hourly_cost: 100}"

    currency: Currency = "USD"
    loaded_hourly_cost: Money = 100
    hours_per_week: Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)] = 40
    hours_saved_per_ai_user_per_week: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 2

    @model_validator(mode="after")
    def _saved_within_week(self) -> RoiSettings:
        if self.hours_saved_per_ai_user_per_week > self.hours_per_week:
            raise _at(
                f"{self.hours_saved_per_ai_user_per_week:g} hours saved is more than the "
                f"{self.hours_per_week:g} hours in a working week",
                "hours_saved_per_ai_user_per_week",
            )
        return self


class Budget(_Model):
    """A monthly AI budget for one tool or one team, in the reporting currency."""

    example: ClassVar[str] = "- {tool: github-copilot, monthly: 2000}   # or {team: payments, ...}"

    tool: Annotated[
        str | None,
        AfterValidator(lambda v: v if v is None else _check_tool_id(v)),
        Field(examples=["github-copilot"]),
    ] = None
    team: Annotated[Slug | None, Field(examples=["payments"])] = None
    monthly: Annotated[float, Field(gt=0, allow_inf_nan=False, examples=[2000])]

    @model_validator(mode="after")
    def _one_scope(self) -> Budget:
        if (self.tool is None) == (self.team is None):
            raise _at(
                "a budget is for one tool or one team: give exactly one of tool: or team:",
                "tool",
            )
        return self

    @property
    def scope(self) -> str:
        return "tool" if self.tool is not None else "team"

    @property
    def target(self) -> str:
        return self.tool if self.tool is not None else str(self.team)
