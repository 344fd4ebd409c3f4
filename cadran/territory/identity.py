"""The identity of a territory, as the pages, e-mails, SMS and documents show it.

One :class:`Identity` per territory, built from the ``Territory`` row and its charte
(``publicity.Charter``: colours, logo, footer), with the install's settings as fallback for
what the territory leaves empty (SMS sender, sender of e-mails, site address). A page
reads it from the cache: it costs no query once the territory is known
(:func:`cadran.territory.selectors.current_territory`).

The cache entry of a territory is rewritten whenever the territory or its charte is saved
(signals below), so it is always warm; ``CADRAN_TERRITORY_CACHE_SECONDS`` bounds how long
another web process may keep an old one when the cache is not shared between processes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse

from .models import PRODUCT_NAME, Territory, default_digest_time, default_reminder_time

_generation = itertools.count()
_GENERATION = [next(_generation)]
NONE, SEVERAL = 0, -1


@dataclass(frozen=True)
class Identity:
    """What a page or a message says about who offers the service."""

    territory_id: int | None = None
    slug: str = ""
    name: str = ""
    short_name: str = ""
    service_name: str = ""
    programme_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    footer_text: str = ""
    # The charte's colours when they differ from the site's (else empty: cadran.css as is).
    primary_color: str = ""
    primary_dark: str = ""
    secondary_color: str = ""
    logo_text: str = ""
    has_logo: bool = False
    version: str = ""
    sms_sender_name: str = ""
    email_from_name: str = ""
    email_from_address: str = ""
    site_url_value: str = ""
    # The install has other territories: one without an address of its own is reached
    # under ``/territoire/<slug>`` of the install's (cadran.territory.routing).
    shares_install: bool = False
    reminder_time: dt.time | None = None
    digest_time: dt.time | None = None

    # --- Names ---

    @property
    def product_name(self) -> str:
        return PRODUCT_NAME

    @property
    def heading(self) -> str:
        """The big name at the top of the pages: the programme, else the product."""
        return self.programme_name or PRODUCT_NAME

    @property
    def signature(self) -> str:
        """How e-mails are signed: « Service Culture — Communauté de communes … »."""
        parts = [p for p in (self.service_name, self.name) if p]
        return " — ".join(parts) if parts else PRODUCT_NAME

    @property
    def brand_color(self) -> str:
        """The colour of the territory's bands and headings (e-mails, PDF letterhead): its
        charte's, already AA on white, else the site's blue."""
        from cadran.publicity.models import DEFAULT_PRIMARY

        return self.primary_color or DEFAULT_PRIMARY

    @property
    def has_colours(self) -> bool:
        return bool(self.primary_color or self.secondary_color)

    # --- Senders and addresses (the install's settings when the territory has none) ---

    @property
    def sms_sender(self) -> str:
        return self.sms_sender_name or settings.SMS_SENDER

    @property
    def from_email(self) -> str:
        """The ``From`` of the territory's e-mails, e.g. ``Service Culture <rdv@ccfl.fr>``."""
        default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        address = self.email_from_address or default_address
        name = self.email_from_name or default_name
        if not name:
            return address
        if any(ch in name for ch in ',;:<>"@()[]\\.'):
            name = '"' + name.replace("\\", "").replace('"', "") + '"'
        # Left unencoded: Django encodes the header when it sends (non-ASCII names).
        return f"{name} <{address}>"

    @property
    def site_url(self) -> str:
        if self.site_url_value:
            return self.site_url_value.rstrip("/")
        base = settings.CADRAN_SITE_URL.rstrip("/")
        return f"{base}/territoire/{self.slug}" if self.shares_install and self.slug else base

    def url(self, path: str) -> str:
        """An absolute address on the territory's public site (``path`` from the root)."""
        return self.site_url + path

    def reverse(self, viewname: str, *args, **kwargs) -> str:
        """The absolute address of a view on the territory's site, also when built during a
        request served under another territory's prefix."""
        path = reverse(viewname, args=args or None, kwargs=kwargs or None)
        prefix = get_script_prefix()
        if prefix != "/" and path.startswith(prefix):
            path = "/" + path[len(prefix) :]
        return self.url(path)

    @property
    def domain(self) -> str:
        return self.site_url.split("://", 1)[-1]

    @property
    def protocol(self) -> str:
        return self.site_url.split("://", 1)[0] if "://" in self.site_url else "https"

    @property
    def reminder_at(self) -> dt.time:
        return self.reminder_time or default_reminder_time()

    @property
    def digest_at(self) -> dt.time:
        return self.digest_time or default_digest_time()


# The identity of an install without territory (or with several, on a page of none).
PRODUCT = Identity()


