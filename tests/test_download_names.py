"""The file names of the dashboard's downloads (:func:`aimetrics.format.download_name`): what the
file holds, its period and every filter, slugged, safe on any file system, and short."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from aimetrics.format import MAX_NAME_STEM, download_name, slug
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period

Q2 = Period(dt.date(2025, 4, 1), dt.date(2025, 7, 1), "UTC")  # last day 2025-06-30
SAFE = re.compile(r"[a-z0-9_+.-]+")  # no space, slash, colon or other character a system minds


def test_the_issue_example() -> None:
    sel = Selection(teams=("payments",), tools=("claude-code",))
    assert (
        download_name("adoption-by-team", Q2, sel, "csv")
        == "aimetrics-adoption-by-team_2025-04-01_2025-06-30_team-payments_tool-claude-code.csv"
    )


def test_no_filter_names_the_period_only_and_the_suffix_is_normalized() -> None:
    assert download_name("report", Q2, Selection(), ".pdf") == (
        "aimetrics-report_2025-04-01_2025-06-30.pdf"
    )
    assert download_name("freshness", None, Selection(), "csv") == "aimetrics-freshness.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Claude Code", "claude-code"),
        ("acme/api", "acme-api"),
        ("Zürich Ops", "zurich-ops"),
        ("../../etc/passwd", "etc-passwd"),
        ("  Payments  ", "payments"),
        ("a:b*c?d", "a-b-c-d"),
    ],
)
def test_slugs_are_file_system_safe(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_a_name_without_ascii_letters_is_a_stable_hash_not_empty() -> None:
    first, again, other = slug("日本"), slug("日本"), slug("中国")
    assert first == again and first != other
    assert re.fullmatch(r"[0-9a-f]{8}", first)


def test_every_filter_kind_is_named_and_several_values_are_joined() -> None:
    sel = Selection(
        teams=("Payments", "checkout"), repositories=("acme/api",), tools=("github-copilot",)
    )
    name = download_name("team-map", Q2, sel, "csv")
    assert name == (
        "aimetrics-team-map_2025-04-01_2025-06-30_team-payments+checkout_repo-acme-api_"
        "tool-github-copilot.csv"
    )
    assert SAFE.fullmatch(name)


def test_different_filters_give_different_names() -> None:
    names = {
        download_name("roi", Q2, sel, "csv")
        for sel in (
            Selection(),
            Selection(teams=("payments",)),
            Selection(teams=("identity",)),
            Selection(tools=("payments",)),  # the same word as a tool is another filter
            Selection(repositories=("payments",)),
        )
    }
    names.add(
        download_name("roi", Period(dt.date(2025, 1, 1), dt.date(2025, 4, 1)), Selection(), "csv")
    )
    assert len(names) == 6


def test_many_values_are_counted_so_the_name_stays_short() -> None:
    teams = tuple(f"platform-team-number-{i}" for i in range(12))
    sel = Selection(teams=teams, repositories=("acme/api",), tools=("cursor",))
    name = download_name("adoption-by-team", Q2, sel, "csv")
    # The long filter is counted; the short ones are still listed: no filter silently dropped.
    assert name == (
        "aimetrics-adoption-by-team_2025-04-01_2025-06-30_teams-12_repo-acme-api_tool-cursor.csv"
    )
    repos = tuple(f"acme-corporation/service-{i}" for i in range(40))
    huge = download_name("merged-prs", Q2, Selection(teams=teams, repositories=repos), "csv")
    assert huge == "aimetrics-merged-prs_2025-04-01_2025-06-30_teams-12_repos-40.csv"
    for got in (name, huge):
        assert len(got.removesuffix(".csv")) <= MAX_NAME_STEM and SAFE.fullmatch(got)
