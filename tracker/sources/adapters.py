"""The adapters, keyed by `Source.adapter`."""

from tracker.sources.base import Adapter
from tracker.sources.gdelt import GdeltAdapter
from tracker.sources.ofac import OfacSdnAdapter
from tracker.sources.rss import RssAdapter

ADAPTERS: dict[str, Adapter] = {
    "rss": RssAdapter(),
    "gdelt": GdeltAdapter(),
    "ofac_sdn": OfacSdnAdapter(),
}
