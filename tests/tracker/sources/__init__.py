"""Tests of the sources: adapters, fetching, matching, refresh; samples in tests/data/ingest."""

import importlib.util
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def _load_samples():
    """tests/data/ingest/make_samples.py, whose row and zip helpers the tests reuse."""
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _load_samples()
