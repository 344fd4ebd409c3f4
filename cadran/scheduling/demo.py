"""A year of life for the demo permanences: appointments seen, missed and cancelled over the
last fourteen months, today's and this week's appointments, and the advisers' summer leave.

Called by ``manage.py seed_demo`` once the permanences (and the agreements that align their
validity) exist: ``load_demo_history(territory)``. Everything is dated relative to
``clock.today()`` and drawn from ``random.Random(seed)``: the demo has the same shape on
every run, whatever the day. Rows are written in bulk (about a thousand appointments): no
message is queued for the demo people; the audit log gets the lines the real flow would
have written (booked, then seen / absent / cancelled), at the dates they would have.

The people are invented (first names and surnames drawn from two lists), their phone
numbers are in the range ARCEP keeps for fiction (06 39 98 xx xx), their e-mail addresses
at ``example.org``. Most live in the permanence's commune, some elsewhere on the territory,
a few outside it (``outside_insee``). Some were only seen thirteen or fourteen months ago:
the retention purge (docs/donnees-personnelles.md) has people to anonymise.

Running it again changes nothing (it stops if the territory already has past appointments).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
)
from django.db.models.functions import Cast

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.territory.models import Territory

from .enums import AppointmentStatus, Channel, Thematique
from .models import Appointment, AppointmentTopic, Beneficiary, Closure, Permanence
from .slots import free_slots

HISTORY_DAYS = 430  # about fourteen months: the last twelve, and some for the purge
UPCOMING_DAYS = 7  # this week's work

FIRST_NAMES = [
    "Jeanne", "Marcel", "Yvette", "Ahmed", "Paulette", "Gérard", "Monique", "Bernard",
    "Josiane", "André", "Christiane", "Daniel", "Nadia", "Francis", "Martine", "Karim",
    "Odette", "Jean-Pierre", "Sylvie", "Rachid", "Ginette", "Michel", "Fatima", "Alain",
    "Colette", "Patrick", "Brigitte", "Serge", "Chantal", "Mohamed", "Denise", "Thierry",
    "Nicole", "Roger", "Sandrine", "Kévin", "Lucienne", "Dylan", "Maryse", "Océane",
    "Huguette", "Jordan", "Renée", "Mélissa", "Lucien", "Samira", "Raymond", "Léa",
]  # fmt: skip
FEMININE_FIRST_NAMES = frozenset(
    {
        "Jeanne", "Yvette", "Paulette", "Monique", "Josiane", "Christiane", "Nadia", "Martine",
        "Odette", "Sylvie", "Ginette", "Fatima", "Colette", "Brigitte", "Chantal", "Denise",
        "Nicole", "Sandrine", "Lucienne", "Maryse", "Océane", "Huguette", "Renée", "Mélissa",
        "Samira", "Léa",
    }
)  # fmt: skip
LAST_NAMES = [
    "Lefebvre", "Dubois", "Delattre", "Benali", "Vandenbussche", "Lemaire", "Desmet",
    "Leroy", "Vanhoutte", "Carpentier", "Deneuville", "Wallart", "Dhalluin", "Bouchart",
    "Decroix", "Verhaeghe", "Lecomte", "Ramery", "Duhamel", "Hennebelle", "Brassart",
    "Delannoy", "Mahieu", "Verdière", "Lagache", "Coppin", "Delassus", "Flament",
    "Caron", "Delerue", "Haddad", "Bultel", "Demeestere", "Vasseur", "Lesage", "Ziane",
    "Dewaele", "Cornil", "Taccoen", "Pruvost", "Duquesne", "Bonte",
]  # fmt: skip

# Reasons people come for, and how often (the convention's article 2 first).
TOPIC_WEIGHTS = [
    (Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES, 30),
    (Thematique.PRENDRE_EN_MAIN_DU_MATERIEL, 16),
    (Thematique.EMAIL, 10),
    (Thematique.SANTE, 8),
    (Thematique.BANQUE_ET_ACHATS_EN_LIGNE, 7),
    (Thematique.SECURITE_NUMERIQUE, 7),
    (Thematique.RESEAUX_SOCIAUX, 5),
    (Thematique.INSERTION_PROFESSIONNELLE, 5),
    (Thematique.NAVIGATION_SUR_INTERNET, 4),
    (Thematique.GERE_SES_CONTENUS_NUMERIQUES, 4),
    (Thematique.SCOLARITE_ET_NUMERIQUE, 3),
    (Thematique.BUREAUTIQUE, 2),
    (Thematique.MAINTENANCE_DE_MATERIEL, 2),
    (Thematique.INTELLIGENCE_ARTIFICIELLE, 1),
]
# What became of a past appointment: mostly « venu ».
PAST_STATUS_WEIGHTS = [
    (AppointmentStatus.SEEN, 78),
    (AppointmentStatus.NOSHOW, 8),
    (AppointmentStatus.EXCUSED, 9),
    (AppointmentStatus.REVOKED, 5),
]
CHANNEL_WEIGHTS = [
    (Channel.PHONE, 55),
    (Channel.ONLINE, 28),
    (Channel.WALK_IN, 11),
    (Channel.REFERRAL, 6),
]
LEAD_DAYS = (1, 2, 4, 7, 14, 21)  # how long before the slot the appointment was taken
RETURN_RATE = 0.35  # a person seen before at the same permanence comes back
BUSY_PERMANENCE_RATE = 0.8  # share of slots taken at the busiest permanence
OTHER_PERMANENCE_RATE = 0.5


def _weighted(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    values, w = zip(*weights, strict=True)
    return rng.choices(values, weights=w, k=1)[0]


def _paris(day: dt.date, time: dt.time = dt.time.min) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=clock.PARIS)


def _summer_leave(territory: Territory, today: dt.date, first: dt.date) -> int:
    """Each adviser's three weeks of summer leave, in the last August that is over."""
    year = today.year if today >= dt.date(today.year, 9, 1) else today.year - 1
    start = dt.date(year, 8, 1)
    start += dt.timedelta(days=(7 - start.weekday()) % 7)  # the first Monday of August
    if start < first:
        return 0
    coordinator = User.objects.filter(territory=territory, role=Role.COORDINATOR).first()
    advisers = User.objects.filter(territory=territory, role=Role.ADVISER).order_by("pk")
    closures = [
        Closure(
            territory=territory,
            adviser=adviser,
            start=_paris(start + dt.timedelta(weeks=n % 2)),
            end=_paris(start + dt.timedelta(weeks=n % 2 + 3)),
            reason="Congés d'été (exemple)",
            created_by=coordinator,
        )
        for n, adviser in enumerate(advisers)
    ]
    Closure.objects.bulk_create(closures)
    return len(closures)


