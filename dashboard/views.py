from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.access import readable
from tracker.models import Observation, Relationship


@require_GET
@readable
def home(request):
    """The watched relationships and how much evidence each has (the dashboard comes later)."""
    relationships = Relationship.objects.order_by("title")
    observation_total = Observation.objects.accepted().count()
    return render(
        request,
        "dashboard/home.html",
        {"relationships": relationships, "observation_total": observation_total},
    )
