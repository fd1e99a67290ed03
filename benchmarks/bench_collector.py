"""Benchmark the GitHub collector against the local fake GitHub (no network).

Requests and time: a repository of 1,000 pull requests (1-6 commits and 0-3
reviews each, plus 3 PRs with 150 commits that need follow-up queries; the
merged ones squashed onto the default branch, plus 200 commits pushed there
directly) is synced into a fresh SQLite store, then synced again with nothing
changed. Prints PRs per request, the default-branch history's extra requests,
requests for the no-change re-sync, and wall time per 1,000 PRs, with
PyGithub's write spacing off (the collector's own cost) and at the shipped
default (0.25 s).

Memory (``--memory N``): the peak resident memory of a process running a first
sync of an N-PR repository (default 20,000), the fake serving from this
process. ``--code DIR`` runs that process on another copy of the ``collectors``
package (e.g. ``git archive HEAD collectors | tar -x -C DIR``), for before/after.

    /work/venv/bin/python benchmarks/bench_collector.py
    /work/venv/bin/python benchmarks/bench_collector.py --memory 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aimetrics.pipeline import run_pipeline  # noqa: E402
from aimetrics.settings import parse_settings  # noqa: E402
from aimetrics.store import create_store_engine, upgrade  # noqa: E402
from aimetrics.tagging import build_ruleset  # noqa: E402
from collectors.github import ClientOptions, CollectOptions, collect_github  # noqa: E402
from collectors.github.progress import QuietReporter  # noqa: E402

from fakes.github_data import (  # noqa: E402
    FakeOrg,
    FakeRepo,
    commit,
    git_actor,
    history_commit,
    sha,
    synthetic_pulls,
)
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub  # noqa: E402

PRS = 1000
BIG_PRS = 3
DIRECT_PUSHES = 200
BODY = "## What\n\nA change described the way people describe them. " * 12  # ~700 chars


def _repo(prs: int, *, big: int = BIG_PRS, direct: int = DIRECT_PUSHES) -> FakeRepo:
    pulls = synthetic_pulls(prs, seed=11)
    for pull in pulls:
        pull["body"] = BODY
    for pull in pulls[100 : 100 + big * 200 : 200]:
        created = pull["createdAt"]
        pull["commits"] = [
            commit(sha(f"big-{pull['number']}-{i}"), f"Step {i}",
                   git_actor("Bob Example", "bob@corp.example", created, "bob"))
            for i in range(150)
        ]  # fmt: skip
    repo = FakeRepo("bench", "monolith", 1, pulls=pulls)
    pushes = [
        history_commit(
            sha(f"push-{i}"),
            f"Direct push {i}",
            git_actor("Carol Example", "carol@corp.example", pulls[i * prs // direct]["createdAt"]),
        )
        for i in range(direct)
    ]
    repo.branch = sorted(repo.history() + pushes, key=lambda c: c["committedDate"], reverse=True)
    return repo


def _collect(base_url: str, db: str, spacing: float) -> tuple[float, int]:
    from rich.console import Console

    engine = create_store_engine(f"sqlite:///{db}")
    upgrade(engine)
    settings = parse_settings(f"github: {{base_url: '{base_url}'}}")
    options = CollectOptions(
        repos=["bench/monolith"],
        client=ClientOptions(base_url=base_url, seconds_between_writes=spacing),
    )
    reporter = QuietReporter(Console(file=open(os.devnull, "w")))  # noqa: SIM115
    started = time.perf_counter()
    summary = collect_github(settings, engine, options, reporter)
    run_pipeline(engine, settings, build_ruleset(), identities=False)  # the tagging
    engine.dispose()
    return time.perf_counter() - started, summary.repos[0].prs


def _run(fake: FakeGitHub, spacing: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        fake.reset_log()
        points = fake.points()
        seconds, prs = _collect(fake.base_url, f"{tmp}/bench.db", spacing)
        points = fake.points() - points
        assert prs == PRS, prs
        full_requests = fake.count()
        history_requests = fake.count(op="DefaultBranchHistory")
        server_seconds = sum(r.seconds for r in fake.requests)
        fake.reset_log()
        _collect(fake.base_url, f"{tmp}/bench.db", spacing)
        resync_requests = fake.count()
    return {
        "requests": full_requests,
        "history_requests": history_requests,
        "points": points,
        "prs_per_request": PRS / full_requests,
        "resync_requests": resync_requests,
        "seconds_per_1000": seconds * 1000 / PRS,
        "server_per_1000": server_seconds * 1000 / PRS,
    }


def requests_and_time() -> None:
    with FakeGitHub() as fake:
        repo = _repo(PRS)
        fake.add_org(FakeOrg("bench", 1, repos=[repo]))
        fast = _run(fake, 0.0)
        polite = _run(fake, ClientOptions().seconds_between_writes)
    branch = len(repo.history())
    print(
        f"repository: {PRS:,} PRs with commits and reviews ({BIG_PRS} with 150 commits); "
        f"{branch:,} default-branch commits ({DIRECT_PUSHES} pushed outside PRs)"
    )
    print(
        f"full sync: {fast['requests']:.0f} requests, {fast['prs_per_request']:.1f} PRs/request "
        f"(the default branch's history rides on the PR pages: "
        f"{fast['history_requests']:.0f} extra requests); {fast['points']:.0f} GraphQL points"
    )
    print(f"no-change re-sync: {fast['resync_requests']:.0f} request(s)")
    print(
        f"wall time per 1,000 PRs: {fast['seconds_per_1000']:.1f} s without spacing, "
        f"{polite['seconds_per_1000']:.1f} s at the default 0.25 s between queries; "
        f"of which the fake server answering: {fast['server_per_1000']:.1f} s"
    )


def _peak_kb() -> int:
    """This process's peak resident memory. Linux's ``VmHWM`` is the address space's own
    (``ru_maxrss`` would include the parent's at fork time: the fake's data)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(base_url: str, db: str) -> None:
    """Run in a process of its own: one first sync, then report its peak memory."""
    baseline = _peak_kb()
    seconds, prs = _collect(base_url, db, 0.0)
    peak = _peak_kb()
    print(json.dumps({"prs": prs, "seconds": seconds, "baseline_kb": baseline, "peak_kb": peak}))


def memory(prs: int, code: Path | None) -> None:
    with FakeGitHub() as fake, tempfile.TemporaryDirectory() as tmp:
        repo = _repo(prs, big=0, direct=prs // 5)
        fake.add_org(FakeOrg("bench", 1, repos=[repo]))
        env = {**os.environ, "GITHUB_TOKEN": DEFAULT_TOKEN}
        if code is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")])
        cmd = [sys.executable, __file__, "--child", fake.base_url, f"{tmp}/bench.db"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
    print(
        f"first sync of {figures['prs']:,} PRs ({len(repo.history()):,} default-branch commits) "
        f"{'with ' + str(code) if code else 'with this tree'}: peak RSS "
        f"{figures['peak_kb'] / 1024:,.0f} MB ({figures['baseline_kb'] / 1024:,.0f} MB after "
        f"imports), {figures['seconds']:.0f} s; store {size / 2**20:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, nargs="?", const=20_000, metavar="PRS")
    parser.add_argument("--code", type=Path, help="a folder holding another collectors package")
    parser.add_argument("--child", nargs=2, metavar=("BASE_URL", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("GITHUB_TOKEN", DEFAULT_TOKEN)
    if args.child:
        _child(*args.child)
    elif args.memory:
        memory(args.memory, args.code)
    else:
        requests_and_time()


if __name__ == "__main__":
    main()
