"""Metrics: pure functions over polars LazyFrames; every formula is in docs/metrics.md.

- ``period``: reporting periods (local calendar days) and weeks;
- ``people``: authors resolved to people; bots, agents and excluded people;
- ``work``: the shared intermediate frames (merged PRs with AI flags, engineer activity);
- ``adoption``, ``delivery``, ``cost``, ``freshness``: the metric families;
- ``overview``: the Overview's KPIs (period and previous period) and weekly trend;
- ``inputs``: the edge that reads the store once and builds the shared frames.
"""
