from django.db import models


class Role(models.TextChoices):
    CULTURE_SERVICE = "culture_service", "Service Culture"
    COORDINATOR = "coordinator", "Coordination du réseau"
    ADVISER = "adviser", "Conseiller numérique"
    COMMUNE_REFERENT = "commune_referent", "Référent communal"
    LIBRARIAN = "librarian", "Bibliothécaire"


# Roles that manage the whole territory.
TERRITORY_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR})
# Roles that may see an inhabitant's name and contact details.
PERSONAL_DATA_ROLES = frozenset({Role.CULTURE_SERVICE, Role.COORDINATOR, Role.ADVISER})
