"""How the lifecycle compares a declaration, a state and GitHub's record of a registry.

What a diff sees as changed (:func:`normalized` values, :func:`changed_fields`, the secret, the
fields GitHub cannot clear), whether GitHub changed a registry since the state last saw it (its
times: :func:`changed_since`), and drift seen by a refresh. No request, no message; imports only
:mod:`.schema`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from . import schema
from .schema import is_unknown

__all__ = [
    "changed_fields",
    "changed_since",
    "drifted",
    "last_seen",
    "later",
    "normalized",
    "same_org",
    "unclearable",
    "value_changed",
]


def normalized(field: str, value: Any) -> Any:
    """A value as compared by diff: ids as a sorted set of ints, defaults made explicit.

    State may hold anything (hand-edited, or written by another version): ids that are not a list
    of finite whole numbers compare as they are, so diff plans an update instead of crashing.
    """
    if field == "selected_repository_ids":
        if not value:
            return None
        if not isinstance(value, (list, tuple)) or not all(_is_whole(i) for i in value):
            return ("unusable", repr(value)[:200])
        return sorted({int(i) for i in value})
    if field == "replaces_base":
        return bool(value)
    if value == "":
        return None
    return value


def _is_whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )


def changed_fields(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Updatable fields whose declared value differs from the state's (unknown counts as changed)."""
    changed = []
    for field in schema.UPDATABLE_FIELDS:
        new = news.get(field)
        if is_unknown(new) or normalized(field, olds.get(field)) != normalized(field, new):
            changed.append(field)
    return changed


def unclearable(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Fields set in ``olds`` that ``news`` drops and GitHub cannot clear in place (not nullable).

    Repository ids are left out: they go away with a visibility other than ``selected``.
    """
    return [
        f
        for f in schema.UPDATABLE_FIELDS
        if f not in schema.NULLABLE_FIELDS
        and f != "selected_repository_ids"
        and olds.get(f) is not None
        and news.get(f) is None
    ]


def value_changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the declared secret differs from the one in state (compared as plaintext)."""
    if news.get("value") is not None:
        return is_unknown(news["value"]) or news["value"] != olds.get("value")
    if news.get("value_encrypted") is not None:
        return any(
            is_unknown(news.get(f)) or news.get(f) != olds.get(f) for f in ("value_encrypted", "key_id")
        )
    return olds.get("value") is not None or olds.get("value_encrypted") is not None


def drifted(olds: Mapping[str, Any], news: Mapping[str, Any] | None = None) -> bool:
    """Whether a refresh saw the registry change outside Pulumi since our last write.

    With ``ignore_value_drift`` declared, that alone is not drift: GitHub's time moves for a secret
    rotated elsewhere too, and what else changed is in the refreshed fields (``changed_fields``).
    """
    if news is not None and news.get("ignore_value_drift") is True:
        return False
    remote = olds.get("remote_updated_at")
    return remote is not None and remote != olds.get("updated_at")


def same_org(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` name one org (logins ignore case)."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


# --- GitHub's times --------------------------------------------------------------------------------


def last_seen(props: Mapping[str, Any]) -> Any:
    """When the state last saw its registry: its last read (``remote_updated_at``), else its last
    write (``updated_at``); GitHub's times."""
    return props.get("remote_updated_at") or props.get("updated_at")


def changed_since(record: Mapping[str, Any], since: Any) -> bool:
    """Whether GitHub's ``record`` changed after ``since`` (a time of GitHub's the state holds): its
    ``updated_at`` is later. An earlier time (a list that lags) or none tells nothing: not changed.

    Times only: the fields the state holds are the declared ones, which GitHub may store tidied (a
    url's trailing slash), so comparing them would refuse deletes of what we wrote ourselves. GitHub's
    times have whole seconds: a write elsewhere in the second of ours goes unseen.
    """
    return later(record.get("updated_at"), since)


def later(now: Any, then: Any) -> bool:
    """Whether GitHub's time ``now`` is after ``then`` (ISO 8601; unreadable ones: when they differ)."""
    if not isinstance(now, str) or not isinstance(then, str) or now == then:
        return False
    try:
        return _instant(now) > _instant(then)
    except ValueError:
        return True  # not GitHub's shape: differing is all that can be told


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text[:64].replace("Z", "+00:00"))  # Python 3.10 reads no "Z"
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
