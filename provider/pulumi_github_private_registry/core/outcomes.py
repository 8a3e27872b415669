"""What a lifecycle operation gives back: its result, or the failure the user sees.

:class:`Checked`, :class:`Plan`, :class:`Written` and :class:`Refreshed` are the operations'
results; :class:`RegistryError` is every failure a user sees (redacted and bounded), and
:class:`Unresolved` a create whose outcome a cancel left unknown. :data:`Secret` names the fields
whose values a door received marked secret. Imports only :mod:`.errors` and :mod:`.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import bounded
from .schema import Problem

__all__ = ["Checked", "Plan", "Refreshed", "RegistryError", "Secret", "Unresolved", "Written"]

Secret = frozenset[str]
"""The fields (the core's names) whose values a door received marked secret: never quoted."""


class RegistryError(Exception):
    """A failure the user sees: names the org and the registry, says what to do.

    Its text goes through the one redaction step (no token, no ``Authorization`` value, no URL
    user-info) and is bounded, so that it fits a protocol's error channel.
    """

    def __init__(self, message: str) -> None:
        super().__init__(bounded(message, 4000))


class Unresolved(RegistryError):
    """A create cancelled before GitHub answered it: the registry may exist or not.

    A door keeps ``id`` and ``outputs`` (the declaration sent, no time of GitHub's) in the state as
    a resource not yet created (the plugin's partial failure); the next update finds out
    (:func:`.lifecycle.update`): it keeps the registry this create made, or creates it.
    """

    def __init__(self, message: str, id_: str, outputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.id = id_
        self.outputs = outputs


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A declaration with its defaults filled in, and what is wrong with it."""

    inputs: dict[str, Any]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Plan:
    """What an update of a registry does: nothing, an in-place change, or a replacement.

    ``fields`` are the declared fields that change (a secret as ``value`` or ``value_encrypted``,
    never its content); ``drifted``: GitHub changed the registry outside Pulumi, so everything
    declared is sent again.
    """

    changes: bool
    replaces: tuple[str, ...]
    delete_before_replace: bool
    fields: tuple[str, ...] = ()
    drifted: bool = False


@dataclass(frozen=True)
class Written:
    """A registry as a create or update left it: its id ``{org}/{name}`` and every output."""

    id: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Refreshed:
    """A registry as GitHub reports it: outputs and inputs; an empty ``id`` when it is gone."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]
