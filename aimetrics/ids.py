"""Stable identifiers derived from natural keys.

A repository without a GitHub id (a local clone, the demo) and every person get
an id hashed from their key, so ids are the same on every run and every backend
and bulk upserts never need to read ids back. ``person_id`` is the one rule for a person
first known by a login or an e-mail, shared by the GitHub collector and identity resolution.
"""

from __future__ import annotations

import hashlib


def stable_id(key: str) -> int:
    """A positive 62-bit integer from ``key`` (collisions are negligible below 10^8 keys)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


def person_id(kind: str, value: str) -> int:
    """The stable id of the person first known by this login or email."""
    return stable_id(f"{kind}:{value.lower()}")
