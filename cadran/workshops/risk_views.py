"""Staff pages of the sessions at risk (issue 16, « Les ateliers le voient venir »): the
upcoming sessions under their minimum before their decision, and the push of their
announcement to the people waiting for similar sessions.

Service Culture and coordination only (403 for the others); a session outside the user's
territory is a 404. The rules are in :mod:`cadran.workshops.selectors` and
:mod:`cadran.workshops.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cadran.accounts.enums import TERRITORY_ROLES
from cadran.core import clock
from cadran.publicity.selectors import territory_url

from . import selectors, services
from .models import Session
from .views import staff_view


def _row(session: Session, *, now) -> dict:
    territory_id = session.workshop.territory_id
    return {
        "session": session,
        "days_left": selectors.days_before(session.decision_at, now=now),
        "poster_url": territory_url(territory_id, "public:session_poster", session.pk),
        "widget_url": territory_url(
            territory_id, "public:widget_code", session.venue.commune.insee_code
        ),
    }


@staff_view(TERRITORY_ROLES)
def sessions_at_risk(request):
    now = clock.now()
    sessions = selectors.sessions_at_risk(Session.objects.visible_to(request.user), now=now)
    return render(
        request,
        "workshops/sessions_at_risk.html",
        {"rows": [_row(s, now=now) for s in sessions], "now": now},
    )


@staff_view(TERRITORY_ROLES)
def session_announce(request, pk: int):
    """GET: who would be written to (the confirmation step); POST: queue the messages."""
    now = clock.now()
    session = get_object_or_404(
        Session.objects.visible_to(request.user)
        .registration_targets()
        .select_related("workshop__format", "workshop__territory", "venue__commune"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            push = services.announce_to_similar_waiting_lists(
                session=session, by=request.user, now=now
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if push.people:
                messages.success(
                    request,
                    f"C'est fait : {push.people} personne{'s' if push.people > 1 else ''} "
                    f"en liste d'attente d'ateliers semblables {'vont' if push.people > 1 else 'va'} "
                    "recevoir un message.",
                )
            else:
                messages.info(
                    request, "Personne de plus à prévenir : chacun a déjà reçu le message."
                )
        return redirect(reverse("workshops:sessions_at_risk"))
    waiting = list(selectors.similar_waiting_registrations(session, now=now))
    people = {(r.email.strip().lower(), r.phone.strip()) for r in waiting}
    return render(
        request,
        "workshops/session_announce.html",
        {
            "session": session,
            "people": len(people),
            "is_open": session.status == "scheduled" and session.decision_at > now,
        },
    )
