"""The core's warnings, sent to the engine's ``Log`` service: what a plugin's users see of them.

The CLI shows a resource plugin's stderr only at debug level, so a warning the core logs (a delete
that only drops a registry from the state, a rate-limit wait, a clock off GitHub's) would reach no
one. :func:`install` adds a handler that sends each warning of this package's loggers to the engine,
attached to the URN of the request being answered (:func:`attached` notes it per request; worker
threads inherit it, since ``asyncio.to_thread`` copies the context), and keeps writing it to stderr
for those who read it at debug level. The core stays free of Pulumi: it only logs.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Final

import grpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from ..core import diagnostics, errors

__all__ = ["EngineLog", "attached", "install"]

SEND_TIMEOUT: Final = 1.0
"""Seconds one warning may take to reach the engine: a local process that answers at once. A call
in flight (a Cancel wants it answered within about a second) never waits longer for its warning."""
# The CLI's display reads `<{%…%}>` as a colour directive: an unknown one panics the CLI, one left
# open hides the rest of the line. A space keeps the text readable and no directive can form.
_DIRECTIVE: Final = "<{%"
_DIRECTIVE_BROKEN: Final = "<{ %"

_urn: contextvars.ContextVar[str] = contextvars.ContextVar("engine_log_urn", default="")


def attached(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A servicer method whose warnings name the URN of its request (none if it carries none)."""

    @functools.wraps(method)
    async def answer(self: Any, request: Any, context: Any) -> Any:
        token = _urn.set(str(getattr(request, "urn", "") or ""))
        try:
            return await method(self, request, context)
        finally:
            _urn.reset(token)

    return answer


def _shown(message: str) -> str:
    """A log record's text as the engine shows it: redacted, printable, bounded, no colour directive."""
    return errors.bounded(message, errors.MAX_DETAIL).replace(_DIRECTIVE, _DIRECTIVE_BROKEN)


class EngineLog(logging.Handler):
    """Sends each record at WARNING or above to the engine as a warning, on one lazily made channel.

    Sending never fails and never waits longer than :data:`SEND_TIMEOUT`: an engine that cannot be
    reached (or a test's dummy address) costs a warning its display, never an operation.
    """

    def __init__(self, address: str, timeout: float = SEND_TIMEOUT) -> None:
        super().__init__(logging.WARNING)
        self._address = address
        self._timeout = timeout
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._made = threading.Lock()

    def handle(self, record: logging.LogRecord) -> bool:
        """Send without the handler's lock: the stub is thread-safe, and one slow send must not hold
        up another thread's warning behind it."""
        kept = self.filter(record)
        if not kept:
            return False
        self.emit(kept if isinstance(kept, logging.LogRecord) else record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Send ``record`` to the engine; any failure is swallowed (stderr has the record too)."""
        try:
            request = engine_pb2.LogRequest(
                severity=engine_pb2.WARNING, message=_shown(record.getMessage()), urn=_urn.get()
            )
            self._engine().Log(request, timeout=self._timeout)
        except Exception:  # a warning that cannot be shown must not fail the operation
            pass

    def _engine(self) -> engine_pb2_grpc.EngineStub:
        with self._made:
            if self._stub is None:
                channel = grpc.insecure_channel(self._address, options=_GRPC_CHANNEL_OPTIONS)
                self._stub = engine_pb2_grpc.EngineStub(channel)
            return self._stub


def install(address: str) -> None:
    """Send this package's warnings to the engine at ``address``, and write every record to stderr
    (:func:`~..core.diagnostics.to_stderr`: an internal error's traceback at DEBUG too)."""
    diagnostics.to_stderr()
    logging.getLogger(diagnostics.PACKAGE_LOGGER).addHandler(EngineLog(address))
