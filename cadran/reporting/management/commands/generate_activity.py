"""Fill a database with one year of activity for the reports benchmark.

    manage.py generate_activity --advisers 4000 --year 2026 [--scale 0.01]

One territory (``bench-<year>``), one commune for every 40 advisers, each adviser one weekly
permanence of three one-hour slots; every slot of the year is booked (``--scale`` keeps
that share of them), with realistic statuses, one reason each, and an activity record
(one thématique, one participant) for each appointment seen. About a million records at
full scale. Rows go in with ``bulk_create`` by batches; a progress bar shows the weeks.
Never run it on a database that matters: it only adds rows, but many.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.activity.enums import Autonomie, TypeActivite, TypeLieu
from cadran.activity.models import ActivityParticipant, ActivityRecord, ActivityThematique
from cadran.core.clock import PARIS
from cadran.reporting.progress import Progress
from cadran.scheduling.enums import AppointmentStatus, Channel, Thematique
from cadran.scheduling.models import Appointment, AppointmentTopic, Beneficiary, Permanence
from cadran.territory.models import Commune, Territory, Venue

ADVISERS_PER_COMMUNE = 40
BATCH = 5000
STATUSES = [
    AppointmentStatus.SEEN,
    AppointmentStatus.NOSHOW,
    AppointmentStatus.EXCUSED,
    AppointmentStatus.REVOKED,
]
WEIGHTS = [80, 8, 8, 4]


class Command(BaseCommand):
    help = "Remplit la base avec une année d'activité (banc d'essai des rapports)."

    def add_arguments(self, parser):
        parser.add_argument("--advisers", type=int, default=4000)
        parser.add_argument("--year", type=int, default=2026)
        parser.add_argument("--scale", type=float, default=1.0, help="Part des créneaux réservés")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, advisers, year, scale, seed, **options):
        if advisers < 1 or not 0 < scale <= 1:
            raise CommandError("--advisers ≥ 1 et 0 < --scale ≤ 1.")
        slug = f"bench-{year}"
        if Territory.objects.filter(slug=slug).exists():
            raise CommandError(f"Le territoire {slug} existe déjà dans cette base.")
        rng = random.Random(seed)
        with transaction.atomic():
            territory, perms, people = self._structure(slug, advisers, year)
        weeks = [dt.date(year, 1, 1) + dt.timedelta(weeks=i) for i in range(53)]
        weeks = [w for w in weeks if w.year == year]
        progress = Progress(len(weeks), "semaines", stream=self.stderr._out)
        total = {"appointments": 0, "records": 0}
        seq = 0
        topics = list(Thematique.values)
        for monday in weeks:
            appointments, seen = [], []
            for perm in perms:
                day = monday + dt.timedelta(days=(perm.weekday - monday.weekday()) % 7)
                if day.year != year:
                    continue
                for hour in (9, 10, 11):
                    if rng.random() > scale:
                        continue
                    seq += 1
                    start = dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)
                    status = rng.choices(STATUSES, WEIGHTS)[0]
                    appointments.append(
                        Appointment(
                            permanence_id=perm.pk,
                            start=start,
                            end=start + dt.timedelta(hours=1),
                            beneficiary_id=rng.choice(people),
                            channel=Channel.PHONE,
                            status=status,
                            reference=f"G{seq:010d}",
                            token_hash=f"gen-{year}-{seq}",
                        )
                    )
            with transaction.atomic():
                made = Appointment.objects.bulk_create(appointments, batch_size=BATCH)
                AppointmentTopic.objects.bulk_create(
                    (
                        AppointmentTopic(appointment_id=a.pk, thematique=rng.choice(topics))
                        for a in made
                    ),
                    batch_size=BATCH,
                )
                by_perm = {p.pk: p for p in perms}
                records = []
                for a in made:
                    if a.status != AppointmentStatus.SEEN:
                        continue
                    perm = by_perm[a.permanence_id]
                    local = a.start.astimezone(PARIS)
                    seen.append(a)
                    records.append(
                        ActivityRecord(
                            territory_id=territory.pk,
                            kind=TypeActivite.INDIVIDUEL,
                            date=local.date(),
                            duration_minutes=60,
                            place_type=TypeLieu.LIEU_ACTIVITE,
                            venue_id=perm.venue_id,
                            commune_id=perm.commune_id,
                            place_insee="",
                            adviser_id=perm.adviser_id,
                            appointment_id=a.pk,
                            autonomie=rng.choice(Autonomie.values),
                            oriented=rng.random() < 0.2,
                            created_at=a.end,
                            updated_at=a.end,
                            locked_at=a.end + dt.timedelta(days=7),
                        )
                    )
                records = ActivityRecord.objects.bulk_create(records, batch_size=BATCH)
                ActivityThematique.objects.bulk_create(
                    (
                        ActivityThematique(record_id=r.pk, thematique=rng.choice(topics))
                        for r in records
                    ),
                    batch_size=BATCH,
                )
                ActivityParticipant.objects.bulk_create(
                    (
                        ActivityParticipant(record_id=r.pk, first_visit=rng.random() < 0.3)
                        for r in records
                    ),
                    batch_size=BATCH,
                )
            total["appointments"] += len(made)
            total["records"] += len(records)
            progress.advance()
        self._analyze()
        self.stdout.write(
            f"{total['appointments']} rendez-vous et {total['records']} comptes rendus "
            f"pour {len(perms)} conseillers dans le territoire {slug}."
        )

    def _analyze(self) -> None:
        """Refresh the planner's statistics of the tables just filled, as autovacuum (or
        SQLite's ``PRAGMA optimize``) does on a live database. Without them PostgreSQL
        still believes the tables empty right after the load and joins a million rows in
        nested loops (a report 5× slower, measured)."""
        models = (
            Territory,
            Commune,
            Venue,
            User,
            Permanence,
            Beneficiary,
            Appointment,
            AppointmentTopic,
            ActivityRecord,
            ActivityThematique,
            ActivityParticipant,
        )
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def _structure(self, slug: str, advisers: int, year: int):
        territory = Territory.objects.create(
            name=f"Banc d'essai {year}", short_name="BENCH", slug=slug
        )
        n_communes = max(1, advisers // ADVISERS_PER_COMMUNE)
        communes = Commune.objects.bulk_create(
            Commune(
                territory=territory,
                insee_code=f"{90000 + i:05d}"[-5:],
                name=f"Commune {i}",
                slug=f"{slug}-c{i}",
                postcode="59000",
                department="59",
            )
            for i in range(n_communes)
        )
        venues = Venue.objects.bulk_create(
            Venue(commune_id=c.pk, name=f"Mairie {c.name}", address="Place") for c in communes
        )
        users = User.objects.bulk_create(
            (
                User(
                    email=f"{slug}-{i}@example.org",
                    first_name="Conseiller",
                    last_name=f"{i:05d}",
                    role=Role.ADVISER,
                    territory=territory,
                    password="!",  # noqa: S106 — an unusable password, as set_unusable_password() writes
                )
                for i in range(advisers)
            ),
            batch_size=BATCH,
        )
        perms = Permanence.objects.bulk_create(
            (
                Permanence(
                    commune_id=communes[i % n_communes].pk,
                    venue_id=venues[i % n_communes].pk,
                    adviser_id=u.pk,
                    weekday=i % 5,
                    start_time=dt.time(9),
                    end_time=dt.time(12),
                    slot_minutes=60,
                    valid_from=dt.date(year, 1, 1),
                )
                for i, u in enumerate(users)
            ),
            batch_size=BATCH,
        )
        people = Beneficiary.objects.bulk_create(
            (
                Beneficiary(territory=territory, first_name="P", last_name=f"{i}")
                for i in range(max(100, advisers * 50))
            ),
            batch_size=BATCH,
        )
        return territory, perms, [p.pk for p in people]
