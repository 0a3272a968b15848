"""Panels: shared pages show what other apps register, in order, and hide panels with nothing to show."""

import pytest

from openiop.core import panels
from openiop.core.panels import CHART, Panel, panels_of, register


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(panels, "_registry", {place: {} for place in panels.PLACES})


def test_panels_come_in_order_and_hide_when_they_have_nothing(clean_registry):
    register(CHART, Panel("b", "b.html", lambda request, patient, episode: {"n": patient}, order=20))
    register(CHART, Panel("a", "a.html", lambda request, patient, episode: {"n": 1}, order=10))
    register(CHART, Panel("hidden", "h.html", lambda request, patient, episode: None, order=5))
    shown = panels_of(CHART, None, 7, None)
    assert [(p.key, p.context) for p in shown] == [("a", {"n": 1}), ("b", {"n": 7})]


def test_registering_a_key_again_replaces_it_and_unknown_places_are_refused(clean_registry):
    register(CHART, Panel("a", "one.html", lambda *args: {}))
    register(CHART, Panel("a", "two.html", lambda *args: {}))
    assert [p.template for p in panels_of(CHART, None, None, None)] == ["two.html"]
    with pytest.raises(ValueError, match="unknown place"):
        register("sidebar", Panel("x", "x.html", lambda *args: {}))
