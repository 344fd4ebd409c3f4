"""The proof of issue [9]: the demo's two territories on one install, each walked whole.

The CCFL is loaded as the demo loads it; its public addresses are read; the fictitious Val
Fictif is then loaded from its declaration file by ``load_territory``'s own code, given a
workshop, a convention, a loan and bookings made through its public pages. Then:

* every page reachable from the Val Fictif's public site (``/territoire/val-fictif/``) and
  from its staff's space, with every feed, poster, widget, report and document they link
  to, and every e-mail and SMS of the territory, holds no string of the CCFL, and the CCFL's
  hold none of the Val Fictif's;
* the CCFL's addresses (home, agenda, feeds, privacy page, a commune page, its widget) are
  byte for byte what they were before the second territory existed.

The pages are found by following links, not listed here: a page added later is walked too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.agreements import services as agreement_services
from cadran.core.clock import PARIS
from cadran.core.management.commands.seed_demo import Command as SeedDemo
from cadran.notifications.backends import sms
from cadran.notifications.models import Message
from cadran.scheduling.models import Permanence
from cadran.scheduling.slots import free_slots, make_slot_id
from cadran.territory.models import Commune, Territory
from tests.equipment.factories import EquipmentFactory, LoanFactory
from tests.workshops.factories import SessionFactory, WorkshopFactory, WorkshopFormatFactory

pytestmark = pytest.mark.django_db(transaction=False)

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)  # a Monday
INSTALL = "https://cadran.example.org"
HOST = "cadran.example.org"
VAL = "/territoire/val-fictif"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# What belongs to the CCFL (names, programme, contacts, senders, its communes) …
CCFL = ["Flandre Lys", "Esperluette", "CCFL", "03 28 00 00 00", "culture@cadran.demo"]
# … and to the Val Fictif.
VAL_FICTIF = [
    "Val Fictif",
    "Numérique en Val",
    "CCVF",
    "ValFictif",
    "01 00 00 00 00",
    "val-fictif",
    "Bourg-Fictif",
    "Rivière-sur-Exemple",
    "Mont-Modèle",
]
# Byte for byte before and after the second territory (the CCFL's own addresses).
CCFL_ADDRESSES = [
    "/",
    "/agenda.ics",
    "/agenda/59212.ics",
    "/ateliers/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/communes/estaires/",
    "/widget/59212/",
]
# Not walked: leaving the site, signing out, and the staff pages that act on a GET only
# to confirm (they are forms; their GET shows the same names as the page they come from).
SKIP = re.compile(
    r"^/(api|compte/deconnexion|static|media)/|^/admin/(logout|jsi18n)/|/(delete|history)/"
    r"|^mailto:|^tel:|^javascript:"
)
BINARY_LIMIT = 40


def ccfl_communes() -> list[str]:
    return list(Commune.objects.filter(territory__slug="ccfl").values_list("name", flat=True))


def text_of(response) -> str:
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in kind:
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if "opendocument" in kind or "zip" in kind:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


LINK = re.compile(r"""(?:href|src)=["']([^"'#]+)""")


def links(page: str) -> list[str]:
    found = []
    for raw in LINK.findall(page):
        url = raw.replace("&amp;", "&")
        parts = urlsplit(url)
        if parts.scheme and parts.netloc != HOST:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/"):
            found.append(path)
    return found


def walk(client, starts: list[str], *, inside: str, limit: int = 400) -> dict[str, str]:
    """Every page reachable from ``starts`` whose address starts with ``inside``, by GET, with
    its text (PDF and OpenDocument read); at most two addresses of each shape."""
    seen: dict[str, str] = {}
    per_path: dict[str, int] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        # One shape of address (digits aside) is walked twice at most: 60 slots are one page.
        path = re.sub(r"[0-9]+", "#", url.split("?", 1)[0])
        if url in seen or SKIP.search(url) or not url.startswith(inside):
            continue
        if per_path.get(path, 0) >= 2:
            continue
        per_path[path] = per_path.get(path, 0) + 1
        response = client.get(url, HTTP_HOST=HOST)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            seen[url] = ""
            continue
        assert response.status_code in (200, 300), (url, response.status_code)
        body = text_of(response)
        seen[url] = body
        if "html" in response.get("Content-Type", ""):
            queue.extend(links(body))
    return seen


def public_addresses(val: Territory) -> list[str]:
    """Where the walk starts: the home page, and what is given out rather than linked (the
    feeds, widgets and posters a commune puts on its own site or wall)."""
    from cadran.workshops.models import Session

    starts = [f"{VAL}/", f"{VAL}/agenda.ics"]
    for insee in Commune.objects.filter(territory=val).values_list("insee_code", flat=True):
        starts += [
            f"{VAL}/agenda/{insee}.ics",
            f"{VAL}/widget/{insee}/",
            f"{VAL}/widget/{insee}/code/",
            f"{VAL}/affiches/communes/{insee}/",
        ]
    for pk in Session.objects.filter(workshop__territory=val).values_list("pk", flat=True):
        starts += [f"{VAL}/ateliers/{pk}/", f"{VAL}/affiches/ateliers/{pk}/"]
    return starts


def leaks(texts: dict[str, str], needles: list[str]) -> list[tuple[str, str]]:
    return [(url, needle) for url, text in texts.items() for needle in needles if needle in text]


def first_free_slot(permanence: Permanence) -> str:
    (slot, *_rest) = free_slots(
        [permanence],
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=28),
        now=NOW,
    )
    return make_slot_id(permanence.pk, slot.start)


