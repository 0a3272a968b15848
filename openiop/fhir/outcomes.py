"""FHIR errors as OperationOutcome resources (pure).

Diagnostics are our own words: never an exception message, a submitted value or data of a patient, so a
refusal reveals nothing about the record it refused.
"""

from dataclasses import dataclass, field

# OperationOutcome.issue.code (http://hl7.org/fhir/issue-type) per HTTP status we answer with.
ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "duplicate",
    412: "conflict",
    415: "not-supported",
    422: "processing",
    500: "exception",
}


@dataclass(frozen=True)
class Issue:
    diagnostics: str
    expression: tuple[str, ...] = ()
    code: str = ""
    severity: str = "error"


@dataclass
class FhirError(Exception):
    """Raise from a view to answer `status` with an OperationOutcome of `issues`."""

    status: int
    issues: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, diagnostics: str, *expression: str, headers=None) -> "FhirError":
        return cls(status, [Issue(diagnostics, tuple(expression))], dict(headers or {}))

    def __str__(self) -> str:
        return f"{self.status}: " + "; ".join(issue.diagnostics for issue in self.issues)


def operation_outcome(status: int, issues: list[Issue]) -> dict:
    """The OperationOutcome resource for an answer of `status`."""
    default_code = ISSUE_CODE.get(status, "processing")
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code or default_code,
                "diagnostics": issue.diagnostics,
                **({"expression": list(issue.expression)} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
