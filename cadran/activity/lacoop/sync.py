"""Read a territory's activities from La Coop into :class:`ImportedActivity` rows.

:func:`sync_connection` is idempotent: each activity is compared with its row and written
only when La Coop changed it, so a second sync with nothing new changes nothing. It reads
only what changed since the last successful sync (``filter[modification][depuis]``, from
the moment the last sync *started*, so nothing modified during a sync is missed); an
activity deleted in La Coop (``suppression``) is kept, marked deleted, and no longer
counted.

What is kept: an activity whose médiateur has the e-mail address of one of the
territory's advisers (matched through ``/utilisateurs``), or one that took place in a
commune of the territory (kept aside, without adviser, counted in ``unmatched_count``
and matched later if the adviser's address appears). The rest of La Coop (other
territories) is not stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.activity.enums import Autonomie, StructureRedirection
from cadran.core import clock
from cadran.territory.models import Commune

from .client import LaCoopClient, LaCoopError
from .folding import duplicates_among
from .models import ImportedActivity, LaCoopConnection, LaCoopKind

logger = logging.getLogger("cadran.lacoop")

# The fields a sync writes (compared to decide whether a row changed).
SYNCED_FIELDS = (
    "mediateur_id",
    "adviser_id",
    "kind",
    "date",
    "duration_minutes",
    "accompaniments",
    "place_type",
    "structure_id",
    "place_insee",
    "commune_id",
    "thematiques",
    "autonomie",
    "oriented",
    "structure_redirection",
    "created_in_lacoop_at",
    "modified_at",
    "deleted_at",
)


@dataclass
class SyncResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # not the territory's, or not readable
    rematched: int = 0
    duplicates_changed: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.error:
            return f"erreur : {self.error}"
        return (
            f"{self.read} lues, {self.created} nouvelles, {self.updated} modifiées, "
            f"{self.deleted} supprimées, {self.unchanged} inchangées, {self.skipped} ignorées"
        )


def _moment(value: Any) -> dt.datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _insee(value: Any) -> str:
    return value.strip() if isinstance(value, str) and len(value.strip()) == 5 else ""


def adviser_emails(territory_id: int) -> dict[str, int]:
    """The territory's advisers by lower-case e-mail address."""
    return {
        email.lower(): pk
        for pk, email in User.objects.filter(
            territory_id=territory_id, role=Role.ADVISER
        ).values_list("pk", "email")
    }


def mediateur_advisers(client: LaCoopClient, territory_id: int) -> dict[uuid.UUID, int]:
    """``{mediateur id in La Coop: adviser pk}`` by e-mail address (``/utilisateurs``)."""
    advisers = adviser_emails(territory_id)
    found: dict[uuid.UUID, int] = {}
    for user in client.users():
        attrs = user.get("attributes") or {}
        mediateur = attrs.get("mediateur") or {}
        email = (attrs.get("email") or "").strip().lower()
        mediateur_id = _uuid(mediateur.get("id") if isinstance(mediateur, dict) else None)
        if mediateur_id and email in advisers:
            found[mediateur_id] = advisers[email]
    return found


