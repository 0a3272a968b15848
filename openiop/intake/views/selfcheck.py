"""The public self-check "Is IOP right for me?" at /check/ (no sign-in).

GET shows the questions; POST with the answers evaluates them (`intake.selfcheck`) and renders the result
with a form to ask for a consultation; POST of that form (step "contact") creates a self referral, only
with consent. Nothing is stored before that: the answers travel in a signed hidden field.

Abuse protection without third-party services: a honeypot field, a signed timestamp (too fast or too old
is refused) and a per-address rate limit in the cache. Every page, including refusals, shows the crisis
line. The language comes from ?lang= (or the hidden `lang` of the forms), else from the browser.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.core.access import PUBLIC, policy
from openiop.core.client_address import client_address

from .. import selfcheck
from ..forms_selfcheck import BadToken, ConsultationForm, SelfCheckForm, read_answers, sign_answers
from ..services import referral_create_from_self_check

HOUR = 60 * 60


def _setting(name: str, default):
    return getattr(settings, name, default)


def over_limit(request, *, scope: str, limit: int, period_seconds: int = HOUR) -> bool:
    """Count this request against `limit` per `period_seconds` for the client address; True when over.

    A fixed window in the shared cache (`add` starts it with its expiry, `incr` counts). The address is
    hashed: the cache never holds who took a mental-health self-check. The address is REMOTE_ADDR, or
    behind our own proxies the one they vouch for (core/client_address.py), never one a client wrote.
    """
    address = client_address(request)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    key = f"selfcheck:{scope}:{digest}"
    if cache.add(key, 1, timeout=period_seconds):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=period_seconds)
        count = 1
    return count > limit


def _language(request) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    if chosen in {code for code, _name in settings.LANGUAGES}:
        return chosen
    return translation.get_language() or settings.LANGUAGE_CODE


def _render(request, template: str, context: dict, *, language: str, status: int = 200):
    response = render(request, template, {**context, "language": language}, status=status)
    response["Content-Language"] = language
    return response


@policy(PUBLIC)
@require_http_methods(["GET", "POST"])
def check(request):
    language = _language(request)
    with translation.override(language):
        if request.method == "GET":
            form = SelfCheckForm()
        elif request.POST.get("step") == "contact":
            return _contact(request, language)
        else:
            if over_limit(
                request, scope="evaluate", limit=_setting("OPENIOP_SELFCHECK_EVALUATIONS_PER_HOUR", 60)
            ):
                return _too_many(request, language)
            form = SelfCheckForm(request.POST)
            if form.is_valid():
                answers = form.answers()
                contact_form = ConsultationForm(initial={"token": sign_answers(answers)})
                return _result(request, language, answers, contact_form)
        return _render(request, "intake/selfcheck/check.html", {"form": form}, language=language)


def _result(request, language: str, answers: dict[str, str], contact_form: ConsultationForm):
    context = {"result": selfcheck.evaluate(answers), "form": contact_form}
    return _render(request, "intake/selfcheck/result.html", context, language=language)


def _contact(request, language: str):
    if over_limit(request, scope="contact", limit=_setting("OPENIOP_SELFCHECK_REQUESTS_PER_HOUR", 10)):
        return _too_many(request, language)
    try:
        signed = read_answers(request.POST.get("token", ""))
    except BadToken:
        return _problem(
            request,
            language,
            _("We could not read your answers. Please take the self-check again."),
            status=400,
        )
    if signed.age_seconds > _setting("OPENIOP_SELFCHECK_MAX_SECONDS", 2 * HOUR):
        # A page left open for hours (perhaps on a shared computer): start again rather than send it.
        return _problem(
            request,
            language,
            _(
                "This page was open for more than 2 hours, so to protect your privacy we did not send it. "
                "Please take the self-check again."
            ),
            status=400,
        )
    too_fast = signed.age_seconds < _setting("OPENIOP_SELFCHECK_MIN_SECONDS", 3)
    form = ConsultationForm(request.POST, too_fast=too_fast)
    if not form.is_valid():
        return _result(request, language, signed.answers, form)
    thanks_url = f"{reverse('intake:selfcheck_thanks')}?lang={language}"
    # One request per result page: a double click or a replayed form does not make a second referral.
    used = hashlib.sha256(form.cleaned_data["token"].encode()).hexdigest()
    if not cache.add(
        f"selfcheck:used:{used}", 1, timeout=_setting("OPENIOP_SELFCHECK_MAX_SECONDS", 2 * HOUR)
    ):
        return redirect(thanks_url)
    referral_create_from_self_check(
        program=form.cleaned_data["program"],
        contact=form.contact(),
        answers=signed.answers,
        outcome=selfcheck.evaluate(signed.answers).outcome,
        language=language,
        version=selfcheck.VERSION,
        request=request,
    )
    return redirect(thanks_url)


def _problem(request, language: str, message: str, *, status: int, title: str = ""):
    context = {"title": title or _("We could not send your request"), "message": message}
    return _render(request, "intake/selfcheck/problem.html", context, language=language, status=status)


def _too_many(request, language: str):
    return _problem(
        request,
        language,
        _("There have been too many requests from your network. Please try again in an hour."),
        status=429,
        title=_("Too many requests"),
    )


@policy(PUBLIC)
@require_GET
def thanks(request):
    language = _language(request)
    with translation.override(language):
        return _render(request, "intake/selfcheck/thanks.html", {}, language=language)
