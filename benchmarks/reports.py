"""Reports at scale: one year of activity for 4,000 advisers, report time versus a plain GROUP BY.

    .venv/bin/python benchmarks/reports.py [--advisers 4000] [--scale 1.0] [--runs 5]

Without ``DATABASE_URL``: a fresh SQLite file under ``var/`` (deleted at the end). With
``DATABASE_URL`` (PostgreSQL): a throw-away ``test_<name>`` database, dropped at the end.

Fills the database with ``manage.py generate_activity`` (progress bar), then measures, for
the largest commune (attendance report) and for the whole territory (dashboard), the median
time of the selectors against the floor: one plain ``GROUP BY`` per table the report reads,
over the same rows, in raw SQL, in the same run. Prints the ratio and PASS when ≤ 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LIMIT = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisers", type=int, default=4000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    sqlite_file: Path | None = None
    if not os.environ.get("DATABASE_URL"):
        sqlite_file = ROOT / "var" / f"bench-reports-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = None
    if sqlite_file is not None:
        call_command("migrate", verbosity=0, interactive=False)
    else:
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        call_command("generate_activity", advisers=args.advisers, year=args.year, scale=args.scale)
        ok = run(args)
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        else:
            connection.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    sys.exit(0 if ok else 1)


def median_times(report, floor, runs: int) -> tuple[float, float]:
    """Median times of ``report`` and ``floor``, measured in turns (report, floor, report,
    floor…) after one warm-up of each, so that a load that comes and goes on the machine
    weighs on both sides of the ratio alike."""
    report()
    floor()
    times: dict[str, list[float]] = {"report": [], "floor": []}
    for _ in range(runs):
        for name, fn in (("report", report), ("floor", floor)):
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return statistics.median(times["report"]), statistics.median(times["floor"])


def floor_queries(where_perm: str, where_record: str, where_session: str):
    """One plain GROUP BY per table the report reads, over the same rows."""
    return [
        "SELECT a.status, COUNT(*) FROM scheduling_appointment a "
        "JOIN scheduling_permanence p ON p.id = a.permanence_id "
        f"WHERE {where_perm} AND a.start >= %s AND a.start < %s GROUP BY a.status",
        "SELECT t.thematique, COUNT(*) FROM scheduling_appointmenttopic t "
        "JOIN scheduling_appointment a ON a.id = t.appointment_id "
        "JOIN scheduling_permanence p ON p.id = a.permanence_id "
        f"WHERE {where_perm} AND a.start >= %s AND a.start < %s GROUP BY t.thematique",
        "SELECT r.autonomie, COUNT(*) FROM activity_activityrecord r "
        f"WHERE {where_record} AND r.date >= %s AND r.date <= %s GROUP BY r.autonomie",
        "SELECT t.thematique, COUNT(*) FROM activity_activitythematique t "
        "JOIN activity_activityrecord r ON r.id = t.record_id "
        f"WHERE {where_record} AND r.date >= %s AND r.date <= %s GROUP BY t.thematique",
        "SELECT s.status, COUNT(*) FROM workshops_session s JOIN territory_venue v "
        f"ON v.id = s.venue_id WHERE {where_session} AND s.start >= %s AND s.start < %s "
        "GROUP BY s.status",
    ]


def run(args) -> bool:
    import datetime as dt

    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from cadran.reporting.selectors import Period, attendance_report, territory_dashboard
    from cadran.scheduling.models import Appointment
    from cadran.territory.models import Commune, Territory

    ops = connection.ops
    territory = Territory.objects.get(slug=f"bench-{args.year}")
    period = Period(dt.date(args.year, 1, 1), dt.date(args.year, 12, 31))
    start, end = (ops.adapt_datetimefield_value(x) for x in period.bounds())
    dates = (ops.adapt_datefield_value(period.start), ops.adapt_datefield_value(period.end))
    top = (
        Appointment.objects.filter(permanence__commune__territory=territory)
        .values("permanence__commune_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    commune = Commune.objects.select_related("territory").get(pk=top["permanence__commune_id"])
    total = Appointment.objects.filter(permanence__commune__territory=territory).count()

    def floor(where_perm, where_record, where_session, key):
        def go():
            with connection.cursor() as cursor:
                for sql in floor_queries(where_perm, where_record, where_session):
                    params = [key, *(dates if "r.date" in sql else (start, end))]
                    cursor.execute(sql, params)
                    cursor.fetchall()

        return go

    cases = [
        (
            f"rapport de la commune {commune.name} ({top['n']} rendez-vous)",
            lambda: attendance_report(commune=commune, period=period),
            floor("p.commune_id = %s", "r.commune_id = %s", "v.commune_id = %s", commune.pk),
        ),
        (
            f"tableau de bord du territoire ({total} rendez-vous)",
            lambda: territory_dashboard(territory=territory, period=period),
            floor(
                "p.commune_id IN (SELECT id FROM territory_commune WHERE territory_id = %s)",
                "r.territory_id = %s",
                "v.commune_id IN (SELECT id FROM territory_commune WHERE territory_id = %s)",
                territory.pk,
            ),
        ),
    ]
    print(f"Base de données : {connection.vendor}")
    ok = True
    for label, report, base in cases:
        report_time, floor_time = median_times(report, base, args.runs)
        connection.queries_log.clear()  # with DEBUG on, the load filled the log to its limit
        with CaptureQueriesContext(connection) as queries:
            report()
        ratio = report_time / floor_time if floor_time else float("inf")
        verdict = "PASS" if ratio <= LIMIT else "FAIL"
        ok &= verdict == "PASS"
        print(
            f"  {label} : rapport {report_time * 1000:8.1f} ms "
            f"({len(queries.captured_queries)} requêtes), "
            f"GROUP BY simples {floor_time * 1000:8.1f} ms, ratio {ratio:.2f}× → {verdict}"
        )
    return ok


if __name__ == "__main__":
    main()
