"""Misspelt config keys: which key of ours a key nobody reads was meant to be, and how to say so.

A stack's ``github:baseurl`` or ``github:ower`` is read by no provider and would silently leave the
setting at its default: :func:`misspelt_keys` finds such keys (case, an edit or two by
:func:`edit_distance`, a key put in the other door's namespace) without ever taking a key
pulumi-github reads for one of ours. It is about a Pulumi stack's namespaced config, so it lives
with the doors' keys (:mod:`.keys`); imports only those and the core's settings table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..core.config_keys import APP_ENV, DEFAULT_BASE_URL, Keys
from .keys import DYNAMIC_KEYS, GITHUB, PACKAGE, PLUGIN_KEYS, PULUMI_GITHUB_KEYS

__all__ = [
    "edit_distance",
    "misspelt_key_problem",
    "misspelt_keys",
    "nearest_name",
    "plugin_only_key_problems",
]


def nearest_name(name: str, keys: Keys) -> str | None:
    """The setting of ``keys`` a misspelled ``name`` most resembles
    (``baseURL`` -> ``baseUrl``, ``ower`` -> ``owner``), or None. Case never counts."""
    import difflib  # only for a misspelled key: kept off the start-up path

    if len(name) > 64:  # no setting's name comes near; difflib's work grows with the length
        return None
    names = [setting.name for setting in keys.all]
    lowered = {known.lower(): known for known in names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def _read_in(namespace: str) -> tuple[str, ...]:
    """The names the providers read in ``namespace``: both doors' keys there."""
    return tuple(
        dict.fromkeys(
            s.name
            for keys in (DYNAMIC_KEYS, PLUGIN_KEYS)
            for s in keys.all
            if s.key.startswith(f"{namespace}:")
        )
    )


# Printable ASCII: a key is named in a message as it was written, any other character as '?'.
_UNPRINTABLE_KEY: Final = re.compile(r"[^\x20-\x7e]")


def edit_distance(a: str, b: str, limit: int) -> int:
    """The edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``, or ``limit + 1``
    once more are needed. Only the band of ``limit`` cells either side of the diagonal is computed,
    and it stops at the first row past the limit: O(len(a) * limit)."""
    n, m = len(a), len(b)
    over = limit + 1
    if abs(n - m) > limit:
        return over
    before: list[int] = []
    row = [j if j <= limit else over for j in range(m + 1)]
    for i in range(1, n + 1):
        current = [i if i <= limit else over] + [over] * m
        low, high = max(1, i - limit), min(m, i + limit)
        for j in range(low, high + 1):
            value = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = min(value, over)
        if min(current[low - 1 : high + 1]) > limit:
            return over
        before, row = row, current
    return row[m]


def _misspelling_of(name: str, names: tuple[tuple[str, str, frozenset[str], bool], ...]) -> str | None:
    """The name of ours that ``name`` misspells: the same but for case, or one edit away (two for a
    name longer than five characters), and no nearer to a name of pulumi-github's. ``names``: each
    name, in lower case, its letters, and whether it is ours."""
    if len(name) > 32:  # no key read is longer than 16 characters
        return None
    limit = 1 if len(name) <= 5 else 2
    lowered = name.lower()
    best: tuple[int, bool, str] | None = None
    for known, known_lower, letters, is_ours in names:
        # Each character of the name found nowhere in the other takes an edit of its own: a cheap
        # bound that spares most keys the comparison.
        if sum(c not in letters for c in lowered) > limit:
            continue
        distance = edit_distance(lowered, known_lower, limit)
        # On a tie pulumi-github's key wins: a key it reads is never taken for a misspelling of ours.
        candidate = (distance, is_ours, known)
        if distance <= limit and (best is None or candidate[:2] < best[:2]):
            best = candidate
    return best[2] if best is not None and best[1] else None


