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
| 401 | jeton d'API manquant, inconnu, révoqué ou expiré (endpoints des équipes ; jeton faux envoyé à un endpoint public) |
| 403 | jeton sans le droit de cet endpoint, ou rôle sans accès à ces données |
| 404 | commune, rendez-vous, atelier ou adresse inconnus |
| 409 | créneau pris entre-temps ; rendez-vous déjà annulé ou passé ; atelier annulé, passé ou commencé |
| 422 | données à corriger (champ manquant, trop long, motif inconnu, JSON mal formé…) ; dates à l'envers (`to` avant `from`, `{"errors": {"to": ["La date de fin (to) doit être le même jour ou après la date de début (from)."]}}`) ou période trop longue ; créneau qui n'existe pas ou n'est plus proposé ; personne qui ne peut pas s'inscrire ou déjà inscrite |
| 429 | trop de demandes en une minute sur un endpoint d'écriture (`{"detail": "Trop de demandes en peu de temps. …"}`, en-tête `Retry-After`) |

Chaque opération déclare les codes qu'elle peut rendre. Les règles d'un seul champ
(longueurs, formats, valeurs permises, `consent: true`) sont dans le schéma de ce champ ;
celles qui dépendent des données ou de deux champs à la fois (ordre des dates, créneau
libre, commune du territoire, carte de bibliothèque) sont des refus 422 décrits ci-dessus.
Aucun texte ne peut contenir le caractère nul (U+0000) : la demande est refusée (422).
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
