"""The demo organization: what a collector would have stored, with real AI markers.

``generate`` builds it (pure, deterministic for its arguments), ``load`` writes
it to the store, ``DemoTruth`` holds the known answers (injected effects,
adoption dates, marker plan, decoys). See docs/demo.md.
"""

from aimetrics.demo.generator import (
    DEFAULT_CYCLE_TIME_EFFECT,
    DEFAULT_THROUGHPUT_EFFECT,
    DemoOrg,
    generate,
)
from aimetrics.demo.load import demo_replacements, load
from aimetrics.demo.org import ORG_NAME
from aimetrics.demo.truth import DemoTruth

__all__ = [
    "DEFAULT_CYCLE_TIME_EFFECT",
    "DEFAULT_THROUGHPUT_EFFECT",
    "ORG_NAME",
    "DemoOrg",
    "DemoTruth",
    "demo_replacements",
    "generate",
    "load",
]
