"""The gRPC server: the SDK's, with errors told as the provider words them.

The SDK's servicer turns any exception into "<message>:" followed by a Python traceback, which the
engine shows the user as it is. A :class:`~..core.lifecycle.RegistryError` is a message meant for
users (bounded and redacted): it is answered as it is. Anything else keeps the SDK's report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from pulumi.provider.experimental import provider as sdk_provider
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc, status_pb2

from ..core.lifecycle import RegistryError
from . import engine_log

__all__ = ["PartialFailure", "serve"]

_ANSWERED = (
    "GetSchema",
    "CheckConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Invoke",
)


class PartialFailure(RegistryError):
    """A create that failed after GitHub may have made the resource: the engine keeps ``detail``'s
    id and properties in the state, with the error, and updates the resource on the next run."""

    def __init__(self, cause: RegistryError, detail: provider_pb2.ErrorResourceInitFailed) -> None:
        super().__init__(cause.code, cause.audience, cause.registry, **cause.params)
        self.detail = detail


def _status_details(cause: RegistryError) -> tuple[tuple[str, bytes], ...]:
    """The gRPC status details the engine reads a partial failure from (none for another error)."""
    if not isinstance(cause, PartialFailure):
        return ()
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(cause))
    status.details.add().Pack(cause.detail)
    return (("grpc-status-details-bin", status.SerializeToString()),)


def _worded(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def answer(self: ProviderServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:
            # The SDK re-raises with the traceback appended; the user's message is its context.
            cause = exc if isinstance(exc, RegistryError) else exc.__context__
            if isinstance(cause, RegistryError):
                await context.abort(grpc.StatusCode.UNKNOWN, str(cause), _status_details(cause))
            raise

    return answer


class _Servicer(ProviderServicer):
    """The SDK's servicer, whose answers to a :class:`RegistryError` carry its message alone."""


for _name in _ANSWERED:
    setattr(_Servicer, _name, engine_log.attached(_worded(getattr(ProviderServicer, _name))))


def serve(args: list[str], version: str, provider: sdk_provider.Provider) -> None:
    """Serve ``provider`` until the engine ends the process; the first stdout line is the port.

    The SDK's ``main``, with :class:`_Servicer`: the same arguments (the engine's address first).
    """
    parser = argparse.ArgumentParser(description="Pulumi provider plugin (gRPC server)")
    parser.add_argument("engine", help="Pulumi engine address")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    known, _ = parser.parse_known_args(args)
    engine_log.install(known.engine)  # the core's warnings: shown to users by the engine

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = _Servicer(args, version, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
