"""Who may read the dashboard: everyone when DASHBOARD_PUBLIC is on, else logged-in users."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login


def readable(view):
    """Let the request through if the dashboard is public or the user is logged in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.DASHBOARD_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper
