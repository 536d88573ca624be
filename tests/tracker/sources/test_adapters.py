"""Every adapter a source can name has an implementation, and nothing else is registered."""

from tracker.models import Source
from tracker.sources.adapters import ADAPTERS
from tracker.sources.base import Adapter


def test_each_adapter_a_source_can_choose_is_registered():
    choosable = set(Source.Adapter.values) - {""}
    assert set(ADAPTERS) == choosable
    assert all(isinstance(adapter, Adapter) for adapter in ADAPTERS.values())
