"""The board's pages: what they show, to whom, and « Déplacer une séance »."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.workshops.models import Session
from tests import factories as f
from tests.workshops.factories import RegistrationFactory

from .conftest import at

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def busy_week(territory, permanence, merville_permanence, session, adviser, merville):
    """Jeanne Lefebvre booked at Estaires; David away on Thursday; a printer lent."""
    person = f.BeneficiaryFactory(territory=territory, first_name="Jeanne", last_name="Lefebvre")
    appointment = f.AppointmentFactory(permanence=permanence, start=at(2, 9), beneficiary=person)
    f.ClosureFactory(
        territory=territory, adviser=adviser, start=at(3, 0), end=at(4, 0), reason="Congé"
    )
    return appointment


def get(client, name, **params):
    return client.get(reverse(f"board:{name}"), params)


def test_week_for_the_service_culture(client, culture_user, busy_week, session, adviser):
    client.force_login(culture_user)
    response = get(client, "week", date="2026-12-02")
    assert response.status_code == 200
    page = response.content.decode()
    assert "semaine du 30 novembre au 6 décembre 2026" in page
    assert "Estaires 9h–12h" in page
    assert "1 pris · 2 libres" in page
    assert "Arnaques en ligne" in page and "0/4 min." in page
    assert "Congé" in page
    assert reverse("staff:appointment", args=[busy_week.pk]) in page
    assert reverse("board:session_move", args=[session.pk]) in page
    assert '<th scope="col"' in page and '<th scope="row"' in page
    assert "Lefebvre" not in page  # never a name on the board (it goes on the wall)
    assert "Aucun conflit" in page


def test_month_by_commune(client, coordinator, busy_week):
    client.force_login(coordinator)
    response = get(client, "month", date="2026-12-15", rows="communes")
    page = response.content.decode()
    assert response.status_code == 200
    assert "décembre 2026" in page
    # The month is a calendar (weeks as rows) whatever the rows asked for.
    assert "une semaine par ligne, du lundi au dimanche" in page
    assert "une ligne par commune" not in page
    estaires = [
        day.day.day
        for day in response.context["calendar"].days()
        for entry in day.items
        if entry.kind == "permanence" and entry.item.entry.commune_name == "Estaires"
    ]
    assert estaires == [2, 9, 16, 23, 30]  # the five Wednesdays of December 2026
    assert "Merville" in page


def test_adviser_sees_the_whole_board_read_only_without_names(
    client, adviser, second_adviser, busy_week, session, merville_permanence
):
    client.force_login(second_adviser)
    page = get(client, "week", date="2026-12-02").content.decode()
    assert "Estaires 9h–12h" in page  # a colleague's permanence
    assert "Lefebvre" not in page
    assert reverse("staff:appointment", args=[busy_week.pk]) not in page
    assert reverse("board:session_move", args=[session.pk]) not in page
    # Links only where the adviser may go: their own day sheet, not David's.
    own = reverse("staff:day_sheet", kwargs={"pk": merville_permanence.pk, "day": "2026-12-02"})
    other = reverse("staff:day_sheet", kwargs={"pk": busy_week.permanence_id, "day": "2026-12-02"})
    assert own in page and other not in page


def test_conflicts_are_listed_and_marked_in_the_cell(client, culture_user, permanence, session):
    session.start, session.end = at(2, 11), at(2, 13)
    session.decision_at = at(1, 11)
    session.save()
    client.force_login(culture_user)
    page = get(client, "week", date="2026-12-02").content.decode()
    assert "1 conflit à régler" in page
    assert 'id="conflit-1"' in page
    assert page.count('href="#conflit-1"') == 2  # the permanence and the session
    assert "Conflit 1 : Deux endroits à la fois" in page


def test_filters(client, culture_user, busy_week, merville, session):
    client.force_login(culture_user)
    page = get(client, "week", date="2026-12-02", commune=merville.pk).content.decode()
    assert "Merville 14h–17h" in page and "Estaires 9h–12h" not in page
    assert "Arnaques en ligne" not in page
    page = get(client, "week", date="2026-12-02", kind="permanences").content.decode()
    assert "Estaires 9h–12h" in page and "Arnaques en ligne" not in page
    # A value that is not offered is ignored, not an error.
    response = get(client, "week", date="pas-une-date", commune="999999", rows="x")
    assert response.status_code == 200


def test_coverage(client, culture_user, territory, estaires, permanence):
    estaires.population = 6000
    estaires.save()
    f.AppointmentFactory(permanence=permanence, start=at(2, 9))
    client.force_login(culture_user)
    response = get(client, "coverage", date="2026-12-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Couverture des communes — décembre 2026" in page
    assert "<svg" in page and 'role="img"' in page
    assert "15,0 h" in page  # five Wednesdays of 3 hours
    assert "2,50 h" in page  # 15 hours for 6,000 inhabitants
    assert "7 %" in page  # 1 slot used out of 15


# --- Déplacer une séance -------------------------------------------------------------------


def move_data(**changes):
    data = {"day": "2026-12-12", "start_time": "10:00", "end_time": "12:00", "step": "check"}
    data.update(changes)
    return data


def test_move_checks_then_confirms(client, culture_user, session, adviser, permanence):
    RegistrationFactory(session=session, first_name="Paulette", email="paulette@example.org")
    url = reverse("board:session_move", args=[session.pk])
    client.force_login(culture_user)
    assert "Vérifier les conflits" in client.get(url).content.decode()

    # Check: Wednesday 2 December at 10h clashes with David's permanence.
    response = client.post(
        url, move_data(day="2026-12-02", venue=session.venue.pk, start_time="10:00")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Conflits à la nouvelle date" in page
    assert "Deux endroits à la fois" in page
    assert "Confirmer le déplacement" in page
    session.refresh_from_db()
    assert session.start == at(5, 10)  # nothing moved yet

    # Confirm other values than the ones checked: checked again, not moved.
    data = move_data(day="2026-12-12", venue=session.venue.pk, step="confirm")
    data["checked"] = "2026-12-02|10:00:00|12:00:00|" + str(session.venue.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.start == at(5, 10)

    # Confirm what was checked.
    data["checked"] = response.context["form"]["checked"].value()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("board:week") + "?date=2026-12-12"
    session.refresh_from_db()
    assert (session.start, session.end) == (at(12, 10), at(12, 12))
    assert AuditLog.objects.filter(action="session.moved").count() == 1
    assert Message.objects.filter(event="workshop_session_moved").count() == 1


def test_move_refuses_a_past_date_and_a_bad_hour(client, culture_user, session):
    url = reverse("board:session_move", args=[session.pk])
    client.force_login(culture_user)
    page = client.post(url, move_data(day="2026-11-20", venue=session.venue.pk)).content.decode()
    assert "La nouvelle date doit être à venir." in page
    page = client.post(url, move_data(end_time="09:00", venue=session.venue.pk)).content.decode()
    assert "L&#x27;heure de fin doit être après l&#x27;heure de début." in page
    assert 'id="erreurs"' in page


def test_a_cancelled_session_cannot_be_moved(client, culture_user, session):
    Session.objects.filter(pk=session.pk).update(status="cancelled_by_service")
    client.force_login(culture_user)
    url = reverse("board:session_move", args=[session.pk])
    page = client.get(url).content.decode()
    assert "ne peut plus être déplacée" in page
    client.post(url, move_data(venue=session.venue.pk, step="confirm"))
    session.refresh_from_db()
    assert session.start == at(5, 10)


# --- Where conflicts are created -----------------------------------------------------------


def test_session_page_shows_the_board_conflicts(client, culture_user, session, permanence):
    session.start, session.end = at(2, 10), at(2, 12)
    session.decision_at = at(1, 10)
    session.save()
    client.force_login(culture_user)
    page = client.get(reverse("workshops:session_detail", args=[session.pk])).content.decode()
    assert "Conflits à vérifier (Cadran)" in page
    assert "deux endroits en même temps" in page
    assert reverse("board:session_move", args=[session.pk]) in page


def test_session_page_without_conflicts_says_nothing(client, librarian, culture_user, session):
    client.force_login(culture_user)
    page = client.get(reverse("workshops:session_detail", args=[session.pk])).content.decode()
    assert "Conflits à vérifier" not in page


def test_closure_creation_warns_about_the_permanence(client, coordinator, permanence, adviser):
    f.AppointmentFactory(permanence=permanence, start=at(2, 9))
    client.force_login(coordinator)
    response = client.post(
        reverse("staff:closures"),
        {
            "scope": "adviser",
            "adviser": adviser.pk,
            "date": "2026-12-02",
            "reason": "Formation",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "La fermeture est enregistrée" in page, page
    assert "À vérifier : La permanence d&#x27;Estaires" in page
    assert "1 rendez-vous déjà pris" in page
    assert mail.outbox == []


def test_nav_link(client, culture_user, referent):
    client.force_login(culture_user)
    assert reverse("board:week") in client.get(reverse("staff:home")).content.decode()
    client.force_login(referent)
    assert reverse("board:week") not in client.get(reverse("staff:home")).content.decode()


def test_print_styles_are_landscape():
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "cadran/core/static/cadran/cadran.css").read_text()
    assert "@page board-landscape { size: A4 landscape" in css
    assert dt is not None
