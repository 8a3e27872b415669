"""How the tools are run: the name the user typed, the flags several commands share, and the parser
a command gets (its own usage errors, with its own exit status)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, Final, NoReturn, TextIO

from ..audiences.keys import COMMAND_KEYS
from ..core import settings

__all__ = [
    "CONSOLE_SCRIPT",
    "GH_TOKEN",
    "PACKAGE_MODULE",
    "CommandParser",
    "Exit",
    "add_token_env",
    "as_module",
    "invoked_as",
    "no_token",
]

PACKAGE_MODULE: Final = "pulumi_github_private_registry"
CONSOLE_SCRIPT: Final = "pulumi-github-private-registry"
"""The console script (``[project.scripts]``): the tool's name when it is not run with ``-m``."""


def invoked_as() -> str:
    """The tool as the user ran it, for usage lines and the commands messages suggest:
    ``python -m pulumi_github_private_registry`` (named after the interpreter, as ``python -m``
    shows it) when a module of this package is the program, else the console script."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(spec, "name", None)
    if isinstance(name, str) and name.split(".")[0] == PACKAGE_MODULE:
        return as_module(PACKAGE_MODULE)
    return CONSOLE_SCRIPT


def as_module(module: str) -> str:
    """``python -m MODULE``, named after the interpreter as ``python -m`` shows it."""
    return f"{os.path.basename(sys.executable) or 'python'} -m {module}"


def add_token_env(parser: argparse.ArgumentParser) -> None:
    """``--token-env NAME``: the environment variable holding the token (``discover``, ``drift``)."""
    parser.add_argument(
        "--token-env",
        default=COMMAND_KEYS.token.env,
        type=_variable_name,
        metavar="NAME",
        help=f"the environment variable holding the token (default: {COMMAND_KEYS.token.env})",
    )


def _variable_name(name: str) -> str:
    """``--token-env``'s value: a name, not "" (``--token-env "$UNSET"``), which names no variable."""
    if not name.strip():
        raise argparse.ArgumentTypeError("give the name of the environment variable holding the token")
    return name


GH_TOKEN: Final = "GH_TOKEN"
"""The GitHub CLI's token variable (``gh``; some CI set it rather than ``GITHUB_TOKEN``): named in
:func:`no_token` when it is set, never read unless ``--token-env`` names it."""


def no_token(token_env: str) -> str:
    """What ``discover`` and ``drift`` say when the environment holds no credential they can use;
    with ``$GH_TOKEN`` set, how to use it (never its value)."""
    hint = (
        f"; {GH_TOKEN} is set: use --token-env {GH_TOKEN}"
        if token_env != GH_TOKEN and os.environ.get(GH_TOKEN)
        else ""
    )
    return (
        f"no GitHub token in ${token_env}: export it (or name another variable with --token-env), "
        f"or a GitHub App's {', '.join(settings.APP_ENV)}{hint}"
    )


class Exit(SystemExit):
    """A :class:`CommandParser` with its own usage status leaving: ``main`` returns :attr:`status`."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class CommandParser(argparse.ArgumentParser):
    """argparse for one command (the CLI's subparsers, and ``drift`` run as its own module).

    As argparse by default. Given ``usage_status`` (``drift``'s 1, since its 2 means drift), a usage
    error exits with that status, the arguments it does not take are its own usage error (argparse
    would leave them to the top parser, which exits 2), and it leaves by raising :class:`Exit`;
    given ``out`` and ``err``, it writes its help and its errors there.
    """

    def __init__(
        self,
        *args: Any,
        usage_status: int | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.usage_status = usage_status
        self._out, self._err = out, err

    def print_help(self, file: Any = None) -> None:
        super().print_help(file or self._out)

    def print_usage(self, file: Any = None) -> None:
        super().print_usage(file or self._out)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self.usage_status is not None:
            self.error(f"unrecognized arguments: {' '.join(extras)}")  # argparse's own words
        return parsed, extras

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if self.usage_status is None:
            super().exit(status, message)
        if message:
            (self._err or sys.stderr).write(message)
        raise Exit(status)

    def error(self, message: str) -> NoReturn:
        if self.usage_status is None:
            super().error(message)
        self.print_usage(self._err or sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")
