"""``manage.py load_territory FILE``: create or update a territory from its TOML file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cadran.territory.declaration import DeclarationError, load


class Command(BaseCommand):
    help = (
        "Crée ou met à jour un territoire depuis un fichier TOML (identité, communes, lieux, "
        "bibliothèques, personnel, permanences, règles). Voir docs/adopter-cadran.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="le fichier du territoire (.toml)")
        parser.add_argument(
            "--verifier",
            "--dry-run",
            action="store_true",
            dest="dry_run",
            help="tout vérifier sans rien enregistrer",
        )
        parser.add_argument(
            "--sans-invitation",
            action="store_true",
            dest="no_invite",
            help="ne pas envoyer d'e-mail aux nouveaux comptes pour choisir leur mot de passe",
        )

    def handle(self, *args, file, dry_run, no_invite, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"Fichier introuvable : {path}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} n'est pas un texte en UTF-8.") from exc
        self.stdout.write(f"Lecture de {path}…")
        try:
            report = load(text, invite=not no_invite, dry_run=dry_run, progress=self.stdout.write)
        except DeclarationError as exc:
            lines = "\n".join(f"  {path}:{p}" for p in exc.text().splitlines())
            raise CommandError(
                f"Rien n'a été enregistré : {len(exc.problems)} problème(s) à corriger.\n{lines}"
            ) from exc
        self.stdout.write(report.summary())
        if dry_run:
            self.stdout.write(
                self.style.WARNING("Vérification seulement : rien n'a été enregistré.")
            )
        elif report.changes:
            self.stdout.write(self.style.SUCCESS(f"Territoire « {report.territory} » à jour."))
        else:
            self.stdout.write(f"Territoire « {report.territory} » : rien à changer.")
