"""``python -m pulumi_github_private_registry.plugin ENGINE``: serve the provider plugin over gRPC."""

from __future__ import annotations

import sys


def main() -> None:
    """Serve until the engine stops the process; the first line on stdout is the port."""
    from .. import __version__
    from .provider import RegistryProvider
    from .server import serve

    serve(sys.argv[1:], __version__, RegistryProvider())


if __name__ == "__main__":
    main()