class _People:
    """The invented people, made as they first come."""

    def __init__(self, territory: Territory, rng: random.Random, communes: list[str], outside):
        self.territory, self.rng = territory, rng
        self.communes, self.outside = communes, list(outside)
        names = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(names)
        self.names = iter(names)
        self.made: list[Beneficiary] = []
        self.recent: dict[int, list[Beneficiary]] = defaultdict(list)

    def for_permanence(self, permanence: Permanence) -> Beneficiary:
        recent = self.recent[permanence.pk]
        if recent and self.rng.random() < RETURN_RATE:
            return self.rng.choice(recent[-20:])
        person = self._new(permanence.commune.insee_code)
        recent.append(person)
        return person

    def _new(self, home: str) -> Beneficiary:
        rng = self.rng
        first, last = next(self.names)
        draw = rng.random()
        if draw < 0.68:
            insee = home
        elif draw < 0.92 or not self.outside:
            insee = rng.choice(self.communes)
        else:
            insee = rng.choice(self.outside)
        contact = rng.random()
        number = len(self.made)
        person = Beneficiary(
            territory=self.territory,
            first_name=first,
            last_name=last,
            phone=f"063998{number // 100 % 100:02d}{number % 100:02d}" if contact < 0.75 else "",
            email=(
                f"{first}.{last}.{number}@example.org".lower()
                .replace(" ", "")
                .replace("é", "e")
                .replace("è", "e")
                .replace("ï", "i")
                if 0.75 <= contact < 0.9
                else ""
            ),
            no_phone=contact >= 0.9,
            residence_insee=insee,
            birth_year=None if rng.random() < 0.1 else int(rng.triangular(1935, 2006, 1952)),
        )
        self.made.append(person)
        return person


