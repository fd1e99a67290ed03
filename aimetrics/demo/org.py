"""The demo organization: teams and their AI rollout plan, repositories, people, memberships.

Everything here is per team, repository or person (thousands of rows at most),
so plain numpy is enough; the per-PR work lives in ``activity`` and ``commits``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from aimetrics.demo import wordlists as words
from aimetrics.demo.people_names import (
    DECOY_PEOPLE,
    ROLE_CONTRACTOR,
    ROLE_ENGINEER,
    ROLE_MANAGER,
    dedupe,
    dedupe_emails,
)
from aimetrics.demo.timeline import Timeline
from aimetrics.ids import stable_id

ORG_NAME = "acme-demo"
CORP_DOMAIN = "acme-demo.example"
NEVER = 10**6  # a week index that never comes

# Teams and repositories per scale unit (issue: 6 teams, 40 repos). From six teams on, each
# team has its pattern's size (76 engineers at scale 1); a smaller demo splits
# ENGINEERS_PER_SCALE × scale engineers evenly over its teams.
TEAMS_PER_SCALE = 6
ENGINEERS_PER_SCALE = 60
REPOS_PER_SCALE = 40

JOINER_SHARE = 0.06  # engineers who join during the year
LEAVER_SHARE = 0.05  # engineers who leave during the year
MOVER_SHARE = 0.07  # engineers who change teams once
DECLINE_SHARE = 0.08  # engineers in adopting teams who never take an AI seat
MANAGER_SEAT_SHARE = 0.6  # managers of adopting teams given a (mostly idle) Copilot seat
TEAM_RATE_SIGMA = 0.15  # log-sd of a team's factor on its engineers' PR rates
SMALL_TEAM = 5  # the default privacy.min_group_size: fewer engineers are not shown


# What AI does for a team's adopters (``effects``): the typical effect of the arguments,
# none at all, slower AI-assisted PRs, or half the throughput effect (Copilot completions).
TYPICAL, NO_EFFECT, SLOWER, HALF = "typical", "none", "slower-ai-prs", "half"
NO_AI = "no AI"  # a team without AI seats: nothing to have an effect


@dataclass(frozen=True)
class RolloutPattern:
    """When a team's AI tools start, in months after the window's start (None: never),
    how many engineers it has (scale 1) and what AI does for its adopters."""

    name: str
    copilot: float | None = None
    claude_code: float | None = None
    cursor: float | None = None
    coding_agent: float | None = None  # Copilot coding-agent PRs (needs Copilot seats)
    copilot_review: float | None = None  # Copilot code review enabled on some repositories
    ai_label: bool = False  # the team labels AI-assisted PRs `ai-assisted`
    size: int = 10  # engineers (from six teams on)
    effect: str = TYPICAL
    cycle_speed: float = 1.0  # × every cycle time of the team's engineers (its review habits)


# Team k follows PATTERNS[k % 6]; the order keeps a never-adopting team and the
# Claude Code team present even in a reduced demo (scale 0.5: 3 teams). docs/demo.md
# says which manager question each team illustrates.
PATTERNS = (
    RolloutPattern(
        "copilot-early", copilot=3, coding_agent=9, copilot_review=4, ai_label=True, size=26
    ),
    RolloutPattern("never", size=5, effect=NO_AI),
    RolloutPattern(
        "ai-heavy", copilot=3, claude_code=4, size=25, effect=NO_EFFECT, cycle_speed=0.8
    ),
    RolloutPattern("cursor-switch", copilot=5, cursor=7, size=8, effect=SLOWER),
    RolloutPattern("copilot-mid", copilot=6, coding_agent=9, copilot_review=7, size=4),
    RolloutPattern("copilot-late", copilot=9, size=8, effect=HALF),
)


def effects(kind: str, throughput_effect: float, cycle_time_effect: float) -> tuple[float, float]:
    """A team's (throughput, cycle-time) effects from the typical ones (the arguments)."""
    if kind in (NO_EFFECT, NO_AI):
        return 1.0, 1.0
    if kind == SLOWER:  # AI-assisted PRs take longer by the inverse of the typical gain
        return throughput_effect, 1.0 / cycle_time_effect
    if kind == HALF:
        return 1.0 + (throughput_effect - 1.0) / 2, cycle_time_effect
    return throughput_effect, cycle_time_effect


