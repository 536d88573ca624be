"""Who may do what on the read side, in one place: pages, the API and triage ask here.

Reading: everyone when DASHBOARD_PUBLIC is on, else logged-in users. Writing: a logged-in
user with the model permission (the Analyst group has them; a Reader has view only).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login

RECORD = "tracker.add_observation"
CORRECT = "tracker.change_observation"
TRIAGE = "tracker.change_signal"


def can_read(user) -> bool:
    """Whether `user` (anonymous included) may read the dashboard and the API."""
    return settings.DASHBOARD_PUBLIC or user.is_authenticated


def readable(view: Callable) -> Callable:
    """A page for readers: anonymous visitors of a private dashboard are sent to log in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if can_read(request.user):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper


def allowed(permission: str) -> Callable[[Callable], Callable]:
    """A write for those holding `permission`: anonymous users log in, others get 403."""

    def decorate(view: Callable) -> Callable:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate
