"""The CapabilityStatement: exactly what /fhir/r4/ implements, nothing announced ahead of its code (pure)."""

# resource type -> (interactions, search parameters (name, type, documentation))
RESOURCES = {
    "Patient": (
        ("read", "search-type"),
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
                    "read of a patient's data is audited. Unknown search parameters are an error (400)."
                ),
                "security": {
                    "cors": False,
                    "service": [{"text": "Bearer personal access token (RFC 6750)"}],
                },
                "resource": [
                    {
                        "type": resource_type,
                        "interaction": [{"code": code} for code in interactions],
                        "versioning": "versioned",
                        "readHistory": False,
                        "updateCreate": False,
                        "searchParam": [
                            {"name": name, "type": kind, "documentation": doc}
                            for name, kind, doc in (*params, *PAGING)
                        ],
                    }
                    for resource_type, (interactions, params) in RESOURCES.items()
                ],
            }
        ],
    }
