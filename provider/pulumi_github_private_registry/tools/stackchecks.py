"""``validate``: what the providers and the stack program would refuse in stack files, offline.

It reads only the files it is given (:mod:`.stackfile`): the providers' configuration keys of both
doors, by the rules :mod:`..core.settings` applies when a provider starts, the keys written where
Pulumi does not read them (at the top level, misspelt, a registry's field dedented), and every
declared registry (:mod:`.stackconfig`, and the API's rules of :mod:`..core.schema`). Secrets are
only checked for being encrypted, never read. Each problem is one printable, bounded line; the
exit status is 1 when any file has one, so a pull request can be gated without credentials.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from ..audiences.keys import DYNAMIC_KEYS, GITHUB, PACKAGE, PLUGIN_KEYS
from ..audiences.misspelt_keys import (
    misspelt_key_problem,
    misspelt_keys,
    nearest_name,
    plugin_only_key_problems,
)
from ..audiences.pulumi_words import config_command
from ..core import schema, settings
from ..core.errors import MAX_LINE, bounded
from . import stackconfig, stackfile
from .stackconfig import SecretStatus

__all__ = ["DESCRIPTION", "HELP", "add_arguments", "config_problems", "run", "validate", "validate_file"]


def _is_secure(value: Any) -> bool:
    """Whether a config value is encrypted (``secure: ...``), as ``pulumi config set --secret`` writes it."""
    return isinstance(value, Mapping) and "secure" in value


def _status_in(config: Mapping[str, Any]) -> Callable[[str], SecretStatus]:
    def status(key: str) -> SecretStatus:
        value = config.get(stackconfig.full_key(key))
        if value is None:
            return "missing"
        return "secret" if _is_secure(value) else "plaintext"

    return status


# A control, bidi or non-ASCII character in a key from the file would disguise the message.
_SHOWN_KEY_RE: Final = re.compile(r"[^\x20-\x7e]")


def _shown(key: Any) -> str:
    return _SHOWN_KEY_RE.sub("?", str(key))[:100]


def _set_secret(key: str, stack: str | None, *, path: bool = False) -> str:
    """The command that sets ``key`` (``path``: a key inside a structured value) as a secret; it
    prompts for the value, or reads it from standard input."""
    return config_command("set --secret", key, stack, path=path)


_remove: Final = stackconfig.remove_command


def _plaintext(key: str, stack: str | None, what: str = "") -> str:
    return (
        f"{key} is in plaintext{what}: remove it with `{_remove(key, stack)}` and set it with "
        f"`{_set_secret(key, stack)}`"
    )


# Stand-ins for values the offline check cannot see (encrypted) but knows are there.
_PLACEHOLDER_PEM: Final = "-----BEGIN RSA PRIVATE KEY-----\nplaceholder\n-----END RSA PRIVATE KEY-----"
_PLACEHOLDER_TOKEN: Final = "placeholder"
_APP_FIELDS: Final = ("id", "installationId", "pemFile")


def _app_problems(setting: settings.Setting, value: Any, stack: str | None) -> list[str]:
    """What is wrong with a GitHub App's configuration, from what a stack file shows of it.

    The private key is a secret (``pemFile`` encrypted, or the whole object): it is never read, only
    whether it is there and encrypted; the id and installation id are checked by the provider's rules.
    """
    key = setting.key
    if _is_secure(value):
        return []  # all of it encrypted: nothing to see
    if not isinstance(value, Mapping):
        # JSON text, as the provider also takes it: it holds the private key in plaintext.
        return [_plaintext(key, stack, ", private key and all")]
    lines: list[str] = []
    visible: dict[str, Any] = {}
    for name, item in value.items():
        if name not in _APP_FIELDS:
            hint = difflib.get_close_matches(str(name), _APP_FIELDS, n=1, cutoff=0.6)
            lines.append(
                f"{key} has an unknown field '{_shown(name)}'"
                + (f"; did you mean {hint[0]}?" if hint else f": it takes {', '.join(_APP_FIELDS)}")
            )
        elif name == "pemFile" and item is not None and not _is_secure(item):
            lines.append(
                f"{key}.pemFile holds the App's private key in plaintext: remove it with "
                f"`{_remove(f'{key}.pemFile', stack, path=True)}` and set it with "
                f"`cat app.pem | {_set_secret(f'{key}.pemFile', stack, path=True)}`"
            )
            visible[name] = _PLACEHOLDER_PEM
        elif _is_secure(item):
            visible[name] = _PLACEHOLDER_PEM if name == "pemFile" else "1"
        else:
            visible[name] = item
    if not visible:
        return lines  # an empty object: no App, as the provider reads it
    try:
        settings.parse_app(visible, setting)
    except settings.SettingError as exc:
        lines.append(str(exc))
    return lines


def _tokens_problems(setting: settings.Setting, value: Any, stack: str | None) -> list[str]:
    """What is wrong with a token-per-org map, from what a stack file shows of it (never a token)."""
    key = setting.key
    if _is_secure(value):
        return []
    if not isinstance(value, Mapping):
        return [_plaintext(key, stack, ", every token in it")]
    lines: list[str] = []
    visible: dict[Any, str] = {}
    for org, token in value.items():
        if token is not None and not _is_secure(token):
            name = f"{key}.{org}" if isinstance(org, str) and schema.org_problem(org) is None else key
            lines.append(
                f"{name} is in plaintext: remove it with `{_remove(name, stack, path=True)}` "
                f"and set it with "
                f"`{_set_secret(name, stack, path=True)}`"
                if name != key
                else f"{key} holds a token in plaintext: set each org's token with "
                f"`{_set_secret(f'{key}.ORG', stack, path=True)}`"
            )
        visible[org] = _PLACEHOLDER_TOKEN
    try:
        settings.parse_tokens(visible, setting)
    except settings.SettingError as exc:
        lines.append(str(exc))
    return lines


_RULES: Final = {rule.name: rule for rule in settings.NUMBERS}


def _setting_problems(
    attribute: str, setting: settings.Setting, value: Any, stack: str | None, keys: settings.Keys
) -> list[str]:
    """What the provider would refuse in one setting's value, by its rules; never quoting a secret.
    ``keys``: the door's whose setting it is."""
    if setting.kind == "app":
        return _app_problems(setting, value, stack)
    if setting.kind == "map":
        return _tokens_problems(setting, value, stack)
    if setting.secret:
        return [] if _is_secure(value) else [_plaintext(setting.key, stack)]
    if _is_secure(value):
        return []  # set with --secret although it need not be: the provider decrypts it, and so cannot we
    try:
        if attribute == "base_url":
            if not isinstance(value, str):
                raise settings.SettingError(f"{setting.key} must be a URL string")
            problem = settings.base_url_problem(value, setting.key, keys.token.anywhere)
            if problem:
                raise settings.SettingError(problem)
        elif attribute in _RULES:
            settings.parse_number(_RULES[attribute], value, setting.key)
        elif attribute == "api_version":
            settings.parse_api_version(value, setting.key)
        elif attribute == "owner":
            settings.parse_owner(value, setting.key)
    except settings.SettingError as exc:
        return [str(exc)]
    return []


