"""What every page's frame shows."""

from tracker.scoring.method import METHOD_VERSION


def method(request) -> dict[str, str]:
    """The scoring method's version, for the footer."""
    return {"method_version": METHOD_VERSION}


def several_relationships(request) -> bool:
    """Whether several relationships are watched; asked once per request."""
    from tracker.models import Relationship

    if not hasattr(request, "several_relationships"):
        request.several_relationships = Relationship.objects.count() > 1
    return request.several_relationships


def watched(request) -> dict:
    """Whether the navigation offers the comparison page."""
    return {"several_relationships": several_relationships(request)}
