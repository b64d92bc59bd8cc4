"""Progress of a long wait: elapsed time and the current state.

On a terminal the line is redrawn in place; otherwise one line is written per state change,
so logs and CI output stay readable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

_CLEAR_LINE = "\r\x1b[2K"


class Progress:
    """One wait, shown on ``stream``."""

    def __init__(
        self, stream: TextIO, label: str, *, tty: bool, clock: Callable[[], float]
    ) -> None:
        self._stream = stream
        self._label = label
        self._tty = tty
        self._clock = clock
        self._started = clock()
        self._last_state: str | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the wait started."""
        return self._clock() - self._started

    def update(self, state: str) -> None:
        """Show ``state`` (in place on a terminal, else only when it changed)."""
        line = f"{self._label} [{_format(self.elapsed)}] {state}"
        if self._tty:
            self._stream.write(_CLEAR_LINE + line)
            self._stream.flush()
        elif state != self._last_state:
            self._stream.write(line + "\n")
            self._stream.flush()
        self._last_state = state

    def finish(self, state: str) -> float:
        """Show the final state on its own line; return the elapsed seconds."""
        elapsed = self.elapsed
        line = f"{self._label} [{_format(elapsed)}] {state}"
        self._stream.write((_CLEAR_LINE if self._tty else "") + line + "\n")
        self._stream.flush()
        return elapsed


def _format(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"
