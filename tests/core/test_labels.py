"""No raw code on a French page: every audit action the code records and every message
event it queues has a French label (the journal, the message log and their filters)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from cadran.notifications.selectors import EVENT_LABELS, event_label
from cadran.scheduling.selectors import AUDIT_ACTION_LABELS
from cadran.scheduling.templatetags.staff_format import action_label
from cadran.workshops.services import TRANSITIONS

ROOT = Path(__file__).resolve().parents[2] / "cadran"
# ``action="loan.requested"`` and ``action, outcome, text = "session.confirmed", …``
ACTION_LITERAL = re.compile(r'\baction\b[^=\n]*=\s*"([a-z_]+\.[a-z_]+)"')
EVENT_VALUE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")


def recorded_actions() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found |= set(ACTION_LITERAL.findall(path.read_text(encoding="utf-8")))
    found |= {action for _allowed, action in TRANSITIONS.values()}
    return found


def queued_events() -> set[str]:
    found: set[str] = set()
    for path in ROOT.glob("*/notifications.py"):
        module = importlib.import_module(f"cadran.{path.parent.name}.notifications")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and EVENT_VALUE.match(value):
                found.add(value)
    return found


def test_the_scan_finds_the_codes_it_must():
    # The scan itself can fail: it sees codes written in three different ways.
    actions = recorded_actions()
    assert {"loan.requested", "session.confirmed", "workshop.proposed"} <= actions
    assert {"workshop_registered", "agreement_renewal_due", "staff_digest"} <= queued_events()


@pytest.mark.parametrize("code", sorted(recorded_actions()))
def test_every_audit_action_has_a_french_label(code):
    assert code in AUDIT_ACTION_LABELS, f"ajoutez « {code} » à AUDIT_ACTION_LABELS"
    assert action_label(code) != code and "." not in action_label(code)


@pytest.mark.parametrize("code", sorted(queued_events()))
def test_every_message_event_has_a_french_label(code):
    assert code in EVENT_LABELS, f"ajoutez « {code} » à EVENT_LABELS"
    assert "_" not in event_label(code)
