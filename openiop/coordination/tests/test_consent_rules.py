"""The pure consent engine: each refusal reason, and properties that must hold for any consents."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openiop.coordination import consent_rules as cr

T0 = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def consent(
    id="c1",
    kind=cr.PART2,
    recipient="r1",
    purposes=(cr.TREATMENT_PURPOSE,),
    categories=(cr.ATTENDANCE,),
    **kw,
):
    return cr.ConsentRecord(
        id=id,
        kind=kind,
        valid_from=kw.pop("valid_from", T0 - DAY),
        purposes=frozenset(purposes),
        categories=frozenset(categories),
        recipient_id=None if kw.get("tpo") else recipient,
        **kw,
    )


def ask(recipient="r1", purpose=cr.TREATMENT_PURPOSE, categories=(cr.ATTENDANCE,), at=T0, part2=True):
    return cr.DisclosureRequest(recipient, purpose, frozenset(categories), at, part2)


def test_a_valid_part2_consent_allows_and_is_named():
    decision = cr.decide([consent()], ask())
    assert decision.allowed and decision.consent_ids == ("c1",)


def test_no_consent_is_refused():
    assert cr.decide([], ask()).reason == cr.NO_CONSENT
    assert cr.decide([consent(kind=cr.TREATMENT)], ask()).reason == cr.NO_CONSENT


def test_part2_records_need_a_part2_consent():
    assert cr.decide([consent(kind=cr.HIPAA)], ask()).reason == cr.PART2_REQUIRED
    assert cr.decide([consent(kind=cr.HIPAA)], ask(part2=False)).allowed


def test_expired_revoked_and_future_consents_are_refused():
    assert cr.decide([consent(expires_at=T0)], ask()).reason == cr.EXPIRED
    assert cr.decide([consent(revoked_at=T0 - DAY / 2)], ask()).reason == cr.REVOKED
    assert cr.decide([consent(valid_from=T0 + DAY)], ask()).reason == cr.NOT_YET_SIGNED
    assert cr.decide([consent(revoked_at=T0 + DAY)], ask()).allowed  # revoked later: held at T0


def test_wrong_recipient_and_wrong_purpose():
    assert cr.decide([consent()], ask(recipient="r2")).reason == cr.WRONG_RECIPIENT
    assert cr.decide([consent()], ask(purpose=cr.PAYMENT)).reason == cr.WRONG_PURPOSE


def test_information_not_covered_names_what_is_missing():
    decision = cr.decide([consent()], ask(categories=(cr.ATTENDANCE, cr.MEASURES)))
    assert decision.reason == cr.NOT_COVERED and "measures" in decision.message


def test_tpo_consent_covers_any_recipient_for_tpo_purposes_only():
    tpo = consent(tpo=True, purposes=(cr.TREATMENT_PURPOSE, cr.PAYMENT))
    assert cr.decide([tpo], ask(recipient="anyone")).allowed
    assert cr.decide([tpo], ask(recipient="anyone", purpose=cr.LEGAL)).reason == cr.WRONG_RECIPIENT


def test_sud_notes_need_their_own_consent():
    combined = consent(categories=(cr.SUD_NOTES, cr.ATTENDANCE))
    assert cr.decide([combined], ask(categories=(cr.SUD_NOTES,))).reason == cr.SUD_NOTES_RULE
    assert cr.decide([consent()], ask(categories=(cr.SUD_NOTES,))).reason == cr.SUD_NOTES_RULE
    own = consent(id="c2", categories=(cr.SUD_NOTES,))
    assert cr.decide([consent(), own], ask(categories=(cr.SUD_NOTES, cr.ATTENDANCE))).consent_ids == (
        "c1",
        "c2",
    )


def test_a_legal_consent_combined_with_another_purpose_allows_nothing():
    combined = consent(purposes=(cr.LEGAL, cr.TREATMENT_PURPOSE))
    assert cr.decide([combined], ask()).reason == cr.LEGAL_COMBINED
    assert cr.form_problems(
        kind=cr.PART2,
        purposes=[cr.LEGAL, cr.PAYMENT],
        categories=[cr.ATTENDANCE],
        tpo=False,
        recipient_id="r",
    )
    assert cr.decide([consent(purposes=(cr.LEGAL,))], ask(purpose=cr.LEGAL)).allowed


# --- properties ----------------------------------------------------------------------------------------------

recipients = st.sampled_from(["r1", "r2"])
categories = st.frozensets(st.sampled_from(cr.CATEGORIES), min_size=1, max_size=3)
purposes = st.frozensets(st.sampled_from(cr.PURPOSES), min_size=1, max_size=2)
offsets = st.integers(min_value=-5, max_value=5).map(lambda n: T0 + n * DAY)


@st.composite
def consents(draw, id=None):
    tpo = draw(st.booleans())
    return cr.ConsentRecord(
        id=id or draw(st.uuids()).hex,
        kind=draw(st.sampled_from([cr.TREATMENT, cr.HIPAA, cr.PART2])),
        valid_from=draw(offsets),
        purposes=draw(purposes),
        categories=draw(categories),
        recipient_id=None if tpo else draw(recipients),
        tpo=tpo,
        expires_at=draw(st.none() | offsets),
        revoked_at=draw(st.none() | offsets),
    )


requests = st.builds(
    cr.DisclosureRequest, recipients, st.sampled_from(cr.PURPOSES), categories, offsets, st.booleans()
)


@given(st.lists(consents(), max_size=4), requests)
def test_a_revoked_or_expired_consent_never_allows(records, request):
    decision = cr.decide(records, request)
    if decision.allowed:
        for c in (c for c in records if c.id in decision.consent_ids):
            assert c.revoked_at is None or request.at < c.revoked_at
            assert c.expires_at is None or request.at < c.expires_at
            assert c.valid_from <= request.at


@given(st.lists(consents(), max_size=4), consents(), requests)
def test_adding_a_consent_never_turns_an_allowed_disclosure_into_a_refusal(records, extra, request):
    if cr.decide(records, request).allowed:
        assert cr.decide([*records, extra], request).allowed


@given(st.lists(consents(), max_size=4), requests)
def test_a_part2_disclosure_is_never_allowed_without_a_part2_consent(records, request):
    decision = cr.decide(records, request)
    if decision.allowed and request.part2:
        kinds = {c.kind for c in records if c.id in decision.consent_ids}
        assert kinds == {cr.PART2}


def test_an_unsigned_consent_never_allows_anything():
    """A consent waiting for the patient's signature in the portal has no `valid_from`."""
    unsigned = consent(valid_from=None, tpo=True, purposes=(cr.TREATMENT_PURPOSE,))
    assert cr.decide([unsigned], ask()).reason == cr.NOT_YET_SIGNED
    assert cr.decide([consent(valid_from=None)], ask(at=T0 + 400 * DAY)).reason == cr.NOT_YET_SIGNED
