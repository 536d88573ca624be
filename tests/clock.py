"""The suite's one "now": everything dated in the tests derives from it.

tests/conftest.py freezes the clock here for the whole run (time-machine, not ticking), so a
test reads the same date whatever day it runs on; a test about other processes' clocks asks
for the `real_clock` fixture instead. Dates a test writes down (TODAY - 30 days) come from
these constants, never from the wall clock.
"""

import datetime as dt

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
