"""Small, made-up instruments for tests of the loader and engine (never real instrument wording)."""

import copy


def option_set(low=0, high=3, languages=("en",)):
    return [
        {"value": v, "label": {lang: f"Option {v} ({lang})" for lang in languages}}
        for v in range(low, high + 1)
    ]


def instrument_data(**overrides) -> dict:
    """A valid three-item summed instrument; keyword arguments replace top-level keys."""
    data = {
        "format": "openiop-instrument/1",
        "code": "TEST-3",
        "version": "1.0.0",
        "title": {"en": "Test instrument"},
        "languages": ["en"],
        "licence": {
            "name": "CC0",
            "text": "Written for OpenIOP's tests.",
            "url": "https://example.org/licence",
            "decision": "Ours to ship.",
        },
        "source": {"citation": "Tests.", "text_source": "Invented for tests.", "url": "https://example.org"},
        "stem": {"en": "How often?"},
        "option_sets": {"freq": option_set()},
        "items": [
            {"key": "a", "text": {"en": "First"}, "options": "freq", "subscales": ["s"]},
            {"key": "b", "text": {"en": "Second"}, "options": "freq", "subscales": ["s"]},
            {
                "key": "c",
                "text": {"en": "Third"},
                "options": "freq",
                "critical": {
                    "at_least": 2,
                    "triggers": "urgent_alert",
                    "label": "Critical",
                    "citation": "Tests.",
                },
            },
        ],
        "scoring": {
            "method": "sum",
            "missing": {"rule": "prorate", "max_missing": 1, "citation": "Tests."},
            "bands": [{"min": 0, "max": 3, "label": "Low"}, {"min": 4, "max": 9, "label": "High"}],
            "bands_citation": "Tests.",
            "subscales": [{"key": "s", "label": "A and B", "items": ["a", "b"]}],
            "flags": [
                {
                    "id": "high",
                    "label": "High total",
                    "when": {"total_at_least": 6},
                    "triggers": "clinician_review",
                    "citation": "Tests.",
                }
            ],
        },
        "change": {"better": "lower", "reliable_change": {"threshold": 3, "citation": "Tests."}},
    }
    data.update(copy.deepcopy(overrides))
    return data
