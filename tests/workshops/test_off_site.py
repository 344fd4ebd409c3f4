"""An off-site (« hors les murs ») session has its own place: entered when the off-site
request is accepted, required name and address, shown wherever the session is (public
pages, feed, poster, messages, staff pages), never published as a venue in the open data.
And the 3D-printer acceptance that offers the loan request and comes back."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.workshops import services
from cadran.workshops.enums import RequestStatus
from cadran.workshops.models import Session
from tests import factories as f
from tests.equipment.factories import EquipmentFactory, LoanFactory
from tests.public.pubface_helpers import clear_public_cache

from .factories import (
    InterventionRequestFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
    make_person,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

SAT_12 = dt.datetime(2026, 12, 12, 10, 0, tzinfo=PARIS)
MARKET = services.OffSitePlace(
    name="Marché du samedi", address="Grand-Place", access="Stand bleu, devant la mairie."
)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_public_cache()
    yield
    clear_public_cache()


@pytest.fixture
def off_site_request(workshop, librarian):
    return InterventionRequestFactory(
        workshop=workshop, library=librarian.library, off_site_market=True, under_examination=True
    )


def accept(request_, venue, adviser, by, **kwargs):
    return services.accept_request(
        request=request_, by=by, venue=venue, starts=[SAT_12], advisers=[adviser], **kwargs
    )


# --- Services --------------------------------------------------------------------------------


def test_accepting_off_site_gives_the_session_its_own_place(
    off_site_request, library_venue, adviser, culture_user
):
    [session] = accept(
        off_site_request, library_venue, adviser, culture_user, off_site_place=MARKET
    )
    session.refresh_from_db()
    assert session.is_off_site
    assert (session.off_site_name, session.off_site_address, session.off_site_access) == (
        "Marché du samedi",
        "Grand-Place",
        "Stand bleu, devant la mairie.",
    )
    assert session.venue == library_venue  # its commune, for scope and reports
    place = session.place
    assert place.name == "Marché du samedi" and place.off_site
    assert place.commune == library_venue.commune
    assert place.accessible is None  # nobody checked: « accès à vérifier »
    entry = AuditLog.objects.for_object(off_site_request).get(action="request.accepted")
    assert "Hors les murs : Marché du samedi, Grand-Place." in entry.description
    scheduled = AuditLog.objects.for_object(session).get(action="session.scheduled")
    assert "hors les murs à Marché du samedi" in scheduled.description


def test_a_session_without_off_site_place_is_at_its_venue(session, library_venue):
    assert not session.is_off_site
    assert session.place.name == "Médiathèque d'Estaires"
    assert session.place.room == "Salle d'animation"


@pytest.mark.parametrize(
    ("place", "field", "message"),
    [
        (
            services.OffSitePlace(name="  ", address="Grand-Place"),
            "off_site_name",
            "Indiquez le nom",
        ),
        (
            services.OffSitePlace(name="Marché", address=""),
            "off_site_address",
            "Indiquez l'adresse",
        ),
    ],
)
def test_an_off_site_place_needs_a_name_and_an_address(
    off_site_request, library_venue, adviser, culture_user, place, field, message
):
    with pytest.raises(ValidationError) as exc:
        accept(off_site_request, library_venue, adviser, culture_user, off_site_place=place)
    assert message in exc.value.message_dict[field][0]
    assert not Session.objects.exists()
    off_site_request.refresh_from_db()
    assert off_site_request.status == RequestStatus.UNDER_EXAMINATION


def test_only_an_off_site_request_may_have_its_own_place(
    workshop, librarian, library_venue, adviser, culture_user
):
    in_library = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    with pytest.raises(ValidationError, match="Seule une demande hors les murs"):
        accept(in_library, library_venue, adviser, culture_user, off_site_place=MARKET)
    assert not Session.objects.exists()


def test_the_venue_room_is_neither_booked_nor_checked_for_an_off_site_session(
    off_site_request, workshop, library_venue, adviser, culture_user, territory
):
    # The library's room is taken at that hour by another session, and lacks the wifi the
    # format needs: neither matters, the session is at the market.
    SessionFactory(workshop=WorkshopFactory(territory=territory), venue=library_venue, start=SAT_12)
    library_venue.wifi = False
    library_venue.save()
    with pytest.raises(ValidationError) as exc:
        accept(off_site_request, library_venue, adviser, culture_user)
    assert "accueille déjà" in " ".join(exc.value.message_dict["venue"])
    [session] = accept(
        off_site_request, library_venue, adviser, culture_user, off_site_place=MARKET
    )
    assert session.is_off_site


def test_moving_to_a_registered_venue_ends_the_off_site_place(
    session, library_venue, culture_user, estaires
):
    session.off_site_name, session.off_site_address = "Marché", "Grand-Place"
    session.save()
    later = session.start + dt.timedelta(days=1)
    services.move_session(
        session=session,
        start=later,
        end=later + dt.timedelta(hours=2),
        venue=library_venue,
        by=culture_user,
    )
    session.refresh_from_db()
    assert session.is_off_site  # same venue: still at the market
    hall = f.VenueFactory(commune=estaires, name="Salle des fêtes")
    services.move_session(
        session=session,
        start=later,
        end=later + dt.timedelta(hours=2),
        venue=hall,
        by=culture_user,
    )
    session.refresh_from_db()
    assert not session.is_off_site and session.off_site_access == ""
    assert session.place.name == "Salle des fêtes"


def test_registration_messages_give_the_off_site_place(session):
    session.off_site_name, session.off_site_address = "Marché du samedi", "Grand-Place"
    session.off_site_access = "Stand bleu, devant la mairie."
    session.save()
    services.register(
        session=session, person=make_person(1, phone="06 12 34 56 78", notify_sms=True)
    )
    email = Message.objects.get(event="workshop_registered", channel="email")
    assert "Lieu : Marché du samedi" in email.body
    assert "Adresse : Grand-Place, " in email.body
    assert "Pour trouver le lieu : Stand bleu, devant la mairie." in email.body
    assert "Médiathèque" not in email.body
    sms = Message.objects.get(event="workshop_registered", channel="sms")
    assert "Marché du samedi" in sms.body and "Médiathèque" not in sms.body


# --- Staff pages -----------------------------------------------------------------------------


def test_accept_page_of_an_off_site_request_is_filled_with_the_asked_place(
    client, culture_user, off_site_request, library_venue
):
    client.force_login(culture_user)
    page = text(client.get(reverse("workshops:request_detail", kwargs={"pk": off_site_request.pk})))
    assert "Lieu enregistré de rattachement" in page
    assert 'value="Marché du samedi"' in page and 'value="Grand-Place"' in page
    assert f'<option value="{library_venue.pk}" selected>' in page


def test_accept_page_in_the_library_asks_no_off_site_place(
    client, culture_user, workshop, librarian, library_venue
):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(culture_user)
    page = text(client.get(reverse("workshops:request_detail", kwargs={"pk": request_.pk})))
    assert "Accepter et programmer la séance" in page
    assert "Nom du lieu hors les murs" not in page


def test_accepting_off_site_through_the_page(
    client, culture_user, off_site_request, library_venue, adviser
):
    client.force_login(culture_user)
    url = reverse("workshops:request_accept", kwargs={"pk": off_site_request.pk})
    data = {
        "accept-venue": library_venue.pk,
        "accept-start_1": "2026-12-12T10:00",
        "accept-advisers": [adviser.pk],
        "accept-where": "hors_les_murs",
        "accept-off_site_name": "",
        "accept-off_site_address": "Grand-Place",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Indiquez le nom du lieu hors les murs" in text(response)
    assert 'href="#id_accept-off_site_name"' in text(response)
    assert not Session.objects.exists()

    response = client.post(url, data | {"accept-off_site_name": "Marché du samedi"})
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.off_site_name == "Marché du samedi"
    page = text(client.get(response["Location"]))
    assert "Hors les murs" in page and "Marché du samedi, Grand-Place" in page
    assert "Lieu enregistré de rattachement" in page


def test_off_site_request_may_still_be_placed_in_a_registered_venue(
    client, culture_user, off_site_request, library_venue, adviser
):
    client.force_login(culture_user)
    url = reverse("workshops:request_accept", kwargs={"pk": off_site_request.pk})
    response = client.post(
        url,
        {
            "accept-venue": library_venue.pk,
            "accept-start_1": "2026-12-12T10:00",
            "accept-advisers": [adviser.pk],
            "accept-where": "lieu",
            "accept-off_site_name": "Marché du samedi",
            "accept-off_site_address": "Grand-Place",
        },
    )
    assert response.status_code == 302
    assert not Session.objects.get().is_off_site


# --- Public pages, feed, poster, open data --------------------------------------------------


@pytest.fixture
def market_session(session):
    session.off_site_name, session.off_site_address = "Marché du samedi", "Grand-Place"
    session.off_site_access = "Stand bleu, devant la mairie."
    session.save()
    return session


def test_public_session_page_shows_the_off_site_place(client, market_session):
    page = text(client.get(reverse("public:session", kwargs={"pk": market_session.pk})))
    assert "Marché du samedi" in page and "Grand-Place, 59940 Estaires" in page
    assert "Stand bleu, devant la mairie." in page
    assert "Médiathèque d'Estaires" not in page


def test_agenda_shows_the_off_site_place(client, market_session):
    page = text(client.get(reverse("public:agenda"), {"debut": "2026-12-01"}))
    assert "Hors les murs :</strong> Marché du samedi" in page
    assert "Médiathèque d'Estaires" not in page


def test_feed_location_is_the_off_site_place(client, market_session):
    response = client.get(reverse("publicity:commune_feed", args=["59212"]))
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = [e for e in calendar.walk("VEVENT") if "session-" in str(e["UID"])]
    assert str(event["LOCATION"]) == "Marché du samedi, Grand-Place"


def test_poster_shows_the_off_site_place(client, market_session):
    from tests.public.test_posters import _read

    response = client.get(f"/affiches/ateliers/{market_session.pk}/")
    content, _size, _reader = _read(response)
    assert "Marché du samedi" in content and "Grand-Place" in content
    assert "Médiathèque d'Estaires" not in content


def test_open_data_never_lists_an_off_site_place(client, market_session, library_venue, adviser):
    f.PermanenceFactory(commune=library_venue.commune, venue=library_venue, adviser=adviser)
    body = client.get("/donnees/lieux-de-mediation-numerique.csv").content.decode()
    assert "Médiathèque d'Estaires" in body
    assert "Marché du samedi" not in body and "Grand-Place" not in body
    # Its only session is at the market: the library offers no collective workshop.
    assert "Dans un atelier collectif" not in body
    market_session.off_site_name = market_session.off_site_address = ""
    market_session.off_site_access = ""
    market_session.save()
    body = client.get("/donnees/lieux-de-mediation-numerique.csv").content.decode()
    assert "Dans un atelier collectif" in body


# --- 3D printer: from the refusal to the loan request and back --------------------------------


@pytest.fixture
def printer_request(territory, librarian):
    fmt = WorkshopFormatFactory(territory=territory, printer_3d=True, name="Imprimante 3D")
    workshop = WorkshopFactory(territory=territory, format=fmt, title="Imprimer en 3D")
    return InterventionRequestFactory(workshop=workshop, library=librarian.library)


@pytest.fixture
def printer_venue(library_venue):
    library_venue.has_projector = library_venue.has_screen = library_venue.wifi = True
    library_venue.has_tables_chairs = True
    library_venue.save()
    return library_venue


def test_printer_refusal_offers_the_loan_request_pre_filled(
    client, culture_user, printer_request, printer_venue, adviser, territory
):
    EquipmentFactory(territory=territory, printer=True, name="Imprimante 3D n° 1")
    client.force_login(culture_user)
    url = reverse("workshops:request_accept", kwargs={"pk": printer_request.pk})
    response = client.post(
        url,
        {
            "accept-venue": printer_venue.pk,
            "accept-start_1": "2026-12-12T10:00",
            "accept-advisers": [adviser.pk],
            "accept-capacity": "8",
        },
    )
    page = text(response)
    assert response.status_code == 200
    assert "Aucune imprimante 3D n'est réservée pour Estaires" in page
    assert not Session.objects.exists()
    link = response.context["printer_loan_url"]
    assert (
        "Demander le prêt de l'imprimante 3D" in page
        and html.escape(link) in response.content.decode()
    )
    parts = urlsplit(link)
    assert parts.path == reverse("equipment:loan_request")
    query = parse_qs(parts.query)
    assert query["type"] == ["printer_3d"]
    assert query["commune"] == ["59212"]
    assert query["bibliotheque"] == [str(printer_request.library_id)]
    assert query["du"] == ["2026-12-12"] and query["au"] == ["2026-12-12"]
    back = urlsplit(query["next"][0])
    assert back.path == reverse("workshops:request_detail", kwargs={"pk": printer_request.pk})
    kept = parse_qs(back.query)
    assert kept["accept-venue"] == [str(printer_venue.pk)]
    assert kept["accept-start_1"] == ["2026-12-12T10:00"]
    assert kept["accept-advisers"] == [str(adviser.pk)]
    assert kept["accept-capacity"] == ["8"]
    assert "csrfmiddlewaretoken" not in kept


def test_no_loan_link_when_the_refusal_is_not_about_the_printer(
    client, culture_user, workshop, librarian, library_venue, adviser, permanence
):
    request_ = InterventionRequestFactory(workshop=workshop, library=librarian.library)
    client.force_login(culture_user)
    response = client.post(
        reverse("workshops:request_accept", kwargs={"pk": request_.pk}),
        {
            "accept-venue": library_venue.pk,
            "accept-start_1": "2026-12-02T09:30",
            "accept-advisers": [adviser.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["printer_loan_url"] == ""
    assert "Demander le prêt" not in text(response)


def test_back_from_the_loan_the_form_is_filled_again_and_the_waiting_loan_shown(
    client, culture_user, printer_request, printer_venue, adviser, territory
):
    printer = EquipmentFactory(territory=territory, printer=True, name="Imprimante 3D n° 1")
    loan = LoanFactory(
        equipment=printer,
        commune=printer_venue.commune,
        start_date=dt.date(2026, 12, 12),
        end_date=dt.date(2026, 12, 12),
    )
    client.force_login(culture_user)
    detail = reverse("workshops:request_detail", kwargs={"pk": printer_request.pk})
    response = client.get(
        detail,
        {
            "accept-venue": printer_venue.pk,
            "accept-start_1": "2026-12-12T10:00",
            "accept-advisers": adviser.pk,
            "accept-capacity": "8",
        },
    )
    page = text(response)
    assert 'value="2026-12-12T10:00"' in page and 'value="8"' in page
    assert f'value="{adviser.pk}"' in page and "checked" in page
    assert "Prêt d'imprimante 3D demandé, pas encore accepté" in page
    loan_link = reverse("equipment:loan_detail", kwargs={"pk": loan.pk})
    assert f'href="{loan_link}?next=' in page
    # The rule stays: a loan only requested is not enough.
    with pytest.raises(ValidationError):
        services.accept_request(
            request=printer_request,
            by=culture_user,
            venue=printer_venue,
            starts=[SAT_12],
            advisers=[adviser],
        )
