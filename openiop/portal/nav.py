"""The portal's menu: the same places for every patient, in the order people use them. A context
processor, so every portal page (and the patient's other pages) shows it; an entry whose page is not
installed is left out rather than failing."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PORTAL_NAV = (
    ("portal:home", _("Home")),
    ("portal:schedule", _("Schedule")),
    ("portal:questionnaires", _("Questionnaires")),
    ("portal:plan", _("My plan")),
    ("portal:consents", _("Consents")),
    ("portal:skills", _("Skills")),
    ("portal:safety", _("Safety plan")),
    ("portal:progress", _("Progress")),
    ("portal:record", _("My record")),
    ("portal:settings", _("Settings")),
)


def portal_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("portal.use"):
        return {}
    items = [
        {"url": url, "label": label, "current": request.path == url}
        for name, label in PORTAL_NAV
        if (url := _url(name)) is not None
    ]
    return {"portal_nav": items, "portal_safety_url": _url("portal:safety")}


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