# UTC offsets of the teams (hours), cycled.
TEAM_TZ = (1.0, -5.0, 0.0, 2.0, -4.0, 1.0, 5.5, -7.0)

AI_LABEL = "ai-assisted"


@dataclass(frozen=True)
class Org:
    """Teams, repositories and people of the demo, with per-person rollout weeks."""

    name: str
    timeline: Timeline
    teams: pl.DataFrame
    repos: pl.DataFrame
    people: pl.DataFrame
    memberships: pl.DataFrame

    def col(self, frame: str, column: str) -> np.ndarray:
        return getattr(self, frame)[column].to_numpy()

    def team_at(self, person: np.ndarray, week: np.ndarray) -> np.ndarray:
        """Each person's team index in each week (one mid-year move at most)."""
        team_a, team_b, move = (
            self.col("people", c)[person] for c in ("team_a", "team_b", "move_week")
        )
        return np.where(week < move, team_a, team_b)

    def roster(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Reviewer rosters: engineers grouped by initial team.

        Returns (members, offset per team, size per team, position of each person in
        their team's roster or -1).
        """
        people = self.people
        eng = people.filter(pl.col("role") == ROLE_ENGINEER).sort("team_a", "person")
        members = eng["person"].to_numpy()
        n_teams = self.teams.height
        sizes = np.bincount(eng["team_a"].to_numpy(), minlength=n_teams)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        position = np.full(people.height, -1, dtype=np.int64)
        position[members] = np.arange(len(members)) - offsets[eng["team_a"].to_numpy()]
        return members, offsets, sizes, position


def build_org(
    rng: np.random.Generator,
    timeline: Timeline,
    scale: float,
    throughput_effect: float = 1.0,
    cycle_time_effect: float = 1.0,
) -> Org:
    n_teams = max(2, round(TEAMS_PER_SCALE * scale))
    n_repos = max(n_teams, round(REPOS_PER_SCALE * scale))
    teams = _teams(rng, timeline, n_teams, throughput_effect, cycle_time_effect)
    repos = _repos(rng, timeline, teams, n_repos)
    people = _people(rng, timeline, teams, _team_of_engineers(n_teams, scale))
    people = _rollout(rng, teams, people)
    return Org(ORG_NAME, timeline, teams, repos, people, _memberships(timeline, teams, people))


# --- teams and repositories -------------------------------------------------


def _team_of_engineers(n_teams: int, scale: float) -> np.ndarray:
    """The initial team of each engineer: the patterns' sizes from six teams on, else even."""
    if n_teams < len(PATTERNS):
        n_eng = max(4 * n_teams, round(ENGINEERS_PER_SCALE * scale))
        return np.arange(n_eng) % n_teams
    sizes = [PATTERNS[k % len(PATTERNS)].size for k in range(n_teams)]
    return np.repeat(np.arange(n_teams), sizes)


def _teams(
    rng: np.random.Generator,
    timeline: Timeline,
    n: int,
    throughput_effect: float,
    cycle_time_effect: float,
) -> pl.DataFrame:
    rows = []
    for k in range(n):
        pattern = PATTERNS[k % len(PATTERNS)]
        area = words.TEAM_AREAS[k % len(words.TEAM_AREAS)]
        slug = area if k < len(words.TEAM_AREAS) else f"{area}-{k // len(words.TEAM_AREAS) + 1}"
        # Beyond the first six teams, a team starts up to two weeks off its pattern.
        jitter = 0 if k < len(PATTERNS) else int(rng.integers(-2, 3))
        throughput, cycle = effects(pattern.effect, throughput_effect, cycle_time_effect)

        def week(month: float | None, jitter: int = jitter) -> int:
            if month is None:
                return NEVER
            return timeline.week_of(timeline.month_monday(month)) + jitter

        rows.append(
            {
                "team": k,
                "slug": slug,
                "name": slug.replace("-", " ").title(),
                "pattern": pattern.name,
                "tz": TEAM_TZ[k % len(TEAM_TZ)],
                "copilot_week": week(pattern.copilot),
                "claude_code_week": week(pattern.claude_code),
                "cursor_week": week(pattern.cursor),
                "agent_week": week(pattern.coding_agent),
                "copilot_review_week": week(pattern.copilot_review),
                "ai_label": pattern.ai_label,
                "rate_factor": float(np.exp(rng.normal(0.0, TEAM_RATE_SIGMA))),
                "effect": pattern.effect,
                "throughput_effect": throughput,
                "cycle_time_effect": cycle,
                "cycle_speed": pattern.cycle_speed,
            }
        )
    return pl.DataFrame(rows)


def _repos(
    rng: np.random.Generator, timeline: Timeline, teams: pl.DataFrame, n: int
) -> pl.DataFrame:
    n_teams = teams.height
    team = np.arange(n) % n_teams
    nth = np.arange(n) // n_teams  # the k-th repository of its team
    areas = teams["slug"].to_numpy()[team]
    kinds = np.array(words.REPO_KINDS)[nth % len(words.REPO_KINDS)]
    suffix = np.where(
        nth >= len(words.REPO_KINDS), "-" + (nth // len(words.REPO_KINDS) + 1).astype(str), ""
    )
    names = np.char.add(np.char.add(np.char.add(areas.astype(str), "-"), kinds), suffix)
    full = [f"{ORG_NAME}/{name}" for name in names]
    never = (teams["pattern"].to_numpy() == "never")[team]
    review_team = teams["copilot_review_week"].to_numpy()[team] < NEVER
    bot = rng.choice(3, size=n, p=[0.65, 0.2, 0.15])  # dependabot | renovate | none
    created = [
        dt.datetime.combine(timeline.start, dt.time(9), tzinfo=dt.UTC)
        - dt.timedelta(days=int(d), hours=int(h))
        for d, h in zip(rng.integers(60, 2500, n), rng.integers(0, 10, n), strict=True)
    ]
    return pl.DataFrame(
        {
            "repo": np.arange(n),
            "repo_id": [stable_id(f) for f in full],
            "name": names.astype(str),
            "full_name": full,
            "team": team,
            "default_branch": np.where(rng.random(n) < 0.88, "main", "master"),
            "merge_commits": rng.random(n) < 0.25,  # else squash merges
            "dependency_bot": np.array(["dependabot", "renovate", ""])[bot],
            "coderabbit": (rng.random(n) < 0.15) & ~never,
            "copilot_review": review_team & (rng.random(n) < 0.7),
            "weight": np.exp(rng.normal(0.0, 0.8, n)),
            "created_at": created,
        }
    )


# --- people -----------------------------------------------------------------


def _people(
    rng: np.random.Generator, timeline: Timeline, teams: pl.DataFrame, eng_team: np.ndarray
) -> pl.DataFrame:
    n_teams, n_weeks = teams.height, timeline.n_weeks
    n_eng = len(eng_team)
    patterns = teams["pattern"].to_list()
    vendors = [d for d in DECOY_PEOPLE if d.role == ROLE_CONTRACTOR]
    # Engineers, one manager per team, one agency contractor, the vendor contractors.
    n = n_eng + n_teams + 1 + len(vendors)
    agency = n_eng + n_teams
    role = np.array(
        [ROLE_ENGINEER] * n_eng + [ROLE_MANAGER] * n_teams + [ROLE_CONTRACTOR] * (1 + len(vendors))
    )
    team_a = np.concatenate([eng_team, np.arange(n_teams), np.zeros(1 + len(vendors), dtype=int)])
    team_a[agency] = 4 % n_teams
    first = np.array(words.FIRST_NAMES)[rng.integers(0, len(words.FIRST_NAMES), n)].astype(object)
    last = np.array(words.LAST_NAMES)[rng.integers(0, len(words.LAST_NAMES), n)].astype(object)
    login_style = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    branch_style = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    join_week = np.zeros(n, dtype=np.int64)
    leave_week = np.full(n, n_weeks, dtype=np.int64)
    has_personal = rng.random(n) < 0.35
    personal_num = rng.integers(10, 99, n)
    personal = np.array(
        [
            f"{f.lower()}{k}@example.net" if h else None
            for f, k, h in zip(first, personal_num, has_personal, strict=True)
        ],
        dtype=object,
    )
    corp_override = np.full(n, None, dtype=object)
    login = np.full(n, None, dtype=object)
    decoy = np.full(n, None, dtype=object)
    # The agency contractor works part of the year.
    join_week[agency], leave_week[agency] = min(20, n_weeks // 3), min(40, n_weeks)

    next_vendor = agency + 1
    taken: set[int] = set()
    for person in DECOY_PEOPLE:
        team = patterns.index(person.team_pattern) if person.team_pattern in patterns else 0
        if person.role == ROLE_CONTRACTOR:
            # A vendor's solutions engineer helping one team for a quarter.
            idx, next_vendor = next_vendor, next_vendor + 1
            team_a[idx] = team
            join_week[idx], leave_week[idx] = min(12, n_weeks // 4), min(26, n_weeks)
        else:
            idx = next(i for i in np.flatnonzero(eng_team == team) if i not in taken)
        taken.add(idx)
        first[idx], last[idx], login[idx], decoy[idx] = (
            person.first,
            person.last,
            person.login,
            person.key,
        )
        corp_override[idx] = person.email
        personal[idx] = person.old_email
        branch_style[idx] = person.branch_style
    person_ix = np.arange(n)

    # Logins and corporate emails, unique.
    f_low = np.array([f.lower() for f in first])
    l_low = np.array([x.lower() for x in last])
    styles = [
        np.char.add(np.char.add(f_low, "-"), l_low),
        np.char.add(f_low, l_low),
        np.char.add(np.array([f[:1] for f in f_low]), l_low),
        np.char.add(f_low, rng.integers(100, 999, n).astype(str)),
    ]
    generated = np.choose(login_style, styles)
    has_p = personal != None  # noqa: E711
    personal[has_p] = dedupe_emails(personal[has_p].astype(str))
    login = dedupe(np.array([g if x is None else x for g, x in zip(generated, login, strict=True)]))
    local = dedupe(np.char.add(np.char.add(f_low, "."), l_low))
    corp = np.array([o or f"{x}@{CORP_DOMAIN}" for o, x in zip(corp_override, local, strict=True)])
    gh_id = (1_000_000 + np.cumsum(rng.integers(1, 25_000, n)))[rng.permutation(n)]
    noreply = np.array(
        [f"{i}+{x}@users.noreply.github.com" for i, x in zip(gh_id, login, strict=True)]
    )
    # How each person's commits pick an email: corporate / noreply / personal.
    pref = np.where(rng.random(n)[:, None] < 0.65, [[0.85, 0.15, 0.0]], [[0.1, 0.9, 0.0]])
    has_personal = personal != None  # noqa: E711
    pref[has_personal] = [0.6, 0.1, 0.3]
    pref[has_personal & (decoy == "vendor-domain-email")] = [0.55, 0.05, 0.4]
    pref[corp_override != None] = [1.0, 0.0, 0.0]  # noqa: E711

    # Joiners, leavers and movers among ordinary engineers.
    ordinary = person_ix[(role == ROLE_ENGINEER) & (decoy == None)]  # noqa: E711
    joiners = rng.choice(ordinary, size=round(JOINER_SHARE * len(ordinary)), replace=False)
    rest = np.setdiff1d(ordinary, joiners)
    leavers = rng.choice(rest, size=round(LEAVER_SHARE * len(ordinary)), replace=False)
    rest = np.setdiff1d(rest, leavers)
    movers = rng.choice(rest, size=max(1, round(MOVER_SHARE * len(ordinary))), replace=False)
    join_week[joiners] = rng.integers(4, max(5, n_weeks - 8), len(joiners))
    leave_week[leavers] = rng.integers(8, max(9, n_weeks - 4), len(leavers))
    move_week = np.full(n, NEVER, dtype=np.int64)
    move_week[movers] = rng.integers(8, max(9, n_weeks - 8), len(movers))
    team_b = team_a.copy()
    team_b[movers] = (team_a[movers] + rng.integers(1, n_teams, len(movers))) % n_teams
    # Nobody moves into a team under the privacy minimum (it stays too small to show) or
    # into a team without AI (it stays without seats, and the smallest team shown).
    closed = (np.bincount(eng_team, minlength=n_teams) < SMALL_TEAM) | (
        teams["effect"].to_numpy() == NO_AI
    )
    stay = closed[team_b]
    move_week[stay] = NEVER
    team_b[stay] = team_a[stay]
    tenure = rng.integers(30, 2500, n)
    hired = [
        timeline.start + dt.timedelta(weeks=int(w))
        if w > 0
        else timeline.start - dt.timedelta(days=int(d))
        for w, d in zip(join_week, tenure, strict=True)
    ]

    return pl.DataFrame(
        {
            "person": person_ix,
            "person_id": [stable_id(x) for x in login],
            "login": login,
            "display_name": [f"{f} {x}" for f, x in zip(first, last, strict=True)],
            "first_name": first.astype(str),
            "role": role,
            "excluded": role == ROLE_CONTRACTOR,
            "decoy": decoy.tolist(),
            "gh_id": gh_id,
            "corp_email": corp,
            "noreply_email": noreply,
            "personal_email": personal.tolist(),
            "pref_corp": pref[:, 0],
            "pref_noreply": pref[:, 1],
            "branch_style": branch_style,
            "team_a": team_a,
            "team_b": team_b,
            "move_week": move_week,
            "join_week": join_week,
            "leave_week": leave_week,
            "hired_on": pl.Series(hired, dtype=pl.Date),
        },
        schema_overrides={"decoy": pl.String, "personal_email": pl.String},
    )


# --- rollout ----------------------------------------------------------------


def _rollout(rng: np.random.Generator, teams: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Each person's first week with a seat of each tool, and their adoption week.

    A person gets a tool's seat when a team they belong to starts it (plus zero
    to two weeks); engineers who decline never get one; contractors never do.
    """
    n = people.height
    role = people["role"].to_numpy()
    decoy = people["decoy"].to_numpy()
    team_a, team_b = people["team_a"].to_numpy(), people["team_b"].to_numpy()
    move, join, leave = (people[c].to_numpy() for c in ("move_week", "join_week", "leave_week"))
    engineer = role == ROLE_ENGINEER
    declined = engineer & (decoy == None) & (rng.random(n) < DECLINE_SHARE)  # noqa: E711
    # At most DECLINE_SHARE of a team's engineers (rounded up): large teams keep their adopters.
    cand = np.flatnonzero(declined)
    order = cand[np.argsort(team_a[cand], kind="stable")]
    team = team_a[order]
    rank = np.arange(len(order)) - np.searchsorted(team, team)
    cap = np.ceil(DECLINE_SHARE * np.bincount(team_a[engineer], minlength=teams.height))
    declined[order[rank >= cap[team]]] = False
    manager_seat = (role == ROLE_MANAGER) & (rng.random(n) < MANAGER_SEAT_SHARE)
    lag = rng.choice(3, size=n, p=[0.55, 0.3, 0.15])
    eligible = engineer & ~declined

    def first_week(col: str, *, managers: bool) -> np.ndarray:
        start = teams[col].to_numpy()
        seg_a_end = np.minimum(move, leave)
        cand_a = np.maximum(start[team_a] + lag, join)
        cand_a = np.where((start[team_a] < NEVER) & (cand_a < seg_a_end), cand_a, NEVER)
        cand_b = np.maximum(start[team_b] + lag, move)
        cand_b = np.where((start[team_b] < NEVER) & (cand_b < leave), cand_b, NEVER)
        ok = eligible | (manager_seat if managers else False)
        return np.where(ok, np.minimum(cand_a, cand_b), NEVER)

    copilot = first_week("copilot_week", managers=True)
    claude = first_week("claude_code_week", managers=False)
    cursor = first_week("cursor_week", managers=False)
    adoption = np.minimum(np.minimum(copilot, claude), cursor)
    tool = np.select(
        [adoption >= NEVER, copilot == adoption, claude == adoption],
        ["", "github-copilot", "claude-code"],
        "cursor",
    )
    # The team that gave a person their first seat decides what AI does for them, for the
    # rest of the year (a later move keeps their practice): none for non-adopters.
    effect_team = np.where(adoption >= NEVER, -1, np.where(adoption < move, team_a, team_b))
    adopted = effect_team >= 0
    throughput_effect = np.where(
        adopted, teams["throughput_effect"].to_numpy()[np.maximum(effect_team, 0)], 1.0
    )
    cycle_time_effect = np.where(
        adopted, teams["cycle_time_effect"].to_numpy()[np.maximum(effect_team, 0)], 1.0
    )
    return people.with_columns(
        pl.Series("declined", declined),
        pl.Series("copilot_week", copilot),
        pl.Series("claude_code_week", claude),
        pl.Series("cursor_week", cursor),
        pl.Series("adoption_week", adoption),
        pl.Series("adoption_tool", tool).replace("", None),
        pl.Series("effect_team", effect_team),
        pl.Series("throughput_effect", throughput_effect),
        pl.Series("cycle_time_effect", cycle_time_effect),
    )


def _memberships(timeline: Timeline, teams: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    def week_date(w: pl.Expr) -> pl.Expr:
        return pl.lit(timeline.start) + pl.duration(weeks=w)

    n_weeks = timeline.n_weeks
    p = people.with_columns(
        pl.col("team_a").replace_strict(teams["team"], teams["slug"]).alias("slug_a"),
        pl.col("team_b").replace_strict(teams["team"], teams["slug"]).alias("slug_b"),
    )
    end_a = pl.min_horizontal("move_week", "leave_week")
    first = p.select(
        pl.col("slug_a").alias("team_slug"),
        "person_id",
        pl.col("hired_on").alias("valid_from"),
        pl.when(end_a < n_weeks).then(week_date(end_a)).alias("valid_to"),
    )
    second = p.filter(pl.col("move_week") < pl.col("leave_week")).select(
        pl.col("slug_b").alias("team_slug"),
        "person_id",
        week_date(pl.col("move_week")).alias("valid_from"),
        pl.when(pl.col("leave_week") < n_weeks)
        .then(week_date(pl.col("leave_week")))
        .alias("valid_to"),
    )
    return pl.concat([first, second]).with_columns(pl.col("valid_from", "valid_to").cast(pl.Date))


def week_dates(timeline: Timeline, weeks: np.ndarray) -> list[dt.date | None]:
    """Week indices to Monday dates (None for NEVER)."""
    return [timeline.start + dt.timedelta(weeks=int(w)) if w < NEVER else None for w in weeks]
