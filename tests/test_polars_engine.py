"""aimetrics runs polars on its in-memory engine unless the environment chooses another."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import aimetrics, os; print(os.environ['POLARS_ENGINE_AFFINITY'])"


def _affinity(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "POLARS_ENGINE_AFFINITY"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_in_memory_engine_by_default_and_the_operators_choice_wins() -> None:
    assert _affinity() == "in-memory"
    assert _affinity(POLARS_ENGINE_AFFINITY="streaming") == "streaming"
