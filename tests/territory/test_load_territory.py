"""``load_territory``: a territory from one TOML file, idempotent, errors in French with lines."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.scheduling.models import Permanence
from cadran.territory.declaration import DeclarationError, load
from cadran.territory.models import Commune, Library, Territory, Venue
from tests import factories as f

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "cadran/territory/fixtures/territoire-val-fictif.toml"
)

MINIMAL = """\
[territoire]
identifiant = "mini"
nom = "Communauté de communes Minimale"

[[communes]]
insee = "00011"
nom = "Unique"
code_postal = "00200"

[[lieux]]
commune = "00011"
nom = "Mairie"
adresse = "1 place de la Mairie"

[[personnel]]
email = "c@mini.example"
prenom = "C"
nom = "Conseil"
role = "conseiller"
communes = ["00011"]

[[permanences]]
commune = "00011"
lieu = "Mairie"
conseiller = "c@mini.example"
jour = "jeudi"
debut = "09:00"
fin = "12:00"
a_partir_du = "2027-01-07"
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_example_file_builds_the_whole_territory(db):
    report = load(EXAMPLE.read_text(), invite=False)
    territory = Territory.objects.get(slug="val-fictif")
    assert report.territory == territory
    assert sorted(territory.communes.values_list("insee_code", flat=True)) == [
        "00001",
        "00002",
        "00003",
        "00004",
    ]
    assert Library.objects.get(name="Médiathèque du Bourg").commune.insee_code == "00001"
    house = Venue.objects.get(name="Maison France services")
    assert (str(house.latitude), str(house.longitude)) == ("45.000001", "1.000001")
    media = Venue.objects.get(name="Médiathèque du Bourg")
    assert media.library.name == "Médiathèque du Bourg" and media.has_projector
    adviser = User.objects.get(email="conseiller@val-fictif.example")
    assert adviser.role == Role.ADVISER and adviser.territory == territory
    assert adviser.communes.count() == 4 and not adviser.is_staff
    manager = User.objects.get(email="responsable@val-fictif.example")
    assert manager.is_staff  # the Service Culture reaches the administration
    assert User.objects.get(email="bibliotheque@val-fictif.example").library.name == (
        "Médiathèque du Bourg"
    )
    tuesday = Permanence.objects.get(commune__insee_code="00001", weekday=1)
    assert (tuesday.weekday, tuesday.slot_minutes, str(tuesday.start_time)) == (1, 30, "14:00:00")
    assert territory.retention_policy.beneficiary_months == 24
    assert report.created["Communes"] == 4 and report.created["Permanences"] == 3
    # Its identity, its recurrences, its workshops: data, not code.
    assert (territory.programme_name, territory.sms_sender) == ("Numérique en Val", "ValFictif")
    assert territory.reminder_time == dt.time(17, 0)
    friday = Permanence.objects.get(commune__insee_code="00002")
    assert (friday.frequency, friday.first_date) == ("fortnightly", dt.date(2026, 9, 4))
    assert friday.hours_label == "un vendredi sur deux de 9h à 12h"
    monthly = Permanence.objects.get(weekday=3)
    assert (monthly.frequency, monthly.week_of_month) == ("monthly", -1)
    assert territory.workshop_settings.default_min_attendance == 6
    steps = territory.workshop_review_steps.order_by("position").values_list("name", flat=True)
    assert list(steps) == ["Proposition", "Bureau communautaire"]
    rules = territory.agreement_rules
    assert (rules.term_months, rules.max_renewals, rules.notice_months) == (24, 0, 1)
    assert rules.cap_deliberation_number == "2026-042"
    assert (rules.renewal_alert_months, rules.cap_alert_months) == (4, 3)
    formats = {f.name: f for f in territory.workshop_formats.all()}
    assert set(formats) == {"Café numérique", "Parcours découverte"}
    cafe, parcours = formats["Café numérique"], formats["Parcours découverte"]
    assert (cafe.kind, cafe.default_duration_minutes, cafe.needs_projector) == ("event", 90, True)
    assert cafe.min_attendance is None  # the territory's minimum (6)
    assert (parcours.kind, parcours.min_attendance, parcours.needs_pc) == (
        "beginner_course",
        4,
        True,
    )


def test_loading_the_same_file_twice_changes_nothing(db):
    load(EXAMPLE.read_text(), invite=False)
    before = (Commune.objects.count(), Venue.objects.count(), User.objects.count())
    again = load(EXAMPLE.read_text(), invite=False)
    assert again.changes == 0
    assert (Commune.objects.count(), Venue.objects.count(), User.objects.count()) == before
    assert Permanence.objects.count() == 3


def test_a_changed_value_is_updated_and_counted(db):
    load(MINIMAL, invite=False)
    changed = MINIMAL.replace('adresse = "1 place de la Mairie"', 'adresse = "3 rue Neuve"')
    report = load(changed, invite=False)
    assert report.updated["Lieux"] == 1 and report.changes == 1
    assert Venue.objects.get(name="Mairie").address == "3 rue Neuve"


