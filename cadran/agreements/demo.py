"""Demo agreements: one per commune of the CCFL.

Estaires' is the convention of 2024 as written (``shared/source/convention-estaires-2024.txt``):
its deliberations, signatories, referents, adviser and Wednesday permanence; it was renewed
twice, so that on 27 November 2026 it is in its last year (September 2026 – August 2027).
The dates of the two renewal decisions are examples (the convention does not give them).
The other communes copy the territory's side; their mayors and referents are examples. For
the demo to show every case: Sailly-sur-la-Lys joined in January 2025 (its renewal decision
is due), Fleurbaix asked to end its agreement (notice running).

The CCFL's rules and document texts are demo data too, not code: ``install_ccfl_setup``
gives the territory its ``AgreementRules`` (one year from 01/09/2024, renewable twice, never
after 31/08/2027 — the 36 months of the deliberation of 02/07/2024 —, three months' notice)
and version 1 of its templates, the Estaires text of ``demo_documents/``.

Called by ``manage.py seed_demo`` once the territory, its staff and permanences exist:
``load_demo_agreements(territory)``. Running it again changes nothing. It goes through the
services (so the permanences follow the agreements' ends), acting as the Service Culture.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core import clock
from cadran.core.french import de
from cadran.scheduling.models import Permanence
from cadran.territory.models import Commune, Territory

from . import services
from .enums import CouncilBody, DeliberationPurpose, Party, TemplateKind
from .models import Agreement, AgreementRules, AgreementTemplate, Deliberation, Referent

DOCUMENTS = Path(__file__).resolve().parent / "demo_documents"
CCFL_RULES = {
    "term_months": 12,
    "max_renewals": 2,
    "notice_months": 3,
    "default_start_date": dt.date(2024, 9, 1),
    "cap_date": dt.date(2027, 8, 31),
    "cap_deliberation_body": CouncilBody.COMMUNITY,
    "cap_deliberation_date": dt.date(2024, 7, 2),
    "cap_deliberation_subject": (
        "créant puis reconduisant les postes des 2 Conseillers Numériques jusqu'en septembre 2027"
    ),
}
CCFL_TEMPLATES = {
    TemplateKind.AGREEMENT: ("ccfl-convention.html", "Convention de partenariat (Estaires 2024)"),
    TemplateKind.AMENDMENT: ("ccfl-avenant.html", "Avenant à la convention"),
}

ESTAIRES = "59212"
SIGNED_ON = dt.date(2024, 7, 25)
SIGNED_PLACE = "La Gorgue"
RENEWALS = [dt.date(2025, 6, 30), dt.date(2026, 6, 30)]

TERRITORY_DELIBERATIONS = [
    # purpose, date, subject
    (DeliberationPurpose.TERRITORY_AUTHORISATION, dt.date(2020, 7, 30), ""),
    (
        DeliberationPurpose.NETWORK_SERVICE,
        dt.date(2021, 12, 14),
        "enclenchant via un Contrat Territoire Lecture dans son Réseau de Lecture publique "
        "« l'Esperluette », un service permettant de lutter contre l'illectronisme en Flandre Lys",
    ),
    (
        DeliberationPurpose.ADVISER_POSTS,
        dt.date(2023, 4, 4),
        "créant les postes des 2 Conseillers Numériques",
    ),
    (
        DeliberationPurpose.ADVISER_POSTS,
        dt.date(2024, 7, 2),
        "créant puis reconduisant les postes des 2 Conseillers Numériques jusqu'en septembre 2027",
    ),
]

# INSEE → (mayor, referents) for the other communes: examples.
OTHERS = {
    "59293": "Haverskerque",
    "59268": "La Gorgue",
    "59400": "Merville",
    "62338": "Fleurbaix",
    "62491": "Laventie",
    "62502": "Lestrem",
    "62736": "Sailly-sur-la-Lys",
}
LATE_JOINER = "62736"  # Sailly-sur-la-Lys: from January 2025
LEAVING = "62338"  # Fleurbaix: termination asked by the commune


def install_ccfl_setup(territory: Territory) -> None:
    """The CCFL's rules and version 1 of its document templates (when it has none)."""
    AgreementRules.objects.get_or_create(territory=territory, defaults=CCFL_RULES)
    for kind, (filename, name) in CCFL_TEMPLATES.items():
        if not AgreementTemplate.objects.of(territory, kind).exists():
            AgreementTemplate.objects.create(
                territory=territory,
                kind=kind,
                version=1,
                name=name,
                body=(DOCUMENTS / filename).read_text(encoding="utf-8"),
                notes="Le texte de la convention d'Estaires de 2024.",
            )


