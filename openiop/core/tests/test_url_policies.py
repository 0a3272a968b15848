"""Every URL declares who may use it. A new view without a policy fails here, not in production."""

from django.urls import URLPattern, URLResolver, get_resolver

from openiop.core.access import declared_policy


def walk(patterns, prefix="", namespace=""):
    """Yield (route, callback, qualified name) for every URL pattern, through includes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback, f"{namespace}{pattern.name}"


def test_every_url_pattern_declares_an_access_policy():
    missing = [
        route for route, callback, _ in walk(get_resolver().url_patterns) if not declared_policy(callback)
    ]
    assert missing == [], f"URL patterns without an access policy: {missing}"


def test_our_own_views_declare_policies_with_the_decorator_not_the_third_party_list():
    ours = [
        (route, callback)
        for route, callback, _ in walk(get_resolver().url_patterns)
        if callback.__module__.startswith("openiop.")
    ]
    assert ours, "no OpenIOP views found: the URL walk is broken"
    undeclared = [route for route, callback in ours if not getattr(callback, "access_policy", None)]
    assert undeclared == []


def test_a_view_without_a_policy_is_reported():
    def naked_view(request):
        return None

    naked_view.__module__ = "openiop.somewhere"
    assert declared_policy(naked_view) is None
