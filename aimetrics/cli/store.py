"""`aimetrics demo`, `dashboard`, `migrate`, `migrate-store`, `forget`, `prune`: the store and
the dashboard."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from aimetrics.cli.options import (
    LOCAL_ADDRESS,
    AddressOption,
    ConfigOption,
    Context,
    DbOption,
    PortOption,
    app,
    console,
    fail,
    print_counts,
    run,
)
from aimetrics.settings import EXPOSED_ENV


def _port_free(port: int, address: str = LOCAL_ADDRESS) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


def _is_local(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def _sign_in_configured(cwd: Path | None = None) -> bool:
    """True when a secrets file Streamlit reads (``~/.streamlit/secrets.toml``,
    ``./.streamlit/secrets.toml``) has an ``[auth]`` section (see dashboard/auth.py)."""
    places = (Path.home(), cwd or Path.cwd())
    for path in (p / ".streamlit" / "secrets.toml" for p in places):
        try:
            if "auth" in tomllib.loads(path.read_text()):
                return True
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return False


def _serve(ctx: Context, port: int, address: str = LOCAL_ADDRESS) -> None:
    if not _port_free(port, address):
        raise fail(f"port {port} is in use on {address}: stop what uses it or pass --port N")
    import dashboard

    entry = Path(dashboard.__file__).parent / "app.py"
    env = dict(os.environ, AIMETRICS_DB=ctx.db_url)
    env.pop(EXPOSED_ENV, None)
    if ctx.config_path is not None:
        env["AIMETRICS_CONFIG"] = str(ctx.config_path.resolve())
    host = "localhost" if _is_local(address) else address
    console.print(f"Dashboard: [bold]http://{host}:{port}[/]  (Ctrl+C to stop)")
    if not _is_local(address) and not _sign_in_configured():
        # Said at start and on the Data page (EXPOSED_ENV): a laptop on a shared network
        # would otherwise share the organization's figures with everyone on it.
        env[EXPOSED_ENV] = address
        console.print(
            f"[yellow]Warning:[/] listening on {address} without sign-in: anyone who can reach "
            "this machine can read the dashboard. Configure sign-in ([auth] in "
            ".streamlit/secrets.toml, see the README) or serve on 127.0.0.1 (the default)."
        )
    cmd = [
        # Streamlit's command line, with the app's modules loaded as the server starts.
        sys.executable, "-m", "dashboard.serve", "run", str(entry),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env=env)
    # Stopping `aimetrics dashboard` (SIGTERM: kill, systemd, a test) stops the server too;
    # without this the Streamlit child outlived it and kept the port.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        raise typer.Exit(server.wait())
    except KeyboardInterrupt:
        server.terminate()  # Ctrl+C reached both; make sure the child ends before we do
        server.wait()
        raise typer.Exit(0) from None


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed: same seed and end date, same org.")] = 42,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Last day of the 12 months (ends at its midnight, UTC). "
            "Default: up to the moment the demo is built.",
        ),
    ] = None,
    scale: Annotated[
        float, typer.Option(min=0.05, max=200.0, help="Size multiplier (100 ≈ 1M PRs).")
    ] = 1.0,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load only; do not serve.")] = False,
    port: PortOption = 8501,
    address: AddressOption = LOCAL_ADDRESS,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Build the demo organization into the store (idempotent), tag it, and serve the dashboard."""

    def work() -> Context:
        from aimetrics import demo as demo_org
        from aimetrics.pipeline import run_pipeline
        from aimetrics.settings import CONFIG_ENV, DEFAULT_CONFIG_NAME
        from aimetrics.tagging.rules import shipped_config

        # Without a configuration of the user's, the demo organization brings its own
        # (its payments team's "ai-assisted" label rule), as a real team would.
        users = os.environ.get(CONFIG_ENV) or Path(DEFAULT_CONFIG_NAME).exists()
        own = config or (None if users else shipped_config("demo.yaml"))
        ctx = Context(db, own)
        if not no_serve and not _port_free(port, address):
            raise fail(f"port {port} is in use: stop what uses it or pass --port N")
        engine = ctx.engine(migrate=True)
        started = time.perf_counter()
        with console.status("Generating the demo organization..."):
            counts = demo_org.load(
                engine, seed=seed, end_date=end_date.date() if end_date else None, scale=scale
            )
        with console.status("Resolving identities and tagging AI-assisted changes..."):
            tags = run_pipeline(engine, ctx.settings, ctx.ruleset(), retag_all=True).tags
        engine.dispose()
        print_counts(f"Demo organization in {ctx.db_url}", counts)
        console.print(
            f"Tagged {sum(tags.values()):,} AI markers "
            f"({', '.join(f'{k}: {v:,}' for k, v in tags.items())}) "
            f"in {time.perf_counter() - started:.1f} s."
        )
        return ctx

    ctx = run(work)
    if not no_serve:
        _serve(ctx, port, address)


