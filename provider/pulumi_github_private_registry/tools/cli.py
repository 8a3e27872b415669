"""The command line: its commands and their arguments, each command run by its own module.

``python -m pulumi_github_private_registry`` and the ``pulumi-github-private-registry`` console
script run :func:`main`: ``discover`` (:mod:`.discover`: organizations' registries as stack config
or an import document), ``validate`` (:mod:`.stackchecks`: stack files checked offline) and
``drift`` (:mod:`.drift`: a stack file against GitHub, read-only). Each command has its own parser
(:class:`.invocation.CommandParser`), which its module fills in, so that a usage error exits with
the command's own status: 2, but 1 for ``drift``, whose 2 means drift.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import discover, drift, stackchecks
from .invocation import CommandParser, Exit, invoked_as

__all__ = ["main"]


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser: a subparser per command, whose ``run`` default runs it."""
    parser = argparse.ArgumentParser(
        prog=prog or invoked_as(),  # as typed: `python -m ...` or the console script
        description="Adopt and check GitHub organization private registries declared in Pulumi stacks.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    found = commands.add_parser(
        "discover", help=discover.HELP, description=discover.DESCRIPTION, epilog=discover.EPILOG
    )
    discover.add_arguments(found)
    found.set_defaults(run=discover.run)
    check = commands.add_parser("validate", help=stackchecks.HELP, description=stackchecks.DESCRIPTION)
    stackchecks.add_arguments(check)
    check.set_defaults(run=stackchecks.run)
    compare = commands.add_parser(
        "drift", help=drift.HELP, description=drift.DESCRIPTION, usage_status=drift.USAGE_STATUS
    )
    drift.add_arguments(compare)
    compare.set_defaults(run=drift.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status (0 fine, 1 problems or failure, 2 usage or ``drift``
    found drift, 3 ``discover`` read some organizations but not all)."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except Exit as exc:  # a command whose usage status is not argparse's (drift)
        return exc.status
    status: int = args.run(args, sys.stdout, sys.stderr)
    return status


if __name__ == "__main__":  # `python -m pulumi_github_private_registry.tools.cli`, as the package runs it
    sys.exit(main())
