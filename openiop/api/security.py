from ninja.security import HttpBearer

from openiop.accounts.services import token_authenticate


class PersonalAccessTokenAuth(HttpBearer):
    """`Authorization: Bearer oiop_…` with a personal access token (see the profile page)."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            # Audit events, rules and selectors read request.user, as they do for the web views.
            request.user = user
        return user
