"""What a developer reads and a user is not shown: an internal error's traceback, at DEBUG on stderr.

A defect reaches the user as one redacted line (``lifecycle._guarded``); :func:`log_defect` puts its
traceback in this package's log at DEBUG, every line through the one redaction step. Both doors run
in processes the Pulumi CLI starts as plugins, whose stderr it shows only at debug level (``pulumi
up --logtostderr -v=9``): each door calls :func:`to_stderr` in its own process, so that this
package's records, DEBUG included, are written there. The rest of the core only logs.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Final

from .errors import MAX_LINE, bounded

__all__ = ["PACKAGE_LOGGER", "log_defect", "to_stderr", "traceback_text"]

PACKAGE_LOGGER: Final = __name__.split(".", 1)[0]
"""The logger of the whole package: the core's records and the doors'."""


def traceback_text(exc: BaseException, words: Callable[[str], str] = str) -> str:
    """``exc``'s traceback and chain, each line passed through ``words`` then redacted, made
    printable and bounded; the indentation kept, so that it still reads as a traceback.

    An exception's message may quote a credential or a value (locals are never printed):
    ``words`` is the caller's own cleaning of what it knows is secret (the operation's values).
    """
    lines = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines()
    return "\n".join(
        line[: len(line) - len(line.lstrip(" "))] + bounded(words(line), MAX_LINE) for line in lines
    )


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


def to_stderr() -> logging.Handler:
    """Write this package's records to stderr, DEBUG included, once per process; the handler.

    A logger with a handler no longer falls back on ``logging.lastResort`` (which wrote its warnings
    to stderr): this handler writes them as it did, the message alone.
    """
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.setLevel(logging.DEBUG)
    handler = next((h for h in logger.handlers if isinstance(h, _Stderr)), None)
    if handler is None:
        handler = _Stderr()
        logger.addHandler(handler)
    return handler
