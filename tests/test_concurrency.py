"""A collector writing while two dashboard readers read: no lock errors, no torn reads.

The writer replaces a repository's pull requests and their commit links, version
after version, each version in one transaction (as a sync does). Two reader
processes read both tables inside one ``Snapshot`` each time (as the dashboard's
loaders do) and check that what they see is one whole version: every PR of the
same version, and exactly that version's links. Real processes, real SQLite (WAL)
and real PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.store import Replace, Snapshot, create_store_engine, upgrade, write_frames
from aimetrics.store import schema as s

PRS = 300
VERSIONS = 25


def _version(v: int) -> list[tuple[sa.Table, pl.DataFrame]]:
    # Version v has PRS + v pull requests, each with v % 3 + 1 links.
    n = PRS + v
    prs = pl.DataFrame(
        {
            "repo_id": [1] * n,
            "number": list(range(1, n + 1)),
            "title": [f"v{v}"] * n,
            "state": ["MERGED"] * n,
            "source": ["github"] * n,
        }
    )
    k = v % 3 + 1
    links = pl.DataFrame(
        {
            "repo_id": [1] * (n * k),
            "pr_number": [i for i in range(1, n + 1) for _ in range(k)],
            "sha": [f"{v:04d}{i:06d}{j}" for i in range(1, n + 1) for j in range(k)],
        }
    )
    return [(s.pull_requests, prs), (s.pull_request_commits, links)]


def _writer(url: str) -> None:
    engine = create_store_engine(url)
    for v in range(1, VERSIONS + 1):
        write_frames(
            engine,
            _version(v),
            replace=[
                Replace(s.pull_request_commits, s.pull_request_commits.c.repo_id == 1),
                Replace(s.pull_requests, s.pull_requests.c.repo_id == 1),
            ],
        )
        time.sleep(0.02)


def _reader(url: str, seconds: float, out: mp.Queue) -> None:
    engine = create_store_engine(url)
    problems: list[str] = []
    reads = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with Snapshot(engine) as snap:
                prs = snap.read(s.pull_requests, columns=["number", "title"])
                links = snap.read(s.pull_request_commits, columns=["pr_number", "sha"])
        except Exception as exc:  # a lock error would surface here
            problems.append(f"error: {exc}")
            continue
        reads += 1
        titles = set(prs["title"].to_list())
        if len(titles) != 1:
            problems.append(f"mixed versions {sorted(titles)[:3]}")
            continue
        v = int(titles.pop()[1:])
        expected_links = (PRS + v) * (v % 3 + 1)
        if prs.height != PRS + v or links.height != expected_links:
            problems.append(f"v{v}: {prs.height} PRs, {links.height} links (torn)")
        elif not links["sha"].str.starts_with(f"{v:04d}").all():
            problems.append(f"v{v}: links of another version")
    out.put((reads, problems))


@pytest.mark.slow
def test_writer_and_two_readers(store_url: str) -> None:
    engine = create_store_engine(store_url)
    upgrade(engine)
    write_frames(
        engine,
        [(s.repositories, pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["github"]})),
         *_version(0)],
    )  # fmt: skip
    engine.dispose()
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    writer = ctx.Process(target=_writer, args=(store_url,))
    readers = [ctx.Process(target=_reader, args=(store_url, 6.0, out)) for _ in range(2)]
    for p in readers:
        p.start()
    writer.start()
    writer.join(120)
    for p in readers:
        p.join(120)
    assert writer.exitcode == 0
    results = [out.get(timeout=10) for _ in readers]
    for reads, problems in results:
        assert reads > 10
        assert problems == []
    final = create_store_engine(store_url)
    with Snapshot(final) as snap:
        assert snap.read(s.pull_requests)["title"].unique().to_list() == [f"v{VERSIONS}"]
