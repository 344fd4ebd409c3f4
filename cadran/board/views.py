"""The board's pages: week, month, coverage, « Déplacer une séance ».

Who sees what (docs/cadran.md): the Service Culture and the coordination see and change
the whole territory; the advisers see the whole board (to know where their colleagues
are) but change nothing from it; nobody sees an inhabitant's name on the board (it is
printed for the office wall). Referents and librarians: 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import clock
from cadran.reporting.charts import bar_chart
from cadran.scheduling.forms import apply_service_errors
from cadran.scheduling.views import staff_view
from cadran.territory.models import Territory, Venue
from cadran.workshops.enums import OPEN_SESSION_STATUSES
from cadran.workshops.models import Session, WorkshopFormat
from cadran.workshops.services import move_session

from . import selectors
from .conflicts import check_conflicts_for_session
from .coverage import coverage
from .forms import BoardFilterForm, SessionMoveForm
from .selectors import (
    KIND_PERMANENCES,
    MONTH,
    ROWS_ADVISERS,
    ROWS_COMMUNES,
    WEEK,
    Filters,
    Viewer,
)

BOARD_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER})
MOVE_ROLES = TERRITORY_ROLES


class FrenchNumber(float):
    """A number written with a decimal comma (in the charts' labels)."""

    def __format__(self, spec: str) -> str:
        return super().__format__(spec).replace(".", ",")


def _territory_id(user) -> int:
    if user.territory_id:
        return user.territory_id
    if user.is_superuser:
        first = Territory.objects.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            return first
    raise Http404("Aucun territoire.")


def _viewer(user) -> Viewer:
    manages = user.is_superuser or user.role in TERRITORY_ROLES
    commune_ids = frozenset() if manages else frozenset(user.communes.values_list("pk", flat=True))
    return Viewer(user_id=user.pk, manages=manages, commune_ids=commune_ids)


def _day_from(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return clock.today()


def _query(request, **changes) -> str:
    """The current query string with some values changed (None removes them)."""
    query = QueryDict(mutable=True)
    for key in ("date", "rows", "commune", "adviser", "kind"):
        value = request.GET.get(key)
        if value:
            query[key] = value
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


LINKS = {
    "day_sheet": lambda occ: reverse(
        "staff:day_sheet", kwargs={"pk": occ.permanence_id, "day": occ.day}
    ),
    "session": lambda entry: reverse("workshops:session_detail", kwargs={"pk": entry.session_id}),
    "move": lambda entry: reverse("board:session_move", kwargs={"pk": entry.session_id}),
    "loan": lambda loan: reverse("equipment:loan_detail", kwargs={"pk": loan.loan_id}),
}


def _board(request, view: str):
    user = request.user
    territory_id = _territory_id(user)
    day = _day_from(request)
    date_from, date_to = selectors.period_of(view, day)
    board = selectors.load_board(territory_id=territory_id, date_from=date_from, date_to=date_to)
    formats = list(WorkshopFormat.objects.filter(territory_id=territory_id).order_by("name", "pk"))
    form = BoardFilterForm(
        request.GET or None,
        communes=board.communes,
        advisers=board.advisers,
        formats=formats,
        initial={"date": day},
    )
    rows_mode = form.value("rows") or ROWS_ADVISERS
    commune, adviser = form.value("commune"), form.value("adviser")
    filters = Filters(
        commune_id=int(commune) if commune else None,
        adviser_id=int(adviser) if adviser else None,
        kind=form.value("kind") or "",
    )
    viewer = _viewer(user)
    grid = selectors.build_grid(
        board, view=view, rows_mode=rows_mode, filters=filters, viewer=viewer, links=LINKS
    )
    calendar = (
        selectors.build_month_calendar(grid, first=date_from, last=date_to)
        if view == MONTH
        else None
    )
    other = MONTH if view == WEEK else WEEK
    this_url = reverse(f"board:{view}")
    return render(
        request,
        "board/board.html",
        {
            "grid": grid,
            "calendar": calendar,
            "form": form,
            "view": view,
            "date_from": date_from,
            "date_to": date_to,
            "period_label": selectors.period_label(view, date_from, date_to),
            "filters": filters,
            "viewer": viewer,
            "show_appointments": view == WEEK and viewer.manages,
            "previous_url": this_url
            + _query(request, date=selectors.shift(view, date_from, -1).isoformat()),
            "next_url": this_url
            + _query(request, date=selectors.shift(view, date_from, 1).isoformat()),
            "today_url": this_url + _query(request, date=None),
            "other_url": reverse(f"board:{other}") + _query(request),
            "rows_url": this_url
            + _query(
                request,
                rows=ROWS_ADVISERS if rows_mode == ROWS_COMMUNES else ROWS_COMMUNES,
                commune=None,
                adviser=None,
            ),
            "rows_mode": rows_mode,
            "ROWS_COMMUNES": ROWS_COMMUNES,
            "KIND_PERMANENCES": KIND_PERMANENCES,
            "default_travel": board.travel.default,
        },
    )


@staff_view(BOARD_ROLES)
def week(request):
    return _board(request, WEEK)


@staff_view(BOARD_ROLES)
def month(request):
    return _board(request, MONTH)


@staff_view(BOARD_ROLES)
def coverage_page(request):
    user = request.user
    territory_id = _territory_id(user)
    day = _day_from(request)
    first, _ = selectors.period_of(MONTH, day)
    result = coverage(territory_id=territory_id, month=first)
    chart = bar_chart(
        chart_id="couverture-heures",
        title="Heures de permanence pour 1 000 habitants, "
        + selectors.period_label(MONTH, first, first),
        labels=[row.commune.name for row in result.rows],
        values=[FrenchNumber(row.per_thousand or 0) for row in result.rows],
        unit="h",
    )
    here = reverse("board:coverage")
    return render(
        request,
        "board/coverage.html",
        {
            "coverage": result,
            "total": result.total,
            "chart": chart,
            "month_label": selectors.period_label(MONTH, first, first),
            "previous_url": f"{here}?date={selectors.shift(MONTH, first, -1).isoformat()}",
            "next_url": f"{here}?date={selectors.shift(MONTH, first, 1).isoformat()}",
            "board_url": reverse("board:month") + f"?date={first.isoformat()}",
        },
    )


def _movable(session: Session) -> bool:
    return session.status in OPEN_SESSION_STATUSES and session.start > clock.now()


@staff_view(MOVE_ROLES)
def session_move(request, pk: int):
    """Step 1, « Vérifier »: the conflicts at the new date and place; step 2, « Confirmer »:
    the move (only for the values just checked)."""
    user = request.user
    session = get_object_or_404(
        Session.objects.visible_to(user)
        .select_related("workshop__format", "workshop__territory", "venue__commune")
        .prefetch_related("advisers"),
        pk=pk,
    )
    venues = (
        Venue.objects.filter(commune__territory_id=session.workshop.territory_id)
        .select_related("commune")
        .order_by("commune__name", "name", "pk")
    )
    movable = _movable(session)
    off_site = session if session.is_off_site else None
    checked_conflicts = None
    ready = False
    if request.method == "POST" and movable:
        form = SessionMoveForm(request.POST, venues=venues, off_site=off_site)
        if form.is_valid():
            data = form.cleaned_data
            checked_conflicts = check_conflicts_for_session(
                session=session, start=data["start"], end=data["end"], venue=data["venue"]
            )
            if request.POST.get("step") == "confirm" and data["checked"] == form.signature():
                try:
                    moved = move_session(
                        session=session,
                        start=data["start"],
                        end=data["end"],
                        venue=data["venue"],
                        by=user,
                    )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(
                        request,
                        "La séance est déplacée. Les personnes inscrites et en attente sont "
                        "prévenues par e-mail ou SMS.",
                    )
                    for conflict in checked_conflicts:
                        messages.warning(request, f"À vérifier : {conflict.message}")
                    day = clock.paris(moved.start).date().isoformat()
                    return redirect(reverse("board:week") + f"?date={day}")
            else:
                values = request.POST.copy()
                values["checked"] = form.signature()
                form = SessionMoveForm(values, venues=venues, off_site=off_site)
                form.is_valid()
                ready = True
    else:
        local_start = clock.paris(session.start)
        form = SessionMoveForm(
            venues=venues,
            off_site=off_site,
            initial={
                "day": local_start.date(),
                "start_time": local_start.time(),
                "end_time": clock.paris(session.end).time(),
                "venue": session.venue,
            },
        )
    return render(
        request,
        "board/session_move.html",
        {
            "session": session,
            "form": form,
            "movable": movable,
            "ready": ready,
            "checked_conflicts": checked_conflicts,
            "current_conflicts": check_conflicts_for_session(session=session) if not ready else [],
            "board_url": reverse("board:week")
            + f"?date={clock.paris(session.start).date().isoformat()}",
        },
    )
