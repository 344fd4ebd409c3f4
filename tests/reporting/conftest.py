"""A commune with a month of history: appointments of every status, reasons, activity
records, sessions held and cancelled; another commune whose data must never leak."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cadran.activity.enums import Autonomie, StructureRedirection, TypeActivite, TypeLieu
from cadran.activity.models import ActivityParticipant, ActivityRecord, ActivityThematique
from cadran.core.clock import PARIS
from cadran.reporting.selectors import Period
from cadran.scheduling.enums import AppointmentStatus
from cadran.workshops.enums import RegistrationStatus, SessionStatus
from cadran.workshops.models import Attendance
from tests import factories as f
from tests.workshops.factories import RegistrationFactory, SessionFactory, WorkshopFactory

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
AUTUMN = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
# Wednesdays of Estaires' permanence (9h–12h); 11 November is a public holiday.
WEDNESDAYS = [dt.date(2026, 10, d) for d in (7, 14, 21, 28)] + [
    dt.date(2026, 11, d) for d in (4, 18, 25)
]
SECRET_NAMES = ("Zéphyrine", "Brocoliaux")


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def add_appointments(permanence, plan, *, people=None, topics=None):
    """``plan``: list of (day, hour, status); returns the appointments."""
    territory = permanence.commune.territory
    made = []
    for i, (day, hour, status) in enumerate(plan):
        beneficiary = (people or {}).get(i) or f.BeneficiaryFactory(
            territory=territory, first_name=SECRET_NAMES[0], last_name=f"{SECRET_NAMES[1]}{i}"
        )
        made.append(
            f.AppointmentFactory(
                permanence=permanence,
                start=at(day, hour),
                end=at(day, hour + 1),
                beneficiary=beneficiary,
                status=status,
                topics=(topics or {}).get(i, ["aide_aux_demarches_administratives"]),
            )
        )
    return made


def add_record(
    *,
    commune,
    adviser,
    venue,
    day,
    autonomie="",
    oriented=None,
    redirection="",
    thematiques=("sante",),
    first_visit=False,
    kind=TypeActivite.INDIVIDUEL,
):
    record = ActivityRecord.objects.create(
        territory=commune.territory,
        kind=kind,
        date=day,
        duration_minutes=60,
        place_type=TypeLieu.LIEU_ACTIVITE,
        venue=venue,
        commune=commune,
        place_insee=commune.insee_code,
        autonomie=autonomie,
        oriented=oriented,
        structure_redirection=redirection,
        adviser=adviser,
        locked_at=at(day, 23),
        created_at=at(day, 12),
    )
    for code in thematiques:
        ActivityThematique.objects.create(record=record, thematique=code)
    ActivityParticipant.objects.create(record=record, first_visit=first_visit)
    return record


@pytest.fixture
def history(estaires, merville, permanence, adviser, territory):
    """Estaires in November 2026: 9 appointments, and noise elsewhere."""
    S = AppointmentStatus
    w = WEDNESDAYS
    same_person = f.BeneficiaryFactory(territory=territory, first_name="Zéphyrine")
    plan = [
        (w[4], 9, S.SEEN),
        (w[4], 10, S.SEEN),
        (w[4], 11, S.NOSHOW),
        (w[5], 9, S.SEEN),
        (w[5], 10, S.EXCUSED),
        (w[5], 11, S.REVOKED),
        (w[6], 9, S.SEEN),
        (w[6], 10, S.SEEN),
        (w[3], 9, S.SEEN),  # October
    ]
    add_appointments(
        permanence,
        plan,
        people={0: same_person, 3: same_person},
        topics={0: ["sante", "email"], 1: ["sante"], 2: ["email"]},
    )
    # Another commune, same month: must never appear in Estaires' report.
    other_perm = f.PermanenceFactory(commune=merville, adviser=adviser, weekday=3)
    add_appointments(
        other_perm,
        [(dt.date(2026, 11, 5), h, S.SEEN) for h in (9, 10, 11)],
    )
    venue = permanence.venue
    for i, (aut, ori, red) in enumerate(
        [
            (Autonomie.AUTONOME, False, ""),
            (Autonomie.AUTONOME, True, StructureRedirection.ADMINISTRATION),
            (Autonomie.ENTIEREMENT_ACCOMPAGNE, True, StructureRedirection.ADMINISTRATION),
            (Autonomie.PARTIELLEMENT_AUTONOME, False, ""),
        ]
    ):
        add_record(
            commune=estaires,
            adviser=adviser,
            venue=venue,
            day=w[4 + i % 3],
            autonomie=aut,
            oriented=ori,
            redirection=red,
            first_visit=i < 3,
            thematiques=("sante", "email") if i == 0 else ("sante",),
        )
    add_record(
        commune=merville,
        adviser=adviser,
        venue=other_perm.venue,
        day=dt.date(2026, 11, 5),
        autonomie=Autonomie.AUTONOME,
        first_visit=True,
    )
    workshop = WorkshopFactory(territory=territory)
    held = SessionFactory(
        workshop=workshop,
        venue=venue,
        start=at(dt.date(2026, 11, 14), 10),
        status=SessionStatus.HELD,
        anonymous_count=2,
    )
    for present in (True, True, True, False):
        reg = RegistrationFactory(
            session=held,
            status=RegistrationStatus.PRESENT if present else RegistrationStatus.ABSENT,
        )
        Attendance.objects.create(session=held, registration=reg, present=present)
    SessionFactory(
        workshop=workshop,
        venue=venue,
        start=at(dt.date(2026, 11, 21), 10),
        status=SessionStatus.CANCELLED_LOW_ATTENDANCE,
    )
    return {"permanence": permanence, "other": other_perm, "same_person": same_person}


def sql_scalar(sql: str, params: list) -> int:
    """A count made directly in SQL, beside the ORM."""
    ops = connection.ops
    adapted = [
        ops.adapt_datetimefield_value(p) if isinstance(p, dt.datetime) else p for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, adapted)
        return cursor.fetchone()[0] or 0


def sql_appointments(commune_id: int, period: Period, status: str | None = None) -> int:
    start, end = period.bounds()
    sql = (
        "SELECT COUNT(*) FROM scheduling_appointment a "
        "JOIN scheduling_permanence p ON p.id = a.permanence_id "
        "WHERE p.commune_id = %s AND a.start >= %s AND a.start < %s"
    )
    params: list = [commune_id, start, end]
    if status:
        sql += " AND a.status = %s"
        params.append(status)
    return sql_scalar(sql, params)


def sql_counts(sql: str, params: list) -> dict:
    """``{key: count}`` from a two-column ``GROUP BY`` made directly in SQL."""
    ops = connection.ops
    adapted = [
        ops.adapt_datetimefield_value(p) if isinstance(p, dt.datetime) else p for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, adapted)
        return {key: n for key, n in cursor.fetchall()}


RECORDS_OF_COMMUNE = (
    "FROM activity_activityrecord r WHERE r.commune_id = %s AND r.date >= %s AND r.date <= %s"
)


def add_collective_record(*, commune, adviser, venue, day, known, first_visits, anonymous):
    """A workshop record: ``known`` participants (the first ``first_visits`` of them new)
    and ``anonymous`` people counted without a name."""
    record = add_record(
        commune=commune,
        adviser=adviser,
        venue=venue,
        day=day,
        kind=TypeActivite.COLLECTIF,
        thematiques=("email", "securite_numerique"),
    )
    record.participants.all().delete()
    record.anon_total = anonymous
    record.anon_deja_accompagne = anonymous // 2
    record.level = "debutant"
    record.save(update_fields=["anon_total", "anon_deja_accompagne", "level"])
    for i in range(known):
        ActivityParticipant.objects.create(record=record, first_visit=i < first_visits)
    return record
