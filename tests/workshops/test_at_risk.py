"""Issue 16: sessions at risk before their decision, and the push of their announcement to
the people waiting for similar sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.notifications.selectors import event_label
from cadran.scheduling.selectors import AUDIT_ACTION_LABELS
from cadran.scheduling.start_page import start_page
from cadran.workshops import notifications, services
from cadran.workshops.models import Session
from cadran.workshops.selectors import sessions_at_risk, similar_waiting_registrations
from tests import factories as f
from tests.conftest import NOW

from .factories import RegistrationFactory, SessionFactory, WorkshopFactory, WorkshopFormatFactory

START = NOW + dt.timedelta(days=8)
DECISION = START - dt.timedelta(hours=48)


@pytest.fixture(autouse=True)
def _now(frozen_now):
    return frozen_now


def at_risk_pks(user=None, now=NOW):
    qs = Session.objects.all() if user is None else Session.objects.visible_to(user)
    return [s.pk for s in sessions_at_risk(qs, now=now)]


@pytest.fixture
def risky(workshop, library_venue):
    """Minimum 4: 2 registered and 1 waiting (3 people)."""
    s = SessionFactory(workshop=workshop, venue=library_venue, start=START, min_attendance=4)
    RegistrationFactory.create_batch(2, session=s)
    RegistrationFactory(session=s, waiting=True)
    return s


def test_minimum_minus_one_is_at_risk_minimum_is_not(risky):
    assert at_risk_pks() == [risky.pk]
    assert sessions_at_risk(Session.objects.all(), now=NOW).get().missing == 1
    RegistrationFactory(session=risky, waiting=True)  # people waiting count
    assert at_risk_pks() == []


def test_at_the_decision_instant_it_is_no_longer_listed(risky):
    assert at_risk_pks(now=DECISION - dt.timedelta(microseconds=1)) == [risky.pk]
    assert at_risk_pks(now=DECISION) == []


def test_decided_cancelled_or_without_minimum_are_not_listed(workshop, library_venue):
    SessionFactory(workshop=workshop, venue=library_venue, start=START, confirmed=True)
    SessionFactory(workshop=workshop, venue=library_venue, start=START, cancelled=True)
    SessionFactory(workshop=workshop, venue=library_venue, start=START, min_attendance=0)
    assert at_risk_pks() == []


def test_scope_service_culture_and_coordination_of_the_territory(
    client, risky, culture_user, coordinator, adviser, librarian, referent
):
    assert at_risk_pks(culture_user) == [risky.pk]
    outsider = f.UserFactory(
        role="culture_service", territory=f.TerritoryFactory(slug="ailleurs", name="Ailleurs")
    )
    assert at_risk_pks(outsider) == []
    url = reverse("workshops:sessions_at_risk")
    for user, status in (
        (culture_user, 200),
        (coordinator, 200),
        (adviser, 403),
        (librarian, 403),
        (referent, 403),
        (outsider, 200),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        if user is outsider:
            assert risky.workshop.title not in response.content.decode()
    client.force_login(outsider)
    assert client.get(reverse("workshops:session_announce", args=[risky.pk])).status_code == 404


def test_page_lists_days_left_and_the_actions(client, risky, culture_user):
    client.force_login(culture_user)
    html = client.get(reverse("workshops:sessions_at_risk")).content.decode()
    assert risky.workshop.title in html
    assert "dans 6 jours" in html  # decision on 3 December, today 27 November
    assert f"/affiches/ateliers/{risky.pk}/" in html
    assert "Prévenir les personnes en liste d'attente d'ateliers semblables" in html


def test_start_page_says_it(risky, culture_user):
    page = start_page(culture_user, now=NOW)
    assert page.count("sessions_at_risk") == 1
    assert "décision dans 6 jours" in page.at_risk[0].label


@pytest.fixture
def similar(risky, territory, fmt, library_venue):
    """Waiting lists of two other sessions of the same format, and noise."""
    full = SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=fmt),
        venue=library_venue,
        start=START + dt.timedelta(days=7),
    )
    other_full = SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=fmt),
        venue=library_venue,
        start=START + dt.timedelta(days=14),
    )
    ann = RegistrationFactory(session=full, waiting=True, email="ann@example.org")
    # The same person waiting on two similar sessions: told once.
    RegistrationFactory(session=other_full, waiting=True, email="ANN@example.org")
    bob = RegistrationFactory(session=full, waiting=True, sms_only=True, phone="0612345678")
    # Already registered here (same e-mail): not told.
    here = risky.registrations.first()
    RegistrationFactory(session=full, waiting=True, email=here.email.upper())
    # Confirmed elsewhere (not waiting), another format, a past session: not told.
    RegistrationFactory(session=full, email="confirmed@example.org")
    other_format = SessionFactory(
        workshop=WorkshopFactory(
            territory=territory, format=WorkshopFormatFactory(territory=territory, name="Autre")
        ),
        venue=library_venue,
        start=START,
    )
    RegistrationFactory(session=other_format, waiting=True, email="autre@example.org")
    past = SessionFactory(
        workshop=WorkshopFactory(territory=territory, format=fmt),
        venue=library_venue,
        start=NOW - dt.timedelta(days=2),
        decision_at=NOW - dt.timedelta(days=4),
    )
    RegistrationFactory(session=past, waiting=True, email="passe@example.org")
    return {"ann": ann, "bob": bob}


def test_push_queues_exactly_the_right_people_once(similar, risky, culture_user):
    assert sorted(r.email.lower() for r in similar_waiting_registrations(risky, now=NOW)) == [
        "",
        "ann@example.org",
        "ann@example.org",
    ]
    push = services.announce_to_similar_waiting_lists(session=risky, by=culture_user, now=NOW)
    assert (push.people, push.messages) == (2, 2)
    sent = Message.objects.filter(event=notifications.SIMILAR_SESSION)
    assert sorted((m.channel, m.recipient) for m in sent) == [
        ("email", "ann@example.org"),
        ("sms", "0612345678"),
    ]
    mail = sent.get(channel="email")
    assert risky.workshop.title in mail.subject
    assert f"/ateliers/{risky.pk}/" in mail.body
    again = services.announce_to_similar_waiting_lists(session=risky, by=culture_user, now=NOW)
    assert (again.people, again.messages) == (0, 0)
    assert sent.count() == 2
    entries = AuditLog.objects.filter(action="session.announced_to_waiting_lists").order_by("pk")
    assert ["2 personne(s)" in e.description for e in entries] == [True, False]
    assert AUDIT_ACTION_LABELS["session.announced_to_waiting_lists"].startswith("Séance annoncée")
    assert event_label(notifications.SIMILAR_SESSION) == "Atelier semblable : places disponibles"


def test_push_refused_after_the_decision_and_outside_the_scope(
    similar, risky, culture_user, adviser
):
    with pytest.raises(ValidationError, match="pas le droit"):
        services.announce_to_similar_waiting_lists(session=risky, by=adviser, now=NOW)
    with pytest.raises(ValidationError, match="décision de cette séance est déjà prise"):
        services.announce_to_similar_waiting_lists(session=risky, by=culture_user, now=DECISION)
    assert not Message.objects.filter(event=notifications.SIMILAR_SESSION).exists()
    assert not AuditLog.objects.filter(action="session.announced_to_waiting_lists").exists()


def test_push_goes_through_a_confirmation_page(client, similar, risky, culture_user):
    client.force_login(culture_user)
    url = reverse("workshops:session_announce", args=[risky.pk])
    html = client.get(url).content.decode()
    assert "2 personnes attendent" in html
    assert not Message.objects.filter(event=notifications.SIMILAR_SESSION).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert Message.objects.filter(event=notifications.SIMILAR_SESSION).count() == 2
