"""Rules and documents per territory: Cœur d'Ostrevent (two years, not renewable, one
month's notice) next to the CCFL (one year, renewable twice, 31/08/2027, three months)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from cadran.agreements import rules, services
from cadran.agreements.documents import DocumentIncomplete, agreement_document
from cadran.agreements.enums import AgreementStatus, Party, TemplateKind
from cadran.agreements.forms import AgreementCreateForm
from cadran.agreements.models import Agreement, AgreementRules, AgreementTemplate, Referent
from cadran.agreements.selectors import agreement_end_for_commune
from tests import factories as f

from .conftest import travel

TODAY = dt.date(2026, 11, 27)  # the tests' frozen "now"
CCFL_STRINGS = [
    "Esperluette",
    "Flandre Lys",
    "jauge minimale de 4 personnes",
    "préavis de trois mois",
    "reconductible 2 fois",
    "ESTAIRES",
    "CCFL",
    "HURLUS",
    "WILLEMS",
]
CCCO_STRINGS = ["Cœur d'Ostrevent", "CCCO", "Frédéric DELANNOY", "Julie MARTIN", "Somain"]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def ccco(db):
    territory = f.TerritoryFactory(
        slug="ccco", name="Communauté de communes Cœur d'Ostrevent", short_name="CCCO"
    )
    AgreementRules.objects.create(
        territory=territory,
        term_months=24,
        max_renewals=0,
        notice_months=1,
        default_start_date=dt.date(2026, 1, 1),
    )
    return territory


@pytest.fixture
def ccco_culture(ccco):
    return f.UserFactory(culture_service=True, territory=ccco)


@pytest.fixture
def somain(ccco):
    return f.CommuneFactory(territory=ccco, insee_code="59574", name="Somain", slug="somain")


@pytest.fixture
def somain_permanence(somain):
    adviser = f.UserFactory(adviser=True, territory=somain.territory, communes=[somain])
    return f.PermanenceFactory(commune=somain, adviser=adviser)


def ccco_agreement(commune, by, permanence=None, *, sign=True, complete=True):
    agreement = services.create_agreement(
        commune=commune,
        by=by,
        commune_signatory_name="Julie MARTIN",
        permanence=permanence,
        territory_signatory_name="Frédéric DELANNOY" if complete else "",
        territory_referents=[("Paul LEROY", "Chargé de mission numérique")] if complete else [],
        commune_referents=[("Anne PETIT", "Directrice générale des services")],
    )
    if sign:
        services.sign_agreement(
            agreement=agreement, signed_on=dt.date(2025, 12, 15), place="Somain", by=by
        )
    return Agreement.objects.with_state_data().get(pk=agreement.pk)


# --- 1. A two-year, not renewable, one-month-notice territory ----------------------------


def test_the_two_year_convention_of_coeur_d_ostrevent(
    frozen_now, somain, ccco_culture, somain_permanence, client
):
    agreement = ccco_agreement(somain, ccco_culture, somain_permanence)
    # The territory's dates and rules, not the CCFL's.
    assert (agreement.start_date, agreement.cap_date) == (
        dt.date(2026, 1, 1),
        dt.date(2027, 12, 31),
    )
    assert agreement.terms() == rules.Terms(term_months=24, max_renewals=0, notice_months=1)
    state = agreement.state()
    assert state.status == AgreementStatus.IN_FORCE
    assert state.label == "En vigueur (année 1 sur 1)"
    assert state.period == rules.Period(1, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    # Signing stops the permanence two years after the start, not one.
    somain_permanence.refresh_from_db()
    assert somain_permanence.valid_until == dt.date(2027, 12, 31)
    assert agreement_end_for_commune(somain) == dt.date(2027, 12, 31)
    # No renewal, no button.
    with pytest.raises(ValidationError, match="pas reconductible"):
        services.renew_agreement(agreement=agreement, decided_on=TODAY, by=ccco_culture)
    client.force_login(ccco_culture)
    page = client.get(reverse("agreements:detail", kwargs={"pk": agreement.pk})).content.decode()
    assert "Année 1 sur 1" in page
    assert "Reconduire" not in page
    assert "non reconductible" in page
    # The notice is one month: 27/11/2026 → 27/12/2026 at the earliest.
    with pytest.raises(ValidationError, match="préavis est d'un mois"):
        services.terminate_agreement(
            agreement=agreement,
            requested_by=Party.COMMUNE,
            on=TODAY,
            effective_on=dt.date(2026, 12, 26),
            by=ccco_culture,
        )
    termination = services.terminate_agreement(
        agreement=agreement, requested_by=Party.COMMUNE, on=TODAY, by=ccco_culture
    )
    assert termination.effective_on == dt.date(2026, 12, 27)
    somain_permanence.refresh_from_db()
    assert somain_permanence.valid_until == dt.date(2026, 12, 27)


def test_the_alerts_follow_the_territory_rules(frozen_now, somain, ccco_culture):
    from cadran.agreements.sweepers import due_alerts

    agreement = ccco_agreement(somain, ccco_culture)
    # Not renewable: « dernière période » from the start, no renewal decision.
    assert [a.event for a in due_alerts(agreement, TODAY)] == ["agreement_last_period"]
    assert due_alerts(agreement, TODAY)[0].context["period_word"] == "période"
    assert "agreement_cap_approaching" in [
        a.event for a in due_alerts(agreement, dt.date(2027, 6, 30))
    ]
    assert due_alerts(agreement, dt.date(2028, 1, 1)) == []


def test_a_new_territory_never_takes_the_ccfl_dates(
    frozen_now, estaires_agreement, territory, db, client
):
    """The CCFL has its rules and agreements; a territory without rules gets the neutral
    ones: the 1st of next month, one year, not renewable, three months' notice."""
    other = f.TerritoryFactory()
    commune = f.CommuneFactory(territory=other)
    culture = f.UserFactory(culture_service=True, territory=other)
    agreement = services.create_agreement(commune=commune, by=culture, commune_signatory_name="X")
    assert agreement.start_date == dt.date(2026, 12, 1)
    assert agreement.cap_date == dt.date(2027, 11, 30)
    assert agreement.terms() == rules.NEUTRAL
    assert agreement.territory_signatory_name == ""  # not the CCFL's president
    assert not agreement.referents.filter(party=Party.TERRITORY).exists()
    # The form proposes the territory's values.
    form = AgreementCreateForm(user=culture)
    assert form.fields["start_date"].initial == dt.date(2026, 12, 1)
    assert form.fields["term_months"].initial == 12
    assert form.fields["max_renewals"].initial == 0
    assert form.fields["cap_date"].initial is None
    assert "30/11/2027" in form.fields["cap_date"].help_text
    ccfl_form = AgreementCreateForm(user=estaires_agreement.created_by)
    assert ccfl_form.fields["start_date"].initial == dt.date(2024, 9, 1)
    assert ccfl_form.fields["cap_date"].initial == dt.date(2027, 8, 31)
    assert ccfl_form.fields["max_renewals"].initial == 2