def misspelt_keys(
    config_keys: Iterable[Any],
    namespaces: Iterable[str] = (GITHUB, PACKAGE),
    *,
    project: str | None = None,
) -> list[tuple[str, str]]:
    """The keys of ``config_keys`` that look like a misspelling of a key the providers read, each
    with the key meant: ``github:baseurl`` -> ``github:baseUrl``, ``github:ower`` -> ``github:owner``,
    ``github:maxConcurrency`` -> ``github-private-registry:maxConcurrency``.

    Only ``namespaces`` are looked at (of pulumi-github's and ours). A key differs from the one
    meant only in case or by an edit or two (:func:`edit_distance`), is no key pulumi-github reads
    (:data:`PULUMI_GITHUB_KEYS`) and is nearer none of them. Linear in the keys: each is compared,
    banded, with about twenty names of at most 16 characters.

    ``project``: the Pulumi project's name. Pulumi puts a project's own keys (written without a
    namespace) in its namespace, so in a project named ``github`` ``owners`` is ``github:owners``:
    there, only a key that differs from one read in case alone is taken for a misspelling.
    """
    wanted = tuple(namespaces)
    ours = {namespace: _read_in(namespace) for namespace in (GITHUB, PACKAGE)}
    theirs = {GITHUB: tuple(sorted(PULUMI_GITHUB_KEYS - set(ours[GITHUB]))), PACKAGE: ()}
    names = {
        namespace: tuple(
            (n, n.lower(), frozenset(n.lower()), n in ours[namespace])
            for n in (*ours[namespace], *theirs[namespace])
        )
        for namespace in ours
    }
    found: list[tuple[str, str]] = []
    for raw in dict.fromkeys(config_keys):
        key = str(raw)
        namespace, _, name = key.partition(":")
        if namespace not in wanted or namespace not in ours:
            continue
        if namespace == PACKAGE:
            name = name.removeprefix("config:")  # the older spelling of a provider key
        if name in ours[namespace] or name in theirs[namespace]:
            continue
        if namespace == project:  # the project's own key, unless only its case differs from ours
            case_only = {n.lower(): n for n in ours[namespace]}.get(name.lower())
            if case_only is not None:
                found.append((key, f"{namespace}:{case_only}"))
            continue
        # A key of the other namespace, put in this one (`github:maxConcurrency`).
        other = GITHUB if namespace == PACKAGE else PACKAGE
        elsewhere = {n.lower(): n for n in ours[other] if n not in ours[namespace]}
        if name.lower() in elsewhere:
            found.append((key, f"{other}:{elsewhere[name.lower()]}"))
            continue
        near = _misspelling_of(name, names[namespace])
        if near is not None:
            found.append((key, f"{namespace}:{near}"))
    return found


def misspelt_key_problem(key: str, meant: str) -> str:
    """The message of a key :func:`misspelt_keys` found: it is read by no provider, and which was meant."""
    shown = _UNPRINTABLE_KEY.sub("?", key[:100])
    namespace = key.partition(":")[0]
    if key.lower() == meant.lower():
        why = " (config keys are case-sensitive)"
    elif namespace != meant.partition(":")[0]:
        why = f" ({meant.partition(':')[2]} is in the {meant.partition(':')[0]} namespace)"
    else:
        why = ""
    readers = "the provider" if namespace == PACKAGE else "pulumi-github or this provider"
    return f"{shown} is no key {readers} reads{why}: did you mean {meant}?"


# What the dynamic provider does instead when a setting is given only under the plugin's key.
_INSTEAD: Final = {
    "baseUrl": f"it would send the token to {DEFAULT_BASE_URL}",
    "token": "it would take the token from the environment, or have none",
    "appAuth": "it would not authenticate as the GitHub App",
    "owner": "a registry that names no org would have none",
    "writeDelayMs": "it would wait the default time between writes",
}
# The settings that stand for one another: a GitHub App serves where a token would, and back.
_CREDENTIALS: Final = ("token", "appAuth")


def plugin_only_key_problems(
    config: Mapping[Any, Any], environment: Mapping[str, str] | None = None
) -> list[str]:
    """The plugin's keys in a configuration the dynamic provider reads whose own key is not set:
    ``github-private-registry:baseUrl`` without ``github:baseUrl`` would send the token to
    api.github.com, silently. One line each.

    ``config``: the configuration; a key written with no value (``github:baseUrl:``) sets nothing.
    ``environment``: the environment the dynamic provider reads its
    settings from too (its ``configure``); None when it is not known (``validate``, offline). A
    stack that sets both keys (one moving to the plugin) is fine; so is a token given as a GitHub
    App in the dynamic door's key, and the other way round.
    """
    given = {str(key) for key, value in config.items() if value not in (None, "")}
    lines: list[str] = []
    for attribute, plugin in PLUGIN_KEYS.items():
        dynamic = getattr(DYNAMIC_KEYS, attribute)
        if plugin.key == dynamic.key or plugin.key not in given:
            continue
        names = _CREDENTIALS if plugin.name in _CREDENTIALS else (plugin.name,)
        serving = [s for s in DYNAMIC_KEYS.all if s.name in names]
        env = [s.env for s in serving] + (list(APP_ENV) if plugin.name in _CREDENTIALS else [])
        if any(s.key in given for s in serving) or (
            environment is not None and any(environment.get(name) for name in env)
        ):
            continue
        # Where the environment is known and leaves the token unset, there is none to take.
        instead = "it would have no token" if plugin.name == "token" and environment is not None else None
        lines.append(
            f"{plugin.key} is the plugin's key; the dynamic provider reads {dynamic.key}, so "
            f"{instead or _INSTEAD[plugin.name]}: set {dynamic.key} (or remove {plugin.key} if no "
            "resource of the plugin uses it)"
        )
    return lines
