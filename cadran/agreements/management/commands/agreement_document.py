"""Write a commune's convention (or one of its amendments) as a PDF or an ODT file.

python manage.py agreement_document --commune 59212 --format pdf --output convention.pdf
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cadran.agreements.documents import (
    DocumentIncomplete,
    agreement_document,
    amendment_document,
)
from cadran.agreements.enums import DocumentFormat
from cadran.agreements.models import Agreement


class Command(BaseCommand):
    help = "Écrit la convention d'une commune (ou un avenant) en PDF ou en ODT."

    def add_arguments(self, parser):
        parser.add_argument(
            "--commune", required=True, help="Code INSEE de la commune (ex. 59212)."
        )
        parser.add_argument(
            "--format", dest="fmt", choices=DocumentFormat.values, default=DocumentFormat.PDF
        )
        parser.add_argument("--output", required=True, help="Fichier à écrire.")
        parser.add_argument(
            "--amendment",
            type=int,
            default=None,
            help="Numéro d'un avenant, à la place de la convention.",
        )

    def handle(self, *args, commune, fmt, output, amendment, **options):
        agreement = (
            Agreement.objects.filter(commune__insee_code=commune)
            .order_by("-start_date", "-pk")
            .first()
        )
        if agreement is None:
            raise CommandError(f"Aucune convention pour la commune {commune}.")
        try:
            if amendment is not None:
                found = agreement.amendments.filter(number=amendment).first()
                if found is None:
                    raise CommandError(f"Pas d'avenant n°{amendment} pour cette convention.")
                document = amendment_document(found, fmt)
            else:
                document = agreement_document(agreement, fmt)
        except DocumentIncomplete as exc:
            raise CommandError(exc.message) from exc
        path = Path(output)
        path.write_bytes(document.content)
        self.stdout.write(
            self.style.SUCCESS(f"{path} écrit ({len(document.content)} octets, {fmt.upper()}).")
        )
