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
import multiprocessing.sharedctypes
import multiprocessing.synchronize
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


def _writer(url: str, reads: mp.sharedctypes.Synchronized, go: mp.synchronize.Event) -> None:
    engine = create_store_engine(url)
    go.wait(120)
    for v in range(1, VERSIONS + 1):
        write_frames(
            engine,
            _version(v),
            replace=[
                Replace(s.pull_request_commits, s.pull_request_commits.c.repo_id == 1),
                Replace(s.pull_requests, s.pull_requests.c.repo_id == 1),
            ],
        )
        # Let the readers read between writes, however loaded the machine is:
        # interleaving is guaranteed by the protocol, not by timing.
        seen = reads.value
        deadline = time.monotonic() + 60
        while reads.value < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.005)


def _reader(
    url: str, reads: mp.sharedctypes.Synchronized, done: mp.synchronize.Event, out: mp.Queue
) -> None:
    engine = create_store_engine(url)
    problems: list[str] = []
    versions: set[int] = set()
    mine = 0
    while not done.is_set():
        try:
            with Snapshot(engine) as snap:
                prs = snap.read(s.pull_requests, columns=["number", "title"])
                links = snap.read(s.pull_request_commits, columns=["pr_number", "sha"])
        except Exception as exc:  # a lock error would surface here
            problems.append(f"error: {exc}")
            continue
        mine += 1
        with reads.get_lock():
            reads.value += 1
        titles = set(prs["title"].to_list())
        if len(titles) != 1:
            problems.append(f"mixed versions {sorted(titles)[:3]}")
            continue
        v = int(titles.pop()[1:])
        versions.add(v)
        expected_links = (PRS + v) * (v % 3 + 1)
        if prs.height != PRS + v or links.height != expected_links:
            problems.append(f"v{v}: {prs.height} PRs, {links.height} links (torn)")
        elif not links["sha"].str.starts_with(f"{v:04d}").all():
            problems.append(f"v{v}: links of another version")
    out.put((mine, len(versions), problems))


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
    reads = ctx.Value("i", 0)
    go, done = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_writer, args=(store_url, reads, go))
    readers = [ctx.Process(target=_reader, args=(store_url, reads, done, out)) for _ in range(2)]
    for p in readers:
        p.start()
    writer.start()
    # The writer starts once both readers are reading (spawned interpreters take a while).
    deadline = time.monotonic() + 120
    while reads.value < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    go.set()
    writer.join(300)
    done.set()
    for p in readers:
        p.join(120)
    assert writer.exitcode == 0
    results = [out.get(timeout=10) for _ in readers]
    assert sum(r[0] for r in results) >= 2 * VERSIONS  # the protocol forces reads between writes
    for _reads, _versions, problems in results:
        assert problems == []
    assert sum(r[1] for r in results) > 2  # the readers saw the store change under them
    final = create_store_engine(store_url)
    with Snapshot(final) as snap:
        assert snap.read(s.pull_requests)["title"].unique().to_list() == [f"v{VERSIONS}"]
