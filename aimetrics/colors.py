"""The colours every chart shares: the dashboard's and the report's.

AI-assisted violet, "no marker" grey, one colour per AI tool (unknown tools take
:data:`PALETTE` in order), so a figure reads the same on a page and on paper.
"""

from __future__ import annotations

AI_COLOR = "#7c3aed"  # AI-assisted (an AI marker at or above the configured confidence)
NO_MARKER_COLOR = "#94a3b8"  # "no marker": the comparison group (unknown, not proven human)
# One colour per AI tool, the same everywhere; unknown tools take the palette in order.
TOOL_COLORS = {
    "github-copilot": "#2563eb",
    "claude-code": "#ea580c",
    "cursor": "#0891b2",
    "openai-codex": "#16a34a",
    "aider": "#db2777",
    "devin": "#ca8a04",
    "google-jules": "#4f46e5",
    "amazon-q": "#f59e0b",
    "openhands": "#be123c",
    "unspecified": "#64748b",
}
PALETTE = ("#0d9488", "#9333ea", "#e11d48", "#65a30d", "#0284c7", "#c2410c", "#7c2d12")