def test_the_form_sets_start_cap_and_rules(frozen_now, somain, ccco_culture, client):
    client.force_login(ccco_culture)
    response = client.post(
        reverse("agreements:create"),
        {
            "commune": somain.pk,
            "commune_signatory_name": "Julie MARTIN",
            "commune_signatory_title": "Maire",
            "start_date": "2027-01-01",
            "cap_date": "2028-06-30",
            "term_months": "24",
            "max_renewals": "0",
            "notice_months": "2",
            "territory_signatory_name": "Frédéric DELANNOY",
            "territory_referents": "Paul LEROY, Chargé de mission",
        },
    )
    assert response.status_code == 302, response.content.decode()
    agreement = Agreement.objects.get(commune=somain)
    assert (agreement.start_date, agreement.cap_date) == (dt.date(2027, 1, 1), dt.date(2028, 6, 30))
    # Only what differs from the territory is stored.
    assert (agreement.term_months, agreement.max_renewals, agreement.notice_months) == (
        None,
        None,
        2,
    )
    assert agreement.territory_signatory_name == "Frédéric DELANNOY"
    assert [r.label for r in agreement.referents.filter(party=Party.TERRITORY)] == [
        "Paul LEROY, Chargé de mission"
    ]


# --- 2. The CCFL keeps exactly its behaviour (the rules are its demo data) --------------


