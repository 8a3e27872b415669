"""The dynamic door's audience: ``OrgPrivateRegistry`` in a Python program.

Fields as its Python inputs name them (``value_encrypted``), and the Pulumi words of its advice, in
Python's spelling where they differ from the plugin's.
"""

from __future__ import annotations

from typing import Final

from ..core.fields import declaration_name
from ..core.schema import Audience
from .pulumi_words import WORDS

__all__ = ["DYNAMIC"]

DYNAMIC: Final = Audience(
    name=declaration_name,
    words={**WORDS, "delete_first": "`delete_before_replace=True` in its `ResourceOptions`"},
)
"""The names of ``OrgPrivateRegistry``'s inputs in Python (``value_encrypted``), and its words."""
