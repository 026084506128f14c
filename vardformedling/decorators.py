"""View guards: anonymous users go to the login page, signed-in users without the right get 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def require_perm(perm: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__dict__["required_perm"] = perm  # = `wrapped.required_perm`, in a form the type checker accepts
        return wrapped

    return decorator