def test_ccfl_rules_at_their_edges(frozen_now, estaires, culture_user, territory):
    found = AgreementRules.objects.get(territory=territory)
    assert (found.term_months, found.max_renewals, found.notice_months) == (12, 2, 3)
    assert (found.default_start_date, found.cap_date) == (dt.date(2024, 9, 1), dt.date(2027, 8, 31))
    agreement = services.create_agreement(
        commune=estaires, by=culture_user, commune_signatory_name="Bruno FICHEUX"
    )
    assert (agreement.start_date, agreement.cap_date) == (dt.date(2024, 9, 1), dt.date(2027, 8, 31))
    assert agreement.cap_deliberation.date == dt.date(2024, 7, 2)  # from the rules
    services.sign_agreement(
        agreement=agreement, signed_on=dt.date(2024, 7, 25), place="La Gorgue", by=culture_user
    )
    agreement = Agreement.objects.with_state_data().get(pk=agreement.pk)
    # The last day of the first term, then nothing without a renewal.
    assert agreement.state(dt.date(2025, 8, 31)).label == "En vigueur (année 1 sur 3)"
    assert agreement.state(dt.date(2025, 9, 1)).status == AgreementStatus.EXPIRED
    with travel(dt.date(2025, 8, 31)):
        services.renew_agreement(
            agreement=agreement, decided_on=dt.date(2025, 8, 31), by=culture_user
        )
    with travel(dt.date(2026, 6, 30)):
        services.renew_agreement(
            agreement=agreement, decided_on=dt.date(2026, 6, 30), by=culture_user
        )
        with pytest.raises(ValidationError, match="reconduite 2 fois"):
            services.renew_agreement(
                agreement=agreement, decided_on=dt.date(2026, 6, 30), by=culture_user
            )
    agreement = Agreement.objects.with_state_data().get(pk=agreement.pk)
    # The cap day is the last one.
    assert agreement.state(dt.date(2027, 8, 31)).label == "En vigueur (année 3 sur 3)"
    assert agreement.state(dt.date(2027, 9, 1)).status == AgreementStatus.EXPIRED
    # Exactly three months' notice: 27/11/2026 → 27/02/2027, not a day less.
    with pytest.raises(ValidationError, match="préavis est de trois mois"):
        services.terminate_agreement(
            agreement=agreement,
            requested_by=Party.COMMUNE,
            on=TODAY,
            effective_on=dt.date(2027, 2, 26),
            by=culture_user,
        )
    termination = services.terminate_agreement(
        agreement=agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
    )
    assert termination.effective_on == dt.date(2027, 2, 27)


# --- 3. The agreement's own rules win; a signed one keeps its rules ---------------------


def test_an_agreement_override_wins_over_the_territory(frozen_now, merville, culture_user):
    agreement = services.create_agreement(
        commune=merville,
        by=culture_user,
        commune_signatory_name="X",
        start_date=dt.date(2026, 1, 1),
        cap_date=dt.date(2027, 12, 31),
        term_months=6,
        max_renewals=1,
        notice_months=1,
    )
    assert agreement.terms() == rules.Terms(term_months=6, max_renewals=1, notice_months=1)
    services.sign_agreement(
        agreement=agreement, signed_on=dt.date(2025, 12, 1), place="Merville", by=culture_user
    )
    agreement = Agreement.objects.with_state_data().get(pk=agreement.pk)
    assert agreement.state(dt.date(2026, 6, 30)).label == "En vigueur (année 1 sur 2)"
    assert agreement.state(dt.date(2026, 7, 1)).status == AgreementStatus.EXPIRED
    assert agreement.state(TODAY).ends_on == dt.date(2026, 6, 30)


def test_a_signed_agreement_keeps_its_rules_a_draft_follows(
    frozen_now, estaires_agreement, merville, culture_user, territory
):
    draft = services.create_agreement(commune=merville, by=culture_user, commune_signatory_name="X")
    assert draft.term_months is None
    services.save_rules(territory=territory, by=culture_user, max_renewals=0, notice_months=1)
    signed = Agreement.objects.with_state_data().get(pk=estaires_agreement.pk)
    assert signed.terms() == rules.Terms(term_months=12, max_renewals=2, notice_months=3)
    assert signed.state().label == "En vigueur (année 3 sur 3)"
    draft = Agreement.objects.get(pk=draft.pk)
    assert draft.terms() == rules.Terms(term_months=12, max_renewals=0, notice_months=1)