def test_new_accounts_get_an_invitation(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load(MINIMAL)
    (invitation,) = mail.outbox
    assert invitation.to == ["c@mini.example"]
    assert not User.objects.get(email="c@mini.example").has_usable_password()


def test_every_error_is_reported_with_its_line_and_nothing_is_written(db):
    bad = MINIMAL.replace('commune = "00011"\nlieu', 'commune = "99999"\nlieu').replace(
        'jour = "jeudi"', 'jour = "jeuudi"'
    )
    bad = bad.replace('role = "conseiller"', 'role = "conseiler"')
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    problems = error.value.problems
    lines = {line for line, _ in problems}
    assert line_of(bad, 'role = "conseiler"') in lines
    assert line_of(bad, 'commune = "99999"') in lines
    text = error.value.text()
    assert "rôle inconnu « conseiler »" in text
    assert "la commune '99999' n'est pas dans les [[communes]]" in text
    assert not Territory.objects.filter(slug="mini").exists()
    assert not Commune.objects.filter(insee_code="00011").exists()


def test_a_model_rule_is_reported_on_the_line_of_its_key(db):
    bad = MINIMAL.replace('code_postal = "00200"', 'code_postal = "2000"')
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    ((line, message),) = error.value.problems
    assert line == line_of(bad, 'code_postal = "2000"')
    assert "Le code postal compte cinq chiffres." in message


def test_a_toml_syntax_error_is_in_french_with_its_line(db):
    bad = MINIMAL.replace('nom = "Unique"', 'nom = "Unique')
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    ((line, message),) = error.value.problems
    assert line == line_of(bad, 'nom = "Unique')
    assert message.startswith("le fichier n'est pas du TOML valide")


def test_a_commune_of_another_territory_is_not_taken(db):
    other = f.CommuneFactory(insee_code="00011", territory=f.TerritoryFactory(slug="autre"))
    with pytest.raises(DeclarationError) as error:
        load(MINIMAL, invite=False)
    assert f"appartient déjà à {other.territory}" in error.value.text()
    assert Commune.objects.get(insee_code="00011").territory == other.territory


def test_unknown_keys_are_named_with_the_possible_ones(db):
    bad = MINIMAL.replace('adresse = "1 place de la Mairie"', 'adresse = "1"\nwify = true')
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    ((line, message),) = error.value.problems
    assert line == line_of(bad, "wify = true")
    assert "clé inconnue « wify »" in message and "wifi" in message


def test_the_command_shows_progress_and_points_at_the_file_line(db, tmp_path):
    good = tmp_path / "mini.toml"
    good.write_text(MINIMAL, encoding="utf-8")
    out = StringIO()
    call_command("load_territory", str(good), "--sans-invitation", stdout=out)
    assert "  communes…" in out.getvalue() and "Communes : 1 créé(s)" in out.getvalue()
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace('jour = "jeudi"', 'jour = "jeuudi"'), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_territory", str(bad), stdout=StringIO())
    assert f"{bad}:ligne {line_of(bad.read_text(), 'jeuudi')} : jour inconnu" in str(error.value)
    assert "Rien n'a été enregistré" in str(error.value)


def test_a_dry_run_writes_nothing(db):
    load(MINIMAL, invite=False, dry_run=True)
    assert not Territory.objects.filter(slug="mini").exists()


def test_a_wrong_recurrence_is_refused_on_its_line(db):
    bad = MINIMAL + 'frequence = "un_jeudi_sur_trois"\n'
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    ((line, message),) = error.value.problems
    assert line == line_of(bad, "un_jeudi_sur_trois")
    assert "fréquence inconnue" in message
    wrong_day = MINIMAL + 'frequence = "une_semaine_sur_deux"\npremiere_date = "2027-01-08"\n'
    with pytest.raises(DeclarationError) as error:
        load(wrong_day, invite=False)
    assert "est un vendredi : choisissez un jeudi" in error.value.text()


def test_a_wrong_format_type_is_refused_on_its_line(db):
    text = EXAMPLE.read_text().replace('type = "evenement"', 'type = "fete"')
    with pytest.raises(DeclarationError) as error:
        load(text, invite=False)
    problems = error.value.problems
    expected = "« type » : « evenement », « cours », « imprimante_3d », « autre » (reçu « fete »)"
    assert any(expected in message for _line, message in problems), problems
    assert line_of(text, 'type = "fete"') in {line for line, _ in problems}
    assert not Territory.objects.filter(slug="val-fictif").exists()


def test_a_coordinate_that_is_not_a_number_is_refused_on_its_line(db):
    text = EXAMPLE.read_text().replace("latitude = 45.000001", 'latitude = "45 N"')
    with pytest.raises(DeclarationError) as error:
        load(text, invite=False)
    problems = error.value.problems
    assert any("« latitude » : un nombre en degrés" in message for _l, message in problems)
    assert line_of(text, 'latitude = "45 N"') in {line for line, _ in problems}


def test_confirmation_days_are_read_and_checked(db):
    """« Vous venez toujours ? »: days before an appointment and a workshop (0: never)."""
    load(MINIMAL, invite=False)
    territory = Territory.objects.get(slug="mini")
    assert (territory.appointment_confirmation_days, territory.workshop_confirmation_days) == (3, 7)
    declared = MINIMAL.replace(
        'nom = "Communauté de communes Minimale"\n',
        'nom = "Communauté de communes Minimale"\n'
        "confirmation_rdv_jours = 2\nconfirmation_atelier_jours = 0\n",
    )
    load(declared, invite=False)
    territory.refresh_from_db()
    assert (territory.appointment_confirmation_days, territory.workshop_confirmation_days) == (2, 0)
    bad = declared.replace("confirmation_rdv_jours = 2", 'confirmation_rdv_jours = "deux"')
    with pytest.raises(DeclarationError) as error:
        load(bad, invite=False)
    ((line, message),) = error.value.problems
    assert line == line_of(bad, 'confirmation_rdv_jours = "deux"')
    assert "un nombre" in message
