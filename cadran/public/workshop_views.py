"""Pages for inhabitants about the collective workshops (convention, art. 3.2), without an
account: the agenda, a session, registering, and the private page behind the link.

Thin views: load, bind the form, call :mod:`cadran.workshops.services`, redirect or render.
Who may register, the places and the waiting list are the service's business.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cadran.core import clock
from cadran.notifications.formatting import MONTHS, day_label, hour_label
from cadran.territory.routing import site_territory_id
from cadran.territory.selectors import set_current_territory
from cadran.workshops import services
from cadran.workshops.enums import RegistrationStatus, SessionStatus, WorkshopStatus
from cadran.workshops.models import Session
from cadran.workshops.selectors import (
    get_registration_by_token,
    next_sessions,
    public_agenda,
    waiting_position,
)

from . import selectors
from .page_cache import cached_page
from .views import _private, choose_territory
from .workshop_forms import WorkshopRegistrationForm

WEEK, MONTH = "semaine", "mois"
# How far ahead the agenda lets people browse.
AGENDA_HORIZON_DAYS = 366


# --- Presentation helpers (no rule here: only how dates are said) ------------------------


@dataclass
class SessionDate:
    """One dated session, said in words: « samedi 5 décembre 2026 », « de 10h à 12h »."""

    session: Session
    day: str
    hours: str


def say_dates(sessions: list[Session]) -> list[SessionDate]:
    return [
        SessionDate(
            session=s,
            day=day_label(s.start),
            hours=f"de {hour_label(s.start)} à {hour_label(s.end)}",
        )
        for s in sessions
    ]


@dataclass
class AgendaItem:
    session: Session
    dates: list[SessionDate]

    @property
    def is_cycle(self) -> bool:
        return len(self.dates) > 1


def _cycle_dates() -> Prefetch:
    """Every session of a cycle, in order (one query for the whole page)."""
    return Prefetch(
        "cycle_sessions",
        queryset=Session.objects.select_related("venue__commune").order_by("start", "pk"),
        to_attr="cycle_dates",
    )


def _items(sessions) -> list[AgendaItem]:
    return [
        AgendaItem(session=s, dates=say_dates(getattr(s, "cycle_dates", None) or [s]))
        for s in sessions
    ]


# --- The agenda --------------------------------------------------------------------------


@dataclass
class Period:
    kind: str  # WEEK or MONTH
    start: dt.date  # first day of the week or month
    end: dt.date  # last day, inclusive
    shown_from: dt.date  # today when the period has begun
    previous: dt.date | None
    next: dt.date | None

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        return f"du {day_label(self.shown_from, year=False)} au {day_label(self.end)}"


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _period(kind: str, asked: str | None, *, today: dt.date) -> Period:
    """The week or month asked for in ``?debut=``; the current one when absent or wrong."""
    try:
        day = dt.date.fromisoformat(asked) if asked else today
    except ValueError:
        day = today
    horizon = today + dt.timedelta(days=AGENDA_HORIZON_DAYS)
    day = min(max(day, today), horizon)
    if kind == WEEK:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
        current = today - dt.timedelta(days=today.weekday())
        previous = start - dt.timedelta(weeks=1)
        following = start + dt.timedelta(weeks=1)
    else:
        start = _month_start(day)
        end = _add_month(start) - dt.timedelta(days=1)
        current = _month_start(today)
        previous = _month_start(start - dt.timedelta(days=1))
        following = _add_month(start)
    return Period(
        kind=kind,
        start=start,
        end=end,
        shown_from=max(start, today),
        previous=previous if start > current else None,
        next=following if following <= horizon else None,
    )


_KEY_SAFE = re.compile(r"^[0-9A-Za-z_-]{0,64}$")


def _safe(value: str) -> str:
    """A query parameter as a piece of a cache key; empty when it could not be one (the
    page then shows what it shows for a value it does not know)."""
    value = value.strip()
    return value if _KEY_SAFE.match(value) else ""


@require_GET
def agenda(request):
    now = clock.now()
    today = clock.paris(now).date()
    slug = _safe(request.GET.get("territoire", ""))
    kind = WEEK if request.GET.get("vue") == WEEK else MONTH
    period = _period(kind, request.GET.get("debut"), today=today)
    asked = _safe(request.GET.get("commune", ""))
    params = (
        slug if site_territory_id(request) is None else "",
        kind,
        period.start.isoformat(),
        asked,
    )
    return cached_page(
        request, "agenda", params, lambda: _agenda_page(request, now, slug, period, asked)
    )


def _agenda_page(request, now: dt.datetime, slug: str, period: Period, asked: str):
    kind = period.kind
    scope = selectors.address_territories(site_territory_id(request), slug)
    if scope.must_ask:
        return choose_territory(request, scope.offered, "public:agenda")
    territories, territory = scope.offered, scope.territory
    communes: list[tuple[str, str]] = []
    commune_insee, commune_name = "", ""
    items: list[AgendaItem] = []
    if territory is not None:
        set_current_territory(request, territory)
        communes = selectors.residence_choices(territory_id=territory.pk)
        commune_name = dict(communes).get(asked, "")
        commune_insee = asked if commune_name else ""
        sessions = public_agenda(
            territory=territory,
            date_from=period.shown_from,
            date_to=period.end,
            commune_insee=commune_insee,
            now=now,
        ).prefetch_related(_cycle_dates())
        items = _items(sessions)
    base: dict[str, str] = {}
    if territory is not None and len(territories) > 1:
        base["territoire"] = territory.slug
    here = {**base, "commune": commune_insee} if commune_insee else base

    def url(params: dict, *, kind: str = kind, start: dt.date | None = None) -> str:
        query = {**params, "vue": kind}
        if start is not None:
            query["debut"] = start.isoformat()
        return f"{reverse('public:agenda')}?{urlencode(query)}"

    return render(
        request,
        "public/agenda.html",
        {
            "territory": territory,
            "territories": territories,
            "communes": communes,
            "commune_insee": commune_insee,
            "commune_name": commune_name,
            "period": period,
            "items": items,
            "previous_url": url(here, start=period.previous) if period.previous else "",
            "next_url": url(here, start=period.next) if period.next else "",
            "week_url": url(here, kind=WEEK, start=period.shown_from),
            "month_url": url(here, kind=MONTH, start=period.start),
            "all_communes_url": url(base, start=period.start),
            "territory_urls": [
                (t, f"{reverse('public:agenda')}?{urlencode({'territoire': t.slug})}")
                for t in territories
            ],
        },
    )


# --- A session and its registration form -------------------------------------------------


def _public_session(pk: int) -> Session:
    """A session of a published workshop, with its counts (404 otherwise)."""
    session = (
        Session.objects.filter(pk=pk, workshop__status=WorkshopStatus.PUBLISHED)
        .with_counts()
        .select_related("workshop__format", "workshop__territory", "venue__commune")
        .prefetch_related(_cycle_dates())
        .first()
    )
    if session is None:
        raise Http404("Cet atelier n'existe pas.")
    return session


def _is_closed(session: Session, now: dt.datetime) -> bool:
    return session.is_cancelled or session.start <= now or session.status == SessionStatus.HELD


def _closed_page(request, session: Session, now: dt.datetime, reasons: list[str] | None = None):
    """A friendly « 410 Gone »: the session is cancelled or over; the next ones are offered."""
    if not reasons:
        if session.is_cancelled:
            reasons = ["Cet atelier est annulé : on ne peut plus s'y inscrire."]
        else:
            reasons = ["Cet atelier a déjà eu lieu ou a commencé : on ne peut plus s'y inscrire."]
    upcoming = next_sessions(session, now=now)
    return render(
        request,
        "public/session_closed.html",
        {
            "session": session,
            "workshop": session.workshop,
            "territory": session.workshop.territory,
            "reasons": reasons,
            "dates": say_dates([session]),
            "upcoming": [AgendaItem(session=s, dates=say_dates([s])) for s in upcoming],
        },
        status=410,
    )


def _session_context(session: Session) -> dict:
    return {
        "session": session,
        "workshop": session.workshop,
        "venue": session.place,  # the off-site place when there is one
        "territory": session.workshop.territory,
        "dates": say_dates(getattr(session, "cycle_dates", None) or [session]),
    }


@require_GET
def session_detail(request, pk):
    session = _public_session(pk)
    set_current_territory(request, session.workshop.territory)
    if not session.is_registration_target:
        return redirect("public:session", pk=session.cycle_group_id)
    now = clock.now()
    if _is_closed(session, now):
        return _closed_page(request, session, now)
    return render(request, "public/session_detail.html", _session_context(session))


def _put_back_errors(form: WorkshopRegistrationForm, exc: ValidationError) -> None:
    """A service's refusal next to its field (the rest at the top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else None, errors)


