"""The accounting of disclosures as CSV, safe to open in a spreadsheet (audit's formula neutralising)."""

import csv
from collections.abc import Iterator

from openiop.audit.export import neutralise_formula
from openiop.audit.selectors import utc_iso

HEADER = (
    "disclosed_at_utc",
    "recipient",
    "description",
    "information",
    "purpose",
    "part2",
    "consents",
    "disclosed_by",
    "sha256",
    "kept_until",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def accounting_csv_lines(disclosures) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for d in disclosures:
        cells = (
            utc_iso(d.disclosed_at, timespec="seconds"),
            d.recipient_text,
            d.description,
            "; ".join(str(label) for label in d.category_labels()),
            d.get_purpose_display(),
            "yes" if d.part2 else "no",
            "; ".join(f"{c.get_kind_display()} signed {c.signed_on}" for c in d.consents.all()),
            d.disclosed_by.display_name,
            d.sha256,
            d.retain_until.isoformat(),
        )
        yield writer.writerow([neutralise_formula(cell) for cell in cells])
