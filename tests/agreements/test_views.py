"""Pages: every URL of the namespace × every role, the actions, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadran.agreements import services
from cadran.agreements import urls as agreement_urls
from cadran.agreements.enums import ObligationKind, ObligationStatus
from cadran.agreements.models import Agreement
from tests import factories as f


def kwargs_for(name: str, agreement: Agreement) -> dict:
    amendment = agreement.amendments.first()
    registry = {
        "list": {},
        "create": {},
        "detail": {"pk": agreement.pk},
        "sign": {"pk": agreement.pk},
        "renew": {"pk": agreement.pk},
        "amendment_add": {"pk": agreement.pk},
        "terminate": {"pk": agreement.pk},
        "obligation_update": {
            "pk": agreement.pk,
            "obligation_pk": agreement.obligations.first().pk,
        },
        "transmission_update": {
            "pk": agreement.pk,
            "transmission_pk": agreement.transmissions.first().pk,
        },
        "document": {"pk": agreement.pk, "fmt": "odt"},
        "amendment_document": {"pk": agreement.pk, "amendment_pk": amendment.pk, "fmt": "odt"},
    }
    return registry[name]


URL_NAMES = [p.name for p in agreement_urls.urlpatterns]
# Who may open what: "ok" (200), "forbidden" (403), "hidden" (404), "login" (302 to login).
MANAGER_ONLY = {"create", "sign", "renew", "amendment_add", "terminate", "transmission_update"}
READ = {"list", "detail", "document", "amendment_document"}


def expected(role: str, name: str) -> int:
    if role == "anonymous":
        return 302
    if role in ("adviser", "librarian"):
        return 403
    if role == "culture":
        return 200
    if role == "other_territory_culture":
        return 200 if name in ("list", "create") else 404
    if role == "coordinator":
        return 200 if name in READ else 403
    if role == "referent":
        return 200 if name in READ | {"obligation_update"} else 403
    if role == "other_referent":
        if name == "list":
            return 200
        return 404 if name in READ | {"obligation_update"} else 403
    raise AssertionError(role)


ROLES = [
    "anonymous",
    "culture",
    "coordinator",
    "referent",
    "other_referent",
    "adviser",
    "librarian",
    "other_territory_culture",
]


@pytest.fixture
def with_amendment(estaires_agreement, culture_user):
    services.add_amendment(
        agreement=estaires_agreement,
        adopted_on=dt.date(2026, 10, 1),
        title="Horaires",
        text="…",
        by=culture_user,
    )
    return estaires_agreement


def user_for(role, territory, estaires, culture_user, coordinator, referent, librarian):
    if role == "anonymous":
        return None
    return {
        "culture": lambda: culture_user,
        "coordinator": lambda: coordinator,
        "referent": lambda: referent,
        "other_referent": lambda: f.UserFactory(
            referent=True, territory=territory, communes=[f.CommuneFactory(territory=territory)]
        ),
        "adviser": lambda: f.UserFactory(adviser=True, territory=territory, communes=[estaires]),
        "librarian": lambda: librarian,
        "other_territory_culture": lambda: f.UserFactory(
            culture_service=True, territory=f.TerritoryFactory()
        ),
    }[role]()


def test_the_registry_knows_every_url():
    assert set(URL_NAMES) == {
        "list",
        "create",
        "detail",
        "sign",
        "renew",
        "amendment_add",
        "terminate",
        "obligation_update",
        "transmission_update",
        "document",
        "amendment_document",
    }


@pytest.mark.parametrize("role", ROLES)
def test_scope_of_every_url(
    client,
    role,
    with_amendment,
    territory,
    estaires,
    culture_user,
    coordinator,
    referent,
    librarian,
):
    user = user_for(role, territory, estaires, culture_user, coordinator, referent, librarian)
    if user is not None:
        client.force_login(user)
    results = {}
    for name in URL_NAMES:
        url = reverse(f"agreements:{name}", kwargs=kwargs_for(name, with_amendment))
        results[name] = client.get(url).status_code
    assert results == {name: expected(role, name) for name in URL_NAMES}


def test_unknown_format_is_a_404(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    url = reverse("agreements:document", kwargs={"pk": estaires_agreement.pk, "fmt": "docx"})
    assert client.get(url).status_code == 404


def test_download_pdf(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    response = client.get(
        reverse("agreements:document", kwargs={"pk": estaires_agreement.pk, "fmt": "pdf"})
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="convention-estaires-2024.pdf"'
    assert response.content.startswith(b"%PDF")


def test_list_shows_derived_status_and_next_deadline(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    page = client.get(reverse("agreements:list")).content.decode()
    assert "En vigueur (année 3 sur 3)" in page
    assert "31/08/2027 : Dernier jour de la convention" in page


def test_detail_page(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    page = client.get(
        reverse("agreements:detail", kwargs={"pk": estaires_agreement.pk})
    ).content.decode()
    assert page.count("<h1") == 1
    assert "Aujourd'hui : En vigueur (année 3 sur 3)." in page
    assert "Année 3 sur 3 (en cours)" in page
    assert "Reconduite le 30/06/2026" in page
    assert "le mercredi de 9h à 12h" in page
    assert "arrivée du conseiller à 8h45" in page
    assert "Isabelle DEBRAY, Responsable de la Bibliothèque" in page
    assert "Conseil municipal n°109/110 du 12/09/2024" in page
    assert "Reconduire pour un an" not in page  # no more renewal
    assert "Résilier" in page
    assert "Convention avec Estaires signée le 25/07/2024" in page  # the journal


def test_referent_reads_and_records_evidence(client, referent, estaires_agreement):
    client.force_login(referent)
    page = client.get(
        reverse("agreements:detail", kwargs={"pk": estaires_agreement.pk})
    ).content.decode()
    assert "Résilier" not in page
    assert "Mettre à jour" in page
    assert "Journal" not in page
    obligation = estaires_agreement.obligations.get(kind=ObligationKind.VENUES)
    url = reverse(
        "agreements:obligation_update",
        kwargs={"pk": estaires_agreement.pk, "obligation_pk": obligation.pk},
    )
    prefix = f"engagement-{obligation.pk}"
    response = client.post(
        url, {f"{prefix}-status": ObligationStatus.MET, f"{prefix}-evidence": ""}
    )
    assert response.status_code == 200
    assert "Dites ce qui le montre" in response.content.decode()
    response = client.post(
        url, {f"{prefix}-status": ObligationStatus.MET, f"{prefix}-evidence": "Wifi testé le 20/11"}
    )
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.evidence == "Wifi testé le 20/11"


def test_terminate_shows_the_computed_date_then_records(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    url = reverse("agreements:terminate", kwargs={"pk": estaires_agreement.pk})
    page = client.get(url).content.decode()
    assert "le dernier jour sera au plus tôt le 27/02/2027" in page
    response = client.post(
        url, {"requested_by": "commune", "requested_on": "2026-11-27", "effective_on": "2027-01-15"}
    )
    assert response.status_code == 200
    assert "pas être avant le 27/02/2027" in response.content.decode()
    response = client.post(
        url, {"requested_by": "commune", "requested_on": "2026-11-27"}, follow=True
    )
    assert "le dernier jour de la convention est le 27/02/2027" in response.content.decode()
    assert Agreement.objects.get(pk=estaires_agreement.pk).termination.effective_on == dt.date(
        2027, 2, 27
    )


def test_renew_refusal_is_shown(client, culture_user, estaires_agreement):
    client.force_login(culture_user)
    response = client.post(
        reverse("agreements:renew", kwargs={"pk": estaires_agreement.pk}),
        {"decided_on": "2026-11-27"},
    )
    assert response.status_code == 200
    assert "déjà été reconduite 2 fois" in response.content.decode()


def test_sign_then_amend_through_the_pages(client, culture_user, draft_agreement):
    client.force_login(culture_user)
    pk = draft_agreement.pk
    response = client.post(
        reverse("agreements:sign", kwargs={"pk": pk}),
        {"signed_on": "2024-07-25", "place": "La Gorgue"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("agreements:amendment_add", kwargs={"pk": pk}),
        {"adopted_on": "2025-03-01", "title": "Lieu", "text": "La salle change."},
    )
    assert response.status_code == 302
    assert draft_agreement.amendments.get().number == 1


def test_create_through_the_page(client, culture_user, estaires_agreement, merville, adviser):
    client.force_login(culture_user)
    response = client.post(
        reverse("agreements:create"),
        {
            "commune": merville.pk,
            "commune_signatory_name": "Maire de Merville",
            "commune_signatory_title": "Maire",
            "deliberation_number": "12",
            "deliberation_date": "2024-09-20",
            "advisers": [adviser.pk],
            "commune_referents": "Marc Exemple, Responsable du CCAS\n\n",
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(commune=merville)
    assert list(agreement.advisers.all()) == [adviser]
    assert agreement.referents.get(party="commune").label == "Marc Exemple, Responsable du CCAS"
    assert agreement.deliberations.get(purpose="commune_authorisation").number == "12"


def _more_agreements(territory, culture_user, count):
    for _ in range(count):
        commune = f.CommuneFactory(territory=territory)
        agreement = services.create_agreement(
            commune=commune, by=culture_user, commune_signatory_name="X"
        )
        services.sign_agreement(
            agreement=agreement, signed_on=dt.date(2024, 7, 25), place="X", by=culture_user
        )
        services.renew_agreement(
            agreement=agreement, decided_on=dt.date(2025, 6, 1), by=culture_user
        )


def test_list_queries_do_not_grow(
    client, django_assert_num_queries, culture_user, estaires_agreement, territory
):
    client.force_login(culture_user)
    url = reverse("agreements:list")
    # Session, user, the territory's alert delay, the agreements with their renewal count
    # and termination; the session saved (savepoint, update, release).
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    _more_agreements(territory, culture_user, 12)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["rows"]) == 13


def test_detail_queries_do_not_grow(
    client, django_assert_num_queries, culture_user, estaires_agreement
):
    client.force_login(culture_user)
    url = reverse("agreements:detail", kwargs={"pk": estaires_agreement.pk})
    with django_assert_num_queries(14):
        client.get(url)
    for i in range(5):
        services.add_amendment(
            agreement=estaires_agreement,
            adopted_on=dt.date(2026, 10, 1),
            title=f"A{i}",
            text="…",
            by=culture_user,
        )
    with django_assert_num_queries(14):
        client.get(url)
