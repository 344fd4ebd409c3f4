"""The public JSON API, version 1, mounted at ``/api/v1/`` (OpenAPI at ``openapi.json``)."""

from ninja import NinjaAPI

from .activity_routes import router as activity_router
from .errors import FrenchJSONParser, install_error_handlers
from .lacoop_routes import router as lacoop_router
from .report_routes import router as report_router
from .routes import router
from .workshop_routes import router as workshop_router

DESCRIPTION = """\
API publique de Cadran : les communes, les créneaux libres des permanences des conseillers
numériques, la prise et l'annulation de rendez-vous, l'agenda des ateliers collectifs et
l'inscription à un atelier. Sans compte, en JSON, en français.

**Heures** : toujours en heure de Paris avec leur décalage (ISO 8601), par exemple
`2026-12-02T09:00:00+01:00` en hiver et `2026-04-01T09:00:00+02:00` en été.

**Erreurs** : toutes les réponses d'erreur ont la même forme :

```json
{"detail": "Certaines informations sont à corriger.",
 "errors": {"phone": ["Indiquez un numéro de téléphone ou une adresse e-mail, …"]}}
```

`detail` est une phrase à montrer telle quelle ; `errors` donne les messages par champ
(`__all__` pour ce qui ne concerne pas un seul champ, par exemple un JSON mal formé).

| code | quand |
|---|---|
| 404 | commune, rendez-vous, atelier ou adresse inconnus |
| 409 | créneau pris entre-temps ; rendez-vous déjà annulé ou passé ; atelier annulé, passé ou commencé |
| 422 | données à corriger (champ manquant, trop long, motif inconnu, JSON mal formé…) |
"""

api = NinjaAPI(
    title="Cadran API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    parser=FrenchJSONParser(),
)
install_error_handlers(api)
api.add_router("", router)
api.add_router("", workshop_router)
api.add_router("", activity_router)
api.add_router("", report_router)
api.add_router("", lacoop_router)
