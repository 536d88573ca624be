"""Signals the tracker sends to the layers above it, which it must not import."""

from django.dispatch import Signal

# A recompute job has brought a relationship's stored series up to date (after its commit);
# keyword argument `relationship`. The dashboard renders its default pages for the new data.
series_refreshed = Signal()