def _darker(hex_color: str, factor: float = 0.7) -> str:
    r, g, b = (int(int(hex_color[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


# The lightest background cadran.css writes coloured text on (``--soft``: footer, notices).
SOFT_BACKGROUND = "#f3f5f8"


def readable_on_pages(hex_color: str) -> str:
    """The charte's colour, darkened just enough to keep AA (4.5:1) on every background of
    the pages (``Charter.clean`` checks it against white; the pages also use ``--soft``)."""
    from cadran.publicity.models import _luminance

    def ratio(a: str, b: str) -> float:
        la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    colour = hex_color.lower()
    for _ in range(40):
        if ratio(colour, SOFT_BACKGROUND) >= 4.5:
            break
        colour = _darker(colour, 0.95)
    return colour


def build(territory: Territory, charter=None, *, shares_install: bool = False) -> Identity:
    """The identity of ``territory`` (``charter``: its charte, or None when it has none;
    ``shares_install``: other territories are on the install)."""
    from cadran.publicity.models import DEFAULT_PRIMARY, DEFAULT_SECONDARY

    primary = secondary = primary_dark = ""
    logo_text, has_logo, version, footer = "", False, "", ""
    if charter is not None:
        if charter.primary_color.lower() != DEFAULT_PRIMARY:
            primary = readable_on_pages(charter.primary_color)
            primary_dark = _darker(primary)
        if charter.secondary_color.lower() != DEFAULT_SECONDARY:
            secondary = readable_on_pages(charter.secondary_color)
        logo_text = charter.logo_label
        has_logo = bool(charter.logo_svg)
        version = f"{charter.updated_at:%Y%m%d%H%M%S%f}" if charter.updated_at else ""
        footer = charter.footer_text
    return Identity(
        territory_id=territory.pk,
        slug=territory.slug,
        name=territory.name,
        short_name=territory.short_name,
        service_name=territory.service_name,
        programme_name=territory.programme_name,
        contact_phone=territory.contact_phone,
        contact_email=territory.contact_email,
        footer_text=footer,
        primary_color=primary,
        primary_dark=primary_dark,
        secondary_color=secondary,
        logo_text=logo_text or territory.short_name,
        has_logo=has_logo,
        version=version,
        sms_sender_name=territory.sms_sender,
        email_from_name=territory.email_from_name,
        email_from_address=territory.email_from_address,
        site_url_value=territory.site_url,
        shares_install=shares_install,
        reminder_time=territory.reminder_time,
        digest_time=territory.digest_time,
    )


# --- The cache ------------------------------------------------------------------------------


def _cache():
    return caches[getattr(settings, "CADRAN_TERRITORY_CACHE_ALIAS", "territory")]


def _timeout():
    return getattr(settings, "CADRAN_TERRITORY_CACHE_SECONDS", 300)


def _key(part) -> str:
    return f"territory-identity:{_GENERATION[0]}:{part}"


def _load(territory_id: int) -> Identity | None:
    territory = Territory.objects.select_related("charter").filter(pk=territory_id).first()
    if territory is None:
        return None
    shares = Territory.objects.exclude(pk=territory_id).exists()
    return build(territory, getattr(territory, "charter", None), shares_install=shares)


def _store(territory_id: int) -> Identity | None:
    identity = _load(territory_id)
    if identity is None:
        _cache().delete(_key(territory_id))
    else:
        _cache().set(_key(territory_id), identity, _timeout())
    return identity


def for_id(territory_id: int | None) -> Identity:
    """The identity of the territory ``territory_id`` (the product's when None)."""
    if not territory_id:
        return PRODUCT
    identity = _cache().get(_key(territory_id))
    if identity is None:
        identity = _store(territory_id) or PRODUCT
    return identity


def for_territory(territory: Territory | None) -> Identity:
    return for_id(territory.pk if territory is not None else None)


def _store_sole() -> int:
    pks = list(Territory.objects.order_by("pk").values_list("pk", flat=True)[:2])
    sole = pks[0] if len(pks) == 1 else (NONE if not pks else SEVERAL)
    _cache().set(_key("sole"), sole, _timeout())
    return sole


def sole_territory_id() -> int | None:
    """The pk of the only territory of the install; None when there are none or several."""
    sole = _cache().get(_key("sole"))
    if sole is None:
        sole = _store_sole()
    return sole if sole > 0 else None


def reset() -> None:
    """Forget every cached identity (tests: the database was rolled back under it)."""
    _GENERATION[0] = next(_generation)


@receiver(post_save, sender=Territory, dispatch_uid="territory-identity-save")
def _territory_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        _cache().delete_many([_key(instance.pk), _key("sole")])
        return
    if created:  # the others now share the install (their addresses may take the prefix)
        for pk in Territory.objects.values_list("pk", flat=True):
            _store(pk)
    else:
        _store(instance.pk)
    _store_sole()


@receiver(post_delete, sender=Territory, dispatch_uid="territory-identity-delete")
def _territory_deleted(sender, instance, **kwargs):
    _cache().delete(_key(instance.pk))
    _store_sole()
    for pk in Territory.objects.values_list("pk", flat=True):  # one may be alone now
        _store(pk)


def _charter_changed(sender, instance, raw=False, **kwargs):
    if raw:
        _cache().delete(_key(instance.territory_id))
    else:
        _store(instance.territory_id)


def connect_charter_signals() -> None:
    from cadran.publicity.models import Charter

    post_save.connect(_charter_changed, sender=Charter, dispatch_uid="territory-identity-charter")
    post_delete.connect(
        _charter_changed, sender=Charter, dispatch_uid="territory-identity-charter-del"
    )
