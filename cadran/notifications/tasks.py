"""Tasks of the notifications app (run by ``manage.py cadran_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    """Send one queued message; see :func:`cadran.notifications.services.deliver`."""
    from .services import deliver

    return deliver(message_id)
