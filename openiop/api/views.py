from openiop.core.access import PUBLIC, policy

from .problems import problem_response


@policy(PUBLIC)
def unknown_route(request, path=""):
    """Any /api/v1/ address that no operation serves: a problem document, never the HTML 404 page."""
    return problem_response(404, "No API operation at this address. The OpenAPI document lists them all.")
