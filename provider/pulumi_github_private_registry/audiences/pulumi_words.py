"""The Pulumi CLI's words that both Pulumi doors' advice names, written once.

Each is a phrase a core message fills a ``{w[...]}`` slot with (:attr:`..core.schema.Audience.words`);
a phrase may name the message's parameters (``{token_key}``). What differs by door (how a program
asks for a delete before its replacement) is in the door's own audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["SET_SECRET", "SET_SECRET_PATH", "WORDS", "config_command"]


def config_command(action: str, key: str, stack: str | None = None, *, path: bool = False) -> str:
    """``pulumi config ACTION [--stack STACK] [--path] KEY``: ``key`` a full key (``path``: a key
    inside a structured value), of the stack ``stack`` (the current one when None)."""
    flags = f"{f' --stack {stack}' if stack else ''}{' --path' if path else ''}"
    return f"pulumi config {action}{flags} {key}"


SET_SECRET: Final = config_command("set --secret", "{key}")
"""How a Pulumi stack's user sets a secret config key (it prompts for the value); ``{key}`` is
filled in by the message."""
SET_SECRET_PATH: Final = config_command("set --secret", "{key}", path=True)
"""How they set a secret inside a structured config key; ``{key}`` is its path (``KEY.FIELD``)."""

WORDS: Final[Mapping[str, str]] = {
    "up": "`pulumi up`",
    "refresh": "`pulumi refresh`",
    "state_edit": "`pulumi state edit`",
    "state_delete": "`pulumi state delete <urn>`",
    "set_secret": f"`{SET_SECRET.format(key='{token_key}')}` (it prompts for the token, which keeps it "
    "out of your shell history)",
    "replacements": "`pulumi up --replace`, `replaceWith`, `deletedWith`",
    "rename": "`aliases`",
    "cancelled_by": "Ctrl-C, or Pulumi closing the provider",
    "adopt": "`adopt: true`",
    "outside": "outside Pulumi",
    "list_function": "getOrgPrivateRegistries",
}
"""The commands a user runs and the resource options they set, by the name a message uses."""
