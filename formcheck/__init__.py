"""formcheck: running-form analysis from video.

The pipeline is a chain of typed stages (see ``docs/report-format.md``)::

    video file -> frames -> pose track -> report

``formcheck.video`` decodes, ``formcheck.pose`` estimates poses, ``formcheck.pipeline``
wires the stages together and ``formcheck.report`` turns the result into JSON/CSV/text.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
