"""Compare the suite's two runs (SQLite, PostgreSQL) from their JUnit reports.

`python -m tests.runs var/test-results/sqlite.xml var/test-results/postgres.xml` prints each
run's counts and fails when a report is missing or one run ran tests the other did not: the
same suite must run whole on both databases.
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path


def outcomes(report: Path) -> dict[str, str]:
    """Each test case's id (class path and name) and how it ended."""
    results = {}
    for case in ET.parse(report).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        results[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return results


def summary(results: dict[str, str]) -> str:
    counts = Counter(results.values())
    return (
        f"{len(results)} run: {counts['passed']} passed, {counts['failure']} failed, "
        f"{counts['error']} errors, {counts['skipped']} skipped"
    )


def main(paths: list[str]) -> int:
    runs = {}
    for path in map(Path, paths):
        name = path.stem
        if not path.is_file():
            print(f"{name}: no report at {path}: that run did not happen")
            continue
        runs[name] = outcomes(path)
        print(f"{name}: {summary(runs[name])}")
    if len(runs) < len(paths):
        return 1
    status = 0
    everything = set().union(*runs.values())
    for name, results in runs.items():
        missing = sorted(everything - set(results))
        if missing:
            status = 1
            print(f"{name} ran {len(missing)} test(s) fewer than the other run:")
            print("".join(f"  {test}\n" for test in missing[:20]), end="")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
