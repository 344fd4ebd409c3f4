"""Recipients shown to staff who may not see personal data: enough to recognise, not to copy."""

from __future__ import annotations

DOT = "•"


def mask_phone(phone: str) -> str:
    """``0612345678`` → ``06 •• •• •• 78``: the operator prefix and the last two digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) < 4:
        return DOT * 4
    middle = len(digits) - 4
    groups = [DOT * 2] * (middle // 2) + ([DOT] if middle % 2 else [])
    return " ".join([digits[:2], *groups, digits[-2:]])


def mask_email(email: str) -> str:
    """``jeanne@example.org`` → ``j•••@example.org``: the domain tells which address it was."""
    local, at, domain = email.partition("@")
    if not at:
        return DOT * 3
    return f"{local[:1]}{DOT * 3}@{domain}"


def mask_recipient(recipient: str, channel: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)
