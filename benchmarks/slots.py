"""Three months of free slots for the eight communes: empty database versus 10,000 appointments.

    .venv/bin/python benchmarks/slots.py [--appointments 10000] [--runs 9]

Without ``DATABASE_URL``: a fresh SQLite file under ``var/`` (deleted at the end), never the
demo database. With ``DATABASE_URL`` (PostgreSQL): a throw-away ``test_<name>`` database is
created next to the one named, then dropped; the named database is not touched.

Prints the median time of one computation before and after the appointments are inserted,
their ratio and the number of queries. ``free_slots`` reads only the appointments of the
period asked, in a fixed number of queries: neither should grow much with the history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RANGE_DAYS = 92  # three months, the public booking window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    sqlite_file: Path | None = None
    if not os.environ.get("DATABASE_URL"):
        sqlite_file = ROOT / "var" / f"bench-slots-{os.getpid()}.sqlite3"
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if sqlite_file is not None:
        call_command("migrate", verbosity=0, interactive=False)
        old_name = None
    else:
        # Never fill the database the URL names: work in a fresh test_<name> copy.
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args)
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        else:
            connection.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)


def run(args) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadran.core.clock import PARIS
    from cadran.core.tokens import hash_token
    from cadran.scheduling.calendars import public_holidays
    from cadran.scheduling.enums import AppointmentStatus, Channel, Thematique
    from cadran.scheduling.models import Appointment, AppointmentTopic, Beneficiary, Permanence
    from cadran.scheduling.slots import WeeklyRule, compute_free_slots, free_slots

    now = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    date_from = now.date()
    date_to = date_from + dt.timedelta(days=RANGE_DAYS)
    permanences = create_territory()

    def compute():
        perms = list(Permanence.objects.with_related())
        return free_slots(perms, date_from=date_from, date_to=date_to, now=now)

    def measure() -> tuple[float, int, int]:
        compute()  # warm up (connection, holiday tables)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            compute()
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            slots = compute()
        return statistics.median(times), len(queries), len(slots)

    base_time, base_queries, base_slots = measure()

    # 10,000 appointments on distinct slots of the eight permanences, from their first
    # Wednesday in 2020 to 2030: most in the past, some in the three months measured.
    first, last = dt.date(2020, 1, 1), dt.date(2030, 12, 31)
    closed = public_holidays(first, last)
    candidates = [
        slot
        for perm in permanences
        for slot in compute_free_slots(
            permanence_id=perm.pk,
            rule=WeeklyRule.of(perm),
            date_from=first,
            date_to=last,
            closed_days=closed,
        )
    ]
    if args.appointments > len(candidates):
        sys.exit(f"Au plus {len(candidates)} rendez-vous possibles sur ces créneaux.")
    rng = random.Random(2026)  # same data at every run
    chosen = rng.sample(candidates, args.appointments)
    territory_id = permanences[0].commune.territory_id
    people = Beneficiary.objects.bulk_create(
        Beneficiary(territory_id=territory_id, first_name=f"Prénom{i}", last_name=f"Nom{i}")
        for i in range(500)
    )
    perm_by_id = {p.pk: p for p in permanences}
    rows = []
    for i, slot in enumerate(chosen):
        if slot.start < now:
            status = rng.choices(
                [AppointmentStatus.SEEN, AppointmentStatus.NOSHOW, AppointmentStatus.EXCUSED],
                weights=[80, 10, 10],
            )[0]
        else:
            status = rng.choices(
                [AppointmentStatus.BOOKED, AppointmentStatus.REVOKED], weights=[90, 10]
            )[0]
        rows.append(
            Appointment(
                permanence=perm_by_id[slot.permanence_id],
                start=slot.start,
                end=slot.end,
                beneficiary=rng.choice(people),
                channel=Channel.PHONE,
                status=status,
                reference=f"B{i:07d}",
                token_hash=hash_token(f"bench-{i}"),
            )
        )
    appointments = Appointment.objects.bulk_create(rows, batch_size=1000)
    topics = list(Thematique.values)
    AppointmentTopic.objects.bulk_create(
        (AppointmentTopic(appointment=a, thematique=rng.choice(topics)) for a in appointments),
        batch_size=1000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    in_range = Appointment.objects.active().filter(
        start__date__gte=date_from, start__date__lte=date_to
    )

    full_time, full_queries, full_slots = measure()

    print(f"Base de données : {connection.vendor}")
    print(
        f"Créneaux libres du {date_from:%d/%m/%Y} au {date_to:%d/%m/%Y} pour "
        f"{len(permanences)} permanences, médiane de {args.runs} mesures"
    )
    print(
        f"  référence, sans rendez-vous : {base_time * 1000:8.1f} ms, "
        f"{base_queries} requêtes, {base_slots} créneaux libres"
    )
    print(
        f"  avec {Appointment.objects.count():,} rendez-vous".replace(",", " ")
        + f" ({in_range.count()} actifs dans la période) : {full_time * 1000:8.1f} ms, "
        f"{full_queries} requêtes, {full_slots} créneaux libres"
    )
    print(f"ratio = {full_time / base_time:.1f}× la référence")


def create_territory():
    """The CCFL's eight communes and their permanences, as in ``seed_demo``."""
    import csv

    from django.utils.text import slugify

    from cadran.accounts.enums import Role
    from cadran.accounts.models import User
    from cadran.core.management.commands.seed_demo import CSV_PATH, PERMANENCES
    from cadran.scheduling.models import Permanence
    from cadran.territory.models import Commune, Territory, Venue

    territory = Territory.objects.create(name="CCFL (banc d'essai)", short_name="CCFL", slug="ccfl")
    advisers: dict[str, User] = {}
    permanences = []
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            commune = Commune.objects.create(
                territory=territory,
                insee_code=row["insee_code"],
                name=row["name"],
                slug=slugify(row["name"]),
                postcode=row["postcode"],
                department=row["department"],
            )
            weekday, start, end, email = PERMANENCES[row["insee_code"]]
            if email not in advisers:
                advisers[email] = User.objects.create_user(
                    email,
                    None,
                    first_name="Conseiller",
                    last_name=email,
                    role=Role.ADVISER,
                    territory=territory,
                )
            venue = Venue.objects.create(
                commune=commune, name=f"Lieu de {commune.name}", address="-"
            )
            permanences.append(
                Permanence.objects.create(
                    commune=commune,
                    venue=venue,
                    adviser=advisers[email],
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    slot_minutes=60,
                    valid_from=dt.date(2020, 1, 1),
                )
            )
    return permanences


if __name__ == "__main__":
    main()
