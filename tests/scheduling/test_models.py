"""Scheduling models: their constraints, labels and scoped querysets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment, Beneficiary, Closure, Permanence
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"start_time": dt.time(12), "end_time": dt.time(9)},
        {"start_time": dt.time(9), "end_time": dt.time(9)},
        {"valid_from": dt.date(2026, 1, 1), "valid_until": dt.date(2025, 12, 31)},
        {"weekday": 7},
    ],
)
def test_permanence_constraints(estaires, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PermanenceFactory(commune=estaires, **fields)


def test_closure_and_appointment_end_after_start(permanence, territory):
    start = dt.datetime(2026, 12, 2, 9, tzinfo=PARIS)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ClosureFactory(territory=territory, start=start, end=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.AppointmentFactory(permanence=permanence, start=start, end=start)


def test_permanence_labels(permanence):
    assert str(permanence) == "Mercredi 09:00–12:00"
    assert permanence.hours_label == "le mercredi de 9h à 12h"
    permanence.start_time = dt.time(13, 30)
    permanence.end_time = dt.time(17, 5)
    assert permanence.hours_label == "le mercredi de 13h30 à 17h05"


def test_permanence_defaults_come_from_settings(estaires, settings):
    settings.CADRAN_MIN_NOTICE_MINUTES = 30
    settings.CADRAN_BOOKING_WINDOW_DAYS = 10
    venue = f.VenueFactory(commune=estaires)
    adviser = f.UserFactory(adviser=True, territory=estaires.territory)
    perm = Permanence.objects.create(
        commune=estaires,
        venue=venue,
        adviser=adviser,
        weekday=2,
        start_time=dt.time(9),
        end_time=dt.time(12),
        valid_from=dt.date(2026, 1, 1),
    )
    assert (perm.min_notice_minutes, perm.booking_window_days, perm.slot_minutes) == (30, 10, 60)


def test_permanence_active_between(permanence):
    Permanence.objects.filter(pk=permanence.pk).update(
        valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 6, 30)
    )
    qs = Permanence.objects.all()
    assert qs.active_between(dt.date(2026, 6, 30), dt.date(2026, 7, 31)).exists()
    assert not qs.active_between(dt.date(2026, 7, 1), dt.date(2026, 7, 31)).exists()
    assert not qs.active_between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)).exists()
    Permanence.objects.filter(pk=permanence.pk).update(valid_until=None)
    assert qs.active_between(dt.date(2030, 1, 1), dt.date(2030, 1, 31)).exists()


def test_closure_scope_label(permanence, territory):
    closure = f.ClosureFactory(territory=territory)
    assert closure.scope_label == "Tout le territoire"
    closure.commune = permanence.commune
    assert closure.scope_label == "Commune : Estaires"
    closure.venue = permanence.venue
    assert closure.scope_label == "Lieu : Mairie de Estaires"
    closure.adviser = permanence.adviser
    assert closure.scope_label == f"Conseiller : {permanence.adviser}"
    assert str(closure) == "Formation (02/12/2026)"


def test_closure_overlapping(territory):
    start = dt.datetime(2026, 12, 2, 9, tzinfo=PARIS)
    closure = f.ClosureFactory(territory=territory, start=start, end=start + dt.timedelta(hours=1))
    qs = Closure.objects.all()
    assert list(qs.overlapping(start - dt.timedelta(hours=1), start + dt.timedelta(minutes=1))) == [
        closure
    ]
    assert not qs.overlapping(start - dt.timedelta(hours=1), start).exists()  # touching
    assert not qs.overlapping(start + dt.timedelta(hours=1), start + dt.timedelta(hours=2)).exists()


def test_beneficiary_contact_label_and_search(territory):
    jeanne = f.BeneficiaryFactory(
        territory=territory, first_name="Jeanne", last_name="Lefebvre", phone="0612345678"
    )
    yvette = f.BeneficiaryFactory(
        territory=territory,
        first_name="Yvette",
        last_name="Delattre",
        phone="",
        email="yvette@example.org",
    )
    assert jeanne.contact_label == "0612345678"
    assert yvette.contact_label == "yvette@example.org"
    qs = Beneficiary.objects.all()
    assert list(qs.search("lefeb")) == [jeanne]
    assert list(qs.search("jeanne lefebvre")) == [jeanne]
    assert list(qs.search("3456")) == [jeanne]
    assert list(qs.search("yvette@example")) == [yvette]
    assert list(qs.search("jeanne delattre")) == []


def test_appointment_is_cancellable_only_when_booked_and_to_come(permanence, frozen_now):
    appointment = f.AppointmentFactory(permanence=permanence)
    assert appointment.is_active and appointment.is_cancellable
    assert str(appointment).endswith("du 02/12/2026 à 09:00")
    appointment.status = AppointmentStatus.SEEN
    assert appointment.is_active and not appointment.is_cancellable
    appointment.status = AppointmentStatus.EXCUSED
    assert not appointment.is_active and not appointment.is_cancellable
    past = f.AppointmentFactory(
        permanence=permanence, start=dt.datetime(2026, 11, 25, 9, tzinfo=PARIS)
    )
    assert not past.is_cancellable
    assert list(Appointment.objects.upcoming()) == [appointment]


@pytest.fixture
def scoped(territory, estaires, merville, permanence):
    """Estaires: the fixtures' permanence and adviser; Merville: another adviser."""
    merville_adviser = f.UserFactory(adviser=True, territory=territory, communes=[merville])
    merville_perm = f.PermanenceFactory(commune=merville, adviser=merville_adviser)
    ours = f.AppointmentFactory(permanence=permanence)
    theirs = f.AppointmentFactory(permanence=merville_perm)
    foreign = f.AppointmentFactory()  # another territory
    closures = {
        "territory": f.ClosureFactory(territory=territory),
        "estaires": f.ClosureFactory(territory=territory, commune=estaires),
        "merville": f.ClosureFactory(territory=territory, commune=merville),
        "adviser": f.ClosureFactory(territory=territory, adviser=permanence.adviser),
        "foreign": f.ClosureFactory(),
    }
    return {
        "ours": ours,
        "theirs": theirs,
        "foreign": foreign,
        "merville_perm": merville_perm,
        "closures": closures,
    }


