"""Secrets for private links, and short references people can read over the phone."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: a reference is read aloud on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference(length: int = 6) -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))