@app.command()
def dashboard(
    port: PortOption = 8501,
    address: AddressOption = LOCAL_ADDRESS,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the dashboard on whatever the store holds (never migrates)."""

    def work() -> Context:
        from aimetrics.store import check_current, create_store_engine
        from aimetrics.store.engine import StoreUrl

        ctx = Context(db, config)
        store = StoreUrl.parse(ctx.db_url)
        if store.is_sqlite and not store.sqlite_path.exists():
            # Not an error: the dashboard itself explains how to load data.
            console.print(
                f"No store at {store.sqlite_path} yet: the dashboard shows how to fill it."
            )
            return ctx
        engine = create_store_engine(ctx.db_url)
        check_current(engine)
        engine.dispose()
        return ctx

    _serve(run(work), port, address)


@app.command()
def migrate(db: DbOption = None, config: ConfigOption = None) -> None:
    """Bring the store's schema up to date (safe to run at any time)."""

    def work() -> None:
        from aimetrics.store import create_store_engine, upgrade

        ctx = Context(db, config)
        engine = create_store_engine(ctx.db_url)
        before, after = upgrade(engine)
        engine.dispose()
        if before == after:
            console.print(f"The store {ctx.db_url} is up to date (schema {after}).")
        else:
            console.print(f"Migrated {ctx.db_url}: schema {before or 'empty'} → {after}.")

    run(work)


@app.command("migrate-store")
def migrate_store(
    source: Annotated[str, typer.Option("--from", help="Store URL to copy from.")],
    target: Annotated[str, typer.Option("--to", help="Store URL to copy into (migrated first).")],
) -> None:
    """Copy a whole store to another backend (SQLite ⇄ PostgreSQL) without loss.

    Safe to re-run after an interruption: every row is an idempotent upsert."""

    def work() -> None:
        from aimetrics.store import check_current, create_store_engine, upgrade
        from aimetrics.store.copy import copy_store

        src = create_store_engine(source, must_exist=True)
        check_current(src)
        dst = create_store_engine(target)
        upgrade(dst)
        started = time.perf_counter()
        with console.status("Copying...") as status:
            counts = copy_store(
                src, dst, on_table=lambda name, n: status.update(f"Copied {name}: {n:,} rows")
            )
        print_counts(f"Copied in {time.perf_counter() - started:.1f} s", counts)

    run(work)


@app.command()
def forget(
    person: Annotated[str, typer.Argument(help="A login or an email of the person.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Remove a person's identities and personal fields from the store (their work stays
    in the aggregates under a pseudonym). Cannot be undone."""

    def work() -> None:
        from aimetrics.store.forget import forget_person

        ctx = Context(db, config)
        engine = ctx.engine(migrate=True)
        if not yes and not typer.confirm(f"Forget {person} in {ctx.db_url}? This cannot be undone"):
            raise typer.Exit(1)
        done = forget_person(engine, person)
        engine.dispose()
        # The dashboard's disk cache of this store still holds the person's rows (under the
        # version before the forgetting, never read again): remove it now, not at its next
        # save. A dashboard running as another user clears its own at its next save.
        from aimetrics.figures import disk_cache

        disk_cache.clear(ctx.db_url)
        changed = sum(done.rows.values())
        console.print(
            f"Forgot {len(done.values)} identities; {changed:,} fields now read "
            f"{done.pseudonym}. Remove the person from your configuration's people: and "
            "teams: too, or the next run will know them again."
        )

    run(work)


@app.command()
def prune(
    raw_older_than: Annotated[
        int | None,
        typer.Option(
            "--raw-older-than",
            min=1,
            help="Days; default: the config's retention.raw_payload_days.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Prune raw API payloads past the retention period (normalized rows stay)."""

    def work() -> None:
        from aimetrics.store.retention import prune_raw_payloads

        ctx = Context(db, config)
        days = raw_older_than or ctx.settings.retention.raw_payload_days
        if days is None:
            raise fail(
                "no retention period: pass --raw-older-than DAYS or set "
                "retention.raw_payload_days in the configuration"
            )
        engine = ctx.engine(migrate=True)
        n = prune_raw_payloads(engine, days)
        engine.dispose()
        console.print(f"Pruned {n:,} raw payloads fetched more than {days} days ago.")

    run(work)
