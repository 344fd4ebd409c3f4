"""The venue pages: what each person sees, the forms, and query counts that do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.territory.models import Venue, VenueChange, VenueChangeStatus
from cadran.territory.services import declare_venue_change
from tests import factories as f
from tests.workshops.factories import SessionFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

D = dt.date(2026, 12, 9)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=PARIS)


def declare(commune, old, new, by, day=D):
    return declare_venue_change(
        commune=commune, old_venue=old, new_venue=new, effective_date=day, by=by
    )


@pytest.fixture
def person(territory):
    return f.BeneficiaryFactory(territory=territory, first_name="Gertrude", last_name="Zylberstein")


@pytest.fixture
def change(frozen_now, estaires, referent, permanence, mairie, salle, person):
    f.AppointmentFactory(permanence=permanence, start=at(9, 9), beneficiary=person)
    return declare(estaires, mairie, salle, referent)


def test_referent_sees_their_communes_venues_and_declarations(
    client, frozen_now, referent, change, merville
):
    f.VenueFactory(commune=merville, name="Mairie de Merville")
    client.force_login(referent)
    page = client.get(reverse("territory:index"))
    assert page.status_code == 200
    text = page.text
    assert "Salle Jean Moulin" in text and "Le mercredi de 9h à 12h" in text
    assert "Mairie de Merville" not in text
    assert "En attente de confirmation" in text
    assert "1 rendez-vous, 0 séance" in text
    assert "Zylberstein" not in text


def test_declare_form_creates_the_change(client, frozen_now, referent, estaires, mairie, salle):
    client.force_login(referent)
    url = reverse("territory:declare")
    page = client.get(url)
    assert page.status_code == 200
    assert "Le lieu que vous quittez" in page.text
    response = client.post(
        url,
        {
            "commune": estaires.pk,
            "old_venue": mairie.pk,
            "new_choice": str(salle.pk),
            "effective_date": "2026-12-09",
        },
    )
    change = VenueChange.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("territory:change_detail", kwargs={"pk": change.pk})
    assert (change.old_venue, change.new_venue, change.declared_by) == (mairie, salle, referent)


def test_declare_a_new_venue_shows_what_it_lacks(
    client, frozen_now, referent, estaires, mairie, permanence
):
    client.force_login(referent)
    response = client.post(
        reverse("territory:declare"),
        {
            "commune": estaires.pk,
            "old_venue": mairie.pk,
            "new_choice": "nouveau",
            "name": "Salle polyvalente",
            "address": "3 rue du Moulin",
            "wifi": "on",
            "insured": "on",
            "effective_date": "2026-12-09",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.text
    assert "Salle polyvalente" in text
    assert "Attention : il manque quelque chose" in text
    assert "Le lieu n&#x27;est pas chauffé" in text
    assert "le Service Culture devra accepter" in text.replace("Le Service", "le Service")
    assert Venue.objects.filter(name="Salle polyvalente", commune=estaires, wifi=True).exists()


def test_declare_form_errors_are_shown(client, frozen_now, referent, estaires, mairie):
    client.force_login(referent)
    response = client.post(
        reverse("territory:declare"),
        {
            "commune": estaires.pk,
            "old_venue": mairie.pk,
            "new_choice": "nouveau",
            "effective_date": "2026-11-27",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "error-summary" in text
    assert "Indiquez le nom du nouveau lieu." in text
    assert not VenueChange.objects.exists()
    response = client.post(
        reverse("territory:declare"),
        {
            "commune": estaires.pk,
            "old_venue": mairie.pk,
            "new_choice": str(mairie.pk),
            "effective_date": "2026-11-27",
        },
    )
    assert "à partir de demain" in response.text
    assert not VenueChange.objects.exists()


def test_names_only_for_the_service_culture(client, frozen_now, change, referent, culture_user):
    url = reverse("territory:change_detail", kwargs={"pk": change.pk})
    client.force_login(referent)
    text = client.get(url).text
    assert "mercredi 9 décembre 2026" in text and "Zylberstein" not in text
    assert "Confirmer le changement" not in text
    client.force_login(culture_user)
    text = client.get(url).text
    assert "Zylberstein" in text and "Confirmer le changement" in text


def test_confirm_asks_to_accept_missing_conditions(
    client, frozen_now, estaires, referent, culture_user, permanence, mairie, cold_room
):
    change = declare(estaires, mairie, cold_room, referent)
    client.force_login(culture_user)
    url = reverse("territory:change_detail", kwargs={"pk": change.pk})
    assert "J&#x27;accepte ce lieu" in client.get(url).text
    response = client.post(reverse("territory:change_confirm", kwargs={"pk": change.pk}))
    assert response.status_code == 200
    assert "cochez la case" in response.text
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.PENDING
    response = client.post(
        reverse("territory:change_confirm", kwargs={"pk": change.pk}),
        {"accept_missing_conditions": "on"},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.CONFIRMED


def test_confirm_without_shortfall_has_no_checkbox(client, frozen_now, change, culture_user):
    client.force_login(culture_user)
    page = client.get(reverse("territory:change_detail", kwargs={"pk": change.pk}))
    assert "remplit les conditions" in page.text
    assert "accept_missing_conditions" not in page.text
    response = client.post(
        reverse("territory:change_confirm", kwargs={"pk": change.pk}), follow=True
    )
    assert "1 rendez-vous et 0 séance(s) ont lieu au nouveau lieu" in response.text
    assert "Confirmé" in response.text


def test_refuse_needs_a_reason(client, frozen_now, change, culture_user):
    client.force_login(culture_user)
    url = reverse("territory:change_refuse", kwargs={"pk": change.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Expliquez à la commune pourquoi vous refusez." in response.text
    response = client.post(url, {"reason": "Salle prise le mercredi."}, follow=True)
    assert "Salle prise le mercredi." in response.text
    change.refresh_from_db()
    assert change.status == VenueChangeStatus.REFUSED


def test_nav_link_for_referents_and_territory_staff(
    client, frozen_now, referent, adviser, culture_user
):
    link = reverse("territory:index")
    for user, shown in ((referent, True), (culture_user, True), (adviser, False)):
        client.force_login(user)
        assert (f'href="{link}"' in client.get(reverse("staff:home")).text) is shown, user.role


# --- Query counts ----------------------------------------------------------------------------


def _more_changes(territory, referent, n):
    for _ in range(n):
        commune = f.CommuneFactory(territory=territory)
        referent.communes.add(commune)
        old = f.VenueFactory(commune=commune)
        new = f.VenueFactory(commune=commune, name=f"Nouveau lieu {commune.pk}")
        f.PermanenceFactory(commune=commune, venue=old)
        declare(commune, old, new, referent)


def test_index_queries_do_not_grow(
    client, frozen_now, django_assert_num_queries, territory, referent, culture_user, change
):
    client.force_login(culture_user)
    url = reverse("territory:index")
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(10):
        client.get(url)
    _more_changes(territory, referent, 8)
    with django_assert_num_queries(10):
        page = client.get(url)
    assert page.text.count("En attente de confirmation") == 9


def test_detail_queries_do_not_grow(
    client,
    frozen_now,
    django_assert_num_queries,
    territory,
    permanence,
    culture_user,
    change,
    mairie,
):
    client.force_login(culture_user)
    url = reverse("territory:change_detail", kwargs={"pk": change.pk})
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
    for week in range(1, 6):
        for hour in (10, 11):
            f.AppointmentFactory(
                permanence=permanence, start=at(9, hour) + dt.timedelta(weeks=week)
            )
    workshop = WorkshopFactory(territory=territory)
    for day in (12, 19, 26):
        SessionFactory(workshop=workshop, venue=mairie, start=at(day, 14))
    with django_assert_num_queries(9):
        page = client.get(url)
    assert "11 rendez-vous pris et 3 séances" in page.text