@pytest.fixture
def install(settings):
    settings.CADRAN_SITE_URL = INSTALL
    settings.ALLOWED_HOSTS = [HOST, "testserver"]
    settings.TASKS = IMMEDIATE
    settings.SMS_BACKEND = "cadran.notifications.backends.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def book_in_val(client, django_capture_on_commit_callbacks) -> None:
    """An inhabitant books at the Val Fictif through its public pages (e-mail and SMS)."""
    permanence = Permanence.objects.filter(commune__territory__slug="val-fictif").first()
    commune = permanence.commune
    url = f"{VAL}/communes/{commune.slug}/creneaux/{first_free_slot(permanence)}/"
    data = {
        "first_name": "Inès",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "email": "ines@example.org",
        "notify_email": "on",
        "notify_sms": "on",
        "residence": commune.insee_code,
        "topics": ["aide_aux_demarches_administratives"],
        "consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, HTTP_HOST=HOST)
    assert response.status_code == 302, response.content.decode()[:2000]


def give_val_a_year(val: Territory, culture: User, django_capture_on_commit_callbacks) -> None:
    """A published workshop, a signed convention and a loan, as its staff would make them."""
    commune = Commune.objects.filter(territory=val).order_by("insee_code").first()
    venue = commune.venues.order_by("pk").first()
    fmt = WorkshopFormatFactory(territory=val, name="Atelier découverte")
    workshop = WorkshopFactory(
        territory=val, format=fmt, title="Découvrir la tablette", description="Prendre en main."
    )
    SessionFactory(
        workshop=workshop,
        venue=venue,
        start=dt.datetime(2026, 11, 28, 10, 0, tzinfo=PARIS),
        end=dt.datetime(2026, 11, 28, 12, 0, tzinfo=PARIS),
    )
    with django_capture_on_commit_callbacks(execute=True):
        agreement = agreement_services.create_agreement(
            commune=commune,
            by=culture,
            commune_signatory_name="Camille ESSAI",
            permanence=Permanence.objects.filter(commune=commune).first(),
            territory_signatory_name="Dominique MODÈLE",
            territory_referents=[("Alex EXEMPLE", "Chargé de mission numérique")],
            commune_referents=[("Sam TEST", "Secrétaire de mairie")],
        )
        agreement_services.sign_agreement(
            agreement=agreement, signed_on=dt.date(2026, 9, 1), place=commune.name, by=culture
        )
    equipment = EquipmentFactory(territory=val)
    LoanFactory(equipment=equipment, commune=commune)


def test_two_territories_on_one_install_never_show_each_other(
    client, install, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        seed = SeedDemo()
        seed._load()
        before = {url: client.get(url, HTTP_HOST=HOST) for url in CCFL_ADDRESSES}
        for url, response in before.items():
            assert response.status_code == 200, url

        val = seed._load_second_territory()
        culture = User.objects.get(territory=val, role=Role.CULTURE_SERVICE)
        give_val_a_year(val, culture, django_capture_on_commit_callbacks)
        book_in_val(client, django_capture_on_commit_callbacks)

        # 1. The CCFL's addresses are what they were.
        for url, response in before.items():
            again = client.get(url, HTTP_HOST=HOST)
            assert again.status_code == 200, url
            assert again.content == response.content, url

        # 2. The Val Fictif's public site and its staff's space: nothing of the CCFL.
        ccfl = CCFL + ccfl_communes()
        public = walk(client, public_addresses(val), inside=VAL)
        assert len(public) > 10, sorted(public)
        for part in ("/ateliers/#/", ".ics", "/donnees-personnelles/", "/affiches/", "/code/"):
            assert any(part in re.sub(r"[0-9]+", "#", url) for url in public), part
        assert leaks(public, ccfl) == []
        client.force_login(culture)
        staff = walk(client, ["/espace/"], inside="/espace/")
        assert len(staff) > 20, sorted(staff)
        for part in ("/espace/conventions/", "/espace/ateliers/", "/espace/rapports/"):
            assert any(url.startswith(part) for url in staff), part
        assert leaks(staff, ccfl) == []
        admin = walk(client, ["/admin/"], inside="/admin/", limit=300)
        assert any("/admin/agreements/" in url for url in admin), sorted(admin)
        assert leaks(admin, ccfl) == []
        client.force_login(User.objects.filter(territory=val, role=Role.ADVISER).first())
        adviser = walk(client, ["/espace/"], inside="/espace/", limit=150)
        assert leaks(adviser, ccfl) == []

        # 3. Its e-mails and SMS (the booking's, every message queued for it).
        assert mail.outbox and sms.outbox
        sent = {
            f"e-mail {m.subject}": f"{m.from_email}\n{m.subject}\n{m.body}" for m in mail.outbox
        }
        sent |= {f"SMS {i}": f"{t.sender}\n{t.body}" for i, t in enumerate(sms.outbox)}
        sent |= {
            f"message {m.pk}": f"{m.subject}\n{m.body}\n{m.ics}"
            for m in Message.objects.filter(territory=val)
        }
        assert leaks(sent, ccfl) == []

        # 4. The reverse: the CCFL's public site and staff space show nothing of the Val.
        client.logout()
        ccfl_public = walk(client, ["/"], inside="/", limit=250)
        assert (
            leaks(
                {u: t for u, t in ccfl_public.items() if not u.startswith("/territoire/")},
                VAL_FICTIF,
            )
            == []
        )
        client.force_login(User.objects.get(email="culture@cadran.demo"))
        ccfl_staff = walk(client, ["/espace/"], inside="/espace/", limit=250)
        assert leaks(ccfl_staff, VAL_FICTIF) == []
        ccfl_messages = {
            f"message {m.pk}": f"{m.subject}\n{m.body}\n{m.ics}"
            for m in Message.objects.exclude(territory=val)
        }
        assert leaks(ccfl_messages, VAL_FICTIF) == []
