from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from openiop.core.access import policy

from .forms import TokenCreateForm
from .services import token_create, token_revoke

# The raw token lives in the session only between the POST that creates it and the page that shows it.
NEW_TOKEN_SESSION_KEY = "openiop_new_api_token"


@policy("accounts.view_profile")
@require_GET
@never_cache  # the page may show a new token: no copy of it in any cache
def profile(request):
    return _render_profile(request, TokenCreateForm())


@policy("accounts.manage_own_tokens")
@require_POST
def token_create_view(request):
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, form)
    token, raw = token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        expires_in_days=form.cleaned_data["expires_in_days"],
        request=request,
    )
    request.session[NEW_TOKEN_SESSION_KEY] = {"uuid": str(token.uuid), "raw": raw}
    return redirect("accounts:profile")


@policy("accounts.manage_own_tokens")
@require_POST
def token_revoke_view(request, token_uuid):
    # Through the signed-in user: someone else's token is simply not found.
    token = get_object_or_404(request.user.api_tokens, uuid=token_uuid)
    token_revoke(token=token, user=request.user, request=request)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")


def _render_profile(request, form):
    user = request.user
    profile = getattr(user, "staff_profile", None)
    context = {
        "profile": profile,
        "programs": profile.programs.all() if profile else [],
        "mfa_enabled": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "tokens": user.api_tokens.all(),
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
        "form": form,
    }
    return render(request, "accounts/profile.html", context)
