"""A small client of La Coop's read-only API v1 (standard library only).

Authentication (La Coop's OpenAPI document, ``ClientAuth``): HTTP bearer whose token is
``client_id:client_secret``. Lists are JSON:API envelopes ``{data, links, meta}``, at most
500 items a page, the next page named by ``links.next`` (a ``page[after]`` cursor).

Every failure is a :class:`LaCoopError` whose message is French and shown as it is to the
Service Culture (``LaCoopConnection.last_error``); it never contains the secret.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

PAGE_SIZE = 500  # La Coop's maximum
STRUCTURE_IDS_PER_CALL = 100  # ``/structures?ids=…``: at most 100
DEFAULT_TIMEOUT = 30.0  # seconds, for each request
MAX_PAGES = 10_000  # a server that never stops paginating is an error, not a loop


class LaCoopError(Exception):
    """A failure talking to La Coop, with a message for people (French)."""


def isoformat(moment: dt.datetime) -> str:
    """``2025-09-01T00:00:00Z``, as La Coop's filters expect."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LaCoopClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = f"{client_id}:{client_secret}"
        self.timeout = timeout
        self.page_size = max(1, min(page_size, PAGE_SIZE))
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LaCoopError(f"L'adresse de l'API de La Coop n'est pas valable : « {base_url} ».")
        self._origin = (parts.scheme, parts.netloc)

    # --- transport -----------------------------------------------------------------------

    def get_json(self, url: str) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            # A ``links.next`` elsewhere would receive our credentials: refused.
            raise LaCoopError("La Coop a renvoyé un lien de page suivante vers un autre serveur.")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/json",
                "User-Agent": "Cadran (connecteur La Coop)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise LaCoopError(self._http_message(exc.code)) from None
        except TimeoutError:
            raise LaCoopError(
                f"La Coop n'a pas répondu dans les {self.timeout:g} secondes : réessai plus tard."
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise LaCoopError(
                    f"La Coop n'a pas répondu dans les {self.timeout:g} secondes : "
                    "réessai plus tard."
                ) from None
            raise LaCoopError(
                f"Impossible de joindre La Coop ({parts.netloc}) : {reason}."
            ) from None
        except OSError as exc:
            raise LaCoopError(f"Impossible de joindre La Coop ({parts.netloc}) : {exc}.") from None
        try:
            payload = json.loads(body)
        except ValueError:
            raise LaCoopError("La Coop a répondu autre chose que du JSON.") from None
        if not isinstance(payload, dict):
            raise LaCoopError("La réponse de La Coop n'a pas la forme attendue.")
        return payload

    @staticmethod
    def _http_message(status: int) -> str:
        if status == 401:
            return (
                "La Coop refuse les identifiants (erreur 401) : vérifiez l'identifiant et le "
                "secret client dans la connexion à La Coop."
            )
        if status == 403:
            return "La Coop refuse l'accès à ces données (erreur 403) : voyez avec son équipe."
        if status == 404:
            return "Adresse de l'API introuvable chez La Coop (erreur 404) : vérifiez-la."
        if status == 429:
            return "La Coop limite le nombre de demandes (erreur 429) : réessai plus tard."
        if status >= 500:
            return f"La Coop est momentanément indisponible (erreur {status}) : réessai plus tard."
        return f"La Coop a refusé la demande (erreur {status})."

    # --- lists ---------------------------------------------------------------------------

    def _url(self, path: str, params: dict[str, str]) -> str:
        query = urllib.parse.urlencode({"page[size]": str(self.page_size), **params})
        return f"{self.base_url}{path}?{query}"

    def iter_list(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict]:
        """Every item of a list, page after page (``links.next``)."""
        url: str | None = self._url(path, params or {})
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            if url is None:
                return
            if url in seen:
                raise LaCoopError("La Coop renvoie deux fois la même page : lecture arrêtée.")
            seen.add(url)
            payload = self.get_json(url)
            data = payload.get("data")
            if not isinstance(data, list):
                raise LaCoopError("La réponse de La Coop n'a pas la forme attendue (data).")
            yield from (item for item in data if isinstance(item, dict))
            links = payload.get("links") or {}
            meta = payload.get("meta") or {}
            next_url = links.get("next") if isinstance(links, dict) else None
            if not next_url or (isinstance(meta, dict) and meta.get("has_next_page") is False):
                return
            url = urllib.parse.urljoin(url, next_url)
        raise LaCoopError("La Coop renvoie trop de pages : lecture arrêtée.")

    def activities(self, *, modified_since: dt.datetime | None = None) -> Iterator[dict]:
        params = {}
        if modified_since is not None:
            params["filter[modification][depuis]"] = isoformat(modified_since)
        return self.iter_list("/activites", params)

    def users(self) -> Iterator[dict]:
        return self.iter_list("/utilisateurs")

    def structures(self, ids: list[str]) -> Iterator[dict]:
        """The structures named, by batches of 100 ids."""
        unique = sorted(set(ids))
        for start in range(0, len(unique), STRUCTURE_IDS_PER_CALL):
            batch = unique[start : start + STRUCTURE_IDS_PER_CALL]
            yield from self.iter_list("/structures", {"ids": ",".join(batch)})
