"""The purge of a person who never had an appointment, at the exact end of the shipped
grace period (the territory's default policy, not a value the test sets): kept a second
before and at the instant itself, anonymised from the next microsecond."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.core.clock import PARIS
from cadran.privacy.models import RetentionPolicy
from cadran.privacy.selectors import beneficiaries_due, months_before
from cadran.privacy.services import purge_territory
from cadran.scheduling.models import Beneficiary
from tests import factories as f

pytestmark = pytest.mark.django_db

CREATED = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
# 12 months later, same Paris wall-clock time: the end of the shipped grace period.
GRACE_END = dt.datetime(2027, 11, 27, 10, 0, tzinfo=PARIS)


def purge_at(territory, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        purge_territory(territory=territory, now=when)


@pytest.fixture
def lonely(territory):
    """Someone recorded (a call, say) who never had an appointment."""
    with time_machine.travel(CREATED, tick=False):
        person = f.BeneficiaryFactory(territory=territory, last_name="Sansrendezvous")
    assert person.created_at == CREATED and not person.appointments.exists()
    return person


def test_the_shipped_grace_period_is_12_months(territory):
    assert not RetentionPolicy.objects.filter(territory=territory).exists()
    assert RetentionPolicy.objects.for_territory(territory).beneficiary_months == 12
    assert months_before(GRACE_END, 12) == CREATED


@pytest.mark.parametrize(
    ("when", "purged"),
    [
        (GRACE_END - dt.timedelta(seconds=1), False),
        (GRACE_END, False),  # the grace period ends at this instant: still kept
        (GRACE_END + dt.timedelta(microseconds=1), True),
        (GRACE_END + dt.timedelta(seconds=1), True),
    ],
)
def test_a_person_without_appointment_is_anonymised_only_once_the_grace_is_over(
    territory, lonely, when, purged
):
    purge_at(territory, when)
    lonely.refresh_from_db()
    assert (lonely.last_name == "Anonyme") is purged
    cutoff = months_before(
        when, RetentionPolicy.objects.for_territory(territory).beneficiary_months
    )
    assert beneficiaries_due(territory.pk, cutoff).exists() is False  # nothing left to do


def test_a_person_of_another_territory_is_not_purged_by_this_one(territory, lonely):
    elsewhere = f.TerritoryFactory(slug="ailleurs", name="Ailleurs", short_name="AIL")
    purge_at(elsewhere, GRACE_END + dt.timedelta(days=1))
    assert Beneficiary.objects.get(pk=lonely.pk).last_name == "Sansrendezvous"
