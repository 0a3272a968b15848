"""The pure reading of an incoming referral (referral.py): properties over generated bodies."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.fhir.outcomes import FhirError
from openiop.fhir.referral import URGENCY, parse_bundle, parse_service_request

from .test_referrals_inbound import contained_request, referral_bundle

names = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=40)
days = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2026, 1, 1))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(given_name=names, family=names, born=days, priority=st.sampled_from(sorted(URGENCY)))
def test_the_person_and_urgency_are_read_as_sent(given_name, family, born, priority):
    body = referral_bundle(given=given_name, family=family, born=born.isoformat(), priority=priority)
    parsed = parse_bundle(body, max_bytes=10_000)
    assert (parsed.given_name, parsed.family_name) == (given_name.strip()[:80], family.strip()[:80])
    assert parsed.date_of_birth == born and parsed.urgency == URGENCY[priority]
    assert parsed.identifier_value == "bundle-0001" and len(parsed.documents) == 1


@settings(max_examples=100, deadline=None)
@given(
    extra=st.dictionaries(st.sampled_from(["status", "intent", "subject", "priority", "note"]), json_values)
)
def test_any_body_is_read_or_refused_with_an_outcome_never_an_exception(extra):
    for parse, body in ((parse_service_request, contained_request()), (parse_bundle, referral_bundle())):
        target = body if body["resourceType"] == "ServiceRequest" else body["entry"][1]["resource"]
        target.update(extra)
        try:
            parse(body, max_bytes=10_000)
        except FhirError as error:
            assert error.status in (400, 422) and error.issues