def test_impossible_rules_are_refused(frozen_now, merville, culture_user, territory):
    with pytest.raises(ValidationError):
        services.save_rules(
            territory=territory,
            by=culture_user,
            cap_date=dt.date(2027, 1, 1),
            cap_months=12,
        )


# --- 4. Documents per territory ----------------------------------------------------------


def test_each_territory_has_its_own_document(
    frozen_now, estaires_agreement, somain, ccco_culture, somain_permanence
):
    ccfl_text = pdf_text(agreement_document(estaires_agreement, "pdf").content)
    ccco = ccco_agreement(somain, ccco_culture, somain_permanence)
    assert ccco.template.territory == somain.territory
    assert ccco.template.version == 1
    ccco_text = pdf_text(agreement_document(ccco, "pdf").content)
    assert [s for s in CCFL_STRINGS if s in ccco_text] == []
    assert [s for s in CCCO_STRINGS if s in ccfl_text] == []
    assert "Communauté de communes Cœur d'Ostrevent" in ccco_text
    assert "une durée de deux ans à compter du 1 janvier 2026" in ccco_text
    assert "non reconductible" in ccco_text
    assert "préavis d'un mois" in ccco_text
    assert "Pour la CCCO : Paul LEROY, Chargé de mission numérique." in ccco_text
    assert "préavis de trois mois" in ccfl_text  # the CCFL's text, from its rules


def test_the_neutral_text_names_no_territory():
    from cadran.agreements.documents import neutral_template_body

    for kind in TemplateKind.values:
        body = neutral_template_body(kind)
        for word in ("Esperluette", "Flandre", "Lys", "Estaires", "CCFL", "36 mois", "trois mois"):
            assert word not in body


def test_a_document_with_blanks_is_refused_with_what_is_missing(
    frozen_now, somain, ccco_culture, client
):
    agreement = ccco_agreement(somain, ccco_culture, complete=False)
    with pytest.raises(DocumentIncomplete) as exc:
        agreement_document(agreement, "pdf")
    message = exc.value.message
    assert message.startswith("Le document ne peut pas encore être produit : il manque")
    assert "le nom du signataire pour la communauté de communes" in message
    assert "la personne référente de la communauté de communes" in message
    admin_url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    assert {m.url for m in exc.value.missing} == {admin_url}

    client.force_login(ccco_culture)
    response = client.get(reverse("agreements:document", kwargs={"pk": agreement.pk, "fmt": "odt"}))
    assert response.status_code == 302
    assert response["Content-Type"].startswith("text/html")
    page = client.get(response["Location"]).content.decode()
    assert "Le document ne peut pas encore être produit" in page
    assert f'<a href="{admin_url}">le nom du signataire pour la communauté de communes</a>' in page
    assert "Télécharger en PDF" not in page

    # Filled in: the document is produced.
    agreement.territory_signatory_name = "Frédéric DELANNOY"
    agreement.save()
    Referent.objects.create(agreement=agreement, party=Party.TERRITORY, names="Paul LEROY")
    assert agreement_document(agreement, "pdf").content.startswith(b"%PDF")


def test_an_unknown_variable_is_refused_not_left_blank(frozen_now, somain, ccco_culture):
    agreement = ccco_agreement(somain, ccco_culture)
    template = services.publish_template(
        territory=somain.territory,
        kind=TemplateKind.AGREEMENT,
        body="<p>Pour {{ agreement.president_name }}.</p>",
        notes="",
        by=ccco_culture,
    )
    Agreement.objects.filter(pk=agreement.pk).update(template=template)
    with pytest.raises(DocumentIncomplete, match="agreement.president_name"):
        agreement_document(agreement, "pdf")


def test_the_template_sees_plain_values_only(frozen_now, somain, ccco_culture):
    agreement = ccco_agreement(somain, ccco_culture)
    template = services.publish_template(
        territory=somain.territory,
        kind=TemplateKind.AGREEMENT,
        body="<p>[{{ agreement.created_by.password }}]</p>",
        notes="",
        by=ccco_culture,
    )
    Agreement.objects.filter(pk=agreement.pk).update(template=template)
    with pytest.raises(DocumentIncomplete):
        agreement_document(agreement, "pdf")


