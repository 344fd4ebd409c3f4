"""The nesting measure of the input guard (cadran/core/input_guard.py)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from cadran.core.input_guard import nesting_depth

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}\\"ab é'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}\\"k', max_size=4), children, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@given(value=json_values)
def test_nesting_depth_matches_the_json_structure(value):
    """Brackets inside strings (escaped quotes included) do not count."""
    assert nesting_depth(json.dumps(value).encode()) == depth_of(value)


@given(depth=st.integers(min_value=0, max_value=20_000))
def test_nesting_depth_of_an_unclosed_bracket_run(depth):
    assert nesting_depth(b"[" * depth) == depth
