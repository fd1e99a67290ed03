"""Crash and fault trials: shared by the CI tests and the full-size benchmark scripts.

A *kill trial* runs the real CLI (``aimetrics collect github`` against the fake
GitHub, or ``aimetrics collect git`` on generated repositories) in a subprocess,
kills it with SIGKILL at a seeded random point (a request index, or a delay),
runs it again to completion and compares the store with an uninterrupted run's:
row counts and content hashes of every domain table (`digest`), fetch times and
sync bookkeeping left out. After the kill, no repository may be half visible.

A *fault placement* injects one or two faults of the fake GitHub (every kind it
has) at seeded random requests, runs the collector in-process, and checks that
the run is complete, or names each incomplete repository with a reason while
every repository it calls complete is exactly as in the uninterrupted run and the
incomplete ones show nothing half-written; then a second run without faults must
reach the uninterrupted store exactly.

Each trial draws from ``random.Random(f"{seed}:{name}:{index}")``, so a failure
printed with its seed and index reproduces alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

_GITHUB_TESTS = Path(__file__).resolve().parents[1] / "github"
if str(_GITHUB_TESTS) not in sys.path:  # collector_helpers lives with the GitHub tests
    sys.path.insert(0, str(_GITHUB_TESTS))

from aimetrics.pipeline import run_pipeline  # noqa: E402
from aimetrics.store import create_store_engine, read_table, upgrade  # noqa: E402
from aimetrics.store import schema as s  # noqa: E402
from aimetrics.tagging import RuleSet  # noqa: E402
from collectors.github import CollectOptions, collect_github  # noqa: E402
from collectors.github.client import BACKOFF_ENV, THROTTLE_ENV  # noqa: E402

from collector_helpers import Recorder, domain_rows, fast_options, settings_for  # noqa: E402
from fakes.github_data import (  # noqa: E402
    FakeOrg,
    FakeRepo,
    synthetic_pulls,
    team,
    with_copilot,
)
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub  # noqa: E402

PG_ENV = "AIMETRICS_TEST_PG_URL"
REPO_TABLES = (s.pull_requests, s.pull_request_labels, s.pull_request_commits, s.reviews)
"""Tables whose rows belong to one repository (``repo_id``): a sync writes them at once."""


# --- stores -----------------------------------------------------------------------------------


@dataclass
class Stores:
    """Fresh store URLs: SQLite files in ``workdir``, or private PostgreSQL databases
    created through ``pg_admin`` (dropped by `close`)."""

    workdir: Path
    pg_admin: str | None = None
    pg_database: str | None = None
    """An existing PostgreSQL database to empty and hand out instead of creating one
    (the tests' session database)."""
    _databases: list[str] = field(default_factory=list)

    def new(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            path = self.workdir / f"{name}-{uuid.uuid4().hex[:6]}.db"
            return f"sqlite:///{path}"
        if self.pg_database is not None:
            from samples import reset_pg

            reset_pg(self.pg_database)
            return self.pg_database
        if self.pg_admin is None:
            raise RuntimeError(f"PostgreSQL trials need {PG_ENV}")
        db = f"aimetrics_trial_{uuid.uuid4().hex[:10]}"
        self._admin([f'CREATE DATABASE "{db}"'])
        self._databases.append(db)
        return sa.make_url(self.pg_admin).set(database=db).render_as_string(hide_password=False)

    def _admin(self, statements: list[str]) -> None:
        url = sa.make_url(self.pg_admin).set(drivername="postgresql+psycopg")
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(sa.text(statement))
        finally:
            engine.dispose()

    def close(self) -> None:
        if self._databases:
            self._admin([f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)' for db in self._databases])
        self._databases.clear()


@contextlib.contextmanager
def engine_for(url: str, *, migrate: bool = False) -> Iterator[sa.Engine]:
    engine = create_store_engine(url)
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()


# --- comparing stores -------------------------------------------------------------------------

Digest = dict[str, tuple[int, str]]


def digest(engine: sa.Engine) -> Digest:
    """(row count, SHA-256 of the sorted rows) of every domain table (`domain_rows`)."""
    return {
        table: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
        for table, rows in domain_rows(engine).items()
    }


def store_digest(url: str) -> Digest:
    with engine_for(url) as engine:
        return digest(engine)


def differences(got: Digest, want: Digest) -> list[str]:
    """The tables that differ, as ``table: rows got/want``."""
    return [
        f"{table}: {got.get(table, (0, ''))[0]} rows (hash {got.get(table, (0, '-'))[1]}) vs "
        f"{count} (hash {hashed})"
        for table, (count, hashed) in want.items()
        if got.get(table) != (count, hashed)
    ]


def repo_rows(engine: sa.Engine) -> dict[int, dict[str, list[tuple]]]:
    """Per repository id: its sorted rows in each `REPO_TABLES` table."""
    out: dict[int, dict[str, list[tuple]]] = {}
    for table in REPO_TABLES:
        frame = read_table(engine, table)
        for repo_id in frame["repo_id"].unique().to_list():
            rows = frame.filter(frame["repo_id"] == repo_id).rows()
            out.setdefault(repo_id, {})[table.name] = sorted(rows, key=repr)
    return out


def half_visible(killed: dict[int, dict[str, list[tuple]]], reference: dict) -> list[int]:
    """Repositories whose rows are there, but not all of them (a torn write)."""
    return [
        repo_id
        for repo_id, tables in killed.items()
        if any(tables.get(t.name, []) for t in REPO_TABLES)
        and tables != {k: v for k, v in reference.get(repo_id, {}).items() if v}
    ]


# --- the GitHub scenario ----------------------------------------------------------------------


@dataclass(frozen=True)
class GitHubScenario:
    """Org ``acme``: a large repository, one with PRs beyond 100 commits/reviews/labels
    (follow-up queries), a small one; Copilot seats and usage reports; teams."""

    org: FakeOrg
    max_pull_page: int = 50

    @classmethod
    def build(cls, *, big: int = 330, small: int = 25, max_pull_page: int = 50) -> GitHubScenario:
        from collector_helpers import special_pulls

        org = FakeOrg("acme", 9001)
        org.repos = [
            FakeRepo("acme", "api", 4242, pulls=synthetic_pulls(big, seed=3)),
            FakeRepo("acme", "web", 77, pulls=special_pulls()),
            FakeRepo("acme", "tools", 78, pulls=synthetic_pulls(small, seed=5, first_number=7)),
        ]
        with_copilot(org)
        org.teams = [team("payments", ["alice", "bob"]), team("web", ["carol", "dave"])]
        return cls(org, max_pull_page)

    @property
    def repos(self) -> list[str]:
        return [r.full_name for r in self.org.repos]

    def github_config(self, fake: FakeGitHub) -> dict[str, Any]:
        return {
            "base_url": fake.base_url,
            "orgs": ["acme"],
            "teams_from_github": True,
            "max_parallel_repos": 2,
        }

    @contextlib.contextmanager
    def serve(self) -> Iterator[FakeGitHub]:
        """A fresh fake GitHub (its own rate-limit counters and fault list) with the org."""
        with FakeGitHub() as fake:
            fake.add_org(self.org)
            fake.max_pull_page = self.max_pull_page
            yield fake


def _cli_env() -> dict[str, str]:
    return {**os.environ, "GITHUB_TOKEN": DEFAULT_TOKEN, THROTTLE_ENV: "0", BACKOFF_ENV: "0.01"}


def _github_cmd(config: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "aimetrics.cli", "collect", "github", "--config", str(config),
            "--db", url, "--quiet"]  # fmt: skip


@dataclass
class Reference:
    """An uninterrupted run: its store's digest, per-repository rows, and its size."""

    digest: Digest
    rows: dict[int, dict[str, list[tuple]]]
    requests: int = 0
    seconds: float = 0.0
    """Wall time of the work (GitHub: from the first request to the exit)."""


@dataclass
class TrialResult:
    collector: str
    backend: str
    index: int
    seed: int
    kill: str
    state: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED: " + "; ".join(self.problems)
        return (
            f"{self.collector:6} {self.backend:10} trial {self.index:2} (seed {self.seed}): "
            f"{self.kill}; {self.state} -> {verdict} [{self.seconds:.1f} s]"
        )


def _write_config(workdir: Path, scenario: GitHubScenario, fake: FakeGitHub) -> Path:
    path = workdir / f"aimetrics-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump({"github": scenario.github_config(fake)}))
    return path


def github_reference(scenario: GitHubScenario, stores: Stores, backend: str) -> Reference:
    """The uninterrupted CLI run."""
    with scenario.serve() as fake:
        config = _write_config(stores.workdir, scenario, fake)
        url = stores.new(backend, "github-reference")
        proc = subprocess.Popen(_github_cmd(config, url), env=_cli_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        first = _wait_first_request(fake, proc)
        out, err = proc.communicate(timeout=600)
        ended = time.perf_counter()
        if proc.returncode != 0:
            raise RuntimeError(f"the uninterrupted run failed ({proc.returncode}): {err or out}")
        with engine_for(url) as engine:
            return Reference(digest(engine), repo_rows(engine), fake.count(), ended - first)


def _wait_first_request(fake: FakeGitHub, proc: subprocess.Popen) -> float:
    while fake.count() == 0 and proc.poll() is None:
        time.sleep(0.005)
    return time.perf_counter()


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL (no cleanup of any kind); False when it had already exited."""
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    return True


def github_kill_trial(
    scenario: GitHubScenario,
    stores: Stores,
    backend: str,
    reference: Reference,
    *,
    seed: int,
    index: int,
) -> TrialResult:
    """Kill ``collect github`` at a random request (even trials) or delay (odd), resume."""
    rng = random.Random(f"{seed}:github:{index}")
    began = time.perf_counter()
    with scenario.serve() as fake:
        config = _write_config(stores.workdir, scenario, fake)
        url = stores.new(backend, "github-killed")
        cmd = _github_cmd(config, url)
        if index % 2 == 0:
            at = rng.randint(1, max(1, reference.requests - 1))
            kill = f"kill -9 while request {at + 1} of ~{reference.requests} is in flight"
            fake.hold_after = at
            proc = subprocess.Popen(cmd, env=_cli_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)  # fmt: skip
            while not fake.held.wait(0.05) and proc.poll() is None:
                pass
            killed = _kill(proc)
            fake.hold_after = None
            fake.release()
        else:
            delay = rng.uniform(0, reference.seconds)
            took = f"run takes ~{reference.seconds:.2f} s"
            kill = f"kill -9 {delay:.2f} s after the first request ({took})"
            proc = subprocess.Popen(cmd, env=_cli_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)  # fmt: skip
            _wait_first_request(fake, proc)
            time.sleep(delay)
            killed = _kill(proc)
        result = TrialResult("github", backend, index, seed, kill)
        if not killed:
            result.kill += " (it had finished already)"
        with engine_for(url) as engine:
            result.state = _github_state(engine, fake.count())
            torn = half_visible(repo_rows(engine), reference.rows)
        if torn:
            result.problems.append(f"repositories {torn} half visible after the kill")
        resumed = subprocess.run(cmd, env=_cli_env(), capture_output=True, text=True, timeout=600)
        if resumed.returncode != 0:
            result.problems.append(f"re-run exit {resumed.returncode}: {resumed.stderr[-500:]}")
    result.problems += differences(store_digest(url), reference.digest)
    result.seconds = time.perf_counter() - began
    return result


def _github_state(engine: sa.Engine, requests: int) -> str:
    pages = read_table(engine, s.raw_payloads).height
    state = read_table(engine, s.sync_state)
    repos = state.filter(state["source"] == "github")
    done = repos.filter(repos["status"] == "complete").height
    return f"{requests} requests answered, {pages} pages stored, {done} repositories complete"


# --- the git scenario -------------------------------------------------------------------------

SUBJECTS = [
    "feat(api): add pagination", "fix: handle empty cart", "refactor: extract module",
    "test: cover refunds", "docs: explain retries", "perf(db): batch inserts",
]  # fmt: skip
TRAILERS = [
    "", "", "", "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>", "Signed-off-by: A <a@corp.example>",
]  # fmt: skip


def build_git_repo(path: Path, n: int, seed: int = 3) -> None:
    """``n`` commits through ``git fast-import``: feature branches of 1-4 commits merged
    with "Merge pull request #N" (also benchmarks/bench_git.py's history)."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    lines: list[str] = []
    t0 = 1_735_689_600
    mark = main_tip = pr = i = 0
    while i < n:
        parent = main_tip
        for _ in range(rng.randint(1, 4)):
            mark += 1
            i += 1
            who = rng.randrange(300)
            msg = f"{SUBJECTS[i % len(SUBJECTS)]} {i}\n\nBody line.\n\n{TRAILERS[i % 6]}".strip()
            blob = f"line {i}\n" * rng.randint(1, 19)
            lines.append(f"commit refs/heads/main\nmark :{mark}\n")
            lines.append(f"author Dev {who} <dev{who}@corp.example> {t0 + i * 60} +0000\n")
            lines.append(f"committer Dev {who} <dev{who}@corp.example> {t0 + i * 60} +0000\n")
            lines.append(f"data {len(msg.encode())}\n{msg}\n")
            if parent:
                lines.append(f"from :{parent}\n")
            lines.append(f"M 644 inline src/file{i % 500}.py\ndata {len(blob)}\n{blob}\n")
            parent = mark
        pr += 1
        mark += 1
        i += 1
        msg = f"Merge pull request #{pr} from acme/feature-{pr}\n\nFeature {pr}"
        lines.append(f"commit refs/heads/main\nmark :{mark}\n")
        lines.append(f"author Dev 1 <dev1@corp.example> {t0 + i * 60} +0000\n")
        lines.append(f"committer GitHub <noreply@github.com> {t0 + i * 60} +0000\n")
        lines.append(f"data {len(msg.encode())}\n{msg}\n")
        if main_tip:
            lines.append(f"from :{main_tip}\n")
        lines.append(f"merge :{parent}\n\n")
        main_tip = mark
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"],
                   input="".join(lines).encode(), check=True)  # fmt: skip
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)


@dataclass(frozen=True)
class GitScenario:
    paths: tuple[Path, ...]

    @classmethod
    def build(cls, workdir: Path, sizes: tuple[int, ...] = (3000, 1000)) -> GitScenario:
        paths = []
        for i, n in enumerate(sizes):
            path = workdir / f"repo{i}"
            if not path.exists():
                build_git_repo(path, n, seed=3 + i)
            paths.append(path)
        return cls(tuple(paths))

    def cmd(self, url: str) -> list[str]:
        return [sys.executable, "-m", "aimetrics.cli", "collect", "git",
                *map(str, self.paths), "--db", url]  # fmt: skip


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _wait_git_started(proc: subprocess.Popen) -> float:
    """When the collector first runs ``git`` (its startup done): the clock of a delay kill."""
    while proc.poll() is None and not _children(proc.pid):
        time.sleep(0.002)
    return time.perf_counter()


def git_reference(scenario: GitScenario, stores: Stores, backend: str) -> Reference:
    url = stores.new(backend, "git-reference")
    proc = subprocess.Popen(scenario.cmd(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    started = _wait_git_started(proc)
    out, err = proc.communicate(timeout=600)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed ({proc.returncode}): {err or out}")
    with engine_for(url) as engine:
        return Reference(digest(engine), repo_rows(engine), 0, seconds)


def git_kill_trial(
    scenario: GitScenario, stores: Stores, backend: str, reference: Reference, *, seed: int,
    index: int,
) -> TrialResult:  # fmt: skip
    """Kill ``collect git`` at a random delay within the uninterrupted run's time, resume."""
    rng = random.Random(f"{seed}:git:{index}")
    began = time.perf_counter()
    url = stores.new(backend, "git-killed")
    # The reference's time is an upper bound (first runs are slower): aim at its first 60%.
    delay = rng.uniform(0, 0.6 * reference.seconds)
    kill = (
        f"kill -9 {delay:.2f} s after it first ran git (the rest takes ~{reference.seconds:.2f} s)"
    )
    proc = subprocess.Popen(scenario.cmd(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_git_started(proc)
    time.sleep(delay)
    result = TrialResult("git", backend, index, seed, kill)
    if not _kill(proc):
        result.kill += " (it had finished already)"
    with engine_for(url) as engine:
        result.state = _git_state(engine)
    resumed = subprocess.run(scenario.cmd(url), capture_output=True, text=True, timeout=600)
    if resumed.returncode != 0:
        result.problems.append(f"re-run exit {resumed.returncode}: {resumed.stderr[-500:]}")
    result.problems += differences(store_digest(url), reference.digest)
    result.seconds = time.perf_counter() - began
    return result


def _git_state(engine: sa.Engine) -> str:
    try:
        commits = read_table(engine, s.commits).height
        state = read_table(engine, s.sync_state)
    except Exception:  # killed before the schema was created
        return "store not created yet"
    synced = state.filter(state["source"] == "git").height
    return f"{commits} commits stored, {synced} repositories recorded as read"


# --- fault placements -------------------------------------------------------------------------

TRANSIENT = ("status", "rate_limit", "abuse", "reset", "truncated", "malformed", "slow")
FAULT_KINDS = (*TRANSIENT, "exhausted", "partial")
PARTIAL_TYPES = (None, "RESOURCE_LIMITS_EXCEEDED", "FORBIDDEN", "NOT_FOUND")
TIMEOUT = 2
"""Client timeout of the faulted runs; ``slow`` faults take longer than this."""
CALM_TIMEOUT = 30
"""Client timeout of the reference run and the re-run, which test no timeout: a busy
machine must not turn them into timeout trials."""


def random_fault(
    rng: random.Random, counts: dict[str, int], kind: str | None = None
) -> dict[str, Any]:
    """One fault (of a random kind unless given) at a random request of a target the
    uninterrupted run used (``counts``: requests per target)."""
    kind = kind or rng.choice(FAULT_KINDS)
    targets = ["graphql"] if kind == "partial" else [t for t, n in counts.items() if n]
    target = rng.choice(targets)
    spec: dict[str, Any] = {"kind": kind, "target": target,
                            "skip": rng.randrange(max(1, counts.get(target, 1)))}  # fmt: skip
    # Once, twice (retries cure it), or for good (the retries give up).
    spec["times"] = rng.choice((1, 1, 2, 1000)) if kind != "slow" else rng.choice((1, 2))
    if kind == "status":
        spec["status"] = rng.choice((500, 502, 503, 504))
    elif kind == "rate_limit":
        spec["status"] = rng.choice((403, 429))
        spec["retry_after"] = 1
        spec["times"] = min(spec["times"], 2)  # each one waits a real second
    elif kind == "slow":
        spec["seconds"] = TIMEOUT + 0.5
    elif kind == "partial":
        spec["error_type"] = rng.choice(PARTIAL_TYPES)
    return spec


def describe_fault(spec: dict[str, Any]) -> str:
    extra = {k: v for k, v in spec.items() if k not in ("kind", "target", "skip", "times")}
    times = "for good" if spec["times"] >= 1000 else f"x{spec['times']}"
    details = ",".join(f"{k}={v}" for k, v in extra.items())
    return f"{spec['kind']}({details}) on {spec['target']} request {spec['skip'] + 1} {times}"


@dataclass
class FaultResult:
    index: int
    seed: int
    faults: list[str]
    kinds: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    """The kinds of the faults actually served (a fault may lie beyond a stopped sync)."""
    first: str = ""
    incomplete: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED: " + "; ".join(self.problems)
        fired = f"{len(self.fired)} served"
        return (
            f"placement {self.index:3} (seed {self.seed}): {' + '.join(self.faults)} "
            f"({fired}) -> {self.first} -> {verdict} [{self.seconds:.1f} s]"
        )


class FaultRunner:
    """The in-process collector (as the CLI runs it: collect, then resolve identities)
    against a fresh fake per placement, with tiny backoff and a short timeout."""

    def __init__(self, scenario: GitHubScenario, ruleset: RuleSet, workdir: Path) -> None:
        self.scenario, self.ruleset, self.workdir = scenario, ruleset, workdir
        # One day for every run: a run after midnight would date team memberships and
        # seat revocations a day later than the reference did.
        self.today = dt.date.today()
        url = f"sqlite:///{workdir / 'fault-reference.db'}"
        with scenario.serve() as fake, engine_for(url, migrate=True) as engine:
            summary = self._collect(fake, engine, timeout=CALM_TIMEOUT)
            if summary.incomplete or len(summary.repos) != len(scenario.repos):
                raise RuntimeError(f"the uninterrupted run is not complete: {summary.repos}")
            self.reference = Reference(digest(engine), repo_rows(engine), fake.count())
            self.counts = {k: fake.count(k) for k in ("graphql", "rest", "blob")}
            self.repo_ids = {r.full_name: r.database_id for r in scenario.org.repos}

    def _collect(
        self,
        fake: FakeGitHub,
        engine: sa.Engine,
        recorder: Recorder | None = None,
        *,
        timeout: int = TIMEOUT,
    ) -> Any:
        settings = settings_for(fake, **self.scenario.github_config(fake))
        os.environ.setdefault("GITHUB_TOKEN", DEFAULT_TOKEN)
        options = CollectOptions(
            client=fast_options(fake.base_url, timeout=timeout, max_rate_limit_wait=1.0),
            today=self.today,
        )
        summary = collect_github(settings, engine, options, recorder or Recorder())
        run_pipeline(engine, settings, self.ruleset)
        return summary

    def placement(self, *, seed: int, index: int) -> FaultResult:
        rng = random.Random(f"{seed}:faults:{index}")
        # The first fault's kind goes round the kinds, so a few dozen placements cover all.
        kinds = [FAULT_KINDS[index % len(FAULT_KINDS)]] + [None] * rng.choice((0, 0, 1))
        specs = [random_fault(rng, self.counts, kind) for kind in kinds]
        result = FaultResult(index, seed, [describe_fault(f) for f in specs])
        result.kinds = [spec["kind"] for spec in specs]
        began = time.perf_counter()
        url = f"sqlite:///{self.workdir / f'fault-{seed}-{index}.db'}"
        with self.scenario.serve() as fake, engine_for(url, migrate=True) as engine:
            for spec in specs:
                fake.inject(**spec)
            recorder = Recorder()
            try:
                summary = self._collect(fake, engine, recorder)
            except Exception as exc:  # a fault must never stop the whole run
                result.problems.append(f"the run raised {type(exc).__name__}: {exc}")
                summary = None
            result.fired = [r.fault for r in fake.requests if r.fault]
            if summary is not None:
                self._check_first(result, summary, recorder, engine)
            fake.faults.clear()
            try:
                again = self._collect(fake, engine, timeout=CALM_TIMEOUT)
            except Exception as exc:
                result.problems.append(f"the re-run raised {type(exc).__name__}: {exc}")
            else:
                bad = [f"{r.full_name} {r.status}" for r in again.repos
                       if r.status not in ("complete", "unchanged")]  # fmt: skip
                if bad:
                    result.problems.append(f"re-run left {bad}")
            result.problems += differences(digest(engine), self.reference.digest)
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        result.seconds = time.perf_counter() - began
        return result

    def _check_first(self, result: FaultResult, summary: Any, recorder: Recorder, engine) -> None:
        stored = repo_rows(engine)
        statuses = {r.full_name: r for r in summary.repos}
        result.incomplete = [f"{r.full_name} ({r.detail})" for r in summary.incomplete]
        listed_all = all(name in statuses for name in self.scenario.repos)
        if not listed_all and not any(r.full_name.endswith("/*") for r in summary.incomplete):
            result.problems.append(f"repositories missing from the summary: {sorted(statuses)}")
        for name, repo_result in statuses.items():
            repo_id = self.repo_ids.get(name)
            mine = stored.get(repo_id, {}) if repo_id is not None else {}
            if repo_result.status in ("complete", "unchanged"):
                want = self.reference.rows.get(repo_id, {})
                if mine != {k: v for k, v in want.items() if v}:
                    result.problems.append(f"{name} reported complete but its rows differ")
            elif repo_result.status == "incomplete":
                if not repo_result.detail:
                    result.problems.append(f"{name} incomplete without a reason")
                if any(mine.values()):
                    result.problems.append(f"{name} incomplete but rows are visible")
            else:
                result.problems.append(
                    f"{name} reported {repo_result.status}: {repo_result.detail}"
                )
        got = digest(engine)
        org_tables = ("seat_assignments", "copilot_usage", "teams", "team_memberships")
        for table in org_tables:
            if got[table] != self.reference.digest[table] and not recorder.warnings:
                result.problems.append(f"{table} differs without a warning")
        if summary.incomplete:
            result.first = "incomplete: " + ", ".join(result.incomplete)
        else:
            result.first = "complete" + (
                f" with {len(recorder.warnings)} warning(s): {'; '.join(recorder.warnings)}"
                if recorder.warnings
                else ""
            )
