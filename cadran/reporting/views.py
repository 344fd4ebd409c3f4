"""Report pages: the attendance report of a commune, the territory dashboard, their
downloads, and the public open-data file of the venues.

Thin views: role (403), the commune through the user's scope (404), the period form,
then the selectors and the exports.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.equipment.selectors import loan_history
from cadran.scheduling.views import staff_view
from cadran.territory.models import Commune, Territory

from . import exports, opendata
from .forms import period_from
from .selectors import Period, attendance_report, territory_dashboard

REPORT_ROLES = frozenset({*TERRITORY_ROLES, Role.COMMUNE_REFERENT})
DASHBOARD_ROLES = TERRITORY_ROLES


def is_masked_viewer(user) -> bool:
    """A commune referent reads what goes to the commune: small counts masked."""
    return not user.is_superuser and user.role == Role.COMMUNE_REFERENT


def _commune(request, insee: str) -> Commune:
    return get_object_or_404(
        Commune.objects.visible_to(request.user).select_related("territory"), insee_code=insee
    )


def _territory(user) -> Territory:
    if user.territory_id:
        return user.territory
    territory = Territory.objects.order_by("pk").first()  # a superuser without territory
    if territory is None:
        raise Http404
    return territory


def _period_query(period: Period) -> str:
    return urlencode({"du": period.start.isoformat(), "au": period.end.isoformat()})


def _download(doc: exports.Document, fmt: str) -> HttpResponse:
    response = HttpResponse(exports.render(doc, fmt), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(doc, fmt)}"'
    return response


@staff_view(REPORT_ROLES)
def index(request):
    communes = list(Commune.objects.visible_to(request.user).order_by("name"))
    is_territory = request.user.is_superuser or request.user.role in DASHBOARD_ROLES
    if not is_territory and len(communes) == 1:
        return redirect("reporting:commune", insee=communes[0].insee_code)
    return render(
        request, "reporting/index.html", {"communes": communes, "is_territory": is_territory}
    )


@staff_view(REPORT_ROLES)
def commune_report(request, insee: str):
    commune = _commune(request, insee)
    form, period = period_from(request.GET)
    ctx = {"commune": commune, "form": form, "period": period, "formats": exports.FORMATS}
    if period is not None:
        report = attendance_report(commune=commune, period=period)
        ctx["doc"] = exports.report_document(
            report, masked=is_masked_viewer(request.user)
        ).with_charts()
        ctx["query"] = _period_query(period)
        # Equipment lent to the commune during the period (issue [5]): one query.
        ctx["loans"] = list(
            loan_history(commune).filter(start_date__lte=period.end, end_date__gte=period.start)
        )
    return render(request, "reporting/commune_report.html", ctx, status=200 if period else 400)


@staff_view(REPORT_ROLES)
def commune_report_download(request, insee: str, fmt: str):
    """What goes to the commune: always masked, whoever downloads it."""
    if fmt not in exports.FORMATS:
        raise Http404
    commune = _commune(request, insee)
    _form, period = period_from(request.GET)
    if period is None:
        return redirect(f"{request.path.rsplit('/', 2)[0]}/?{request.GET.urlencode()}")
    report = attendance_report(commune=commune, period=period)
    return _download(exports.report_document(report, masked=True), fmt)


@staff_view(DASHBOARD_ROLES)
def dashboard(request):
    territory = _territory(request.user)
    form, period = period_from(request.GET)
    ctx = {"territory": territory, "form": form, "period": period, "formats": exports.FORMATS}
    if period is not None:
        board = territory_dashboard(territory=territory, period=period)
        ctx["board"] = board
        ctx["doc"] = exports.dashboard_document(board).with_charts()
        ctx["query"] = _period_query(period)
    return render(request, "reporting/dashboard.html", ctx, status=200 if period else 400)


@staff_view(DASHBOARD_ROLES)
def dashboard_download(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    territory = _territory(request.user)
    _form, period = period_from(request.GET)
    if period is None:
        return redirect("reporting:dashboard")
    board = territory_dashboard(territory=territory, period=period)
    return _download(exports.dashboard_document(board), fmt)


@require_GET
@cache_control(public=True, max_age=3600)
def venues_open_data(request):
    """The venues of every territory in the national « lieux de médiation numérique »
    schema, at a stable public address."""
    response = HttpResponse(opendata.venues_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{opendata.FILE_NAME}"'
    return response
