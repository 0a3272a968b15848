"""The CapabilityStatement: exactly what /fhir/r4/ implements, nothing announced ahead of its code (pure)."""

# resource type -> (interactions, search parameters (name, type, documentation))
RESOURCES = {
    "Patient": (
        # update: contact details only (telecom, address text, preferred name, language), with If-Match.
        ("read", "search-type", "update"),
        (
            ("identifier", "token", "The record number (system https://openiop.org/fhir/sid/record-number)."),
            ("name", "string", "Part of the legal or preferred name."),
            ("birthdate", "date", "Date of birth (YYYY-MM-DD)."),
        ),
    ),
    "EpisodeOfCare": (("read", "search-type"), (("patient", "reference", "Required."),)),
    "CareTeam": (("read", "search-type"), (("patient", "reference", "Required."),)),
    "Questionnaire": (
        ("read", "search-type"),
        (("url", "uri", "Canonical URL."), ("name", "string", "Computer name, e.g. PHQ9.")),
    ),
    "QuestionnaireResponse": (
        ("read", "search-type", "create"),
        (
            ("patient", "reference", "Required."),
            ("questionnaire", "reference", "Canonical URL of the Questionnaire."),
        ),
    ),
    "Observation": (
        ("read", "search-type"),
        (
            ("patient", "reference", "Required."),
            ("code", "token", "LOINC code, e.g. http://loinc.org|44261-6."),
        ),
    ),
    "CarePlan": (
        ("read", "search-type"),
        (("patient", "reference", "Required. The active signed treatment plan version."),),
    ),
    "Goal": (
        ("read", "search-type"),
        (("patient", "reference", "Required. Goals of the active signed treatment plan."),),
    ),
    "Appointment": (
        ("read", "search-type"),
        (("patient", "reference", "Required. The patient's own session bookings, newest first."),),
    ),
    "Encounter": (
        ("read", "search-type"),
        (
            (
                "patient",
                "reference",
                "Required. The patient's sessions with attendance recorded, newest first.",
            ),
            ("date", "date", "The session's day, with an optional eq, ge, le, gt or lt prefix (once)."),
            ("part-of", "reference", "The group session's Encounter (Encounter/<session id>)."),
        ),
    ),
    "Group": (
        ("read", "search-type"),
        (
            ("_id", "token", "The recurring group's id."),
            ("member", "reference", "A patient on the roster (Patient/<id>), now or before."),
        ),
    ),
    "ServiceRequest": (
        # create: an incoming referral (views_inbound.py); its patient contained or Patient/<id>.
        ("read", "search-type", "create"),
        (("patient", "reference", "Required. The patient's referrals to the program, newest first."),),
    ),
    "Consent": (
        ("read", "search-type"),
        (("patient", "reference", "Required. The patient's consents and authorizations, newest first."),),
    ),
}
# Incoming referrals: POST /Bundle (transaction, collection or message) holding one Patient and one
# ServiceRequest, with Conditions, MedicationStatements and DocumentReferences if any. No read or search.
RESOURCES["Bundle"] = (("create",), ())
# resource type -> operations (name, canonical definition, documentation)
OPERATIONS = {
    "Patient": (
        (
            "everything",
            "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            "The record as one searchset Bundle (no paging), each section as its type endpoint allows; "
            "psychotherapy notes never. With recipient=<provider id> and purpose=treatment|payment|"
            "health_care_operations it is released only under the patient's valid consent, with the "
            "42 CFR Part 2 labels, notice and consents, and accounted for.",
        ),
    ),
}
PAGING = (
    ("_count", "number", "Page size (default 20, at most 100)."),
    ("_offset", "number", "Index of the first match of the page."),
)


def capability_statement(*, base_url: str, software_version: str, date: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "OpenIOP",
        "kind": "instance",
        "software": {"name": "OpenIOP", "version": software_version},
        "implementation": {"description": "OpenIOP FHIR R4 interface", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "JSON only: XML is answered 415. Authenticate with a personal access token "
                    "(Authorization: Bearer oiop_…); the web application's permissions apply, and every "
                    "read of a patient's data is audited. Unknown search parameters are an error (400). Patient update "
                    "changes contact details only and needs If-Match with the read's ETag (428 without it, 412 if "
                    "the patient changed since)."
                ),
                "security": {
                    "cors": False,
                    "service": [{"text": "Bearer personal access token (RFC 6750)"}],
                },
                "resource": [
                    {
                        "type": resource_type,
                        "interaction": [{"code": code} for code in interactions],
                        # versioned-update: an update must name the version it replaces (If-Match).
                        "versioning": "versioned-update" if "update" in interactions else "versioned",
                        "readHistory": False,
                        "updateCreate": False,
                        **(
                            {
                                "searchParam": [
                                    {"name": name, "type": kind, "documentation": doc}
                                    for name, kind, doc in (*params, *PAGING)
                                ]
                            }
                            if "search-type" in interactions
                            else {}
                        ),
                        **(
                            {
                                "operation": [
                                    {"name": name, "definition": definition, "documentation": doc}
                                    for name, definition, doc in OPERATIONS[resource_type]
                                ]
                            }
                            if resource_type in OPERATIONS
                            else {}
                        ),
                    }
                    for resource_type, (interactions, params) in RESOURCES.items()
                ],
            }
        ],
    }