_PROVIDER_NAMES: Final = tuple(s.name for s in PLUGIN_KEYS.all)
"""Every key of the provider's namespace: the plugin's, which include the dynamic door's tuning keys."""


def _unknown_provider_key(key: str, name: str, registries_set: bool) -> str | None:
    """The problem of a key in the provider's namespace that is none of its settings, or None."""
    wanted = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
    if stackconfig.near_registries_keys([key]):
        # Without the list, its own problem names this key already.
        return (
            f"{_shown(key)} is no setting of the provider: did you mean `{wanted}`?"
            if registries_set
            else None
        )
    near = nearest_name(name, PLUGIN_KEYS)
    if near is not None:
        return f"{_shown(key)} is no setting of the provider: did you mean {PACKAGE}:{near}?"
    return f"{_shown(key)} is no setting of the provider; its settings: {', '.join(_PROVIDER_NAMES)}"


def _given_as(lines: list[str], key: str, given: str | None) -> list[str]:
    """Lines about ``key`` whose value the file gave under the misspelt key ``given``, saying so."""
    if given is None:
        return lines
    said = f"{key} (given as {_shown(given)})"
    return [line.replace(key, said, 1) if key in line else f"{line} ({said})" for line in lines]


def config_problems(
    config: Mapping[str, Any],
    stack: str | None = None,
    entries: Sequence[stackconfig.RegistryEntry] = (),
    taken: Mapping[str, str] | None = None,
) -> list[str]:
    """What the providers would refuse in a stack's configuration, one line each, offline.

    The keys of both doors (``github:*`` and this provider's tuning keys for the dynamic provider,
    ``github-private-registry:*`` for the plugin), by the rules :mod:`..core.settings` applies when
    the provider starts; unknown keys in the provider's namespace, with the setting they resemble;
    and in the program's namespace a key that no entry names as its secret and that looks like a
    misspelled registries key. Secrets are only checked for being encrypted, never read.
    ``taken``: keys whose value the file gave under a misspelt key (the key meant to the key given),
    for the lines about them to say so.
    """
    lines: list[str] = []
    checked: set[str] = set()
    for keys in (DYNAMIC_KEYS, PLUGIN_KEYS):
        for attribute, setting in keys.items():
            if setting.key in checked or config.get(setting.key) is None:
                continue
            checked.add(setting.key)
            problems = _setting_problems(attribute, setting, config[setting.key], stack, keys)
            lines.extend(_given_as(problems, setting.key, (taken or {}).get(setting.key)))
        token, app = config.get(keys.token.key), config.get(keys.app_auth.key)
        if token not in (None, "") and app not in (None, "", {}):
            lines.append(
                f"{keys.token.key} and {keys.app_auth.key} are both set: remove {keys.token.key} to "
                f"authenticate as the GitHub App, or {keys.app_auth.key} to use the token"
            )
    registries_key = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
    registries_set = config.get(registries_key) is not None
    named = {entry.secret_key for entry in entries if entry.secret_key}
    for raw_key in config:
        key = str(raw_key)
        namespace, _, name = key.partition(":")
        if namespace == PACKAGE:
            name = name.removeprefix("config:")  # the older spelling of a provider key
            if name not in _PROVIDER_NAMES:
                problem = _unknown_provider_key(key, name, registries_set)
                if problem:
                    lines.append(problem)
        elif (
            namespace == stackconfig.PROJECT
            and registries_set
            and key != registries_key
            and name not in named
            and stackconfig.near_registries_keys([key])
        ):
            lines.append(
                f"{_shown(key)} is no key the program reads (no registry names it as its secret): "
                f"did you mean `{registries_key}`?"
            )
    lines.extend(stackconfig.provider_setting_problems([str(key) for key in config], named))
    return lines


