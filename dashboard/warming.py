"""After a recompute, the default views of the relationship's pages are rendered for the new
data version (dashboard.fragments), so that the first reader does not wait for them."""

import logging

from django.urls import reverse

from dashboard.filters import Filters
from tracker.models import Relationship

logger = logging.getLogger(__name__)


def warm_pages(sender, *, relationship: Relationship, **kwargs) -> list[str]:
    """Render the overview's assessment at each address that shows it by default (its own,
    and the home page when it is the one relationship watched), and its figures. Returns
    those addresses."""
    from dashboard.views import figures_cached, overview_assessed

    paths = [reverse("dashboard:relationship", args=[relationship.slug])]
    if not Relationship.objects.exclude(pk=relationship.pk).exists():
        paths.append(reverse("dashboard:home"))
    shown = [overview_assessed(relationship, Filters(), path) for path in paths]
    figures_cached(relationship.pk, Filters(), shown[0]["version"], lambda: relationship)
    logger.info("warmed %s", ", ".join(paths))
    return paths