def _estaires(territory: Territory, commune: Commune, by: User) -> Agreement:
    permanence = Permanence.objects.filter(commune=commune).order_by("pk").first()
    adviser = User.objects.filter(email="david.thibaut@cadran.demo").first()
    agreement = services.create_agreement(
        commune=commune,
        by=by,
        commune_signatory_name="Bruno FICHEUX",
        commune_signatory_title="Maire",
        # start and limit: the territory's rules (01/09/2024, 31/08/2027)
        commune_deliberation=("109/110", dt.date(2024, 9, 12)),
        permanence=permanence,
        advisers=[adviser] if adviser else [],
        commune_referents=[
            ("Isabelle DEBRAY", "Responsable de la Bibliothèque"),
            ("Noémie POMARD et Carine LOMBART", "du C.C.A.S"),
        ],
        copy_from=None,
    )
    agreement.territory_signatory_name = "Jacques HURLUS"
    agreement.territory_signatory_title = "Président"
    agreement.territory_signatory_civility = "Monsieur"
    agreement.session_secretary_name = "Yves COLPAERT"
    agreement.save(
        update_fields=[
            "territory_signatory_name",
            "territory_signatory_title",
            "territory_signatory_civility",
            "session_secretary_name",
        ]
    )
    for purpose, date, subject in TERRITORY_DELIBERATIONS:
        if agreement.cap_deliberation is not None and agreement.cap_deliberation.date == date:
            continue  # made from the territory's rules (the deliberation that sets the limit)
        deliberation = Deliberation.objects.create(
            agreement=agreement,
            body=CouncilBody.COMMUNITY,
            purpose=purpose,
            date=date,
            subject=subject,
        )
        if date == dt.date(2024, 7, 2):
            agreement.cap_deliberation = deliberation
            agreement.save(update_fields=["cap_deliberation"])
    Referent.objects.create(
        agreement=agreement,
        party=Party.TERRITORY,
        names="Madame Catherine WILLEMS",
        role="Référente du Pôle Culture",
    )
    return agreement


def _sign_and_renew(agreement: Agreement, by: User, *, signed_on, renewals) -> None:
    today = clock.today()
    services.sign_agreement(agreement=agreement, signed_on=signed_on, place=SIGNED_PLACE, by=by)
    for decided_on in renewals:
        if decided_on <= today:
            services.renew_agreement(agreement=agreement, decided_on=decided_on, by=by)


def load_demo_agreements(territory: Territory) -> list[Agreement]:
    by = (
        User.objects.filter(territory=territory, role=Role.CULTURE_SERVICE, is_active=True)
        .order_by("pk")
        .first()
    )
    if by is None:
        return []
    install_ccfl_setup(territory)
    communes = {c.insee_code: c for c in Commune.objects.filter(territory=territory)}
    created: list[Agreement] = []
    estaires = communes.get(ESTAIRES)
    model = Agreement.objects.filter(commune=estaires).first() if estaires else None
    if estaires is not None and model is None:
        model = _estaires(territory, estaires, by)
        _sign_and_renew(model, by, signed_on=SIGNED_ON, renewals=RENEWALS)
        created.append(model)
    referents = {
        u.communes.first().insee_code: u
        for u in User.objects.filter(territory=territory, role=Role.COMMUNE_REFERENT)
        if u.communes.exists()
    }
    for insee, name in OTHERS.items():
        commune = communes.get(insee)
        if commune is None or Agreement.objects.filter(commune=commune).exists():
            continue
        permanence = Permanence.objects.filter(commune=commune).order_by("pk").first()
        referent = referents.get(insee)
        late = insee == LATE_JOINER
        agreement = services.create_agreement(
            commune=commune,
            by=by,
            commune_signatory_name=f"Maire {de(name)} (exemple)",
            start_date=dt.date(2025, 1, 1) if late else None,
            permanence=permanence,
            advisers=[permanence.adviser] if permanence else [],
            commune_referents=(
                [(referent.get_full_name(), "Référent de la commune")] if referent else []
            ),
            copy_from=model,
        )
        if late:
            _sign_and_renew(
                agreement, by, signed_on=dt.date(2024, 12, 10), renewals=[dt.date(2025, 11, 14)]
            )
        else:
            _sign_and_renew(agreement, by, signed_on=SIGNED_ON, renewals=RENEWALS)
        if insee == LEAVING and clock.today() >= dt.date(2026, 11, 2):
            services.terminate_agreement(
                agreement=agreement,
                requested_by=Party.COMMUNE,
                on=dt.date(2026, 11, 2),
                reason="La commune reprend la permanence avec son propre agent (exemple).",
                by=by,
            )
        created.append(agreement)
    return created
