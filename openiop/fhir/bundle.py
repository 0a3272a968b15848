"""Search parameters and searchset Bundles (pure)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from .outcomes import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = ("_count", "_offset")
# Accepted everywhere and ignored: content negotiation is done before the search.
IGNORED = ("_format",)


@dataclass(frozen=True)
class Page:
    offset: int
    count: int


def _non_negative(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FhirError.of(400, f"{name} must be a whole number.", name) from None
    if value < 0:
        raise FhirError.of(400, f"{name} cannot be negative.", name)
    return value


def search_params(query, allowed: tuple[str, ...], *, required: tuple[str, ...] = ()) -> tuple[dict, Page]:
    """The search parameters of `query` (a QueryDict), each at most once, and the page asked for.

    An unknown parameter is an error rather than ignored: a misspelt `patient` must not widen a search."""
    params = {}
    for name in query:
        if name in IGNORED:
            continue
        if name not in allowed and name not in PAGING:
            known = ", ".join((*allowed, *PAGING))
            raise FhirError.of(400, f"Unsupported search parameter {name}. Supported here: {known}.", name)
        values = query.getlist(name)
        if len(values) > 1:
            raise FhirError.of(400, f"Give {name} once.", name)
        params[name] = values[0]
    for name in required:
        if not params.get(name):
            raise FhirError.of(400, f"Search with {name}=.", name)
    count = min(_non_negative(params, "_count", DEFAULT_COUNT), MAX_COUNT)
    offset = _non_negative(params, "_offset", 0)
    return {k: v for k, v in params.items() if k not in PAGING}, Page(offset, count)


def searchset(*, base_url: str, params: dict, page: Page, total: int, resources: list[dict]) -> dict:
    """A searchset Bundle of one page, with self, first, previous and next links as they apply."""

    def link(relation: str, offset: int) -> dict:
        query = urlencode({**params, "_count": page.count, "_offset": offset})
        return {"relation": relation, "url": f"{base_url}?{query}"}

    links = [link("self", page.offset), link("first", 0)]
    if page.offset > 0:
        links.append(link("previous", max(page.offset - page.count, 0)))
    if page.count and page.offset + page.count < total:
        links.append(link("next", page.offset + page.count))
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if resources:  # FHIR forbids an empty list
        bundle["entry"] = [
            {
                "fullUrl": f"{base_url.rsplit('/', 1)[0]}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ]
    return bundle
