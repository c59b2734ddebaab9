"""Errors that tell you how to call the course's functions, in one line instead of a traceback."""


class UsageError(ValueError):
    """A course function was called with something it does not accept; the message says what.

    In a notebook it shows as one line (IPython calls _render_traceback_ instead of printing a
    traceback into the course's own code, which would only hide the message).
    """

    def _render_traceback_(self):
        return [f"✗ {self}"]
