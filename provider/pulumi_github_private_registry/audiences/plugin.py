"""The plugin door's audience: the provider plugin ``github-private-registry``, in every language.

Fields in camelCase (``registryType``), as the package schema names them, and the Pulumi words of
its advice, in the spelling every language's program shares.
"""

from __future__ import annotations

from typing import Final

from ..core.fields import camel_name
from ..core.schema import Audience
from .pulumi_words import WORDS

__all__ = ["PLUGIN"]

PLUGIN: Final = Audience(
    name=camel_name,
    words={**WORDS, "delete_first": "the resource option `deleteBeforeReplace: true`"},
)
"""The plugin's camelCase names (``registryType``), and its words."""
