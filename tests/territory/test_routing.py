"""Ways in: a territory by its own domain, by ``/territoire/<slug>/`` on a shared one, and
the install's shared address asking which territory (cadran/territory/routing.py,
decisions/0012)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import get_script_prefix, reverse, set_script_prefix

from cadran.core.clock import PARIS
from cadran.territory import identity
from cadran.territory.models import Territory
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
INSTALL = "https://cadran.example.org"


@pytest.fixture(autouse=True)
def _install(settings):
    settings.CADRAN_SITE_URL = INSTALL
    settings.ALLOWED_HOSTS = ["testserver", "cadran.example.org", "rdv.val.example"]


@pytest.fixture
def first(db):
    territory = f.TerritoryFactory(slug="premier", name="Communauté de communes Première")
    commune = f.CommuneFactory(territory=territory, name="Estaires", slug="estaires")
    f.PermanenceFactory(commune=commune)
    return territory


def add_second(**kwargs) -> Territory:
    territory = f.TerritoryFactory(slug="val", name="Communauté de communes du Val", **kwargs)
    commune = f.CommuneFactory(
        territory=territory, name="Bourg-en-Val", slug="bourg", insee_code="00011"
    )
    f.PermanenceFactory(commune=commune)
    return territory


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_prefix_serves_the_territory_with_every_link_under_it(client, first):
    add_second()
    page = body(client.get("/territoire/val/"))
    assert "Bourg-en-Val" in page and "Estaires" not in page
    assert 'href="/territoire/val/communes/bourg/"' in page
    assert 'href="/territoire/val/ateliers/"' in page
    commune = body(client.get("/territoire/val/communes/bourg/"))
    assert "Prendre rendez-vous à Bourg-en-Val" in commune
    # The same page of the other territory (a cached page is not shared between them).
    premier = body(client.get("/territoire/premier/"))
    assert "Estaires" in premier and "Bourg-en-Val" not in premier


def test_the_prefix_does_not_leak_into_later_addresses(client, first):
    add_second()
    before = get_script_prefix()
    client.get("/territoire/val/")
    assert get_script_prefix() == before
    assert reverse("public:home") == "/"


def test_a_commune_of_another_territory_is_not_under_a_prefix(client, first):
    add_second()
    assert client.get("/territoire/val/communes/estaires/").status_code == 404
    assert client.get("/territoire/nulle-part/").status_code == 404


def test_the_prefix_without_its_slash_and_staff_addresses_redirect(client, first):
    response = client.get("/territoire/premier")
    assert response.status_code == 302 and response["Location"] == "/territoire/premier/"
    response = client.get("/territoire/premier/espace/?semaine=2026-12-07")
    assert response.status_code == 302
    assert response["Location"] == "/espace/?semaine=2026-12-07"


def test_a_territory_with_its_own_domain_owns_every_address_of_it(client, first):
    add_second(site_url="https://rdv.val.example")
    page = body(client.get("/", HTTP_HOST="rdv.val.example"))
    assert "Bourg-en-Val" in page and "Estaires" not in page
    agenda = body(client.get("/ateliers/", HTTP_HOST="rdv.val.example"))
    assert "Communauté de communes Première" not in agenda
    # ``?territoire=`` cannot bring the other territory onto this domain.
    other = body(client.get("/ateliers/?territoire=premier", HTTP_HOST="rdv.val.example"))
    assert "Communauté de communes Première" not in other


def test_the_shared_address_asks_which_territory(client, first):
    add_second()
    for url in ("/", "/ateliers/", "/donnees-personnelles/"):
        page = body(client.get(url))
        assert "Choisissez votre territoire" in page, url
        assert "Communauté de communes Première" in page and "Communauté de communes du Val" in page
    feed = client.get("/agenda.ics")
    assert feed.status_code == 300
    text = feed.content.decode()
    assert f"{INSTALL}/agenda.ics" in text and f"{INSTALL}/territoire/val/agenda.ics" in text


def test_the_first_territory_keeps_the_install_address_when_a_second_is_added(client, first):
    with time_machine.travel(NOW, tick=False):
        host = {"HTTP_HOST": "cadran.example.org"}
        before = {url: client.get(url, **host) for url in ("/agenda.ics", "/donnees-personnelles/")}
        assert before["/agenda.ics"].status_code == 200
        add_second()
        first.refresh_from_db()
        assert first.site_url == INSTALL
        for url, response in before.items():
            again = client.get(url, **host)
            assert again.status_code == 200
            assert again.content == response.content, url


def test_only_the_first_second_territory_gives_the_address(first):
    first.site_url = "https://rdv.premier.example"
    first.save()
    add_second()
    first.refresh_from_db()
    assert first.site_url == "https://rdv.premier.example"
    assert Territory.objects.get(slug="val").site_url == ""


def test_links_built_under_a_prefix_name_their_own_territory(first):
    second = add_second()
    before = get_script_prefix()
    set_script_prefix("/territoire/val/")
    try:
        assert identity.for_territory(first).reverse("public:home") == f"{INSTALL}/"
        assert (
            identity.for_territory(second).reverse("public:commune", slug="bourg")
            == f"{INSTALL}/territoire/val/communes/bourg/"
        )
    finally:
        set_script_prefix(before)


def test_one_territory_is_served_at_the_root_without_asking(client, first):
    page = body(client.get("/"))
    assert "Estaires" in page and "Choisissez votre territoire" not in page
    assert client.get("/agenda.ics").status_code == 200


def test_the_routing_receivers_are_connected_in_a_fresh_process():
    # A command (seed_demo, load_territory) serves no page: the receiver that gives the
    # first territory the install's address must be connected at start-up all the same.
    import subprocess
    import sys

    code = (
        "import django; django.setup();"
        "from django.db.models.signals import post_save;"
        "print(any(key[0] == 'territory-routing-save' for key, *_ in post_save.receivers))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "True"
