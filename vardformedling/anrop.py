"""Request types for views: what the middleware adds to a request (`request.htmx`, `request.uppdrag`) and who is
signed in, so that the type checker knows them. Types only: annotating a view changes nothing at run time.
"""

from typing import TYPE_CHECKING

from vardformedling.htmx import HtmxHttpRequest

if TYPE_CHECKING:
    from vardformedling.models import Medarbetaruppdrag, User


class InloggadRequest(HtmxHttpRequest):
    """A request to a view behind `login_required`: a signed-in user, and the active commission that
    ActiveCommissionMiddleware chose (None for a user without any)."""

    user: "User"
    uppdrag: "Medarbetaruppdrag | None"


class BehorigRequest(InloggadRequest):
    """A request to a view behind `require_perm`: every permission needs an active commission (rules.py), so there
    is one."""

    uppdrag: "Medarbetaruppdrag"