def validate_file(path: Path) -> tuple[int, list[str]]:
    """Check a stack file: the providers' configuration and every registry it declares; returns
    the registries' number and the problems, one per line."""
    count, lines, _ = _check(path)
    return count, lines


_SETTINGS_BY_KEY: Final = {s.key: s for keys in (DYNAMIC_KEYS, PLUGIN_KEYS) for s in keys.all}


def _misplaced(document: Mapping[Any, Any], config: dict[str, Any]) -> list[str]:
    """Config keys written at the top level of the file (not indented under ``config:``), which
    Pulumi ignores there; each is taken as meant (into ``config``) for the rest of the check."""
    lines = []
    for key, value in document.items():
        if isinstance(key, str) and ":" in key:
            lines.append(
                f"`{_shown(key)}` is at the top level of the file, not under `config:`: "
                "indent it under `config:`"
            )
            config.setdefault(key, value)
    return lines


def _in_plaintext(setting: settings.Setting, value: Any) -> bool:
    """Whether a secret setting's value shows a secret part in plaintext, judged as the setting's own
    check judges it: a GitHub App by its private key, a token map by each token."""
    if _is_secure(value):
        return False
    if setting.kind == "app" and isinstance(value, Mapping):
        return value.get("pemFile") is not None and not _is_secure(value["pemFile"])
    if setting.kind == "map" and isinstance(value, Mapping):
        return any(token is not None and not _is_secure(token) for token in value.values())
    return True


def _misspelt(
    config: dict[str, Any], stack: str | None, project: str | None, taken: dict[str, str]
) -> list[str]:
    """Keys of pulumi-github's namespace that look like a misspelling of one the providers read;
    each value is taken as meant (into ``config``) for the rest of the check, but a secret's, and
    ``taken`` maps the key meant to the key given.
    ``project``: the project's name, whose own keys (``github:owners`` in a project ``github``) are
    no misspelling, as the dynamic provider judges them too."""
    lines = []
    for key, meant in misspelt_keys(config, (GITHUB,), project=project):
        line = misspelt_key_problem(key, meant)
        setting = _SETTINGS_BY_KEY[meant]
        if setting.secret and _in_plaintext(setting, config[key]):
            line += (
                f"; it is in plaintext: remove it with `{_remove(_shown(key), stack)}` and set {meant} "
                f"with `{_set_secret(meant, stack)}`"
            )
        elif not setting.secret and meant not in config:
            config[meant] = config[key]
            taken[meant] = key
        lines.append(line)
    return lines


def _dedented(config: dict[str, Any], registries_key: str) -> list[str]:
    """A registry's fields written at the level of ``config:`` keys (indented too little). Each is
    taken as a field of the last registry listed, which it follows in the file, if that one lacks it."""
    lines = []
    listed = config.get(registries_key)
    if not isinstance(listed, list):
        listed = []
    last = listed[-1] if listed and isinstance(listed[-1], Mapping) else None
    for key in [k for k in config if isinstance(k, str) and k in stackconfig.ENTRY_FIELDS]:
        lines.append(
            f"`{key}` is a key of `config:`, not a field of a registry: indent it to line up with the "
            f"fields of its registry under `{registries_key}`"
        )
        value = config.pop(key)
        if last is not None and key not in last:
            last = {**last, key: value}
            config[registries_key] = [*listed[:-1], last]
    return lines


