"""One sweep over 100,000 future appointments, compared with a sweep over an empty database.

    .venv/bin/python benchmarks/sweep.py [--appointments 100000] [--runs 5]

Uses a fresh SQLite file in a temporary directory, or the PostgreSQL database named by
``DATABASE_URL`` (it must be an empty, throw-away database: the script migrates it and
fills it). Prints the median time of a sweep, the ratio and the number of queries: the
sweep reads only what is due, so neither should grow with the number of appointments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="cadran-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadran.accounts.models import User
    from cadran.core.clock import PARIS
    from cadran.core.sweep import run_sweep
    from cadran.scheduling.models import Appointment, Beneficiary, Permanence
    from cadran.territory.models import Commune, Territory, Venue

    call_command("migrate", verbosity=0)
    now = dt.datetime(2026, 12, 1, 10, 30, tzinfo=PARIS)

    def measure() -> tuple[float, int]:
        run_sweep(now=now)  # warm caches (content types)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run_sweep(now=now)
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            report = run_sweep(now=now)
        assert report.total == 0 and not report.errors, report
        return statistics.median(times), len(queries)

    empty_time, empty_queries = measure()

    territory = Territory.objects.create(name="Bench", short_name="B", slug="bench")
    commune = Commune.objects.create(
        territory=territory,
        insee_code="59999",
        name="Banc",
        slug="banc",
        postcode="59000",
        department="59",
    )
    venue = Venue.objects.create(commune=commune, name="Mairie", address="Place")
    adviser = User.objects.create_user(
        "bench@example.org",
        None,
        first_name="B",
        last_name="B",
        role="adviser",
        territory=territory,
    )
    permanences = [
        Permanence.objects.create(
            commune=commune,
            venue=venue,
            adviser=adviser,
            weekday=d % 7,
            start_time=dt.time(9),
            end_time=dt.time(12),
            valid_from=dt.date(2024, 1, 1),
        )
        for d in range(10)
    ]
    people = Beneficiary.objects.bulk_create(
        Beneficiary(
            territory=territory,
            first_name="P",
            last_name=str(i),
            email=f"p{i}@example.org",
            phone=f"06{i:08d}",
        )
        for i in range(1000)
    )
    # Future appointments from the day after tomorrow: none is due at ``now``.
    first = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)  # 9h in Paris; UTC arithmetic
    started = time.perf_counter()
    Appointment.objects.bulk_create(
        (
            Appointment(
                permanence=permanences[i % 10],
                start=first + dt.timedelta(minutes=30 * (i // 10)),
                end=first + dt.timedelta(minutes=30 * (i // 10) + 30),
                beneficiary=people[i % 1000],
                channel="online",
                reference=f"B{i:09d}",
                token_hash=f"{i:064d}",
            )
            for i in range(args.appointments)
        ),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    fill = time.perf_counter() - started
    full_time, full_queries = measure()

    print(
        f"database: {connection.vendor}; {args.appointments} appointments created in {fill:.1f} s"
    )
    print(f"sweep, empty database:        {empty_time * 1000:8.2f} ms, {empty_queries} queries")
    print(
        f"sweep, {args.appointments} appointments: {full_time * 1000:8.2f} ms, {full_queries} queries"
    )
    print(f"ratio: {full_time / empty_time:.2f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
