"""aimetrics: how much of a team's delivery is AI-assisted, and is it worth what it costs."""

import os

# polars 2.x collects on its streaming engine unless told otherwise. The figures are many
# small plans (hundreds of collects per page: cost lines, seat-days, memberships, joins),
# where the in-memory engine is 2-6x faster, and at 1M PRs it peaks no higher (measured
# with benchmarks/bench_dashboard.py and bench_scale.py; docs/operations.md). Read at each
# collect, so this holds wherever polars was imported; an operator's own setting wins.
os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")