def _fields(item: dict, advisers: dict, communes: dict, structures: dict) -> dict | None:
    """The row's fields from an activity of La Coop, or None when it cannot be read."""
    attrs = item.get("attributes") or {}
    kind = attrs.get("type")
    day = _date(attrs.get("date"))
    created = _moment(attrs.get("creation"))
    mediateur_id = _uuid(attrs.get("mediateur_id"))
    if kind not in LaCoopKind.values or day is None or created is None or mediateur_id is None:
        return None
    structure_id = _uuid(attrs.get("structure_id"))
    insee = _insee(attrs.get("lieu_code_insee"))
    if not insee and structure_id is not None:
        insee = structures.get(str(structure_id), "")
    try:
        duration = max(0, round(float(attrs.get("duree") or 0)))
        accompaniments = max(0, round(float(attrs.get("accompagnements") or 0)))
    except (TypeError, ValueError):
        return None
    thematiques = attrs.get("thematiques") or []
    individual = kind != LaCoopKind.COLLECTIF
    autonomie = attrs.get("autonomie") if individual else None
    oriented = attrs.get("oriente_vers_structure") if individual else None
    oriented = oriented if isinstance(oriented, bool) else None
    redirection = attrs.get("structure_de_redirection") if oriented else None
    return {
        "mediateur_id": mediateur_id,
        "adviser_id": advisers.get(mediateur_id),
        "kind": kind,
        "date": day,
        "duration_minutes": duration,
        "accompaniments": accompaniments,
        "place_type": str(attrs.get("type_lieu") or "")[:16],
        "structure_id": structure_id,
        "place_insee": insee,
        "commune_id": communes.get(insee),
        "thematiques": sorted({str(t) for t in thematiques if isinstance(t, str)}),
        "autonomie": autonomie if autonomie in Autonomie.values else "",
        "oriented": oriented,
        "structure_redirection": redirection if redirection in StructureRedirection.values else "",
        "created_in_lacoop_at": created,
        "modified_at": _moment(attrs.get("modification")) or created,
        "deleted_at": _moment(attrs.get("suppression")),
    }


def _structure_insee(client: LaCoopClient, items: list[dict]) -> dict[str, str]:
    """Code INSEE of the structures of the activities held there (type_lieu lieu_activite)
    that give no code INSEE of their own."""
    ids = []
    for item in items:
        attrs = item.get("attributes") or {}
        if not _insee(attrs.get("lieu_code_insee")) and _uuid(attrs.get("structure_id")):
            ids.append(str(_uuid(attrs.get("structure_id"))))
    if not ids:
        return {}
    return {
        str(_uuid(s.get("id"))): _insee((s.get("attributes") or {}).get("code_insee"))
        for s in client.structures(ids)
    }


def client_for(connection: LaCoopConnection) -> LaCoopClient:
    return LaCoopClient(connection.base_url, connection.client_id, connection.client_secret)


