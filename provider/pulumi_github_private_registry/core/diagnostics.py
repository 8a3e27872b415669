"""What a developer reads and a user is not shown: an internal error's traceback, at DEBUG on stderr.

A defect reaches the user as one redacted line (``lifecycle._guarded``); :func:`log_defect` puts its
traceback in this package's log at DEBUG, through the one redaction step. Each door calls
:func:`to_stderr` in its own process with the level its reader should see there: the plugin's
stderr is shown by the Pulumi CLI only at debug level, so it writes DEBUG; a dynamic provider's
stderr is shown to every user (the engine reports it as the provider's output), so that door
writes DEBUG only when the engine asked plugins for verbose logs, and WARNING otherwise, as before.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Final

from .errors import MAX_LINE, bounded, redact

__all__ = ["PACKAGE_LOGGER", "log_defect", "to_stderr", "traceback_text"]

PACKAGE_LOGGER: Final = __name__.split(".", 1)[0]
"""The logger of the whole package: the core's records and the doors'."""


def traceback_text(exc: BaseException, words: Callable[[str], str] = str) -> str:
    """``exc``'s traceback and chain, each line passed through ``words`` then redacted, made
    printable and bounded; the indentation kept, so that it still reads as a traceback.

    An exception's message may quote a credential or a value (locals are never printed):
    ``words`` is the caller's own cleaning of what it knows is secret (the operation's values).
    """
    # Only the exception met is told in full: an exception it was raised from or during (a library's
    # error quoting a request, a value) is named by its type alone, as the user's line never shows it.
    chain = exc.__cause__ or exc.__context__
    told = traceback.format_exception(type(exc), exc, exc.__traceback__, chain=False)
    if chain is not None:
        told = [f"(raised from or while handling a {type(chain).__name__})\n", *told]
    # Redacted whole before it is cut into lines: a remembered secret may span lines (an App's key).
    lines = redact(words("".join(told))).splitlines()
    return "\n".join(line[: len(line) - len(line.lstrip(" "))] + bounded(line, MAX_LINE) for line in lines)


def log_defect(
    log: logging.Logger, where: str, exc: BaseException, words: Callable[[str], str] = str
) -> None:
    """Log the traceback of the unexpected ``exc`` met in ``where`` at DEBUG (:func:`traceback_text`)."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("internal error in %s:\n%s", where, traceback_text(exc, words))


class _Stderr(logging.Handler):
    """Writes each record, the message alone, to whatever ``sys.stderr`` is when it comes (as
    ``logging.lastResort`` does): a stream kept from the start would outlive a replaced stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # as logging's own handlers: a record that cannot be written is reported
            self.handleError(record)


def to_stderr(level: int = logging.DEBUG) -> logging.Handler:
    """Write this package's records at ``level`` and above to stderr, once per process; the handler.

    A logger with a handler no longer falls back on ``logging.lastResort`` (which wrote its warnings
    to stderr): this handler writes them as it did, the message alone.
    """
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.setLevel(min(level, logging.WARNING))
    handler = next((h for h in logger.handlers if isinstance(h, _Stderr)), None)
    if handler is None:
        handler = _Stderr()
        logger.addHandler(handler)
    handler.setLevel(level)
    return handler
