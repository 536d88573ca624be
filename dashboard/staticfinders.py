"""Serve plotly.min.js from the installed plotly package: no CDN, and no copy in the repo."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"
FILES = {"plotly/plotly.min.js": "plotly.min.js"}


class PlotlyStorage(FileSystemStorage):
    """The package's data folder, collected under static/plotly/."""

    prefix = "plotly"  # read by collectstatic, as for an app's static folder


class PlotlyFinder(BaseFinder):
    """Finds plotly/plotly.min.js (and nothing else of the package's data)."""

    storage = FileSystemStorage(location=PACKAGE_DATA)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path in FILES and (PACKAGE_DATA / FILES[path]).is_file():
            found = str(PACKAGE_DATA / FILES[path])
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        storage = PlotlyStorage(location=PACKAGE_DATA)
        for name in FILES.values():
            yield name, storage
