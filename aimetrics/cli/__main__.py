"""``python -m aimetrics.cli``: the `aimetrics` command."""

from aimetrics.cli import main

main()