def _plan(
    permanences: list[Permanence], *, first: dt.date, today: dt.date, now: dt.datetime
) -> list:
    """The slots of the history and of the coming week, free of holidays and closures."""
    past = free_slots(
        permanences, date_from=first, date_to=today, now=_paris(first), for_staff=True
    )
    coming = free_slots(
        permanences,
        date_from=today,
        date_to=today + dt.timedelta(days=UPCOMING_DAYS),
        now=now,
        for_staff=True,
    )
    seen = {(s.permanence_id, s.start) for s in past}
    return past + [s for s in coming if (s.permanence_id, s.start) not in seen]


def load_demo_history(
    territory: Territory,
    *,
    seed: int = 14,
    busiest_insee: str = "59212",
    outside_insee: Sequence[str] = (),
) -> dict[str, int]:
    """Write the history once; returns what was created (all zeros the second time)."""
    now, today = clock.now(), clock.today()
    start_of_today = _paris(today)
    created = {"closures": 0, "beneficiaries": 0, "appointments": 0, "audit": 0}
    if Appointment.objects.filter(
        permanence__commune__territory=territory, start__lt=start_of_today
    ).exists():
        return created
    rng = random.Random(seed)
    first = today - dt.timedelta(days=HISTORY_DAYS)
    created["closures"] = _summer_leave(territory, today, first)
    permanences = list(
        Permanence.objects.filter(commune__territory=territory)
        .select_related("commune", "adviser")
        .order_by("pk")
    )
    by_pk = {p.pk: p for p in permanences}
    communes = sorted({p.commune.insee_code for p in permanences})
    people = _People(territory, rng, communes, outside_insee)

    appointments: list[Appointment] = []
    topics: dict[int, list[str]] = {}
    leads: list[int] = []
    for slot in _plan(permanences, first=first, today=today, now=now):
        permanence = by_pk[slot.permanence_id]
        today_slot = slot.start >= start_of_today
        rate = (
            BUSY_PERMANENCE_RATE
            if permanence.commune.insee_code == busiest_insee or today_slot
            else OTHER_PERMANENCE_RATE
        )
        if rng.random() >= rate:
            continue
        if slot.end <= now:
            status = _weighted(rng, PAST_STATUS_WEIGHTS)
            if today_slot and status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED):
                status = AppointmentStatus.SEEN  # today's sheet shows who came
        else:
            status = AppointmentStatus.BOOKED
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        lead = rng.choice(LEAD_DAYS)
        if slot.start - dt.timedelta(days=lead) > now:
            lead = 0
        appointments.append(
            Appointment(
                permanence=permanence,
                start=slot.start,
                end=slot.end,
                beneficiary=people.for_permanence(permanence),
                channel=channel,
                status=status,
                reference=new_reference(),
                token_hash=hash_token(new_token()),
                created_by=None if channel == Channel.ONLINE else permanence.adviser,
            )
        )
        count = 2 if rng.random() < 0.3 else 1
        chosen: list[str] = []
        while len(chosen) < count:
            code = _weighted(rng, TOPIC_WEIGHTS)
            if code not in chosen:
                chosen.append(code)
        topics[len(appointments) - 1] = chosen
        leads.append(lead)

    Beneficiary.objects.bulk_create(people.made, batch_size=500)
    for appointment in appointments:
        appointment.beneficiary = appointment.beneficiary  # the pk is known now
    Appointment.objects.bulk_create(appointments, batch_size=500)
    AppointmentTopic.objects.bulk_create(
        [
            AppointmentTopic(appointment=appointments[i], thematique=code)
            for i, codes in topics.items()
            for code in codes
        ],
        batch_size=1000,
    )
    # When each was taken (``created_at`` is set on insert): a few days before the slot.
    by_lead: dict[int, list[int]] = defaultdict(list)
    for appointment, lead in zip(appointments, leads, strict=True):
        if lead:
            by_lead[lead].append(appointment.pk)
    for lead, pks in by_lead.items():
        Appointment.objects.filter(pk__in=pks).update(
            created_at=ExpressionWrapper(
                F("start") - dt.timedelta(days=lead), output_field=DateTimeField()
            )
        )
    # A person is known from their first appointment.
    Beneficiary.objects.filter(pk__in=[p.pk for p in people.made]).update(
        created_at=Subquery(
            Appointment.objects.filter(beneficiary=OuterRef("pk"))
            .values("beneficiary")
            .annotate(first=Min("created_at"))
            .values("first")[:1]
        )
    )
    created["beneficiaries"] = len(people.made)
    created["appointments"] = len(appointments)
    created["audit"] = _audit(territory, appointments, now=now)
    return created


