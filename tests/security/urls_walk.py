"""Every URL pattern of the project, from the URL resolver, with its path parameters filled
with objects of territory A. A new view is walked automatically; a new path parameter must
be registered in PARAMS (else the matrix fails and says which one)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from .world import World


@dataclass(frozen=True)
class Route:
    view_name: str  # "namespace:name", or the route itself when unnamed
    route: str  # the pattern as written, prefixes included
    parts: tuple  # the patterns from the root, to build the URL
    params: tuple[str, ...]


def walk(patterns=None, parts=(), namespace=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, (*parts, p.pattern), ns)
        elif isinstance(p, URLPattern):
            all_parts = (*parts, p.pattern)
            route = "".join(str(x) for x in all_parts)
            params = tuple(
                name
                for x in all_parts
                for name in (
                    x.converters.keys()
                    if isinstance(x, RoutePattern)
                    else re.compile(str(x)).groupindex.keys()
                )
            )
            name = f"{namespace}{p.name}" if p.name else f"{namespace}<{route}>"
            yield Route(view_name=name, route=route, parts=all_parts, params=params)


def _admin_model(view_name: str):
    """The model of an admin URL name such as admin:scheduling_appointment_change."""
    for model in admin.site._registry:
        for action in ("change", "delete", "history"):
            if view_name == f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}":
                return model
    return None


def _admin_model_by_route(route: str):
    match = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/$", route)
    if match:
        for model in admin.site._registry:
            if (model._meta.app_label, model._meta.model_name) == match.groups():
                return model
    return None


# Models that have an admin page but no object in the world: their pages are walked with
# an id that does not exist (the admin answers with a redirect or a 404).
ADMIN_WITHOUT_OBJECT = {
    "django_tasks_database.dbtaskresult",
    "core.auditlog",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "workshops.attendance",
    "agreements.termination",
    "publicity.charter",
    "board.traveltime",
    "privacy.retentionpolicy",
    "privacy.purgerun",
}


def admin_object(world: World, model) -> str:
    label = model._meta.label_lower
    if label in ADMIN_WITHOUT_OBJECT:
        return "999999"
    for obj in world.objects.values():
        if isinstance(obj, model):
            return str(obj.pk)
    raise LookupError(
        f"Pas d'objet de type {label} dans le monde de tests/security/world.py : "
        "ajoutez-en un (ou le modèle à ADMIN_WITHOUT_OBJECT)."
    )


def params_for(route: Route, world: World) -> dict[str, str]:
    """The values of a route's path parameters, or LookupError naming what is missing."""
    w = world.objects
    tok = world.tokens
    by_view: dict[str, dict[str, object]] = {
        "public:commune": {"slug": w["commune"].slug},
        "public:book": {"slug": w["commune"].slug, "slot_id": w["free_slot"]},
        "public:appointment": {"token": tok["appointment"]},
        "public:cancel": {"token": tok["appointment"]},
        "public:appointment_ics": {"token": tok["appointment"]},
        "public:reschedule": {"token": tok["appointment"]},
        "public:reschedule_confirm": {"token": tok["appointment"], "slot_id": w["free_slot"]},
        "public:session": {"pk": w["session"].pk},
        "public:session_register": {"pk": w["session"].pk},
        "public:workshop_registration": {"token": tok["registration"]},
        "public:workshop_registration_cancel": {"token": tok["registration"]},
        "public:appointment_answer": {"token": tok["appointment"], "answer": "oui"},
        "public:registration_answer": {"token": tok["registration"], "answer": "oui"},
        "public:sms_replies_secret": {"secret": "secret-inconnu"},
        "notifications:message_retry": {"pk": w["message"].pk},
        "workshops:workshop_detail": {"pk": w["workshop"].pk},
        "workshops:workshop_edit": {"pk": w["workshop"].pk},
        "workshops:workshop_step": {"pk": w["workshop"].pk, "step": "proposer"},
        "workshops:request_detail": {"pk": w["intervention_request"].pk},
        "workshops:request_examine": {"pk": w["intervention_request"].pk},
        "workshops:request_accept": {"pk": w["intervention_request"].pk},
        "workshops:request_refuse": {"pk": w["intervention_request"].pk},
        "workshops:request_withdraw": {"pk": w["intervention_request"].pk},
        "workshops:session_detail": {"pk": w["session"].pk},
        "workshops:session_register": {"pk": w["session"].pk},
        "workshops:registration_cancel": {
            "pk": w["session"].pk,
            "registration_pk": w["registration"].pk,
        },
        "workshops:session_cancel": {"pk": w["session"].pk},
        "workshops:session_override": {"pk": w["session"].pk},
        "workshops:session_announce": {"pk": w["session"].pk},
        "workshops:session_edit": {"pk": w["session"].pk},
        "workshops:attendance": {"pk": w["session"].pk},
        "equipment:detail": {"pk": w["equipment"].pk},
        "equipment:set_status": {"pk": w["equipment"].pk},
        "equipment:loan_detail": {"pk": w["loan"].pk},
        "equipment:loan_approve": {"pk": w["loan"].pk},
        "equipment:loan_collect": {"pk": w["loan"].pk},
        "equipment:loan_return": {"pk": w["loan"].pk},
        "equipment:loan_cancel": {"pk": w["loan"].pk},
        "equipment:commune_history": {"insee": w["commune"].insee_code},
        "territory:change_detail": {"pk": w["venue_change"].pk},
        "territory:change_confirm": {"pk": w["venue_change"].pk},
        "territory:change_refuse": {"pk": w["venue_change"].pk},
        "activity:from_appointment": {"appointment_id": w["appointment"].pk},
        "activity:from_session": {"session_id": w["session"].pk},
        "activity:record_detail": {"pk": w["activity_record"].pk},
        "activity:record_edit": {"pk": w["activity_record"].pk},
        "agreements:detail": {"pk": w["agreement"].pk},
        "agreements:sign": {"pk": w["agreement"].pk},
        "agreements:renew": {"pk": w["agreement"].pk},
        "agreements:amendment_add": {"pk": w["agreement"].pk},
        "agreements:terminate": {"pk": w["agreement"].pk},
        "agreements:obligation_update": {
            "pk": w["agreement"].pk,
            "obligation_pk": w["obligation"].pk,
        },
        "agreements:transmission_update": {
            "pk": w["agreement"].pk,
            "transmission_pk": w["transmission"].pk,
        },
        "agreements:document": {"pk": w["agreement"].pk, "fmt": "pdf"},
        "agreements:amendment_document": {
            "pk": w["agreement"].pk,
            "amendment_pk": w["amendment"].pk,
            "fmt": "pdf",
        },
        "admin:agreements_agreementtemplate_preview": {"pk": w["agreement"].template_id},
        "reporting:dashboard_download": {"fmt": "csv"},
        "reporting:commune": {"insee": w["commune"].insee_code},
        "reporting:commune_download": {"insee": w["commune"].insee_code, "fmt": "csv"},
        "staff:day_sheet": {"pk": w["permanence"].pk, "day": dt.date(2026, 12, 2)},
        "staff:appointment": {"pk": w["appointment"].pk},
        "staff:appointment_cancel": {"pk": w["appointment"].pk},
        "staff:appointment_move": {"pk": w["appointment"].pk},
        "staff:appointment_attendance": {"pk": w["appointment"].pk},
        "staff:closure_delete": {"pk": w["closure"].pk},
        "staff:commune_calendar": {"insee": w["commune"].insee_code},
        "accounts:api_token_revoke": {"pk": w["api_token"].pk},
        "accounts:api_token_extend": {"pk": w["api_token"].pk},
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "abc-def"},
        "api:list_slots": {"insee_code": w["commune"].insee_code},
        "api:create_registration": {"session_id": w["session"].pk},
        # Calendar feeds, the widget's charter (cadran.publicity).
        "publicity:adviser_feed": {"token": tok.get("feed", "jeton-inconnu")},
        "publicity:commune_feed": {"insee": w["commune"].insee_code},
        "publicity:charter_css": {"slug": w["territory"].slug},
        "publicity:charter_logo": {"slug": w["territory"].slug},
        # The colours of a territory's charte, linked by every page (cadran.territory).
        "territory_public:colours_css": {"slug": w["territory"].slug},
        "public:widget": {"insee": w["commune"].insee_code},
        "public:widget_code": {"insee": w["commune"].insee_code},
        "public:commune_poster": {"insee": w["commune"].insee_code},
        "public:session_poster": {"pk": w["session"].pk},
        # The planning board (cadran.board).
        "board:session_move": {"pk": w["session"].pk},
        # Personal data (cadran.privacy).
        "privacy:person_export": {"fmt": "json"},
        "privacy:correct_beneficiary": {"pk": w["beneficiary"].pk},
        "privacy:correct_registration": {"pk": w["registration"].pk},
        "admin:app_list": {"app_label": "scheduling"},
        "admin:view_on_site": {
            "content_type_id": ContentType.objects.get_for_model(w["commune"]).pk,
            "object_id": w["commune"].pk,
        },
        "admin:auth_user_password_change": {"id": w["user"].pk},
        "admin:<admin/(?P<url>.*)$>": {"url": "nulle-part/"},
    }
    if not route.params:
        return {}
    values = by_view.get(route.view_name)
    if values is None:
        model = _admin_model(route.view_name) or _admin_model_by_route(route.route)
        if model is not None and route.params == ("object_id",):
            values = {"object_id": admin_object(world, model)}
    if values is None or set(values) != set(route.params):
        raise LookupError(
            f"Paramètres inconnus pour {route.view_name} ({route.route}) : {route.params}. "
            "Ajoutez-les à PARAMS dans tests/security/urls_walk.py."
        )
    return {k: str(v) if not isinstance(v, dt.date) else v.isoformat() for k, v in values.items()}


def build_url(route: Route, values: dict[str, str]) -> str:
    url = "/"
    for part in route.parts:
        text = str(part)
        if isinstance(part, RegexPattern):
            text = text.lstrip("^").rstrip("$")
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], text)
            text = text.replace("\\", "")
        else:
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], text)
        url += text
    return url
