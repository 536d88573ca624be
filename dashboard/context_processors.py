"""What every page's frame shows."""

from tracker.scoring.method import METHOD_VERSION


def method(request) -> dict[str, str]:
    """The scoring method's version, for the footer."""
    return {"method_version": METHOD_VERSION}
