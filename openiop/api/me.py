from ninja import Router

from .policy import TOKEN_HOLDER, api_policy
from .problems import PROBLEM_RESPONSES
from .schemas import MeOut

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **PROBLEM_RESPONSES}, url_name="me")
@api_policy(TOKEN_HOLDER)
def me(request):
    """Who the token belongs to: to check a token works and what it may reach."""
    user = request.auth
    profile = getattr(user, "staff_profile", None)
    return {
        "uuid": user.uuid,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "role": user.role,
        "programs": list(profile.programs.all()) if profile else [],
    }
