"""The `aimetrics` command as a user runs it: the installed console script, real processes."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

AIMETRICS = shutil.which("aimetrics", path=str(Path(sys.executable).parent)) or "aimetrics"


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    return subprocess.run(
        [AIMETRICS, *args],
        cwd=cwd,
        env={**base, **(env or {}), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_help_reads_well(tmp_path: Path) -> None:
    res = run("--help", cwd=tmp_path)
    assert res.returncode == 0
    for command in ("demo", "dashboard", "migrate", "tag", "explain", "collect", "export"):
        assert command in res.stdout


def test_demo_twice_leaves_the_same_rows(tmp_path: Path) -> None:
    db = tmp_path / "X.db"
    args = ("demo", "--no-serve", "--db", f"sqlite:///{db}", "--end-date", "2026-10-31")
    first = run(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    once = counts(db)
    assert once["pull_requests"] > 5_000 and once["ai_tags"] > 500
    second = run(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert counts(db) == once


def test_default_store_is_aimetrics_db_in_working_dir(tmp_path: Path) -> None:
    res = run("migrate", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "aimetrics.db").exists()
    assert "Migrated sqlite:///aimetrics.db: schema empty" in res.stderr
    again = run("migrate", cwd=tmp_path)
    assert "is up to date" in again.stderr


def test_env_and_config_choose_the_store(tmp_path: Path) -> None:
    cfg = tmp_path / "team.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path / 'from-config.db'}\n")
    assert run("migrate", "--config", str(cfg), cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-config.db").exists()
    env = {"AIMETRICS_DB": f"sqlite:///{tmp_path / 'from-env.db'}"}
    assert run("migrate", "--config", str(cfg), cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "from-env.db").exists()
    flag = f"sqlite:///{tmp_path / 'from-flag.db'}"
    assert run("migrate", "--db", flag, "--config", str(cfg), cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "from-flag.db").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("privacy:\n  min_group_size: [5\n", "malformed YAML"),
        ("privacy:\n  min_grup_size: 5\n", "Did you mean 'min_group_size'"),
        ("privacy:\n  min_group_size: zero\n", "privacy.min_group_size"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, content: str, expected: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(content)
    db = tmp_path / "keep.db"
    assert run("migrate", "--db", f"sqlite:///{db}", cwd=tmp_path).returncode == 0
    before = counts(db)
    res = run("demo", "--no-serve", "--config", str(cfg), "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert str(cfg) in res.stderr and expected in res.stderr
    assert counts(db) == before  # nothing in the store was touched


def test_unwritable_and_unreachable_stores(tmp_path: Path) -> None:
    res = run("migrate", "--db", f"sqlite:///{tmp_path}/no/such/dir/x.db", cwd=tmp_path)
    assert res.returncode == 2 and "does not exist" in res.stderr and "Traceback" not in res.stderr
    res = run("migrate", "--db", "postgresql://nobody:pw@127.0.0.1:1/x", cwd=tmp_path)
    assert res.returncode == 2 and "cannot open the store" in res.stderr
    assert "pw@" not in res.stderr


def test_dashboard_refuses_old_schema_and_busy_port(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    res = run("dashboard", "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert res.returncode == 2 and "run `aimetrics migrate`" in res.stderr
    run("migrate", "--db", f"sqlite:///{db}", cwd=tmp_path)
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = run("dashboard", "--db", f"sqlite:///{db}", "--port", str(port), cwd=tmp_path)
    assert res.returncode == 2 and f"port {port} is in use" in res.stderr


def test_migrate_store_between_files(tmp_path: Path) -> None:
    src, dst = tmp_path / "a.db", tmp_path / "b.db"
    demo = run("demo", "--no-serve", "--scale", "0.1", "--db", f"sqlite:///{src}", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    res = run(
        "migrate-store", "--from", f"sqlite:///{src}", "--to", f"sqlite:///{dst}", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert counts(dst) == counts(src)
    missing = run("migrate-store", "--from", f"sqlite:///{tmp_path}/none.db", "--to",
                  f"sqlite:///{dst}", cwd=tmp_path)  # fmt: skip
    assert missing.returncode == 2 and "no store at" in missing.stderr