def _check(path: Path) -> tuple[int, list[str], str | None]:
    """The registries' number and the problems of a stack file; and, for the stack of a project
    that declares its registries in its own program, what the summary says of them instead."""
    read = stackfile.read_stack_file(path)
    if read.unusable:
        return 0, [_line(line) for line in read.unusable], None
    stack = stackfile.stack_of(path.name)
    config = dict(read.config)
    lines = _misplaced(read.document, config)
    taken: dict[str, str] = {}  # a key meant, to the misspelt key that gave its value
    found = stackfile.read_project(path)
    project = found.name if found is not None else None
    registries_key = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
    if not stackconfig.declares_in_config(project, config):
        if project is not None:
            # Pulumi reads a key without a namespace as one of the project's.
            for key in [k for k in config if isinstance(k, str) and ":" not in k]:
                config.setdefault(f"{project}:{key}", config.pop(key))
        lines.extend(_misspelt(config, stack, project, taken))
        lines.extend(config_problems(config, stack, taken=taken))
        if found is not None and found.dynamic:  # a program of its own on the dynamic provider
            lines.extend(plugin_only_key_problems(config))
        where = f"project {_shown(project)}'s program" if project else "the program"
        note = f"the registries are declared in {where}, not in this file: `pulumi preview` checks them"
        return 0, [_line(line) for line in lines], note
    lines.extend(_dedented(config, registries_key))
    for key in [k for k in config if isinstance(k, str) and ":" not in k]:
        # Pulumi reads a key without a namespace as one of the project's: the stack program's.
        config.setdefault(f"{project or stackconfig.PROJECT}:{key}", config.pop(key))
    lines.extend(_misspelt(config, stack, project or stackconfig.PROJECT, taken))
    owner = config.get(DYNAMIC_KEYS.owner.key)
    default_org = DYNAMIC_KEYS.owner.resolve(owner if isinstance(owner, str) else None)
    entries, list_problems = stackconfig.parse_registries(
        config.get(registries_key),
        default_org=default_org,
        config_keys=[str(key) for key in config],
    )
    lines.extend(config_problems(config, stack, entries, taken))
    # The stack program runs on the dynamic provider.
    lines.extend(plugin_only_key_problems(config))
    lines.extend(list_problems)
    status = _status_in(config)
    # The keys set that no registry names: one may be a secret key misspelt, or in another namespace.
    named = {stackconfig.full_key(entry.secret_key) for entry in entries if entry.secret_key}
    unnamed = [str(key) for key in config if str(key) not in named]
    for entry in entries:
        problems = [
            *entry.problems,
            *stackconfig.secret_problems(entry, status, stack, unnamed),
            *stackconfig.declaration_problems(entry, default_org=default_org),
        ]
        lines.extend(entry.describe(p) for p in problems)
    return len(entries), [_line(line) for line in lines], None


def _line(text: str) -> str:
    """A line as the tools print it: a secret pasted where a key name belongs would be echoed by the
    problem that names it, and a stack file's text reaches the terminal (and CI logs) only as one
    printable line, bounded."""
    return bounded(text, MAX_LINE)


def validate(paths: Sequence[str], *, out: TextIO | None = None) -> int:
    """Validate stack files, printing each problem as ``FILE: registry[i] (org/NAME): field: reason``
    or ``FILE: key: reason``."""
    out = out or sys.stdout
    failed = False
    for name in paths:
        count, lines, own_program = _check(Path(name))
        shown = _line(name)  # a file's name may hold a control character too
        for line in lines:
            print(f"{shown}: {line}", file=out)
        plural = "y" if count == 1 else "ies"
        verdict = f"{len(lines)} problem{'' if len(lines) == 1 else 's'}" if lines else "no problems"
        if own_program is not None:
            print(_line(f"{shown}: provider configuration: {verdict}; {own_program}"), file=out)
        else:
            print(f"{shown}: {count} registr{plural}, {verdict}", file=out)
        failed = failed or bool(lines)
    return 1 if failed else 0


# --- the command ------------------------------------------------------------------------------

HELP: Final = "check the configuration and the registries declared in stack files, offline"
"""The command's line in the CLI's list of commands."""
DESCRIPTION: Final = (
    "Run the provider's checks on a stack file's configuration (github:baseUrl, the "
    "numeric tuning keys, github-private-registry:apiVersion, github:appAuth as far as it is not "
    "encrypted, secrets set in plaintext, unknown keys) and on every registry it declares, without "
    "credentials or network. Exits 1 if anything has a problem."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, for its subparser of the CLI (then call :func:`run`)."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="stack files, e.g. stacks/Pulumi.prod.yaml")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run on arguments parsed with :func:`add_arguments`; returns the exit status (``err`` is unused:
    every problem is the command's output)."""
    return validate(args.files, out=out)