def _chunks(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sync_connection(
    connection: LaCoopConnection, *, client: LaCoopClient | None = None
) -> SyncResult:
    """One sync of a territory (see the module). Errors are stored, not raised.

    The activities are read and stored a page at a time (La Coop may list many more than
    the territory's). A sync cut short keeps what it stored, but not its mark: the next one
    reads the same activities again, which changes nothing where nothing changed."""
    started = clock.now()
    result = SyncResult()
    territory_id = connection.territory_id
    communes = dict(
        Commune.objects.filter(territory_id=territory_id).values_list("insee_code", "pk")
    )
    advisers: dict[uuid.UUID, int] = {}
    touched: set[tuple] = set()
    try:
        client = client or client_for(connection)
        advisers = mediateur_advisers(client, territory_id)
        activities = client.activities(modified_since=connection.last_synced_at)
        for chunk in _chunks(activities, client.page_size):
            structures = _structure_insee(client, chunk)
            result.read += len(chunk)
            with transaction.atomic():
                touched |= _store(territory_id, chunk, advisers, communes, structures, result)
    except LaCoopError as exc:
        result.error = str(exc)
        logger.warning("La Coop sync of territory %s failed: %s", territory_id, exc)
    with transaction.atomic():
        result.rematched = _rematch(territory_id, advisers)
        result.duplicates_changed = mark_duplicates(
            territory_id, touched, since=connection.last_synced_at
        )
        unmatched = ImportedActivity.objects.filter(
            territory_id=territory_id, adviser__isnull=True, deleted_at__isnull=True
        ).count()
        if result.error:
            state = {"last_error": result.error, "last_error_at": started}
        else:
            state = {"last_synced_at": started, "last_error": "", "last_error_at": None}
        LaCoopConnection.objects.filter(pk=connection.pk).update(unmatched_count=unmatched, **state)
    if not result.error:
        logger.info("La Coop sync of territory %s: %s", territory_id, result)
    return result


def _store(territory_id, items, advisers, communes, structures, result) -> set[tuple]:
    """Create or update the rows; the ``(adviser, date)`` of what changed."""
    by_id: dict[uuid.UUID, dict] = {}
    for item in items:
        external_id = _uuid(item.get("id"))
        fields = _fields(item, advisers, communes, structures) if external_id else None
        if fields is None:
            result.skipped += 1
            continue
        by_id[external_id] = fields
    existing = {
        row.external_id: row
        for row in ImportedActivity.objects.filter(
            territory_id=territory_id, external_id__in=list(by_id)
        )
    }
    touched: set[tuple] = set()
    for external_id, fields in by_id.items():
        row = existing.get(external_id)
        if row is None:
            if fields["deleted_at"] or (fields["adviser_id"] is None and not fields["commune_id"]):
                result.skipped += 1  # deleted before we saw it, or not the territory's
                continue
            ImportedActivity.objects.create(
                territory_id=territory_id, external_id=external_id, **fields
            )
            result.created += 1
            touched.add((fields["adviser_id"], fields["date"]))
            continue
        if fields["adviser_id"] is None and row.adviser_id is not None:
            # The adviser's address no longer matches: keep the match already made.
            fields["adviser_id"] = row.adviser_id
        changed = {k: v for k, v in fields.items() if getattr(row, k) != v}
        if not changed:
            result.unchanged += 1
            continue
        touched.add((row.adviser_id, row.date))  # the group it leaves…
        for key, value in changed.items():
            setattr(row, key, value)
        row.save(update_fields=list(changed))
        touched.add((row.adviser_id, row.date))  # …and the one it joins
        if "deleted_at" in changed and row.deleted_at:
            result.deleted += 1
        else:
            result.updated += 1
    return touched


def _rematch(territory_id: int, advisers: dict[uuid.UUID, int]) -> int:
    """Activities kept aside whose médiateur is now recognised."""
    count = 0
    rows = ImportedActivity.objects.filter(
        territory_id=territory_id, adviser__isnull=True, mediateur_id__in=list(advisers)
    )
    for mediateur_id, adviser_id in advisers.items():
        count += rows.filter(mediateur_id=mediateur_id).update(adviser_id=adviser_id)
    return count


def mark_duplicates(
    territory_id: int, touched: set[tuple] | None = None, *, since: dt.datetime | None = None
) -> int:
    """Set ``duplicate_of`` (:mod:`.folding`) for the advisers and dates that changed: those
    of ``touched`` imported rows and of Cadran records changed ``since`` (every date when
    ``since`` is None). How many rows changed."""
    rows = ImportedActivity.objects.filter(territory_id=territory_id)
    if since is not None:
        recent = set(
            _own_changed_since(territory_id, since).values_list("adviser_id", "date").distinct()
        )
        groups = {g for g in (touched or set()) | recent if g[0] is not None}
        if not groups:
            return 0
        scope = Q()
        for adviser_id, day in groups:
            scope |= Q(adviser_id=adviser_id, date=day)
        rows = rows.filter(scope)
    pairs = duplicates_among(rows.filter(deleted_at__isnull=True, adviser__isnull=False))
    changed = 0
    for row in rows.only("pk", "duplicate_of_id"):
        wanted = pairs.get(row.pk)
        if row.duplicate_of_id != wanted:
            ImportedActivity.objects.filter(pk=row.pk).update(duplicate_of_id=wanted)
            changed += 1
    return changed


def _own_changed_since(territory_id: int, since: dt.datetime):
    from cadran.activity.models import ActivityRecord

    return ActivityRecord.objects.filter(
        territory_id=territory_id, updated_at__gte=since
    ).order_by()
