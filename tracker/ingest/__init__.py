"""Source ingestion: fetch a source's bytes, parse them into signals. No database here.

`fetch()` gets the bytes (conditional GET, caps, timeouts); `ADAPTERS[source.adapter]`
turns them into `SignalData`, all or nothing. The refresh job upserts the result.
"""

from tracker.ingest.base import (
    Adapter,
    FetchError,
    HTTPStatusError,
    IngestError,
    ObservationProposal,
    ParseError,
    SignalData,
    TooLarge,
)
from tracker.ingest.gdelt import GdeltAdapter
from tracker.ingest.http import FetchResult, fetch
from tracker.ingest.ofac import OfacSdnAdapter, designations_proposal
from tracker.ingest.rss import RssAdapter

# Keyed by Source.adapter.
ADAPTERS: dict[str, Adapter] = {
    "rss": RssAdapter(),
    "gdelt": GdeltAdapter(),
    "ofac_sdn": OfacSdnAdapter(),
}

__all__ = [
    "ADAPTERS",
    "Adapter",
    "FetchError",
    "FetchResult",
    "GdeltAdapter",
    "HTTPStatusError",
    "IngestError",
    "ObservationProposal",
    "OfacSdnAdapter",
    "ParseError",
    "RssAdapter",
    "SignalData",
    "TooLarge",
    "designations_proposal",
    "fetch",
]
