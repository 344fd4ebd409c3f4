from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.core.clock import PARIS
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

pytestmark = pytest.mark.usefixtures("frozen_now")

SLOTS_URL = "/api/v1/communes/59212/slots"


def add_appointments(permanence, *, weeks: int, last_day: dt.date) -> None:
    """Fill every slot of a Wednesday 9h-12h permanence for ``weeks`` weeks up to ``last_day``."""
    beneficiary = f.BeneficiaryFactory(territory=permanence.commune.territory)
    rows = []
    for week in range(weeks):
        day = last_day - dt.timedelta(weeks=week)
        for hour in (9, 10, 11):
            start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)
            rows.append(
                Appointment(
                    permanence=permanence,
                    beneficiary=beneficiary,
                    start=start,
                    end=start + dt.timedelta(hours=1),
                    channel="phone",
                    status=AppointmentStatus.SEEN if day < dt.date(2026, 11, 27) else "unknown",
                    reference=f"R{permanence.pk:03d}{len(rows):05d}",
                    token_hash=f"{permanence.pk:08d}{len(rows):056d}",
                )
            )
    Appointment.objects.bulk_create(rows)


def test_communes_lists_every_commune_in_name_order(client, estaires, merville):
    response = client.get("/api/v1/communes")
    assert response.status_code == 200
    assert response.json() == [
        {"insee_code": "59212", "name": "Estaires", "slug": "estaires", "postcode": "59940"},
        {"insee_code": "59400", "name": "Merville", "slug": "merville", "postcode": "59660"},
    ]


def test_slots_of_a_day_carry_their_paris_offset_and_venue(client, permanence):
    response = client.get(SLOTS_URL, {"from": "2026-12-02", "to": "2026-12-02"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": f"{permanence.pk}-20261202{hour:02d}00",
            "start": f"2026-12-02T{hour:02d}:00:00+01:00",
            "end": f"2026-12-02T{hour + 1:02d}:00:00+01:00",
            "venue": {"name": "Mairie de Estaires", "address": "Place du Général de Gaulle"},
        }
        for hour in (9, 10, 11)
    ]


def test_slots_default_to_the_next_thirty_days(client, permanence):
    response = client.get(SLOTS_URL)
    assert response.status_code == 200
    days = sorted({slot["start"][:10] for slot in response.json()})
    # From Friday 27 Nov to Sunday 27 Dec: four Wednesdays.
    assert days == ["2026-12-02", "2026-12-09", "2026-12-16", "2026-12-23"]


def test_slots_follow_the_public_rules(client, estaires, adviser):
    # A Friday permanence: today's slots before the one-hour notice are not offered.
    friday = f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        weekday=4,
        start_time=dt.time(9),
        end_time=dt.time(14),
        min_notice_minutes=60,
    )
    f.PermanenceFactory(commune=estaires, adviser=adviser, weekday=3, online_booking=False)
    f.AppointmentFactory(permanence=friday, start=dt.datetime(2026, 11, 27, 13, 0, tzinfo=PARIS))
    response = client.get(SLOTS_URL, {"from": "2026-11-27", "to": "2026-11-27"})
    assert [slot["start"] for slot in response.json()] == ["2026-11-27T12:00:00+01:00"]
    # Thursday's permanence is not open online; beyond the 92-day window nothing is offered.
    response = client.get(SLOTS_URL, {"from": "2026-11-26", "to": "2026-11-26"})
    assert response.json() == []
    response = client.get(SLOTS_URL, {"from": "2027-03-01", "to": "2027-03-31"})
    assert response.json() == []


def test_slot_times_are_right_across_the_daylight_saving_change(client, permanence):
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=PARIS), tick=False):
        response = client.get(SLOTS_URL, {"from": "2026-03-25", "to": "2026-04-01"})
    assert response.status_code == 200
    slots = response.json()
    assert [slot["start"] for slot in slots] == [
        "2026-03-25T09:00:00+01:00",
        "2026-03-25T10:00:00+01:00",
        "2026-03-25T11:00:00+01:00",
        "2026-04-01T09:00:00+02:00",
        "2026-04-01T10:00:00+02:00",
        "2026-04-01T11:00:00+02:00",
    ]
    winter = dt.datetime.fromisoformat(slots[0]["start"])
    summer = dt.datetime.fromisoformat(slots[3]["start"])
    assert winter.astimezone(dt.UTC).hour == 8
    assert summer.astimezone(dt.UTC).hour == 7
    assert slots[3]["id"] == make_slot_id(permanence.pk, summer)


def test_slots_end_before_start_is_refused(client, permanence):
    response = client.get(SLOTS_URL, {"from": "2026-12-10", "to": "2026-12-09"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les dates demandées ne vont pas."
    assert body["errors"]["to"] == [
        "La date de fin (to) doit être le même jour ou après la date de début (from)."
    ]


def test_slots_period_longer_than_92_days_is_refused(client, permanence):
    response = client.get(SLOTS_URL, {"from": "2026-12-01", "to": "2027-03-04"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "La période demandée est trop longue.",
        "errors": {"to": ["Demandez au plus 92 jours à la fois entre from et to."]},
    }
    assert client.get(SLOTS_URL, {"from": "2026-12-01", "to": "2027-03-03"}).status_code == 200


def test_slots_malformed_date_is_refused_in_french(client, permanence):
    response = client.get(SLOTS_URL, {"from": "02/12/2026"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Certaines informations sont à corriger.",
        "errors": {
            "from": ["Cette date n'est pas valide : écrivez-la AAAA-MM-JJ, par exemple 2026-12-02."]
        },
    }


def test_slots_of_an_unknown_commune(client, permanence):
    response = client.get("/api/v1/communes/99999/slots")
    assert response.status_code == 404
    assert response.json()["detail"] == "Commune inconnue."


def test_slots_leave_out_booked_ones(client, permanence):
    f.AppointmentFactory(permanence=permanence, start=dt.datetime(2026, 12, 2, 10, tzinfo=PARIS))
    f.AppointmentFactory(
        permanence=permanence, start=dt.datetime(2026, 12, 2, 11, tzinfo=PARIS), cancelled=True
    )
    response = client.get(SLOTS_URL, {"from": "2026-12-02", "to": "2026-12-02"})
    assert [slot["start"][11:16] for slot in response.json()] == ["09:00", "11:00"]


def test_queries_do_not_grow_with_the_data(client, django_assert_num_queries, permanence):
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/communes").json()) == 1
    # Commune, permanences, closures, appointments.
    with django_assert_num_queries(4):
        assert len(client.get(SLOTS_URL).json()) == 12

    territory = permanence.commune.territory
    add_appointments(permanence, weeks=40, last_day=dt.date(2026, 12, 16))
    for _ in range(7):
        commune = f.CommuneFactory(territory=territory)
        other = f.PermanenceFactory(commune=commune, adviser=permanence.adviser)
        add_appointments(other, weeks=10, last_day=dt.date(2026, 12, 23))
    for weekday in (0, 1):
        f.PermanenceFactory(commune=permanence.commune, adviser=permanence.adviser, weekday=weekday)
    f.ClosureFactory(territory=territory, commune=permanence.commune)
    assert Appointment.objects.count() >= 200

    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/communes").json()) == 8
    with django_assert_num_queries(4):
        slots = client.get(SLOTS_URL).json()
    # Three permanences, the three first Wednesdays booked, 2 December closed.
    assert {slot["start"][:10] for slot in slots} >= {"2026-11-30", "2026-12-23"}
    assert not any(
        slot["start"].startswith(("2026-12-02", "2026-12-09", "2026-12-16")) for slot in slots
    )
