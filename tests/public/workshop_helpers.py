"""Helpers for the public workshop pages' tests (agenda, session, registration)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.workshops.models import WorkshopFormat
from tests import factories as f
from tests.workshops.factories import (
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
)


def make_session(territory, commune, *, title="Arnaques en ligne : les repérer", **kwargs):
    """A published workshop's session in ``commune``'s médiathèque (Saturday 5 Dec, 10h–12h)."""
    name = kwargs.pop("format_name", "Atelier")
    fmt = WorkshopFormat.objects.filter(territory=territory, name=name).first()
    fmt = fmt or WorkshopFormatFactory(territory=territory, name=name)
    workshop = kwargs.pop("workshop", None) or WorkshopFactory(
        territory=territory,
        format=fmt,
        title=title,
        description="Apprendre à repérer les faux messages.",
    )
    venue = kwargs.pop("venue", None) or f.VenueFactory(
        commune=commune,
        name=f"Médiathèque de {commune.name}",
        room="Salle d'animation",
        address="12 rue de la Gare",
    )
    return SessionFactory(workshop=workshop, venue=venue, **kwargs)


def make_cycle(territory, commune, starts: list[dt.datetime], **kwargs):
    """A cycle: every session points to the first one (``cycle_group``)."""
    first = make_session(territory, commune, start=starts[0], **kwargs)
    workshop, venue = first.workshop, first.venue
    workshop.is_cycle = True
    workshop.save(update_fields=["is_cycle"])
    sessions = [first] + [
        SessionFactory(
            workshop=workshop,
            venue=venue,
            start=start,
            decision_at=starts[0] - dt.timedelta(hours=48),
        )
        for start in starts[1:]
    ]
    for s in sessions:
        s.cycle_group = first
        s.save(update_fields=["cycle_group"])
    return sessions


def register_url(session) -> str:
    return reverse("public:session_register", args=[session.pk])


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Josiane",
        "last_name": "Vandewalle",
        "phone": "06 12 34 56 78",
        "email": "",
        "basis": "resident",
        "commune_insee": "59212",
        "library_card": "",
        "notify_sms": "on",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def token_of(response) -> str:
    """The token in the redirect to the private page."""
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].split("/ateliers/inscription/")[1].split("/")[0]


def paris(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)