@require_http_methods(["GET", "HEAD", "POST"])
def session_register(request, pk):
    session = _public_session(pk)
    set_current_territory(request, session.workshop.territory)
    if not session.is_registration_target:
        return redirect("public:session_register", pk=session.cycle_group_id)
    now = clock.now()
    if _is_closed(session, now):
        return _closed_page(request, session, now)
    territory = session.workshop.territory
    communes = selectors.residence_choices(territory_id=territory.pk)
    if request.method == "POST":
        form = WorkshopRegistrationForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                result = services.register(session=session, person=form.person_data(), by=None)
            except services.SessionClosed as exc:
                return _closed_page(request, session, clock.now(), exc.messages)
            except ValidationError as exc:
                _put_back_errors(form, exc)
            else:
                return redirect("public:workshop_registration", token=result.token)
    else:
        form = WorkshopRegistrationForm(communes=communes)
    context = _session_context(session)
    context.update({"form": form, "communes": communes})
    return render(request, "public/session_register.html", context)


# --- The private page behind the link ----------------------------------------------------


def _registration_or_404(request, token: str):
    registration = get_registration_by_token(token)
    if registration is None:
        # The same page for a wrong, mistyped or forged link: it tells nothing.
        page = render(request, "public/workshop_registration_not_found.html", status=404)
        return None, _private(page)
    return registration, None


