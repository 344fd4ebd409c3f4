"""Alerts of the sweep: due at the right date, to the right people, once each."""

from __future__ import annotations

import datetime as dt

import pytest

from cadran.agreements import services
from cadran.agreements.enums import Party
from cadran.agreements.sweepers import queue_agreement_alerts
from cadran.core.clock import PARIS
from cadran.notifications.models import Message
from tests import factories as f

from .conftest import build_estaires


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=PARIS)


@pytest.fixture
def people(territory, estaires, referent, culture_user):
    # Neither an adviser nor another commune's referent, nor an inactive user, is told.
    f.UserFactory(adviser=True, territory=territory, communes=[estaires])
    f.UserFactory(
        referent=True, territory=territory, communes=[f.CommuneFactory(territory=territory)]
    )
    f.UserFactory(culture_service=True, territory=territory, is_active=False)
    return {culture_user.email, referent.email}


def alerts(event=None):
    qs = Message.objects.filter(event__startswith="agreement_").exclude(
        event="agreement_appointment_after_end"
    )
    return qs.filter(event=event) if event else qs


def test_last_year_alert_once(estaires_agreement, people, frozen_now):
    assert queue_agreement_alerts(frozen_now) == 2
    assert {m.recipient for m in alerts("agreement_last_period")} == people
    message = alerts("agreement_last_period").first()
    assert "dernière année" in message.subject
    assert "mardi 31 août 2027" in message.body
    assert f"/espace/conventions/{estaires_agreement.pk}/" in message.body
    assert queue_agreement_alerts(frozen_now) == 0
    assert queue_agreement_alerts(frozen_now + dt.timedelta(days=30)) == 0
    assert alerts().count() == 2


def test_cap_alert_six_months_before(estaires_agreement, people, frozen_now):
    queue_agreement_alerts(frozen_now)
    assert queue_agreement_alerts(at(dt.date(2027, 2, 27))) == 0
    assert queue_agreement_alerts(at(dt.date(2027, 2, 28))) == 2
    assert "31 août 2027" in alerts("agreement_cap_approaching").first().subject
    assert queue_agreement_alerts(at(dt.date(2027, 3, 1))) == 0
    # After the end, nothing more.
    assert queue_agreement_alerts(at(dt.date(2027, 9, 1))) == 0


def test_renewal_due_three_months_before_the_end_of_the_year(
    frozen_now, estaires, culture_user, estaires_permanence, david, people
):
    build_estaires(
        commune=estaires, by=culture_user, permanence=estaires_permanence, adviser=david, renewals=0
    )
    assert queue_agreement_alerts(at(dt.date(2025, 5, 30))) == 0
    assert queue_agreement_alerts(at(dt.date(2025, 5, 31))) == 2
    message = alerts("agreement_renewal_due").first()
    assert "31 août 2025" in message.subject
    assert "Il reste 2 reconductions possibles" in message.body
    assert queue_agreement_alerts(at(dt.date(2025, 6, 15))) == 0


def test_renewal_notice_is_configurable(
    settings, frozen_now, estaires, culture_user, estaires_permanence, david, people
):
    settings.CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS = 1
    build_estaires(
        commune=estaires, by=culture_user, permanence=estaires_permanence, adviser=david, renewals=0
    )
    assert queue_agreement_alerts(at(dt.date(2025, 7, 30))) == 0
    assert queue_agreement_alerts(at(dt.date(2025, 7, 31))) == 2


def test_notice_running_alert(estaires_agreement, culture_user, people, frozen_now):
    services.terminate_agreement(
        agreement=estaires_agreement,
        requested_by=Party.COMMUNE,
        on=dt.date(2026, 11, 27),
        by=culture_user,
    )
    assert queue_agreement_alerts(frozen_now) == 2
    message = alerts("agreement_notice_running").first()
    assert "27 février 2027" in message.subject
    assert "La commune a demandé" in message.body
    # While notice runs, no "last year" alert: the end is the termination's.
    assert not alerts("agreement_last_period").exists()
    assert queue_agreement_alerts(frozen_now) == 0


def test_a_draft_or_no_agreement_gives_no_alert(draft_agreement, people, frozen_now):
    assert queue_agreement_alerts(frozen_now) == 0


def test_queries_do_not_grow_with_sent_alerts(
    estaires_agreement, people, frozen_now, django_assert_max_num_queries
):
    queue_agreement_alerts(frozen_now)
    with django_assert_max_num_queries(3):
        assert queue_agreement_alerts(frozen_now) == 0


def test_the_territorys_own_alert_delays_win_over_the_installs(
    settings, frozen_now, estaires, culture_user, estaires_permanence, david, people
):
    from cadran.agreements.models import AgreementRules

    settings.CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS = 1
    build_estaires(
        commune=estaires, by=culture_user, permanence=estaires_permanence, adviser=david, renewals=0
    )
    AgreementRules.objects.update_or_create(
        territory=estaires.territory, defaults={"renewal_alert_months": 2, "cap_alert_months": 1}
    )
    # Two months before 31 August 2025, not the install's one.
    assert queue_agreement_alerts(at(dt.date(2025, 6, 29))) == 0
    assert queue_agreement_alerts(at(dt.date(2025, 6, 30))) == 2
    assert alerts("agreement_renewal_due").count() == 2


def test_the_cap_alert_follows_the_territorys_delay(estaires_agreement, people, frozen_now):
    from cadran.agreements.models import AgreementRules

    AgreementRules.objects.update_or_create(
        territory=estaires_agreement.territory, defaults={"cap_alert_months": 1}
    )
    queue_agreement_alerts(frozen_now)
    # One month before 31 August 2027: 31 July, not 28 February.
    assert queue_agreement_alerts(at(dt.date(2027, 2, 28))) == 0
    assert queue_agreement_alerts(at(dt.date(2027, 7, 30))) == 0
    assert queue_agreement_alerts(at(dt.date(2027, 7, 31))) == 2
