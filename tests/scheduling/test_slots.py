"""Slot computation: the pure rules, then ``free_slots`` against the database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token, new_token
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import Appointment, Permanence
from cadran.scheduling.slots import (
    Slot,
    WeeklyRule,
    compute_free_slots,
    free_slots,
    make_slot_id,
    occurrence_dates,
    occurrence_slots,
    parse_slot_id,
)
from tests import factories as f

UTC = dt.UTC
ESTAIRES_RULE = WeeklyRule(
    weekday=2,
    start_time=dt.time(9),
    end_time=dt.time(12),
    slot_minutes=60,
    valid_from=dt.date(2024, 9, 1),
)
WED_2_DEC = dt.date(2026, 12, 2)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def local_hours(slots: list[Slot]) -> list[tuple[int, int]]:
    return [(s.local_start.hour, s.local_start.minute) for s in slots]


# --- Pure rules ---------------------------------------------------------------------------


def test_estaires_occurrence_is_three_one_hour_slots_in_paris_time():
    slots = list(occurrence_slots(ESTAIRES_RULE, WED_2_DEC))
    assert [(s.astimezone(PARIS).hour, e.astimezone(PARIS).hour) for s, e in slots] == [
        (9, 10),
        (10, 11),
        (11, 12),
    ]
    # Winter: Paris is UTC+1.
    assert slots[0][0] == dt.datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_occurrence_dates_are_the_rule_weekday_within_validity():
    rule = WeeklyRule(
        weekday=2,
        start_time=dt.time(9),
        end_time=dt.time(12),
        slot_minutes=60,
        valid_from=dt.date(2026, 12, 3),
        valid_until=dt.date(2026, 12, 23),
    )
    days = list(occurrence_dates(rule, dt.date(2026, 11, 1), dt.date(2027, 1, 31)))
    assert days == [dt.date(2026, 12, 9), dt.date(2026, 12, 16), dt.date(2026, 12, 23)]


def test_a_slot_that_does_not_fit_before_the_end_is_not_offered():
    rule = WeeklyRule(
        weekday=2,
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        slot_minutes=45,
        valid_from=dt.date(2024, 9, 1),
    )
    starts = [s.astimezone(PARIS).time() for s, _ in occurrence_slots(rule, WED_2_DEC)]
    assert starts == [dt.time(9), dt.time(9, 45), dt.time(10, 30)]  # 11h15 + 45 min > 11h30


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (dt.date(2026, 3, 25), 8),  # still winter time (UTC+1)
        (dt.date(2026, 4, 1), 7),  # summer time since 29 March (UTC+2)
        (dt.date(2026, 10, 21), 7),  # still summer time
        (dt.date(2026, 10, 28), 8),  # winter time since 25 October
    ],
)
def test_nine_o_clock_stays_nine_o_clock_across_daylight_saving(day, utc_hour):
    slots = compute_free_slots(permanence_id=1, rule=ESTAIRES_RULE, date_from=day, date_to=day)
    assert local_hours(slots) == [(9, 0), (10, 0), (11, 0)]
    assert slots[0].start == dt.datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert slots[0].end - slots[0].start == dt.timedelta(hours=1)


def test_compute_free_slots_skips_closed_days_and_busy_intervals():
    busy = [(paris(2026, 12, 9, 10, 30), paris(2026, 12, 9, 10, 45))]
    slots = compute_free_slots(
        permanence_id=7,
        rule=ESTAIRES_RULE,
        date_from=WED_2_DEC,
        date_to=dt.date(2026, 12, 9),
        busy=busy,
        closed_days=[WED_2_DEC],
    )
    assert [(s.local_start.day, s.local_start.hour) for s in slots] == [(9, 9), (9, 11)]
    assert all(s.permanence_id == 7 for s in slots)


def test_a_busy_interval_touching_a_slot_does_not_remove_it():
    busy = [
        (paris(2026, 12, 2, 8), paris(2026, 12, 2, 9)),
        (paris(2026, 12, 2, 12), paris(2026, 12, 2, 13)),
    ]
    slots = compute_free_slots(
        permanence_id=1, rule=ESTAIRES_RULE, date_from=WED_2_DEC, date_to=WED_2_DEC, busy=busy
    )
    assert local_hours(slots) == [(9, 0), (10, 0), (11, 0)]


def test_slot_id_round_trip():
    start = dt.datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    slot_id = make_slot_id(42, start)
    assert slot_id == "42-202612020900"  # Paris wall-clock time, readable in a URL
    permanence_id, parsed = parse_slot_id(slot_id)
    assert permanence_id == 42
    assert parsed == start
    assert Slot(42, start, start + dt.timedelta(hours=1)).id == slot_id


def test_slot_id_round_trip_in_summer_time():
    start = dt.datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert parse_slot_id(make_slot_id(3, start)) == (3, start)


@pytest.mark.parametrize(
    "slot_id",
    [
        "",
        "42",
        "42-",
        "-202612020900",
        "abc-202612020900",
        "42-20261202090",  # 11 digits
        "42-2026120209000",  # 13 digits
        "42-202612020900\n",  # a trailing newline is not the same id
        " 42-202612020900",
        "42_202612020900",
        "42-202613020900",  # 13th month
        "42-202602310900",  # 31 February
        "42-202612022460",  # 24h60
        "1234567890123-202612020900",  # more than 12 digits of id
        "٤٢-٢٠٢٦١٢٠٢٠٩٠٠",  # digits, but not ASCII ones
        None,
    ],
)
def test_malformed_slot_ids_are_rejected_with_a_french_message(slot_id):
    with pytest.raises(ValueError, match="Ce créneau n'existe pas."):
        parse_slot_id(slot_id)


def test_a_local_time_that_does_not_exist_is_rejected():
    # 29 March 2026: clocks jump from 2h to 3h in Paris; 2h30 never happens.
    with pytest.raises(ValueError, match="Ce créneau n'existe pas."):
        parse_slot_id("1-202603290230")
    # 3h00 exists.
    assert parse_slot_id("1-202603290300")[1] == dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


# --- Against the database -----------------------------------------------------------------

NOW = paris(2026, 11, 27, 10, 0)  # the tests' Friday


def slots_on(permanences, day, *, now=NOW, for_staff=False, until=None):
    return free_slots(
        permanences if isinstance(permanences, list) else [permanences],
        date_from=day,
        date_to=until or day,
        now=now,
        for_staff=for_staff,
    )


def book(permanence, start, *, status=AppointmentStatus.BOOKED, beneficiary=None):
    return f.AppointmentFactory(
        permanence=permanence,
        start=start,
        status=status,
        beneficiary=beneficiary or f.BeneficiaryFactory(territory=permanence.commune.territory),
    )


@pytest.mark.django_db
def test_estaires_next_wednesday_has_three_slots(permanence):
    slots = slots_on(permanence, WED_2_DEC)
    assert local_hours(slots) == [(9, 0), (10, 0), (11, 0)]
    assert [s.start for s in slots] == [dt.datetime(2026, 12, 2, h, tzinfo=UTC) for h in (8, 9, 10)]
    assert all(s.permanence_id == permanence.pk for s in slots)


@pytest.mark.django_db
def test_armistice_day_has_no_slot(permanence):
    early = paris(2026, 11, 1, 10)
    assert slots_on(permanence, dt.date(2026, 11, 11), now=early) == []
    assert slots_on(permanence, dt.date(2026, 11, 11), now=early, for_staff=True) == []
    # The Wednesdays around it are open.
    around = slots_on(permanence, dt.date(2026, 11, 4), now=early, until=dt.date(2026, 11, 18))
    assert sorted({s.local_start.date() for s in around}) == [
        dt.date(2026, 11, 4),
        dt.date(2026, 11, 18),
    ]


def closure_window():
    # 10h30–11h15 on 2 December overlaps the 10h and 11h slots, not the 9h one.
    return paris(2026, 12, 2, 10, 30), paris(2026, 12, 2, 11, 15)


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["commune", "venue", "adviser", "territory"])
def test_a_closure_removes_exactly_the_overlapped_slots(permanence, scope):
    start, end = closure_window()
    target = {
        "commune": {"commune": permanence.commune},
        "venue": {"venue": permanence.venue},
        "adviser": {"adviser": permanence.adviser},
        "territory": {},
    }[scope]
    f.ClosureFactory(territory=permanence.commune.territory, start=start, end=end, **target)
    assert local_hours(slots_on(permanence, WED_2_DEC)) == [(9, 0)]
    # The next Wednesday is untouched.
    assert len(slots_on(permanence, dt.date(2026, 12, 9))) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["commune", "venue", "adviser", "territory"])
def test_a_closure_elsewhere_removes_nothing(permanence, merville, scope):
    start, end = closure_window()
    territory = permanence.commune.territory
    if scope == "commune":
        f.ClosureFactory(territory=territory, commune=merville, start=start, end=end)
    elif scope == "venue":
        other_venue = f.VenueFactory(commune=permanence.commune, name="Médiathèque")
        f.ClosureFactory(territory=territory, venue=other_venue, start=start, end=end)
    elif scope == "adviser":
        other = f.UserFactory(adviser=True, territory=territory, communes=[merville])
        f.ClosureFactory(territory=territory, adviser=other, start=start, end=end)
    else:  # a whole other territory closes
        f.ClosureFactory(territory=f.TerritoryFactory(), start=start, end=end)
    assert local_hours(slots_on(permanence, WED_2_DEC)) == [(9, 0), (10, 0), (11, 0)]


@pytest.mark.django_db
def test_a_closure_of_the_adviser_applies_in_every_commune_they_serve(permanence, merville):
    merville_perm = f.PermanenceFactory(commune=merville, adviser=permanence.adviser)
    start, end = closure_window()
    f.ClosureFactory(
        territory=permanence.commune.territory, adviser=permanence.adviser, start=start, end=end
    )
    slots = slots_on([permanence, merville_perm], WED_2_DEC)
    assert [(s.permanence_id, s.local_start.hour) for s in slots] == [
        (permanence.pk, 9),
        (merville_perm.pk, 9),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "holds_slot"),
    [
        (AppointmentStatus.BOOKED, True),
        (AppointmentStatus.SEEN, True),
        (AppointmentStatus.NOSHOW, True),
        (AppointmentStatus.EXCUSED, False),
        (AppointmentStatus.REVOKED, False),
    ],
)
def test_appointments_hold_their_slot_unless_cancelled(permanence, status, holds_slot):
    book(permanence, paris(2026, 12, 2, 10), status=status)
    expected = [(9, 0), (11, 0)] if holds_slot else [(9, 0), (10, 0), (11, 0)]
    assert local_hours(slots_on(permanence, WED_2_DEC)) == expected
    assert local_hours(slots_on(permanence, WED_2_DEC, for_staff=True)) == expected


@pytest.mark.django_db
def test_an_appointment_of_another_permanence_at_the_same_time_does_not_block(permanence, merville):
    other = f.PermanenceFactory(commune=merville)
    book(other, paris(2026, 12, 2, 10))
    assert len(slots_on(permanence, WED_2_DEC)) == 3
    assert local_hours(slots_on(other, WED_2_DEC)) == [(9, 0), (11, 0)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "public", "staff"),
    [
        # Two hours' notice by default: 7h00 still allows 9h, 7h01 does not.
        (paris(2026, 12, 2, 7, 0), [9, 10, 11], [9, 10, 11]),
        (paris(2026, 12, 2, 7, 1), [10, 11], [9, 10, 11]),
        (paris(2026, 12, 2, 8, 30), [11], [9, 10, 11]),
        # Staff may book any slot that has not started yet, never the past.
        (paris(2026, 12, 2, 9, 0), [11], [9, 10, 11]),
        (paris(2026, 12, 2, 9, 1), [], [10, 11]),
        (paris(2026, 12, 2, 12, 0), [], []),
        (paris(2026, 12, 3, 10, 0), [], []),
    ],
)
def test_minimum_notice_binds_the_public_not_staff(permanence, now, public, staff):
    assert [h for h, _ in local_hours(slots_on(permanence, WED_2_DEC, now=now))] == public
    got = slots_on(permanence, WED_2_DEC, now=now, for_staff=True)
    assert [h for h, _ in local_hours(got)] == staff


@pytest.mark.django_db
def test_minimum_notice_is_per_permanence(permanence):
    Permanence.objects.filter(pk=permanence.pk).update(min_notice_minutes=24 * 60)
    permanence.refresh_from_db()
    now = paris(2026, 12, 1, 9, 30)
    assert [h for h, _ in local_hours(slots_on(permanence, WED_2_DEC, now=now))] == [10, 11]


@pytest.mark.django_db
def test_booking_window_of_92_days_binds_the_public_not_staff(permanence):
    assert permanence.booking_window_days == 92
    # 27 Nov 2026 10h + 92 days = 27 Feb 2027 10h: 24 Feb is in, 3 March is out.
    public = slots_on(permanence, dt.date(2027, 2, 20), until=dt.date(2027, 3, 10))
    assert sorted({s.local_start.date() for s in public}) == [dt.date(2027, 2, 24)]
    staff = slots_on(permanence, dt.date(2027, 2, 20), until=dt.date(2027, 3, 10), for_staff=True)
    assert sorted({s.local_start.date() for s in staff}) == [
        dt.date(2027, 2, 24),
        dt.date(2027, 3, 3),
        dt.date(2027, 3, 10),
    ]


@pytest.mark.django_db
def test_booking_window_bound_is_on_the_slot_start(permanence):
    Permanence.objects.filter(pk=permanence.pk).update(booking_window_days=5)
    permanence.refresh_from_db()
    # Friday 27 Nov 10h + 5 days = Wednesday 2 Dec 10h: 9h and 10h are in, 11h is out.
    assert local_hours(slots_on(permanence, WED_2_DEC)) == [(9, 0), (10, 0)]
    assert len(slots_on(permanence, WED_2_DEC, for_staff=True)) == 3


@pytest.mark.django_db
def test_validity_period_of_the_permanence_is_respected(permanence):
    Permanence.objects.filter(pk=permanence.pk).update(
        valid_from=dt.date(2026, 12, 9), valid_until=dt.date(2026, 12, 16)
    )
    permanence.refresh_from_db()
    slots = slots_on(permanence, WED_2_DEC, until=dt.date(2026, 12, 31), for_staff=True)
    assert sorted({s.local_start.date() for s in slots}) == [
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 16),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (dt.date(2026, 3, 25), 8),
        (dt.date(2026, 4, 1), 7),
        (dt.date(2026, 10, 21), 7),
        (dt.date(2026, 10, 28), 8),
    ],
)
def test_daylight_saving_against_the_database(permanence, day, utc_hour):
    now = dt.datetime.combine(day - dt.timedelta(days=10), dt.time(12), tzinfo=PARIS)
    slots = slots_on(permanence, day, now=now)
    assert [s.start.astimezone(UTC).hour for s in slots] == [utc_hour, utc_hour + 1, utc_hour + 2]
    assert local_hours(slots) == [(9, 0), (10, 0), (11, 0)]


@pytest.mark.django_db
def test_an_appointment_stored_in_utc_blocks_its_summer_slot(permanence):
    now = paris(2026, 3, 20, 12)
    book(permanence, dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC))  # 10h Paris in summer
    got = slots_on(permanence, dt.date(2026, 4, 1), now=now)
    assert local_hours(got) == [(9, 0), (11, 0)]


@pytest.mark.django_db
def test_results_of_several_permanences_are_in_time_order(permanence, merville):
    afternoon = f.PermanenceFactory(
        commune=merville, start_time=dt.time(8), end_time=dt.time(10), slot_minutes=30
    )
    slots = slots_on([permanence, afternoon], WED_2_DEC)
    starts = [(s.start, s.permanence_id) for s in slots]
    assert starts == sorted(starts)
    assert len(slots) == 3 + 4


@pytest.mark.django_db
def test_nothing_asked_nothing_computed(permanence, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert free_slots([], date_from=WED_2_DEC, date_to=WED_2_DEC, now=NOW) == []
        assert slots_on(permanence, WED_2_DEC, until=dt.date(2026, 12, 1)) == []


def _fill(permanences, *, per_permanence_weeks: int) -> int:
    """Book every other slot of each permanence over some weeks (bulk, one beneficiary)."""
    beneficiary = f.BeneficiaryFactory(territory=permanences[0].commune.territory)
    rows = []
    for perm in permanences:
        slots = free_slots(
            [perm],
            date_from=dt.date(2026, 11, 28),
            date_to=dt.date(2026, 11, 28) + dt.timedelta(weeks=per_permanence_weeks),
            now=NOW,
            for_staff=True,
        )
        for slot in slots[::2]:
            rows.append(
                Appointment(
                    permanence=perm,
                    start=slot.start,
                    end=slot.end,
                    beneficiary=beneficiary,
                    channel=Channel.PHONE,
                    reference=f"R{len(rows):09d}",
                    token_hash=hash_token(new_token()),
                )
            )
    Appointment.objects.bulk_create(rows)
    return len(rows)


@pytest.mark.django_db
def test_free_slots_makes_a_fixed_number_of_queries(territory, adviser, django_assert_num_queries):
    communes = [f.CommuneFactory(territory=territory) for _ in range(8)]
    perms = [
        f.PermanenceFactory(commune=c, adviser=adviser, weekday=i % 5)
        for i, c in enumerate(communes)
    ]
    f.ClosureFactory(territory=territory, commune=communes[0])
    day_from, day_to = dt.date(2026, 11, 28), dt.date(2027, 2, 26)

    def run(ids):
        # A bare queryset, commune not loaded: the count must not depend on it.
        return free_slots(
            Permanence.objects.filter(pk__in=ids).order_by("pk"),
            date_from=day_from,
            date_to=day_to,
            now=NOW,
        )

    # 1 permanence, no appointment; then 8 permanences with many appointments:
    # the permanences, the closures, the appointments.
    with django_assert_num_queries(3):
        one_before = run([perms[0].pk])
    booked = _fill(perms, per_permanence_weeks=13)
    assert booked > 100
    with django_assert_num_queries(3):
        one_after = run([perms[0].pk])
    with django_assert_num_queries(3):
        eight = run([p.pk for p in perms])
    assert 0 < len(one_after) < len(one_before)
    assert {s.permanence_id for s in eight} == {p.pk for p in perms}
    taken = set(Appointment.objects.active().values_list("permanence_id", "start").iterator())
    assert not any((s.permanence_id, s.start) in taken for s in eight)


@pytest.mark.django_db
def test_free_slots_never_offers_overlapping_slots_of_one_permanence(permanence):
    slots = slots_on(permanence, WED_2_DEC, until=dt.date(2027, 2, 24))
    for a, b in itertools.pairwise(slots):
        assert a.end <= b.start
