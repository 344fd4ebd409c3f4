"""The generated convention: PDF read back with pypdf, ODT parsed back with odfpy."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from odf import teletype
from odf.opendocument import load
from odf.text import H, P
from pypdf import PdfReader

from cadran.agreements import services
from cadran.agreements.documents import agreement_document, amendment_document, de_commune
from cadran.agreements.enums import TemplateKind
from cadran.agreements.models import AgreementTemplate


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def odt_text(content: bytes) -> str:
    doc = load(io.BytesIO(content))
    parts = [teletype.extractText(el) for el in doc.getElementsByType(H)]
    parts += [teletype.extractText(el) for el in doc.getElementsByType(P)]
    return re.sub(r"\s+", " ", " ".join(parts))


KEY_TEXT = [
    "CONVENTION DE PARTENARIAT",
    "Cadran des interventions des « Conseillers Numériques Esperluette »",
    "Vu pour être annexé à la délibération n°109/110 – 09/2024",
    "du 12 septembre 2024",
    "Le secrétaire de séance, Yves COLPAERT",
    "La Communauté de communes Flandre Lys",
    "Monsieur Jacques HURLUS",
    "Dûment habilité(e) par délibération du Conseil communautaire en date du 30 juillet 2020",
    "La Commune d'ESTAIRES",
    "Représentée par son Maire Bruno FICHEUX",
    "délibération n°109/110 du 12/09/2024 du Conseil municipal",
    "VU",
    "CONSIDÉRANT QUE",
    "14/12/2021",
    "04/04/2023 et 02/07/2024",
    "Article 1 – OBJET",
    "Article 2 – PÉRIMÈTRE DE LA CONVENTION",
    "Article 3 – OBLIGATIONS RÉCIPROQUES",
    "Article 4 – NATURE ET MONTANT DE LA PRESTATION DE SERVICE",
    "Article 5 – DURÉE DE LA CONVENTION",
    "Article 6 – MODIFICATION ET RÉSILIATION",
    "Article 7 – LITIGES",
    "Article 8 – DISPOSITIONS FINALES",
    "le mercredi matin entre 9h et 12h",
    "dans un espace confidentiel : bureau du CCAS",
    "Le conseiller numérique arrivera dès 8h45.",
    "Madame Catherine WILLEMS, Référente du Pôle Culture",
    "Isabelle DEBRAY, Responsable de la Bibliothèque",
    "Noémie POMARD et Carine LOMBART du C.C.A.S",
    "David Thibaut",
    "à compter de septembre 2024, elle est reconductible 2 fois",
    "les 36 mois liés à la délibération prise en date du 02/07/2024",
    "préavis de trois mois",
    "Banque des Territoires",
    "Fait en 2 exemplaires, le 25/07/2024, à LA GORGUE",
    "Le Maire d'ESTAIRES",
    "Le Président de la CCFL",
]


def test_estaires_pdf_reads_back_with_the_convention_text(estaires_agreement):
    document = agreement_document(estaires_agreement, "pdf")
    assert document.content.startswith(b"%PDF")
    assert document.content_type == "application/pdf"
    assert document.filename == "convention-estaires-2024.pdf"
    text = pdf_text(document.content)
    missing = [key for key in KEY_TEXT if key not in text]
    assert missing == []


def test_estaires_odt_parses_back_with_the_same_text(estaires_agreement):
    document = agreement_document(estaires_agreement, "odt")
    assert document.content[:2] == b"PK"
    text = odt_text(document.content)
    missing = [key for key in KEY_TEXT if key not in text]
    assert missing == []
    doc = load(io.BytesIO(document.content))
    headings = [teletype.extractText(h) for h in doc.getElementsByType(H)]
    assert [h for h in headings if h.startswith("Article")] == [
        "Article 1 – OBJET",
        "Article 2 – PÉRIMÈTRE DE LA CONVENTION",
        "Article 3 – OBLIGATIONS RÉCIPROQUES",
        "Article 4 – NATURE ET MONTANT DE LA PRESTATION DE SERVICE",
        "Article 5 – DURÉE DE LA CONVENTION",
        "Article 6 – MODIFICATION ET RÉSILIATION",
        "Article 7 – LITIGES",
        "Article 8 – DISPOSITIONS FINALES",
    ]


def test_a_draft_leaves_the_signature_blank(draft_agreement):
    text = pdf_text(agreement_document(draft_agreement, "pdf").content)
    assert "Fait en 2 exemplaires, le ……………, à ……………" in text


def test_the_text_comes_from_the_template_version_of_the_agreement(
    estaires_agreement, culture_user
):
    version1 = estaires_agreement.template
    assert version1.version == 1
    new = services.publish_template(
        territory=estaires_agreement.territory,
        kind=TemplateKind.AGREEMENT,
        body=version1.body.replace("CONVENTION DE PARTENARIAT", "CONVENTION MODIFIÉE"),
        notes="essai",
        by=culture_user,
    )
    assert new.version == 2
    # The agreement keeps the version it was made with…
    assert "CONVENTION DE PARTENARIAT" in odt_text(
        agreement_document(estaires_agreement, "odt").content
    )
    # …and a new agreement takes the latest one.
    assert (
        AgreementTemplate.objects.latest_version(
            estaires_agreement.territory, TemplateKind.AGREEMENT
        )
        == new
    )


@pytest.mark.parametrize(
    "body", ["{% if %}", "{% load static %}", '{% include "base.html" %}', "{% debug %}"]
)
def test_a_broken_or_unsafe_template_is_refused(culture_user, territory, body):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.publish_template(
            territory=territory, kind=TemplateKind.AGREEMENT, body=body, notes="", by=culture_user
        )


def test_an_amendment_has_its_own_document(estaires_agreement, culture_user):
    import datetime as dt

    amendment = services.add_amendment(
        agreement=estaires_agreement,
        adopted_on=dt.date(2026, 10, 5),
        title="Changement d'horaires",
        text="La permanence a lieu de 9h30 à 12h30.\n\nLe reste ne change pas.",
        by=culture_user,
    )
    for fmt, read in (("pdf", pdf_text), ("odt", odt_text)):
        document = amendment_document(amendment, fmt)
        text = read(document.content)
        assert "AVENANT N°1" in text
        assert "Changement d'horaires" in text
        assert "La permanence a lieu de 9h30 à 12h30." in text
        assert "signée le 25/07/2024 à LA GORGUE" in text
        assert document.filename == f"avenant-1-estaires.{fmt}"


@pytest.mark.parametrize("fmt", ["pdf", "odt"])
def test_the_command_writes_a_valid_file(estaires_agreement, tmp_path, fmt):
    output = tmp_path / f"convention.{fmt}"
    call_command(
        "agreement_document", commune="59212", format=fmt, output=str(output), stdout=io.StringIO()
    )
    content = output.read_bytes()
    text = pdf_text(content) if fmt == "pdf" else odt_text(content)
    assert "Le conseiller numérique arrivera dès 8h45." in text


def test_the_command_refuses_an_unknown_commune(db, tmp_path):
    with pytest.raises(CommandError, match="Aucune convention"):
        call_command(
            "agreement_document", commune="99999", format="pdf", output=str(tmp_path / "x.pdf")
        )


def test_commune_names_are_elided_as_in_french():
    assert de_commune("Estaires") == "d'ESTAIRES"
    assert de_commune("Merville") == "de MERVILLE"
    assert de_commune("La Gorgue") == "de LA GORGUE"
    assert de_commune("Le Doulieu") == "du DOULIEU"
    assert de_commune("Estaires", upper=False) == "d'Estaires"
