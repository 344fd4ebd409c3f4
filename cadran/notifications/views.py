"""Staff pages of the message log: the messages of the territory, sending a failed one
again, and the background tasks that failed.

Only the Service Culture and the coordination (and superusers) open them: 403 for other
staff, the login page for visitors.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cadran.core import clock

from . import selectors
from .enums import MessageStatus
from .forms import MessageFilterForm
from .models import Message
from .services import retry_message

PAGE_SIZE = 50


def territory_staff_view(view):
    """Logged in (else the login page), Service Culture or coordination (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.manages_territory:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@territory_staff_view
def message_list(request):
    user = request.user
    form = MessageFilterForm(request.GET or None, events=selectors.message_events(user))
    filters = form.filters()
    page = Paginator(selectors.message_log(user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "message": message,
            "recipient": message.recipient_for(user),
            "event": selectors.event_label(message.event),
        }
        for message in page.object_list
    ]
    return render(
        request,
        "notifications/message_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": bool(filters),
            "failed_count": selectors.failed_message_count(user),
            "failed_tasks_count": selectors.failed_tasks(user, now=clock.now()).count(),
            "failed_status": MessageStatus.FAILED,
            "sent_status": MessageStatus.SENT,
            "days": selectors.FAILED_TASKS_DAYS,
        },
    )


@login_required
@require_POST
def message_retry(request, pk: int):
    if not request.user.manages_territory:
        raise PermissionDenied
    message = get_object_or_404(Message.objects.visible_to(request.user), pk=pk)
    try:
        retry_message(message=message, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            "Le message va être renvoyé dans quelques instants. Son état est « À envoyer ».",
        )
    return redirect(_back(request))


def _back(request) -> str:
    """The list the button was on (with its filters and page), never another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("notifications:message_list")


@territory_staff_view
def failed_tasks(request):
    page = Paginator(selectors.failed_tasks(request.user, now=clock.now()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/failed_tasks.html",
        {
            "page": page,
            "tasks": [selectors.describe_failed_task(result) for result in page.object_list],
            "days": selectors.FAILED_TASKS_DAYS,
        },
    )
