"""The engineer-week rate model, where the throughput effect is injected.

For person i and week w (Monday-based, in the window):

    rate[i, w] = base_i · week_w · noise_iw · vacation_iw · active_iw · effect_i ** post_iw

- ``base_i``: log-normal around ``BASE_RATE_MEDIAN`` merged PRs per week (log-sd
  ``BASE_RATE_SIGMA``) times the team's factor (log-sd ``org.TEAM_RATE_SIGMA``);
- ``week_w``: the organization's calendar (weekday weights × holidays; the last,
  partial week pro rata) times a small common shock (log-sd 0.05);
- ``noise_iw``: mean-one log-normal (log-sd ``WEEK_NOISE_SIGMA``);
- ``vacation_iw``: ``VACATION_FACTOR`` in about ``VACATION_WEEKS`` random weeks a year;
- ``active_iw``: 0 before joining / after leaving;
- ``post_iw``: week start ≥ the person's adoption week (their first seat);
- ``effect_i``: the throughput effect of the team that gave the person their first
  seat (``org.effects``: the typical ``throughput_effect``, 1 or a half of it).

The number of merged human PRs of person i merged in week w is Poisson(rate[i, w]):
a clean multiplicative effect per adopter, so a difference-in-differences on log
rates recovers the PR-weighted mix of the teams' effects
(``DemoTruth.org_throughput_effect``). Closed and still-open PRs follow the same rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aimetrics.demo.org import ROLE_MANAGER, Org

BASE_RATE_MEDIAN = 2.4  # merged PRs per engineer-week before adoption
BASE_RATE_SIGMA = 0.45
WEEK_NOISE_SIGMA = 0.30
ORG_WEEK_SIGMA = 0.05
VACATION_WEEKS = 3.0
VACATION_FACTOR = 0.05
CYCLE_FACTOR_SIGMA = 0.2  # per-engineer speed, multiplies every cycle-time component


@dataclass(frozen=True)
class Rates:
    base: np.ndarray  # (people,) base weekly rate; 0 for people who open no PRs
    cycle_factor: np.ndarray  # (people,) per-engineer cycle-time factor
    week_factor: np.ndarray  # (weeks,)
    active: np.ndarray  # (people, weeks) bool
    post: np.ndarray  # (people, weeks) bool: on or after adoption
    rate: np.ndarray  # (people, weeks) expected merged PRs (effect and noise included)


def weekly_rates(rng: np.random.Generator, org: Org) -> Rates:
    people, tl = org.people, org.timeline
    n, n_weeks = people.height, tl.n_weeks
    weeks = np.arange(n_weeks)
    team_factor = org.teams["rate_factor"].to_numpy()[people["team_a"].to_numpy()]
    authors = people["role"].to_numpy() != ROLE_MANAGER
    base = BASE_RATE_MEDIAN * np.exp(rng.normal(0.0, BASE_RATE_SIGMA, n)) * team_factor
    base = np.where(authors, base, 0.0)
    cycle_factor = np.exp(rng.normal(0.0, CYCLE_FACTOR_SIGMA, n))
    week_factor = tl.week_factors() * np.exp(rng.normal(0.0, ORG_WEEK_SIGMA, n_weeks))
    noise = np.exp(rng.normal(-(WEEK_NOISE_SIGMA**2) / 2, WEEK_NOISE_SIGMA, (n, n_weeks)))
    vacation = np.where(rng.random((n, n_weeks)) < VACATION_WEEKS / 52, VACATION_FACTOR, 1.0)
    join = people["join_week"].to_numpy()[:, None]
    leave = people["leave_week"].to_numpy()[:, None]
    active = (weeks >= join) & (weeks < leave)
    post = weeks >= people["adoption_week"].to_numpy()[:, None]
    rate = (
        base[:, None]
        * week_factor[None, :]
        * noise
        * vacation
        * active
        * np.where(post, people["throughput_effect"].to_numpy()[:, None], 1.0)
    )
    return Rates(base, cycle_factor, week_factor, active, post, rate)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(person, week) of every event from a (people, weeks) count matrix."""
    n_weeks = counts.shape[1]
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return flat // n_weeks, flat % n_weeks
