"""Panels other apps add to shared pages (the chart, "my day") without those pages importing them.

An app registers a panel in its `AppConfig.ready()`; the page asks for its panels and includes each
template with the panel's context. A panel's `context` returns None to stay hidden (nothing to show to
this user). Panels run inside a view that has already passed its access policy and written its audit
event (the chart's VIEW of the patient, my day's LIST), so a panel only reads what that page covers:
the chart's patient, the signed-in user's own work.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHART = "chart"  # context(request, patient, episode) -> dict | None
MY_DAY = "my_day"  # context(request) -> dict | None
PLACES = (CHART, MY_DAY)


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class Shown:
    key: str
    template: str
    context: dict[str, Any]


_registry: dict[str, dict[str, Panel]] = {place: {} for place in PLACES}


def register(place: str, panel: Panel) -> None:
    """Add (or replace, by key: `ready()` may run twice in tests) a panel of `place`."""
    if place not in _registry:
        raise ValueError(f"unknown place {place!r}; one of {PLACES}")
    _registry[place][panel.key] = panel


def panels_of(place: str, *args) -> list[Shown]:
    """The panels of `place` that have something to show, in order."""
    shown = []
    for panel in sorted(_registry[place].values(), key=lambda p: (p.order, p.key)):
        context = panel.context(*args)
        if context is not None:
            shown.append(Shown(panel.key, panel.template, context))
    return shown
