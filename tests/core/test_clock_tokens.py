"""The one clock and the private-link secrets."""

from __future__ import annotations

import datetime as dt

from cadran.core import clock, tokens
from cadran.core.clock import PARIS


def test_now_and_today_follow_the_frozen_clock(frozen_now):
    assert abs(clock.now() - frozen_now) < dt.timedelta(seconds=5)
    assert clock.now().tzinfo is not None
    assert clock.today() == dt.date(2026, 11, 27)


def test_today_is_the_paris_date_not_the_utc_one(time_machine):
    # 23h30 UTC on 31 December is already New Year's Day in Paris.
    time_machine.move_to(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False)
    assert clock.today() == dt.date(2027, 1, 1)


def test_paris_converts_for_display():
    shown = clock.paris(dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC))
    assert (shown.hour, shown.utcoffset()) == (9, dt.timedelta(hours=2))
    assert shown.tzinfo == PARIS


def test_tokens_are_long_random_and_only_their_hash_is_kept():
    a, b = tokens.new_token(), tokens.new_token()
    assert a != b and len(a) >= 40
    assert tokens.hash_token(a) == tokens.hash_token(a)
    assert len(tokens.hash_token(a)) == 64 and tokens.hash_token(a) != tokens.hash_token(b)


def test_references_can_be_read_aloud():
    refs = {tokens.new_reference() for _ in range(200)}
    assert len(refs) > 190
    for ref in refs:
        assert len(ref) == 6
        assert not set(ref) & set("01OIL")
        assert set(ref) <= set(tokens.REFERENCE_ALPHABET)
