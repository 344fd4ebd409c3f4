"""A territory carries its own identity: names, programme, colours, contacts, senders, site
address and sending times, on its pages, e-mails and SMS (docs/territoire.md)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.notifications.backends import sms
from cadran.notifications.models import Message
from cadran.publicity.models import Charter, contrast_with_white
from cadran.scheduling.notifications import notify_appointment_booked
from cadran.scheduling.sweepers import queue_due_reminders, queue_staff_digests, reminder_due_at
from cadran.territory import identity
from cadran.territory.identity_views import colours_css_text
from cadran.territory.models import Territory
from tests import factories as f

pytestmark = pytest.mark.django_db

CCFL_STRINGS = ["Esperluette", "Flandre Lys", "CCFL", "#00467f"]
VAL_STRINGS = ["Val Fictif", "Numérique en Val", "VALFIC", "rdv.val.example"]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def val(db):
    """Territory B: its own names, charte, senders, site, and its reminder at 18h."""
    territory = f.TerritoryFactory(
        slug="val-fictif",
        name="Communauté de communes du Val Fictif",
        short_name="CCVF",
        programme_name="Numérique en Val",
        service_name="Pôle Inclusion",
        contact_phone="04 00 00 00 00",
        contact_email="inclusion@val.example",
        sms_sender="VALFIC",
        email_from_name="Numérique en Val",
        email_from_address="rdv@val.example",
        site_url="https://rdv.val.example",
        reminder_time=dt.time(18, 0),
        digest_time=dt.time(8, 30),
    )
    Charter.objects.create(territory=territory, primary_color="#5a2d82", logo_text="CCVF")
    return territory


@pytest.fixture
def bourg(val):
    return f.CommuneFactory(
        territory=val, insee_code="00011", name="Bourg-en-Val", slug="bourg", postcode="00200"
    )


@pytest.fixture
def val_permanence(bourg):
    return f.PermanenceFactory(commune=bourg)


@pytest.fixture
def val_culture(val):
    return f.UserFactory(culture_service=True, territory=val, email="culture@val.example")


def book_and_notify(permanence, person, token: str, capture) -> None:
    """An appointment on Wednesday 2 December at 9h, booked the Friday before, notified."""
    start = paris(2026, 12, 2, 9, 0)
    with time_machine.travel(paris(2026, 11, 27, 10, 0), tick=True):
        appointment = f.AppointmentFactory(
            permanence=permanence,
            beneficiary=person,
            start=start,
            end=start + dt.timedelta(hours=1),
        )
        with capture(execute=True):
            notify_appointment_booked(appointment, token)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Pages ----------------------------------------------------------------------------------


def test_each_commune_page_shows_only_its_territory(client, permanence, val_permanence):
    ccfl = page(client, reverse("public:commune", args=["estaires"]))
    assert "Conseillers numériques Esperluette" in ccfl
    assert "Communauté de communes Flandre Lys" in ccfl
    for text in ("Val Fictif", "Numérique en Val", "/couleurs/"):
        assert text not in ccfl

    val = page(client, reverse("public:commune", args=["bourg"]))
    assert '<span class="brand-name">Numérique en Val</span>' in val
    assert "Communauté de communes du Val Fictif" in val
    assert "— Numérique en Val</title>" in val
    assert "04 00 00 00 00" in val and "inclusion@val.example" in val
    assert reverse("territory_public:colours_css", args=["val-fictif"]) in val
    for text in CCFL_STRINGS:
        assert text not in val, text


def test_the_colours_of_the_charte_apply_to_every_page_and_keep_aa(client, val):
    found = identity.for_territory(val)
    css = page(client, reverse("territory_public:colours_css", args=["val-fictif"]))
    assert css == colours_css_text(found)
    assert f"--brand: {found.primary_color};" in css and "--brand-dark:" in css
    # AA on white (Charter.clean) and on the light grey of the footer and the notices.
    assert contrast_with_white(found.primary_color) >= 4.5
    assert found.primary_color == identity.readable_on_pages(found.primary_color)
    # The site's own colours: no stylesheet to add.
    assert colours_css_text(identity.for_territory(f.TerritoryFactory())) == ""


def test_a_new_charte_changes_the_pages_at_once(client, val_permanence, val):
    charter = val.charter
    charter.primary_color = "#1d5c2e"
    charter.save()
    css = page(client, reverse("territory_public:colours_css", args=["val-fictif"]))
    assert "#1d5c2e" in css
    assert f"?v={identity.for_territory(val).version}" in page(
        client, reverse("public:commune", args=["bourg"])
    )


def test_the_staff_home_shows_the_users_territory(client, val_culture, culture_user):
    client.force_login(val_culture)
    val = page(client, reverse("staff:home"))
    assert "Numérique en Val" in val and "Communauté de communes du Val Fictif" in val
    for text in CCFL_STRINGS:
        assert text not in val, text
    client.force_login(culture_user)
    ccfl = page(client, reverse("staff:home"))
    assert "Conseillers numériques Esperluette" in ccfl
    assert "Val Fictif" not in ccfl


def test_a_page_without_territory_shows_the_only_one_else_cadran(client, db):
    assert '<span class="brand-name">Cadran</span>' in page(client, reverse("public:privacy"))
    f.TerritoryFactory(programme_name="Conseillers numériques Esperluette")
    assert "Conseillers numériques Esperluette" in page(client, reverse("public:privacy"))
    f.TerritoryFactory(name="Val Fictif", programme_name="Numérique en Val")
    # Several on the install's shared address: the page asks which, in the product's name.
    several = page(client, reverse("public:privacy"))
    assert '<span class="brand-name">Cadran</span>' in several
    assert "Choisissez votre territoire" in several
    assert "Combien de temps nous gardons vos données" not in several


def test_a_page_knows_its_territory_without_a_query(client, val_permanence, val):
    request = client.get(reverse("public:commune", args=["bourg"])).wsgi_request
    assert request.territory == val
    assert request.territory_identity.programme_name == "Numérique en Val"


# --- E-mails and SMS ------------------------------------------------------------------------


def test_the_password_reset_is_signed_by_the_users_territory(client, val_culture, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(reverse("accounts:password_reset"), {"email": "culture@val.example"})
    (message,) = mail.outbox
    assert message.from_email == "Numérique en Val <rdv@val.example>"
    assert "Pôle Inclusion — Communauté de communes du Val Fictif" in message.body
    assert re.search(r"https://rdv\.val\.example/compte/mot-de-passe/nouveau/\S+/", message.body)
    for text in CCFL_STRINGS:
        assert text not in message.body + message.subject, text


def test_a_territory_without_senders_uses_the_installs(client, culture_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Cadran <ne-pas-repondre@cadran.example>"
    client.post(reverse("accounts:password_reset"), {"email": culture_user.email})
    (message,) = mail.outbox
    assert message.from_email == "Cadran <ne-pas-repondre@cadran.example>"
    assert "http://testserver/compte/mot-de-passe/nouveau/" in message.body
    assert "Communauté de communes Flandre Lys" in message.body


def test_appointment_messages_come_from_the_territory_and_link_to_its_site(
    val_permanence, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    person = f.BeneficiaryFactory(
        territory=val_permanence.commune.territory,
        email="ines@example.org",
        phone="0612345678",
    )
    book_and_notify(val_permanence, person, "jeton-secret", django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    assert email.from_email == "Numérique en Val <rdv@val.example>"
    assert "https://rdv.val.example/rendez-vous/jeton-secret/" in email.body
    (text,) = sms.outbox
    assert text.sender == "VALFIC"
    assert "https://rdv.val.example/rendez-vous/jeton-secret/" in text.body
    for message in (email.body, email.subject, text.body):
        for needle in CCFL_STRINGS:
            assert needle not in message, needle


def test_the_sms_sender_is_checked():
    territory = Territory(name="X", short_name="X", slug="x", sms_sender="Val Fictif!")
    with pytest.raises(ValidationError) as error:
        territory.full_clean()
    assert "sms_sender" in error.value.message_dict
    for fine in ("VALFIC", "CCFL2026", "A"):
        Territory(name="X", short_name="X", slug=f"x{fine.lower()}", sms_sender=fine).full_clean()
    for wrong in ("123456", "DOUZECARACTE", "Vàl"):
        territory = Territory(name="X", short_name="X", slug="y", sms_sender=wrong)
        with pytest.raises(ValidationError):
            territory.full_clean()


def test_new_territories_take_the_installs_times(settings):
    settings.CADRAN_REMINDER_TIME = "09:15"
    settings.CADRAN_STAFF_DIGEST_TIME = "06:45"
    territory = Territory(name="X", short_name="X", slug="x")
    assert (territory.reminder_time, territory.digest_time) == (dt.time(9, 15), dt.time(6, 45))


# --- Sending times --------------------------------------------------------------------------


def _appointment(permanence, start):
    person = f.BeneficiaryFactory(
        territory=permanence.commune.territory, email="p@example.org", phone="0612345678"
    )
    with time_machine.travel(start - dt.timedelta(days=10), tick=False):
        return f.AppointmentFactory(
            permanence=permanence,
            beneficiary=person,
            start=start,
            end=start + dt.timedelta(hours=1),
        )


def test_the_reminder_leaves_at_the_time_of_the_appointments_territory(
    permanence, val_permanence, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ccfl = _appointment(permanence, paris(2026, 12, 2, 9, 0))
    val = _appointment(val_permanence, paris(2026, 12, 2, 10, 0))
    assert reminder_due_at(val.start, val_permanence.commune.territory.reminder_time) == paris(
        2026, 12, 1, 18, 0
    )
    assert queue_due_reminders(paris(2026, 12, 1, 9, 59)) == 0
    assert queue_due_reminders(paris(2026, 12, 1, 10, 0)) == 2  # the CCFL's, e-mail and SMS
    assert set(Message.objects.values_list("object_id", flat=True)) == {ccfl.pk}
    assert queue_due_reminders(paris(2026, 12, 1, 17, 59)) == 0
    assert queue_due_reminders(paris(2026, 12, 1, 18, 0)) == 2  # the Val's, e-mail and SMS
    assert queue_due_reminders(paris(2026, 12, 1, 18, 1)) == 0
    assert (
        Message.objects.filter(
            object_id=val.pk, territory=val.permanence.commune.territory_id
        ).count()
        == 2
    )


def test_the_digest_leaves_at_the_time_of_the_appointments_territory(val_permanence, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _appointment(val_permanence, paris(2026, 12, 2, 10, 0))
    assert queue_staff_digests(paris(2026, 12, 2, 8, 29)) == 0
    assert queue_staff_digests(paris(2026, 12, 2, 8, 30)) == 1
    assert queue_staff_digests(paris(2026, 12, 2, 9, 0)) == 0


# --- Who edits it ---------------------------------------------------------------------------


def _form(territory: Territory, **changes) -> dict:
    data = {
        name: getattr(territory, name)
        for name in [
            "name",
            "short_name",
            "programme_name",
            "service_name",
            "contact_phone",
            "contact_email",
            "email_from_name",
            "email_from_address",
            "sms_sender",
            "site_url",
            "school_zone",
            "library_card_pattern",
        ]
    }
    data["reminder_time"] = territory.reminder_time.strftime("%H:%M")
    data["digest_time"] = territory.digest_time.strftime("%H:%M")
    data["appointment_confirmation_days"] = territory.appointment_confirmation_days
    data["workshop_confirmation_days"] = territory.workshop_confirmation_days
    return {**data, **changes}


def test_the_service_culture_edits_its_own_identity(client, val_culture, val, territory):
    client.force_login(val_culture)
    url = reverse("admin:territory_territory_change", args=[val.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(val, programme_name="Val Numérique", sms_sender="VALNUM"))
    assert response.status_code == 302, response.content.decode()[:2000]
    val.refresh_from_db()
    assert (val.programme_name, val.sms_sender) == ("Val Numérique", "VALNUM")
    assert identity.for_territory(val).programme_name == "Val Numérique"

    other = reverse("admin:territory_territory_change", args=[territory.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, _form(territory, programme_name="Pris")).status_code == 404
    territory.refresh_from_db()
    assert territory.programme_name == "Conseillers numériques Esperluette"
    listed = page(client, reverse("admin:territory_territory_changelist"))
    assert "Val Fictif" in listed and "Flandre Lys" not in listed


def test_a_wrong_sms_sender_is_refused_in_the_admin(client, val_culture, val):
    client.force_login(val_culture)
    url = reverse("admin:territory_territory_change", args=[val.pk])
    response = client.post(url, _form(val, sms_sender="Val Fictif"))
    assert response.status_code == 200
    assert "au plus 11 lettres ou chiffres" in response.content.decode()
    val.refresh_from_db()
    assert val.sms_sender == "VALFIC"


def test_the_coordination_reads_the_identity_but_does_not_change_it(client, val):
    coordinator = f.UserFactory(coordinator=True, territory=val)
    client.force_login(coordinator)
    url = reverse("admin:territory_territory_change", args=[val.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _form(val, programme_name="Autre")).status_code == 403
    val.refresh_from_db()
    assert val.programme_name == "Numérique en Val"


def html_part(email) -> str:
    (html, kind), *_ = email.alternatives
    assert kind == "text/html"
    return html


def test_an_email_has_the_territorys_letterhead_in_valid_html(
    val_permanence, settings, django_capture_on_commit_callbacks
):
    from tinyhtml5.parser import HTMLParser

    from cadran.publicity.models import _luminance

    settings.TASKS = IMMEDIATE
    charter = Charter.objects.get(territory=val_permanence.commune.territory)
    charter.logo_svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    charter.save()
    person = f.BeneficiaryFactory(
        territory=val_permanence.commune.territory,
        first_name="<script>alert(1)</script>",
        email="ines@example.org",
    )
    book_and_notify(val_permanence, person, "jeton-secret", django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    html = html_part(email)
    parser = HTMLParser()
    parser.parse(html)
    assert parser.errors == []  # the WHATWG parsing rules, not our reading of them
    assert '<html lang="fr">' in html
    assert "<span>Numérique en Val</span>" in html
    assert '<a href="https://rdv.val.example/rendez-vous/jeton-secret/">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    brand = identity.for_territory(val_permanence.commune.territory).primary_color
    assert f"background:{brand};color:#ffffff" in html
    ratio = (1.05) / (_luminance(brand) + 0.05)
    assert ratio >= 4.5
    assert '<img src="https://rdv.val.example/widget/charte/val-fictif/logo.svg?v=' in html
    assert 'alt="CCVF"' in html
    for needle in CCFL_STRINGS:
        assert needle not in html, needle


def test_an_email_of_a_territory_without_charte_uses_the_sites_blue(
    permanence, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    person = f.BeneficiaryFactory(territory=permanence.commune.territory, email="a@example.org")
    book_and_notify(permanence, person, "jeton", django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    html = html_part(email)
    assert "background:#00467f;color:#ffffff" in html
    assert "<span>Conseillers numériques Esperluette</span>" in html
