"""``python -m pulumi_github_private_registry.plugin ENGINE``: serve the provider plugin over gRPC."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Final, TextIO

EXIT_USAGE: Final = 2
"""Run by hand, without the engine's address: nothing to serve."""

STARTED_BY_PULUMI: Final = (
    "This is the provider plugin of the Pulumi package github-private-registry: the Pulumi CLI starts "
    "it, with the address of its engine, when a program uses the package; it is not run by hand.\n"
    "To use it, add the package to a Pulumi project: see docs/plugin.md. To try the provider without a "
    'GitHub account or the Pulumi CLI, see "Try it offline" in the README: '
    "python -m pulumi_github_private_registry.emulator serves GitHub's API on this machine.\n"
)
"""What the plugin says when run by hand (and for ``--help``)."""
NO_ENGINE: Final = "error: no Pulumi engine address given.\n"


def _by_hand(args: Sequence[str]) -> bool:
    """Whether no engine address was given: the CLI always passes it, last, after its flags
    (``--logtostderr``, ``-v=N``, ``--tracing ENDPOINT``)."""
    return not args or args[-1].startswith("-")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """Serve until the engine stops the process; the first line on stdout is the port.

    Run by hand (no engine address, or ``--help``), it says what it is and how to try it instead,
    and exits :data:`EXIT_USAGE` (0 for ``--help``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:
        (out or sys.stdout).write(STARTED_BY_PULUMI)
        raise SystemExit(0)
    if _by_hand(args):
        (err or sys.stderr).write(NO_ENGINE + STARTED_BY_PULUMI)
        raise SystemExit(EXIT_USAGE)

    from ..core.version import __version__
    from .provider import RegistryProvider
    from .server import serve

    serve(args, __version__, RegistryProvider())


if __name__ == "__main__":
    main()
