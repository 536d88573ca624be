"""Wall time and peak resident memory of a block, sampled from /proc (Linux) or rusage."""

import resource
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PAGE = resource.getpagesize()


def rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE
    except OSError:  # not Linux: the lifetime peak is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_mb: float = 0.0
    start_mb: float = 0.0

    def __str__(self):
        growth = self.peak_mb - self.start_mb
        return f"{self.seconds:6.2f} s {self.peak_mb:5.0f} MB (+{growth:.0f})"


@contextmanager
def measured():
    result = Measurement(start_mb=rss_bytes() / 2**20)
    peak = [rss_bytes()]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        result.peak_mb = max(peak[0], rss_bytes()) / 2**20
