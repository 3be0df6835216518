"""Error types shown to users.

Every error that a user can cause (bad video, missing model, bad option) derives from
:class:`FormcheckError`. The CLI and the Streamlit page print ``str(error)`` as one line
and never a traceback; anything else escaping is a bug.
"""


class FormcheckError(Exception):
    """Base class for errors caused by input or environment, not by a bug."""


class VideoError(FormcheckError):
    """The input could not be read as a video (missing, empty, corrupt, no video stream)."""


class ModelError(FormcheckError):
    """The pose model could not be found, fetched or verified."""


class PoseError(FormcheckError):
    """Pose estimation failed for a reason outside the video (e.g. a worker died)."""


class HistoryError(FormcheckError):
    """The history database is missing or unreadable, or has no such athlete."""


class OutputError(FormcheckError):
    """An output cannot be written (wrong kind of path, not writable, disk full)."""
