"""A fortnightly or monthly permanence everywhere its dates show: free slots, booking, the
model's checks, the staff day page, the board, the reports, the public pages, posters, the
widget, the iCalendar feed and the open data; and the length of an appointment in words.

The case of issue 9: one adviser on Tuesday 14h–17h in 30-minute slots, and a Friday
morning every other week (from Friday 4 December 2026). Time is the tests' "now", Friday
27 November 2026 10:00 in Paris.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from opening_hours import OpeningHours, State
from pypdf import PdfReader

from cadran.board import selectors as board
from cadran.core.clock import PARIS
from cadran.reporting.opendata import opening_hours
from cadran.reporting.selectors import Period, offered_minutes_by
from cadran.scheduling import services
from cadran.scheduling.enums import Channel, Frequency, WeekOfMonth
from cadran.scheduling.models import Permanence
from cadran.scheduling.services import BeneficiaryData, book_appointment
from cadran.scheduling.slots import free_slots, make_slot_id
from cadran.territory.services import _split_permanence
from tests import factories as f
from tests.public.pubface_helpers import clear_public_cache

pytestmark = pytest.mark.usefixtures("frozen_now")

FRI_4, FRI_11, FRI_18 = dt.date(2026, 12, 4), dt.date(2026, 12, 11), dt.date(2026, 12, 18)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def tuesday(estaires, adviser):
    return f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        weekday=1,
        start_time=dt.time(14),
        end_time=dt.time(17),
        adviser_arrival_time=None,
        slot_minutes=30,
        valid_from=dt.date(2026, 9, 1),
    )


@pytest.fixture
def friday(tuesday):
    return f.PermanenceFactory(
        commune=tuesday.commune,
        venue=tuesday.venue,
        adviser=tuesday.adviser,
        weekday=4,
        adviser_arrival_time=None,
        frequency=Frequency.FORTNIGHTLY,
        first_date=FRI_4,
        valid_from=dt.date(2026, 12, 1),
    )


@pytest.fixture
def last_thursday(tuesday):
    return f.PermanenceFactory(
        commune=tuesday.commune,
        venue=tuesday.venue,
        adviser=tuesday.adviser,
        weekday=3,
        start_time=dt.time(14),
        end_time=dt.time(17),
        adviser_arrival_time=None,
        frequency=Frequency.MONTHLY,
        week_of_month=WeekOfMonth.LAST,
        valid_from=dt.date(2026, 9, 1),
    )


def person() -> BeneficiaryData:
    return BeneficiaryData(first_name="Jeanne", last_name="Lefebvre", phone="0612345678")


def html(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


# --- Free slots and booking ----------------------------------------------------------------


def test_free_slots_of_a_fortnightly_permanence_skip_the_off_weeks(friday):
    now = at(dt.date(2026, 11, 27), 10)
    slots = free_slots(
        [friday], date_from=dt.date(2026, 11, 27), date_to=dt.date(2027, 1, 31), now=now
    )
    # 1 January is a public holiday (and an occurrence); 11 and 25 December are off weeks.
    assert sorted({s.local_start.date() for s in slots}) == [
        FRI_4,
        FRI_18,
        dt.date(2027, 1, 15),
        dt.date(2027, 1, 29),
    ]


def test_tuesday_has_six_slots_of_thirty_minutes(tuesday):
    slots = free_slots(
        [tuesday],
        date_from=dt.date(2026, 12, 1),
        date_to=dt.date(2026, 12, 1),
        now=at(dt.date(2026, 11, 27), 10),
    )
    assert [s.local_start.strftime("%H:%M") for s in slots] == [
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
    ]


def test_booking_on_an_off_week_is_refused_in_french(friday, adviser):
    off = make_slot_id(friday.pk, at(FRI_11, 9))
    expected = (
        "La permanence n'a pas lieu le vendredi 11 décembre 2026 : elle a lieu un vendredi "
        "sur deux. Choisissez un autre créneau."
    )
    for by, channel in ((None, Channel.ONLINE), (adviser, Channel.PHONE)):
        with pytest.raises(ValidationError) as exc:
            book_appointment(slot_id=off, topics=["email"], channel=channel, person=person(), by=by)
        assert exc.value.message_dict == {"slot": [expected]}
    booking = book_appointment(
        slot_id=make_slot_id(friday.pk, at(FRI_18, 9)),
        topics=["email"],
        channel=Channel.ONLINE,
        person=person(),
    )
    assert booking.appointment.start == at(FRI_18, 9)


def test_public_booking_page_of_an_off_week_says_why(client, friday):
    url = reverse("public:book", args=["estaires", make_slot_id(friday.pk, at(FRI_11, 9))])
    response = client.get(url)
    assert response.status_code == 410
    assert "elle a lieu un vendredi sur deux" in response.content.decode()


def test_a_weekly_permanence_on_another_day_keeps_the_plain_message(tuesday):
    wrong = make_slot_id(tuesday.pk, at(dt.date(2026, 12, 2), 14))  # a Wednesday
    with pytest.raises(ValidationError) as exc:
        book_appointment(slot_id=wrong, topics=["email"], channel=Channel.ONLINE, person=person())
    assert exc.value.message_dict == {"slot": [services.SLOT_UNAVAILABLE]}


# --- The model's checks (admin form) -------------------------------------------------------


def unsaved(tuesday, **fields) -> Permanence:
    values = {
        "commune": tuesday.commune,
        "venue": tuesday.venue,
        "adviser": tuesday.adviser,
        "weekday": 4,
        "start_time": dt.time(9),
        "end_time": dt.time(12),
        "valid_from": dt.date(2026, 12, 1),
    }
    values.update(fields)
    return Permanence(**values)


def test_fortnightly_first_date_must_be_the_permanence_weekday(tuesday):
    permanence = unsaved(tuesday, frequency=Frequency.FORTNIGHTLY, first_date=dt.date(2026, 12, 3))
    with pytest.raises(ValidationError) as exc:
        permanence.full_clean()
    assert exc.value.message_dict == {
        "first_date": [
            "Le 03/12/2026 est un jeudi : choisissez un vendredi, le jour de la permanence."
        ]
    }


def test_fortnightly_without_first_date_starts_on_the_first_weekday(tuesday):
    permanence = unsaved(tuesday, frequency=Frequency.FORTNIGHTLY)
    permanence.full_clean()
    assert permanence.first_date == FRI_4  # the first Friday from Tuesday 1 December


def test_monthly_needs_its_week_one_to_four_or_last(tuesday):
    permanence = unsaved(tuesday, frequency=Frequency.MONTHLY)
    with pytest.raises(ValidationError) as exc:
        permanence.full_clean()
    assert exc.value.message_dict == {
        "week_of_month": [
            "Choisissez quel vendredi du mois : le premier, le deuxième, le troisième, "
            "le quatrième ou le dernier."
        ]
    }
    permanence.week_of_month = 5
    with pytest.raises(ValidationError) as exc:
        permanence.full_clean()
    assert list(exc.value.message_dict) == ["week_of_month"]
    for week in (1, 2, 3, 4, -1):
        permanence.week_of_month = week
        permanence.full_clean()


def test_weekly_forgets_the_other_fields(tuesday):
    permanence = unsaved(tuesday, first_date=FRI_4, week_of_month=2)
    permanence.full_clean()
    assert (permanence.first_date, permanence.week_of_month) == (None, None)


def test_the_database_refuses_an_incomplete_recurrence(tuesday):
    with transaction.atomic(), pytest.raises(IntegrityError):
        unsaved(tuesday, frequency=Frequency.MONTHLY).save()
    with transaction.atomic(), pytest.raises(IntegrityError):
        unsaved(tuesday, frequency=Frequency.FORTNIGHTLY).save()


def test_admin_form_offers_the_recurrence(client, territory, friday):
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True, territory=territory))
    page = html(client.get(reverse("admin:scheduling_permanence_change", args=[friday.pk])))
    for text in (
        "Toutes les semaines",
        "Une semaine sur deux",
        "Une fois par mois",
        "Le dernier du mois",
        "Première date (une semaine sur deux)",
    ):
        assert text in page, text


# --- Staff pages, board, reports -----------------------------------------------------------


def test_day_page_goes_two_weeks_on_and_off_weeks_do_not_exist(client, adviser, friday):
    client.force_login(adviser)
    page = html(client.get(reverse("staff:day_sheet", kwargs={"pk": friday.pk, "day": FRI_4})))
    assert reverse("staff:day_sheet", kwargs={"pk": friday.pk, "day": FRI_18}) in page
    assert reverse("staff:day_sheet", kwargs={"pk": friday.pk, "day": FRI_11}) not in page
    off = client.get(reverse("staff:day_sheet", kwargs={"pk": friday.pk, "day": FRI_11}))
    assert off.status_code == 404


def test_day_page_of_a_monthly_permanence_links_the_next_month(client, adviser, last_thursday):
    client.force_login(adviser)
    day = dt.date(2026, 12, 31)
    page = html(client.get(reverse("staff:day_sheet", kwargs={"pk": last_thursday.pk, "day": day})))
    for other in (dt.date(2026, 11, 26), dt.date(2027, 1, 28)):
        assert reverse("staff:day_sheet", kwargs={"pk": last_thursday.pk, "day": other}) in page


def test_board_shows_only_the_occurrences(territory, friday, last_thursday):
    loaded = board.load_board(
        territory_id=territory.pk, date_from=dt.date(2026, 11, 30), date_to=dt.date(2027, 1, 3)
    )
    by_permanence = {
        pk: sorted(o.day for o in loaded.occurrences if o.permanence_id == pk)
        for pk in (friday.pk, last_thursday.pk)
    }
    assert by_permanence == {
        friday.pk: [FRI_4, FRI_18, dt.date(2027, 1, 1)],
        last_thursday.pk: [dt.date(2026, 12, 31)],
    }


def test_offered_hours_count_the_occurrences_only(friday, last_thursday):
    december = offered_minutes_by(
        Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31)), [friday, last_thursday], []
    )
    assert december == {friday.pk: 2 * 180, last_thursday.pk: 180}
    # January 2027: 1st (a holiday), 15th and 29th for the Friday.
    january = offered_minutes_by(Period(dt.date(2027, 1, 1), dt.date(2027, 1, 31)), [friday], [])
    assert january == {friday.pk: 2 * 180}


def test_a_venue_change_keeps_the_fortnightly_weeks(friday):
    venue = f.VenueFactory(commune=friday.commune)
    successor = _split_permanence(friday, day=dt.date(2027, 1, 6), venue=venue)
    assert successor.pk != friday.pk
    assert (successor.frequency, successor.first_date) == (Frequency.FORTNIGHTLY, FRI_4)
    assert successor.recurrence_rule.occurs_on(dt.date(2027, 1, 15))
    assert not successor.recurrence_rule.occurs_on(dt.date(2027, 1, 8))


# --- Public texts ----------------------------------------------------------------------------


def test_commune_page_says_how_often_and_how_long(client, tuesday, friday):
    page = html(client.get(reverse("public:commune", args=["estaires"])))
    assert "le mardi de 14h à 17h" in page
    assert "un vendredi sur deux de 9h à 12h" in page
    assert "environ une heure" not in page
    # Two lengths: each permanence says its own.
    assert "Chaque rendez-vous dure 30 minutes." in page
    assert "Chaque rendez-vous dure 1 heure." in page
    assert "4 décembre" in page and "18 décembre" in page
    assert "11 décembre" not in page


def test_commune_page_with_thirty_minute_slots(client, tuesday):
    page = html(client.get(reverse("public:commune", args=["estaires"])))
    assert "Le rendez-vous dure 30 minutes, avec un conseiller numérique, gratuitement." in page
    assert "environ une heure" not in page


def test_home_page_says_how_often(client, friday, last_thursday):
    page = html(client.get(reverse("public:home")))
    assert "Un vendredi sur deux de 9h à 12h" in page
    assert "Le dernier jeudi du mois de 14h à 17h" in page


def test_poster_says_how_often(client, friday, last_thursday):
    response = client.get("/affiches/communes/59212/")
    assert response.status_code == 200
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    text = re.sub(r"\s+", " ", page.extract_text())
    assert "Un vendredi sur deux de 9h à 12h" in text
    assert "Le dernier jeudi du mois de 14h à 17h" in text
    assert "Le mardi de 14h à 17h" in text


def test_widget_says_how_often_and_lists_only_occurrences(client, estaires, adviser):
    friday = f.PermanenceFactory(
        commune=estaires,
        adviser=adviser,
        weekday=4,
        frequency=Frequency.FORTNIGHTLY,
        first_date=FRI_4,
    )
    widget = html(client.get("/widget/59212/"))
    assert "Un vendredi sur deux de 9h à 12h" in widget
    assert "Vendredi 4 décembre à 9h" in widget
    assert "11 décembre" not in widget
    assert "Le premier" not in widget
    assert friday.hours_label == "un vendredi sur deux de 9h à 12h"


def test_feed_lists_only_the_occurrences(client, friday):
    response = client.get(reverse("publicity:commune_feed", args=["59212"]))
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    days = sorted(
        e.decoded("DTSTART").date()
        for e in calendar.walk("VEVENT")
        if str(e["UID"]).startswith(f"permanence-{friday.pk}-")
    )
    assert days[:3] == [FRI_4, FRI_18, dt.date(2027, 1, 1)]
    assert all((d - FRI_4).days % 14 == 0 for d in days)


# --- Open data -------------------------------------------------------------------------------


def test_open_data_hours_follow_the_recurrence(client, tuesday, friday, last_thursday):
    response = client.get("/donnees/lieux-de-mediation-numerique.csv")
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert row["horaires"] == (
        "Tu 14:00-17:00"
        ", Th[-1] 14:00-17:00"
        ", 2025 Dec 29-2027 Jan 03 week 01-53/2 Fr 09:00-12:00"
        ", 2027 Jan 04-2028 Dec 31 week 02-53/2 Fr 09:00-12:00"
        "; PH off"
    )
    hours = OpeningHours(row["horaires"])
    start, end = dt.datetime(2026, 11, 30), dt.datetime(2028, 11, 1)
    opened = {
        (a.date(), a.hour)
        for a, _b, state, _c in hours.intervals(start, end)
        if state == State.OPEN
    }
    expected = set()
    for perm in (tuesday, friday, last_thursday):
        for day in perm.recurrence_rule.occurrences(start.date(), end.date()):
            expected.add((day, perm.start_time.hour))
    # The parser knows no French public holidays without a country: PH off changes nothing.
    assert opened == expected


def test_open_data_weekly_and_fortnightly_on_the_same_day_add_up(friday):
    weekly = f.PermanenceFactory(
        commune=friday.commune,
        venue=friday.venue,
        adviser=friday.adviser,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
    )
    text = opening_hours([weekly, friday], today=dt.date(2026, 11, 27))
    hours = OpeningHours(text)
    assert hours.is_open(dt.datetime(2026, 12, 11, 15))  # an off week: the afternoon stays
    assert hours.is_open(dt.datetime(2026, 12, 4, 10)) and hours.is_open(
        dt.datetime(2026, 12, 4, 15)
    )
    assert not hours.is_open(dt.datetime(2026, 12, 11, 10))


def test_duration_labels(tuesday):
    for minutes, label in ((30, "30 minutes"), (45, "45 minutes"), (60, "1 heure"), (90, "1 h 30")):
        tuesday.slot_minutes = minutes
        assert tuesday.slot_duration_label == label
