"""« Vous venez toujours ? »: the pages behind the links « Je viens » / « Je ne peux pas
venir » (docs/decisions/0013-confirm-or-release.md), and the webhook of SMS replies.

A link in an SMS is opened with GET, and phones or mail filters open links on their own:
GET only shows the question with a button; the answer is recorded by the POST of that
button (thin views: the services of ``scheduling.confirmations`` and
``workshops.confirmations`` decide).
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cadran.core import clock
from cadran.notifications.sms_replies import parse_brevo_event, record_sms_reply
from cadran.scheduling import confirmations as appointment_confirmations
from cadran.scheduling.confirmations import ANSWER_SLUGS
from cadran.scheduling.enums import AppointmentStatus, ConfirmationAnswer
from cadran.territory.selectors import set_current_territory
from cadran.workshops import confirmations as registration_confirmations
from cadran.workshops.enums import RegistrationStatus

from .views import _private
from .workshop_views import _registration_dates

logger = logging.getLogger("cadran.public.sms_replies")

# At most this many events in one call of the webhook (Brevo sends one).
MAX_EVENTS = 100


def _answer_of(slug: str) -> str:
    answer = ANSWER_SLUGS.get(slug)
    if answer is None:
        raise Http404("Réponse inconnue.")
    return answer


def _not_found(request):
    # The same page for a wrong, mistyped or forged link: it tells nothing.
    return _private(render(request, "public/confirmation_not_found.html", status=404))


def _page(request, context: dict, *, status: int = 200):
    return _private(render(request, "public/confirmation_answer.html", context, status=status))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_answer(request, token, answer):
    """« Je viens » / « Je ne peux pas venir » for an appointment."""
    chosen = _answer_of(answer)
    appointment = appointment_confirmations.get_appointment_for_answer(token)
    if appointment is None:
        return _not_found(request)
    permanence = appointment.permanence
    set_current_territory(request, territory_id=permanence.commune.territory_id)
    here = reverse("public:appointment_answer", kwargs={"token": token, "answer": answer})
    error, status = "", 200
    if request.method == "POST":
        try:
            appointment_confirmations.answer_appointment_confirmation(
                appointment=appointment, answer=chosen
            )
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 409
            appointment.refresh_from_db()
        else:
            return redirect(f"{here}?fait=1")
    cancelled = appointment.status in (AppointmentStatus.EXCUSED, AppointmentStatus.REVOKED)
    context = {
        "kind": "appointment",
        "chosen": chosen,
        "answer": appointment.confirmation_answer,
        "done": request.GET.get("fait") == "1",
        "closed": cancelled or appointment.status != AppointmentStatus.BOOKED,
        "cancelled": cancelled,
        "started": appointment.start <= clock.now(),
        "error": error,
        "other_url": reverse(
            "public:appointment_answer",
            kwargs={"token": token, "answer": "non" if chosen == ConfirmationAnswer.YES else "oui"},
        ),
        "appointment": appointment,
        "venue": permanence.venue,
        "commune": permanence.commune,
        "territory": permanence.commune.territory,
    }
    return _page(request, context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def registration_answer(request, token, answer):
    """« Je viens » / « Je ne peux pas venir » for a workshop registration."""
    chosen = _answer_of(answer)
    registration = registration_confirmations.get_registration_for_answer(token)
    if registration is None:
        return _not_found(request)
    session = registration.session
    territory = session.workshop.territory
    set_current_territory(request, territory)
    here = reverse("public:registration_answer", kwargs={"token": token, "answer": answer})
    error, status = "", 200
    if request.method == "POST":
        try:
            registration_confirmations.answer_registration_confirmation(
                registration=registration, answer=chosen
            )
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 409
            registration.refresh_from_db()
        else:
            return redirect(f"{here}?fait=1")
    session.refresh_from_db(fields=["status", "start"])
    cancelled = registration.status == RegistrationStatus.CANCELLED
    context = {
        "kind": "registration",
        "chosen": chosen,
        "answer": registration.confirmation_answer,
        "done": request.GET.get("fait") == "1",
        "closed": registration.status != RegistrationStatus.CONFIRMED or session.is_cancelled,
        "cancelled": cancelled,
        "waiting": registration.status == RegistrationStatus.WAITING,
        "session_cancelled": session.is_cancelled,
        "started": session.start <= clock.now(),
        "error": error,
        "other_url": reverse(
            "public:registration_answer",
            kwargs={"token": token, "answer": "non" if chosen == ConfirmationAnswer.YES else "oui"},
        ),
        "registration": registration,
        "session": session,
        "workshop": session.workshop,
        "venue": session.place,
        "dates": _registration_dates(session),
        "territory": territory,
    }
    return _page(request, context, status=status)


def _given_secret(request, secret: str) -> str:
    if secret:
        return secret
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@require_POST
def sms_replies(request, secret: str = ""):
    """Brevo's transactional SMS webhook (the « replied » event; docs/notifications.md).

    Refused (403) without the secret ``SMS_REPLY_WEBHOOK_SECRET``, in the address or as
    « Authorization: Bearer … » (compared in constant time); refused too while it is not
    configured. Answers 200 for every event understood or not, so that the provider does
    not send again a reply that is ignored on purpose.
    """
    expected = getattr(settings, "SMS_REPLY_WEBHOOK_SECRET", "") or ""
    given = _given_secret(request, secret)
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponseForbidden("Accès refusé.", content_type="text/plain; charset=utf-8")
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return HttpResponse(
            "Corps JSON illisible.", status=400, content_type="text/plain; charset=utf-8"
        )
    events = payload if isinstance(payload, list) else [payload]
    outcomes = []
    for event in events[:MAX_EVENTS]:
        reply = parse_brevo_event(event)
        if reply is None:
            outcomes.append("ignoré : pas une réponse")
            continue
        outcomes.append(record_sms_reply(reply))
    logger.info("Webhook des réponses SMS : %s", outcomes)
    return JsonResponse({"resultats": outcomes})
