"""Vectorized random strings: shas, node ids, session ids, and picks from word lists.

Millions of strings are built without a Python loop: random bytes are encoded
in one call and the resulting buffer is cut into fixed-width Arrow strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa

_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _fixed_width(buffer: bytes, n: int, width: int) -> pl.Series:
    offsets = np.arange(0, n * width + 1, width, dtype=np.int64)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buffer))
    series = pl.from_arrow(arr)
    assert isinstance(series, pl.Series)
    return series


def random_hex(rng: np.random.Generator, n: int, nbytes: int = 20) -> pl.Series:
    """``n`` lower-case hex strings of ``2 * nbytes`` characters (a git sha by default)."""
    return _fixed_width(rng.bytes(n * nbytes).hex().encode("ascii"), n, 2 * nbytes)


def random_token(
    rng: np.random.Generator, n: int, width: int, alphabet: bytes = _ALNUM
) -> pl.Series:
    """``n`` strings of ``width`` characters drawn from ``alphabet``."""
    table = np.frombuffer(alphabet, dtype=np.uint8)
    picks = rng.integers(0, len(table), size=n * width, dtype=np.int64)
    return _fixed_width(table[picks].tobytes(), n, width)


def pick(words: Sequence[str], index: np.ndarray) -> pl.Series:
    """``words[index]`` for every index, as a string Series."""
    return pl.Series(list(words), dtype=pl.String).gather(pl.Series(index, dtype=pl.Int64))


def choose(
    rng: np.random.Generator, words: Sequence[str], n: int, p: Sequence[float] | None = None
) -> pl.Series:
    """``n`` random picks from ``words`` (optionally weighted)."""
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return pick(words, rng.choice(len(words), size=n, p=probs))


def slug(text: pl.Expr) -> pl.Expr:
    """A branch-name slug: lower case, runs of other characters as one hyphen."""
    return text.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")
