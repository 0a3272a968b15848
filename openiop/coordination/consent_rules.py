"""The consent engine: may this information go to this recipient, for this purpose, at this moment?

Pure Python, no Django: plain consent records and a disclosure request in, a decision out. The disclosure
service (services.py) loads the patient's consents, asks here at the moment of disclosure, and refuses with
the decision's reason.

Rules (42 CFR Part 2 as amended by the 2024 final rule, 89 FR 12472; HIPAA 45 CFR 164.508):
- Only an authorization (HIPAA authorization or Part 2 consent) allows a disclosure; a consent to
  treatment does not.
- Part 2 records (substance-use disorder records of the program) go out only under a Part 2 consent
  (§2.31); a general authorization is not enough.
- A consent is valid from its signature until it is revoked (§2.31(a)(6)) or expires (§2.31(a)(7): a date
  or an event). The one event the system knows is the patient's discharge from the program: a consent
  expiring at discharge ends at the first discharge after its signature (`expiry`), whichever of that and
  its date comes first. Other events are words the patient wrote; staff are told they are not checked.
- Recipients: a named recipient, or a single consent for all future treatment, payment and health care
  operations (TPO; §2.31(a)(4)(i), §2.33(a)(2)) which covers any recipient for those purposes only.
- SUD counselling notes need their own consent, covering nothing else (§2.31(b)); a consent for use in
  civil, criminal, administrative or legislative proceedings is never combined with another (§2.31(d)).
  A consent that breaks either rule never allows anything (the forms refuse to record one; this is the
  last line of defence).
- Several valid consents may together cover the requested information (each category by one of them).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

# Kinds.
TREATMENT = "treatment"  # consent to treatment: never an authorization to disclose
HIPAA = "hipaa_authorization"
PART2 = "part2"
AUTHORIZING_KINDS = frozenset({HIPAA, PART2})

# Information categories.
ATTENDANCE = "attendance"
TREATMENT_PLAN = "treatment_plan"
MEASURES = "measures"
NOTES_SUMMARY = "notes_summary"
SUD_NOTES = "sud_counselling_notes"
TRANSITION_PACKET = "transition_packet"
CATEGORIES = (ATTENDANCE, TREATMENT_PLAN, MEASURES, NOTES_SUMMARY, SUD_NOTES, TRANSITION_PACKET)

# Purposes.
TREATMENT_PURPOSE = "treatment"
PAYMENT = "payment"
OPERATIONS = "health_care_operations"
LEGAL = "legal_proceedings"
PURPOSES = (TREATMENT_PURPOSE, PAYMENT, OPERATIONS, LEGAL)
TPO_PURPOSES = frozenset({TREATMENT_PURPOSE, PAYMENT, OPERATIONS})

# Refusal reasons (codes; the messages below say them to a person).
NO_CONSENT = "no_consent"
PART2_REQUIRED = "part2_consent_required"
NOT_YET_SIGNED = "not_yet_signed"
REVOKED = "revoked"
EXPIRED = "expired"
WRONG_RECIPIENT = "wrong_recipient"
WRONG_PURPOSE = "wrong_purpose"
NOT_COVERED = "information_not_covered"
SUD_NOTES_RULE = "sud_notes_need_own_consent"
LEGAL_COMBINED = "legal_consent_combined"

MESSAGES = {
    NO_CONSENT: "No signed authorization of this patient allows a disclosure. Record the patient's consent first.",
    PART2_REQUIRED: (
        "This information includes substance-use disorder records protected by 42 CFR Part 2: only a "
        "Part 2 consent allows it, and the patient has none. A general authorization is not enough (§2.31)."
    ),
    NOT_YET_SIGNED: "The patient's consent was not yet signed at this moment.",
    REVOKED: "The patient revoked the consent that would have covered this disclosure.",
    EXPIRED: "The consent that would have covered this disclosure has expired.",
    WRONG_RECIPIENT: "No valid consent names this recipient (and no treatment, payment and operations consent covers this purpose).",
    WRONG_PURPOSE: "No valid consent for this recipient allows this purpose.",
    NOT_COVERED: "The valid consents for this recipient and purpose do not cover all of the information: {missing}.",
    SUD_NOTES_RULE: (
        "SUD counselling notes need their own consent, naming the recipient and covering nothing else "
        "(42 CFR §2.31(b))."
    ),
    LEGAL_COMBINED: (
        "A consent for use in legal proceedings must stand alone: combined with any other purpose it "
        "allows nothing (42 CFR §2.31(d))."
    ),
}


@dataclass(frozen=True)
class ConsentRecord:
    id: str
    kind: str
    valid_from: datetime.datetime | None  # None: not signed (yet); it allows nothing
    purposes: frozenset[str]
    categories: frozenset[str]
    recipient_id: str | None = None  # a named recipient, or None with `tpo`
    tpo: bool = False
    expires_at: datetime.datetime | None = None  # the first moment it no longer holds
    revoked_at: datetime.datetime | None = None


@dataclass(frozen=True)
class DisclosureRequest:
    recipient_id: str
    purpose: str
    categories: frozenset[str]
    at: datetime.datetime
    part2: bool


@dataclass(frozen=True)
class Decision:
    allowed: bool
    consent_ids: tuple[str, ...] = ()
    reason: str = ""
    message: str = ""


def form_problems(
    *, kind: str, purposes: Iterable[str], categories: Iterable[str], tpo: bool, recipient_id: str | None
) -> list[str]:
    """What makes a consent unrecordable (§2.31 combination rules); [] when it may be recorded."""
    purposes, categories = set(purposes), set(categories)
    problems = []
    if kind not in AUTHORIZING_KINDS:
        return problems
    if not purposes:
        problems.append("Choose at least one purpose.")
    if not categories:
        problems.append("Choose the information the consent covers.")
    if tpo == (recipient_id is not None):
        problems.append("Name one recipient, or make it a single treatment, payment and operations consent.")
    if tpo and not purposes <= TPO_PURPOSES:
        problems.append("A treatment, payment and operations consent covers only those purposes.")
    if LEGAL in purposes and (len(purposes) > 1 or tpo):
        problems.append(MESSAGES[LEGAL_COMBINED])
    if SUD_NOTES in categories and (len(categories) > 1 or tpo):
        problems.append(MESSAGES[SUD_NOTES_RULE])
    return problems


def expiry(
    *,
    date_expiry: datetime.datetime | None,
    at_discharge: bool,
    signed_at: datetime.datetime | None,
    discharges: Iterable[datetime.datetime],
) -> datetime.datetime | None:
    """The first moment a consent no longer holds: the earlier of its date expiry and, for a consent
    expiring at discharge, the first discharge after it was signed. A discharge before the signature
    belongs to an earlier stay and ends nothing; one after it ends the consent for good (a readmission
    does not revive it). None while neither is known."""
    moments = [date_expiry] if date_expiry is not None else []
    if at_discharge and signed_at is not None:
        moments += [d for d in discharges if d > signed_at]
    return min(moments, default=None)


def _well_formed(consent: ConsentRecord) -> bool:
    return not form_problems(
        kind=consent.kind,
        purposes=consent.purposes,
        categories=consent.categories,
        tpo=consent.tpo,
        recipient_id=consent.recipient_id,
    )


def _for_recipient(consent: ConsentRecord, request: DisclosureRequest) -> bool:
    if consent.tpo:
        return request.purpose in TPO_PURPOSES
    return consent.recipient_id == request.recipient_id


def _refused(reason: str, **values) -> Decision:
    return Decision(False, reason=reason, message=MESSAGES[reason].format(**values))


def decide(consents: Iterable[ConsentRecord], request: DisclosureRequest) -> Decision:
    """Allowed with the covering consents (one per category, fewest and earliest first), or refused with
    the reason that stopped the most promising consents, checked in the order a person would check."""
    if not request.categories:
        raise ValueError("a disclosure discloses some information")
    candidates = [c for c in consents if c.kind in AUTHORIZING_KINDS]
    if not candidates:
        return _refused(NO_CONSENT)
    if request.part2:
        candidates = [c for c in candidates if c.kind == PART2]
        if not candidates:
            return _refused(PART2_REQUIRED)
    stages = (
        (LEGAL_COMBINED, lambda c: not (LEGAL in c.purposes and not _well_formed(c))),
        (SUD_NOTES_RULE, _well_formed),
        (NOT_YET_SIGNED, lambda c: c.valid_from is not None and c.valid_from <= request.at),
        (REVOKED, lambda c: c.revoked_at is None or request.at < c.revoked_at),
        (EXPIRED, lambda c: c.expires_at is None or request.at < c.expires_at),
        (WRONG_RECIPIENT, lambda c: _for_recipient(c, request)),
        (WRONG_PURPOSE, lambda c: request.purpose in c.purposes),
    )
    for reason, keep in stages:
        candidates = [c for c in candidates if keep(c)]
        if not candidates:
            return _refused(reason)
    candidates.sort(key=lambda c: (-len(c.categories & request.categories), c.valid_from, c.id))
    chosen: list[str] = []
    missing = set(request.categories)
    for consent in candidates:
        if consent.categories & missing:
            chosen.append(consent.id)
            missing -= consent.categories
    if missing:
        if SUD_NOTES in missing:
            return _refused(SUD_NOTES_RULE)
        return _refused(NOT_COVERED, missing=", ".join(sorted(missing)))
    return Decision(True, consent_ids=tuple(chosen))