def _audit(territory: Territory, appointments: list[Appointment], *, now: dt.datetime) -> int:
    """The journal's lines of the real flow, dated when they would have been written."""
    content_type = ContentType.objects.get_for_model(Appointment)
    rows: list[AuditLog] = []
    outcome: dict[str, list[str]] = defaultdict(list)
    for a in appointments:
        where = a.permanence.commune.name
        rows.append(
            AuditLog(
                actor=a.created_by,
                territory=territory,
                action="appointment.booked",
                description=(
                    f"Rendez-vous {a.reference} pris ({Channel(a.channel).label.lower()}) pour "
                    f"le {clock.paris(a.start):%d/%m/%Y à %H:%M}, {where}."
                ),
                content_type=content_type,
                object_id=str(a.pk),
            )
        )
        if a.status in (AppointmentStatus.SEEN, AppointmentStatus.NOSHOW):
            label = AppointmentStatus(a.status).label
            rows.append(
                AuditLog(
                    actor=a.permanence.adviser,
                    territory=territory,
                    action="appointment.attendance",
                    description=f"Rendez-vous {a.reference} : Réservé → {label}.",
                    content_type=content_type,
                    object_id=str(a.pk),
                )
            )
            outcome["attendance"].append(str(a.pk))
        elif a.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED):
            staff = a.status == AppointmentStatus.REVOKED
            who = "par le service" if staff else "par la personne"
            rows.append(
                AuditLog(
                    actor=a.permanence.adviser if staff else None,
                    territory=territory,
                    action="appointment.cancelled",
                    description=f"Rendez-vous {a.reference} annulé {who}.",
                    content_type=content_type,
                    object_id=str(a.pk),
                )
            )
            outcome["cancelled"].append(str(a.pk))
    AuditLog.objects.bulk_create(rows, batch_size=1000)
    ids = [str(a.pk) for a in appointments]
    appointment = Appointment.objects.filter(pk=Cast(OuterRef("object_id"), IntegerField()))
    dated = AuditLog.objects.filter(content_type=content_type, territory=territory)
    dated.filter(action="appointment.booked", object_id__in=ids).update(
        created_at=Subquery(appointment.values("created_at")[:1])
    )
    # « venu » / « absent » noted at the end of the slot; cancellations the day before.
    dated.filter(action="appointment.attendance", object_id__in=outcome["attendance"]).update(
        created_at=Subquery(appointment.values("end")[:1])
    )
    day_before = appointment.annotate(
        at=ExpressionWrapper(F("start") - dt.timedelta(days=1), output_field=DateTimeField())
    )
    dated.filter(action="appointment.cancelled", object_id__in=outcome["cancelled"]).update(
        created_at=Subquery(day_before.values("at")[:1])
    )
    # Nothing is dated in the future (a cancellation of a slot taken the day before).
    dated.filter(object_id__in=ids, created_at__gt=now).update(created_at=now)
    return len(rows)