def test_versions_are_numbered_per_territory(
    frozen_now, territory, ccco, culture_user, ccco_culture
):
    ccfl_v1 = AgreementTemplate.objects.latest_version(territory, TemplateKind.AGREEMENT)
    assert ccfl_v1.version == 1
    ccco_v1 = services.current_template(ccco, TemplateKind.AGREEMENT)
    assert (ccco_v1.version, ccco_v1.territory) == (1, ccco)
    ccco_v2 = services.publish_template(
        territory=ccco,
        kind=TemplateKind.AGREEMENT,
        body=ccco_v1.body + "<p>Ajout.</p>",
        notes="",
        by=ccco_culture,
    )
    assert ccco_v2.version == 2
    assert AgreementTemplate.objects.latest_version(territory, TemplateKind.AGREEMENT) == ccfl_v1


# --- 5. Each Service Culture edits its own territory's rules and templates only ---------


def test_another_territory_cannot_touch_the_rules_or_templates(
    frozen_now, territory, ccco, culture_user, ccco_culture, client
):
    ccco_template = services.current_template(ccco, TemplateKind.AGREEMENT)
    ccco_rules = AgreementRules.objects.get(territory=ccco)
    with pytest.raises(PermissionDenied):
        services.publish_template(
            territory=ccco, kind=TemplateKind.AGREEMENT, body="x", notes="", by=culture_user
        )
    with pytest.raises(PermissionDenied):
        services.save_rules(territory=ccco, by=culture_user, notice_months=6)
    coordinator = f.UserFactory(coordinator=True, territory=ccco)
    with pytest.raises(PermissionDenied):
        services.save_rules(territory=ccco, by=coordinator, notice_months=6)

    client.force_login(culture_user)  # the CCFL's Service Culture
    for url in (
        reverse("admin:agreements_agreementtemplate_change", args=[ccco_template.pk]),
        reverse("admin:agreements_agreementrules_change", args=[ccco_rules.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "x", "notice_months": "6"}).status_code == 404
    ccco_rules.refresh_from_db()
    assert ccco_rules.notice_months == 1
    assert AgreementTemplate.objects.of(ccco, TemplateKind.AGREEMENT).count() == 1
    listing = client.get(reverse("admin:agreements_agreementtemplate_changelist")).content.decode()
    assert "Cœur d&#x27;Ostrevent" not in listing and "Cœur d'Ostrevent" not in listing


def test_the_service_culture_publishes_a_version_of_its_own_template(
    frozen_now, ccco, ccco_culture, client
):
    v1 = services.current_template(ccco, TemplateKind.AGREEMENT)
    client.force_login(ccco_culture)
    url = reverse("admin:agreements_agreementtemplate_change", args=[v1.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": v1.name, "body": v1.body + "<p>Ajout CCCO.</p>", "notes": "ajout"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    v1.refresh_from_db()
    assert "Ajout CCCO" not in v1.body  # a version is never changed
    latest = AgreementTemplate.objects.latest_version(ccco, TemplateKind.AGREEMENT)
    assert (latest.version, latest.territory, latest.created_by) == (2, ccco, ccco_culture)
    assert "Ajout CCCO" in latest.body
    # Its rules too.
    found = AgreementRules.objects.get(territory=ccco)
    url = reverse("admin:agreements_agreementrules_change", args=[found.pk])
    assert client.get(url).status_code == 200
    # A coordinator reads them but does not change them.
    coordinator = f.UserFactory(coordinator=True, territory=ccco)
    client.force_login(coordinator)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


# --- 6. Properties: the derived dates always stay within start, end and cap -------------


terms_strategy = st.builds(
    rules.Terms,
    term_months=st.integers(1, 36),
    max_renewals=st.integers(0, 4),
    notice_months=st.integers(0, 6),
)


@given(
    terms=terms_strategy,
    start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    cap_kind=st.sampled_from(["none", "date", "months"]),
    cap_extra=st.integers(1, 120 * 31),
    renewals=st.integers(0, 6),
    probe=st.integers(-400, 12 * 365),
    requested=st.integers(0, 12 * 365),
)
def test_derived_periods_and_end_dates_stay_within_start_end_and_cap(
    terms, start, cap_kind, cap_extra, renewals, probe, requested
):
    found = AgreementRules(
        term_months=terms.term_months,
        max_renewals=terms.max_renewals,
        notice_months=terms.notice_months,
        cap_date=start + dt.timedelta(days=cap_extra) if cap_kind == "date" else None,
        cap_months=(cap_extra % 120) + 1 if cap_kind == "months" else None,
    )
    cap = found.cap_for(start, terms)
    assert cap > start
    facts = rules.Facts(
        start=start,
        cap=cap,
        terms=terms,
        signed_on=start - dt.timedelta(days=10),
        renewals=renewals,
    )
    periods = rules.granted_periods(start, cap, renewals, terms)
    end = rules.end_date(start, cap, renewals, None, terms)
    assert 1 <= len(periods) <= terms.max_periods
    assert periods[0].start == start
    assert end <= cap
    for p in periods:
        assert start <= p.start <= p.end <= end
    day = start + dt.timedelta(days=probe)
    state = rules.state_on(facts, day)
    assert state.of == terms.max_periods
    if state.in_force:
        assert state.period is not None
        assert 1 <= state.period.number <= state.of
        assert start <= state.period.start <= day <= state.period.end <= state.ends_on <= cap
        assert f"(année {state.period.number} sur {terms.max_periods})" in state.label
    # A termination never ends before its notice, nor after the cap.
    on = start + dt.timedelta(days=requested)
    earliest = rules.earliest_effective_date(on, terms.notice_months)
    assert earliest == rules.add_months(on, terms.notice_months)
    refusal = rules.termination_refusal(facts, on, earliest - dt.timedelta(days=1))
    if terms.notice_months and rules.state_on(facts, on).in_force:
        assert refusal != ""


def _form_values(form) -> dict:
    """What a browser would send back for ``form`` unchanged (its bound or initial values)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif hasattr(value, "isoformat"):
            data[key] = value.isoformat()
        else:
            data[key] = str(getattr(value, "pk", value))
    return data


def test_the_service_culture_fills_in_the_missing_referent_in_the_admin(
    frozen_now, somain, ccco_culture, client
):
    agreement = ccco_agreement(somain, ccco_culture, complete=False)
    admin_url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    client.force_login(ccco_culture)
    response = client.get(admin_url)
    assert response.status_code == 200
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert "referents" in formsets and "deliberations" in formsets
    data = _form_values(response.context["adminform"].form)
    data["territory_signatory_name"] = "Frédéric DELANNOY"
    for prefix, formset in formsets.items():
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{prefix}-{name}"] = str(management[name].value())
        for form in formset.forms:
            data |= _form_values(form)
    total = int(data["referents-TOTAL_FORMS"])
    data["referents-TOTAL_FORMS"] = str(total + 1)
    data[f"referents-{total}-party"] = Party.TERRITORY
    data[f"referents-{total}-names"] = "Paul LEROY"
    data[f"referents-{total}-role"] = "Chargé de mission numérique"
    data[f"referents-{total}-position"] = "1"
    response = client.post(admin_url, data)
    assert response.status_code == 302
    assert agreement.referents.filter(party=Party.TERRITORY, names="Paul LEROY").exists()
    agreement.refresh_from_db()
    assert agreement_document(agreement, "pdf").content.startswith(b"%PDF")


def test_the_service_culture_previews_a_template_version_before_it_is_used(
    frozen_now, somain, ccco_culture, somain_permanence, client
):
    template = services.publish_template(
        territory=somain.territory,
        kind=TemplateKind.AGREEMENT,
        body="<h1>Convention avec {{ commune.name }}</h1><p>Préavis : {{ notice_label }}.</p>",
        notes="",
        by=ccco_culture,
    )
    client.force_login(ccco_culture)
    url = reverse("admin:agreements_agreementtemplate_preview", args=[template.pk])
    # No convention yet in the territory: said plainly, back to the template.
    response = client.get(url, follow=True)
    assert "Aucune convention dans ce territoire" in response.content.decode()
    ccco_agreement(somain, ccco_culture, somain_permanence)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Convention avec Somain" in text and "Préavis : un mois." in text
    change = client.get(reverse("admin:agreements_agreementtemplate_change", args=[template.pk]))
    assert url in change.content.decode()
    # Another territory's template is not found.
    other = f.UserFactory(culture_service=True, territory=f.TerritoryFactory(), is_staff=True)
    client.force_login(other)
    assert client.get(url).status_code == 404
