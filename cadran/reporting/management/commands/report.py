"""Produce a report from the command line.

    manage.py report --commune 59212 --from 2026-01-01 --to 2026-12-31 --format pdf --output f.pdf
    manage.py report --territory ccfl --from 2026-01-01 --to 2026-12-31 --format xlsx --output t.xlsx

A commune's report is what goes to the commune: counts of 1 or 2 people are written « < 3 ».
A progress bar on stderr shows the steps (figures, document, file).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cadran.reporting import exports
from cadran.reporting.progress import Progress
from cadran.reporting.selectors import (
    MAX_PERIOD_DAYS,
    Period,
    attendance_report,
    territory_dashboard,
)
from cadran.territory.models import Commune, Territory


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value} (attendu AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = "Produit l'état de la fréquentation d'une commune ou le tableau de bord du territoire."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--commune", help="Code INSEE de la commune")
        target.add_argument("--territory", help="Identifiant (slug) du territoire")
        parser.add_argument("--from", dest="date_from", required=True, help="AAAA-MM-JJ")
        parser.add_argument("--to", dest="date_to", required=True, help="AAAA-MM-JJ (inclus)")
        parser.add_argument(
            "--format", choices=[*exports.FORMATS, "json"], default="pdf", dest="fmt"
        )
        parser.add_argument("--output", required=True, help="Fichier à écrire ('-' : sortie)")

    def handle(self, *args, commune, territory, date_from, date_to, fmt, output, **options):
        start, end = _date(date_from), _date(date_to)
        if end < start:
            raise CommandError("La date de fin doit être après la date de début.")
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise CommandError("La période ne peut pas dépasser dix ans.")
        period = Period(start, end)
        progress = Progress(3, f"{period.label}", stream=self.stderr._out)
        if commune:
            place = Commune.objects.select_related("territory").filter(insee_code=commune).first()
            if place is None:
                raise CommandError(f"Commune inconnue : {commune}")
            report = attendance_report(commune=place, period=period)
            progress.advance()
            if fmt == "json":
                payload = exports.report_json(report, masked=True)
                content = json.dumps(payload, ensure_ascii=False, indent=2).encode()
            else:
                content = exports.render(exports.report_document(report, masked=True), fmt)
        else:
            place = Territory.objects.filter(slug=territory).first()
            if place is None:
                raise CommandError(f"Territoire inconnu : {territory}")
            board = territory_dashboard(territory=place, period=period)
            progress.advance()
            if fmt == "json":
                payload = exports.dashboard_json(board)
                content = json.dumps(payload, ensure_ascii=False, indent=2).encode()
            else:
                content = exports.render(exports.dashboard_document(board), fmt)
        progress.advance()
        if output == "-":
            self.stdout.write(content.decode("utf-8", errors="replace"))
        else:
            Path(output).write_bytes(content)
        progress.advance()
        if output != "-":
            self.stdout.write(f"Écrit : {output} ({len(content)} octets)")