def _is_cancellable(registration, now: dt.datetime) -> bool:
    session = registration.session
    return (
        registration.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
        and not session.is_cancelled
        and session.start > now
    )


def _registration_dates(session: Session) -> list[SessionDate]:
    if session.cycle_group_id is None:
        return say_dates([session])
    cycle = Session.objects.filter(cycle_group_id=session.cycle_group_id).select_related(
        "venue__commune"
    )
    return say_dates(list(cycle.order_by("start", "pk")))


@never_cache
@require_GET
def workshop_registration(request, token):
    registration, not_found = _registration_or_404(request, token)
    if not_found:
        return not_found
    now = clock.now()
    session = registration.session
    ref = registration.reference
    context = {
        "registration": registration,
        "session": session,
        "workshop": session.workshop,
        "venue": session.place,  # the off-site place when there is one
        "territory": session.workshop.territory,
        "dates": _registration_dates(session),
        "position": waiting_position(registration),
        "reference": " ".join(ref[i : i + 3] for i in range(0, len(ref), 3)),
        "private_url": request.build_absolute_uri(
            reverse("public:workshop_registration", kwargs={"token": token})
        ),
        "cancel_url": reverse("public:workshop_registration_cancel", kwargs={"token": token}),
        "cancellable": _is_cancellable(registration, now),
        "is_past": session.start <= now,
        "upcoming": (
            [AgendaItem(session=s, dates=say_dates([s])) for s in next_sessions(session, now=now)]
            if session.is_cancelled
            else []
        ),
    }
    return _private(render(request, "public/workshop_registration.html", context))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def workshop_registration_cancel(request, token):
    registration, not_found = _registration_or_404(request, token)
    if not_found:
        return not_found
    detail_url = reverse("public:workshop_registration", kwargs={"token": token})
    if not _is_cancellable(registration, clock.now()):
        return redirect(detail_url)
    error = ""
    if request.method == "POST":
        try:
            services.cancel_registration(registration=registration, by=None)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(detail_url)
    session = registration.session
    context = {
        "registration": registration,
        "session": session,
        "workshop": session.workshop,
        "venue": session.place,  # the off-site place when there is one
        "dates": _registration_dates(session),
        "detail_url": detail_url,
        "error": error,
    }
    return _private(render(request, "public/workshop_registration_cancel.html", context))