@pytest.mark.parametrize("role", ["culture_user", "coordinator"])
def test_territory_managers_see_the_whole_territory(request, scoped, role):
    user = request.getfixturevalue(role)
    assert set(Appointment.objects.visible_to(user)) == {scoped["ours"], scoped["theirs"]}
    assert Permanence.objects.visible_to(user).count() == 2
    assert Beneficiary.objects.visible_to(user).count() == 2
    assert Closure.objects.visible_to(user).count() == 4


def test_adviser_sees_their_communes_and_own_work(scoped, adviser):
    assert list(Appointment.objects.visible_to(adviser)) == [scoped["ours"]]
    assert list(Permanence.objects.visible_to(adviser)) == [scoped["ours"].permanence]
    seen = set(Closure.objects.visible_to(adviser))
    closures = scoped["closures"]
    assert seen == {closures["territory"], closures["estaires"], closures["adviser"]}


@pytest.mark.parametrize("role", ["referent", "librarian"])
def test_referents_and_librarians_never_see_people(request, scoped, role):
    user = request.getfixturevalue(role)
    assert not Appointment.objects.visible_to(user).exists()
    assert not Beneficiary.objects.visible_to(user).exists()
    assert not Closure.objects.visible_to(user).exists()


def test_anonymous_sees_nothing(scoped):
    anonymous = AnonymousUser()
    assert not Appointment.objects.visible_to(anonymous).exists()
    assert not Permanence.objects.visible_to(anonymous).exists()
    assert not Beneficiary.objects.visible_to(anonymous).exists()
    assert not Closure.objects.visible_to(anonymous).exists()


def test_appointment_with_related_is_one_query_plus_topics(
    scoped, culture_user, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = list(Appointment.objects.visible_to(culture_user).with_related())
        for row in rows:
            _ = (
                row.beneficiary.last_name,
                row.permanence.commune.name,
                row.permanence.venue.name,
                row.permanence.adviser.email,
                [t.thematique for t in row.topics.all()],
            )
