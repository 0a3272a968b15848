"""Reading a Patient sent with PUT into the contact details OpenIOP lets FHIR change (pure).

What may change through FHIR: phone and email (`telecom`), the address as text (`address[0].text`), the
preferred name (`name` with use "usual") and the language (`communication`, BCP 47: en and es are kept as
such, any other language as "other"). A PUT replaces the resource, so leaving one of these out clears it.

What may not: the record number (`identifier`), the legal name (`name` with use "official"), the date of
birth and the emergency contact. Those identify the person; changing them belongs to the chart, where the
intake staff see possible duplicates and the change is reviewed. Sent unchanged they are accepted; sent
changed, the update is refused (422) and nothing is written. Elements OpenIOP does not keep (gender,
photo, extensions…) are refused too rather than silently dropped. Messages name the element, never a value.
"""

from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from ..outcomes import FhirError, Issue

# Elements a Patient from OpenIOP may carry. `meta` and `text` are the server's and are ignored.
KNOWN = frozenset(
    {
        "resourceType",
        "id",
        "meta",
        "text",
        "identifier",
        "active",
        "name",
        "birthDate",
        "telecom",
        "address",
        "contact",
        "communication",
    }
)
LANGUAGES = ("en", "es")
CHART_ONLY = "{} is changed in the chart, not through FHIR."


def validate_patient(body) -> None:
    """400 unless `body` is one valid FHIR R4 Patient."""
    if not isinstance(body, dict) or body.get("resourceType") != "Patient":
        raise FhirError.of(400, "Send one Patient resource (resourceType Patient).")
    try:
        Patient.model_validate(body)
    except ValidationError as error:
        paths = sorted(
            {
                ".".join(["Patient", *(str(p) for p in e["loc"] if not isinstance(p, int))])
                for e in error.errors()
            }
        )
        raise FhirError(400, [Issue("Not a valid FHIR R4 Patient.", tuple(paths[:10]))]) from None


def _identifiers(resource: dict) -> set:
    return {(i.get("system", ""), i.get("value", "")) for i in resource.get("identifier", [])}


def _official(resource: dict) -> list:
    return [
        (n.get("family", ""), tuple(n.get("given", [])))
        for n in resource.get("name", [])
        if n.get("use") == "official"
    ]


def _unchanged(body: dict, current: dict) -> list[Issue]:
    issues = []
    checks = (
        ("Patient.identifier", _identifiers),
        ("Patient.name.where(use='official')", _official),
        ("Patient.birthDate", lambda r: r.get("birthDate")),
        ("Patient.contact", lambda r: r.get("contact", [])),
        ("Patient.active", lambda r: r.get("active", True)),
    )
    for path, value in checks:
        if value(body) != value(current):
            issues.append(Issue(CHART_ONLY.format(path), (path,), code="business-rule"))
    for element in sorted(set(body) - KNOWN):
        issues.append(Issue(f"OpenIOP does not keep Patient.{element}.", (f"Patient.{element}",)))
    return issues


def _telecom(body: dict, fields: dict, issues: list[Issue]) -> None:
    fields.update(phone="", email="")
    for index, point in enumerate(body.get("telecom", [])):
        path = f"Patient.telecom[{index}]"
        system = point.get("system")
        if system not in ("phone", "email"):
            issues.append(Issue("Only a phone number and an email address are kept.", (f"{path}.system",)))
        elif fields[system]:
            issues.append(Issue(f"Send at most one {system}.", (path,)))
        elif not point.get("value"):
            issues.append(Issue("A contact point needs a value.", (f"{path}.value",)))
        else:
            fields[system] = point["value"].strip()


def _address(body: dict, fields: dict, issues: list[Issue]) -> None:
    addresses = body.get("address", [])
    fields["address"] = ""
    if len(addresses) > 1:
        issues.append(Issue("Send at most one address.", ("Patient.address",)))
    elif addresses:
        extra = set(addresses[0]) - {"text", "use", "type"}
        if extra or not addresses[0].get("text"):
            issues.append(Issue("Send the address as text only.", ("Patient.address[0].text",)))
        else:
            fields["address"] = addresses[0]["text"].strip()


def _preferred_name(body: dict, fields: dict, issues: list[Issue]) -> None:
    others = [n for n in body.get("name", []) if n.get("use") != "official"]
    fields["preferred_name"] = ""
    if any(n.get("use") != "usual" for n in others) or len(others) > 1:
        issues.append(
            Issue("Besides the official name, send at most one name with use usual.", ("Patient.name",))
        )
    elif others:
        name = others[0]
        if set(name) - {"use", "given", "text"} or not name.get("given"):
            issues.append(
                Issue("The preferred name is given names only.", ("Patient.name.where(use='usual')",))
            )
        else:
            fields["preferred_name"] = " ".join(name["given"]).strip()


def _language(body: dict, fields: dict, issues: list[Issue]) -> None:
    communication = body.get("communication", [])
    fields["language"] = "other"
    if len(communication) > 1:
        issues.append(Issue("Send at most one language.", ("Patient.communication",)))
    elif communication:
        codes = [c.get("code", "") for c in communication[0]["language"].get("coding", [])]
        if not codes or not codes[0]:
            issues.append(Issue("Code the language (BCP 47).", ("Patient.communication[0].language.coding",)))
        else:
            primary = codes[0].split("-")[0].lower()
            fields["language"] = primary if primary in LANGUAGES else "other"


def contact_fields(body: dict, current: dict) -> dict:
    """The contact details `body` (a valid Patient) sets, for a patient whose resource is now `current`.
    422, with every problem at once, if it changes anything only the chart changes."""
    issues = _unchanged(body, current)
    fields: dict = {}
    for read in (_telecom, _address, _preferred_name, _language):
        read(body, fields, issues)
    if issues:
        raise FhirError(422, issues)
    return fields
