"""The client's address, as the audit log and rate limits must see it behind our own proxies.

Without a proxy it is REMOTE_ADDR. Behind `TRUSTED_PROXY_COUNT` proxies (settings
`ALLAUTH_TRUSTED_PROXY_COUNT`, the same number allauth's login lockout uses), each proxy appends the address
it received the request from to X-Forwarded-For, so the client is the entry that many places from the
right; anything to its left was written by the client and could be forged. A header with fewer entries
than that (a request that reached the app around the proxy) falls back to REMOTE_ADDR.
"""

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < trusted:
        return remote
    return forwarded[-trusted]
