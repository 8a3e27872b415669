"""A trivial provider plugin on the same SDK as ours (``pulumi.provider.experimental``).

``python tests/trivial_plugin.py ENGINE`` serves it; the first stdout line is the gRPC port. It exists
so the benchmark can measure the cold start of a plugin with nothing but the SDK loaded, so it must
stay trivial: it imports only ``pulumi.provider.experimental`` (plus ``sys``), answers Configure as
ours does, and echoes Check's inputs. Every other call is the SDK's default.
"""

from __future__ import annotations

import sys

from pulumi.provider.experimental.provider import (
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    Provider,
)
from pulumi.provider.experimental.server import main

__all__ = ["VERSION", "TrivialProvider"]

VERSION = "0.0.1"


class TrivialProvider(Provider):
    """Configure accepts anything (secrets accepted, no preview support, as ours); Check echoes."""

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        return ConfigureResponse(accept_secrets=True, supports_preview=False)

    async def check(self, request: CheckRequest) -> CheckResponse:
        return CheckResponse(inputs=request.new_inputs)


if __name__ == "__main__":
    main(sys.argv[1:], VERSION, TrivialProvider())
