"""The adapters, keyed by `Source.adapter`."""

from tracker.sources.base import Adapter
from tracker.sources.gdelt import GdeltAdapter
from tracker.sources.ofac import CONSOLIDATED, SDN, OfacAdapter
from tracker.sources.rss import RssAdapter
from tracker.sources.un import UnListAdapter

ADAPTERS: dict[str, Adapter] = {
    "rss": RssAdapter(),
    "gdelt": GdeltAdapter(),
    "ofac_sdn": OfacAdapter("ofac_sdn", SDN),
    "ofac_cons": OfacAdapter("ofac_cons", CONSOLIDATED),
    "un_sc": UnListAdapter(),
}
# Official lists: each refresh lists every entry in force; the new ones are designations.
LISTS = frozenset({"ofac_sdn", "ofac_cons", "un_sc"})
