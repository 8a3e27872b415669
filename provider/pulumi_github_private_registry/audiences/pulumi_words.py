"""The Pulumi CLI's words that both Pulumi doors' advice names, written once.

Each is a phrase a core message fills a ``{w[...]}`` slot with (:attr:`..core.schema.Audience.words`);
a phrase may name the message's parameters (``{token_key}``). What differs by door (how a program
asks for a delete before its replacement) is in the door's own audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["SET_SECRET", "WORDS"]

SET_SECRET: Final = "pulumi config set --secret {key}"
"""How a Pulumi stack's user sets a secret config key (it prompts for the value)."""

WORDS: Final[Mapping[str, str]] = {
    "up": "`pulumi up`",
    "refresh": "`pulumi refresh`",
    "state_edit": "`pulumi state edit`",
    "state_delete": "`pulumi state delete <urn>`",
    "set_secret": f"`{SET_SECRET.format(key='{token_key}')}` (it prompts for the token, which keeps it "
    "out of your shell history)",
    "replacements": "`pulumi up --replace`, `replaceWith`, `deletedWith`",
    "rename": "`aliases`",
}
"""The commands a user runs and the resource options they set, by the name a message uses."""
