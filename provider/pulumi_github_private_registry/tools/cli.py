"""The command line: ``discover`` organizations' registries as stack config, ``validate`` stack files offline.

``python -m pulumi_github_private_registry`` and the ``pulumi-github-private-registry`` console
script run :func:`main`. ``discover`` reads GitHub (token and base URL from the environment, as the
provider does) for one or several organizations (``--org``, repeatable) or every one the credential
can see (``--all-orgs``), and prints either a stack config block that is valid YAML on its own
(``--format config``: everything that is not config is a YAML comment) or the document
``pulumi import --file`` takes to import every registry into the plugin's resource
(``--format import``). Progress and what could not be read go to stderr, and the exit status says
how it went: :data:`EXIT_OK`, :data:`EXIT_FAILED`, :data:`EXIT_PARTIAL`. ``validate`` reads only the
files it is given, the provider's configuration keys as well as the declared registries, and exits
1 when anything has a problem, so a pull request can be gated without credentials. Both read the
stack configuration's shape from :mod:`.stackconfig`, the settings' rules from
:mod:`..core.settings` and the API's rules from :mod:`..core.schema`; the import document takes the
plugin's resource token from :mod:`..plugin.package`, which imports no Pulumi.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

import yaml

from ..core import schema, settings
from ..core.errors import MAX_DETAIL, MAX_LINE, GitHubError, NotFound, affects_every_org, bounded
from ..plugin.package import RESOURCE
from . import drift, stackconfig
from .stackconfig import SecretStatus

if TYPE_CHECKING:
    from ..core.client import GitHubClient
    from ..core.credentials import Credentials

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "FORMATS",
    "config_problems",
    "discover",
    "import_document",
    "import_documents",
    "main",
    "render_discoveries",
    "render_discovery",
    "render_import",
    "validate",
    "validate_file",
]

_STACK_FILE_RE = re.compile(r"^Pulumi\.(?P<stack>.+)\.ya?ml$")
# A Pulumi stack name as `--stack` takes it (optionally org/project/stack): it goes into comments.
_STACK_NAME_RE: Final = re.compile(r"[A-Za-z0-9_.\-/]{1,200}")

FORMATS = ("config", "import")
"""What ``discover`` prints: a stack config block, or the document of ``pulumi import --file``."""

EXIT_OK: Final = 0
"""``discover``: every organization asked for was read."""
EXIT_FAILED: Final = 1
"""``discover``: nothing usable (unusable arguments or credentials, or no organization could be read)."""
EXIT_PARTIAL: Final = 3
"""``discover``: some organizations were read and printed, others could not be (named on stderr)."""

Found = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]
"""What ``discover`` read: each organization with its registries, in order."""


# --- discover ---------------------------------------------------------------------------------


def _registries(count: int) -> str:
    return f"{count} registr{'y' if count == 1 else 'ies'}"


def render_discovery(org: str, base_url: str, records: Sequence[Mapping[str, Any]], stack: str | None) -> str:
    """The text ``discover`` prints for one org: a config block adopting ``records``, as YAML."""
    return render_discoveries([(org, records)], base_url, stack)


def render_discoveries(found: Found, base_url: str, stack: str | None, *, unread: Sequence[str] = ()) -> str:
    """The text ``discover --format config`` prints: valid YAML, the config block under its key
    (indented to paste under ``config:``), everything else comments, the secret commands among them.

    ``unread``: organizations that could not be read, named in a comment so the file says it is
    incomplete.
    """
    lines: list[str] = []
    if unread:
        lines.append(f"# Incomplete: not read: {', '.join(unread)} (the errors went to stderr).")
    orgs = [org for org, _ in found]
    total = sum(len(records) for _, records in found)
    where = f"{orgs[0]} at {base_url}" if len(found) == 1 else f"{len(found)} organizations at {base_url}"
    if not total:
        if len(found) == 1:
            lines.append(f"# {where} has no private registries.")
        else:
            lines.append(f"# None of the {where} has private registries: {', '.join(orgs)}.")
        return "\n".join(lines) + "\n"
    stack_file = f"stacks/Pulumi.{stack or '<stack>'}.yaml"
    lines += [
        f"# {total} private registr{'y' if total == 1 else 'ies'} of {where}.",
        f"# Paste under `config:` in {stack_file} (merge the entries into an existing list);",
        "# `adopt: true` makes the first `pulumi up` take each one over instead of creating it.",
    ]
    if len(found) > 1:
        lines += [f"#   {org}: {_registries(len(records))}" for org, records in found]
    entries: list[dict[str, Any]] = []
    for org, records in found:
        for record in records:
            entry = stackconfig.entry_from_record(org, record)
            entries.append(entry)
            if stackconfig.REPOSITORY_NAMES_FIELD in entry:
                lines.append(
                    f"# {_registry_id(org, record)} has visibility 'selected' and GitHub does not say "
                    f"which repositories: list them in {stackconfig.REPOSITORY_NAMES_FIELD} (names) or "
                    "selected_repository_ids."
                )
    block = yaml.safe_dump(
        {stackconfig.full_key(stackconfig.REGISTRIES_KEY): entries}, sort_keys=False, default_flow_style=False
    )
    lines.extend("  " + line for line in block.splitlines())
    keys = [e[stackconfig.SECRET_FIELD] for e in entries if stackconfig.SECRET_FIELD in e]
    if keys:
        lines += [
            "",
            "# Then set each secret (GitHub never returns them); each command prompts for the value:",
        ]
        lines += [f"#   {stackconfig.set_secret_command(key, stack)}" for key in keys]
    return "\n".join(lines) + "\n"


def _registry_id(org: str, record: Mapping[str, Any]) -> str:
    """The id ``pulumi import`` takes: ``{org}/{name}``, e.g. ``acme/NPM_REGISTRY_SECRET``."""
    return f"{org}/{record.get('name') or schema.configuration_name(str(record.get('registry_type')))}"


def import_documents(found: Found) -> dict[str, Any]:
    """The ``pulumi import --file`` document importing every registry of ``found`` into the plugin's
    resource, one document for all the organizations.

    Each resource is named as the stack program names a declared registry (``acme-npm_registry``:
    GitHub keeps one registry per type in an org), so the names are stable from run to run; should
    GitHub ever list two of one type, the second gets its configuration's name appended.
    """
    resources: list[dict[str, str]] = []
    seen: set[str] = set()
    for org, records in found:
        for index, record in enumerate(records):
            entry = stackconfig.RegistryEntry(
                index=index, inputs={"org": org, "registry_type": _named_type(record)}
            )
            name = entry.resource_name
            if name in seen:
                name = f"{name}-{str(record.get('name') or index).lower()}"
            seen.add(name)
            resources.append({"type": RESOURCE, "name": name, "id": _registry_id(org, record)})
    return {"resources": resources}


def _named_type(record: Mapping[str, Any]) -> str | None:
    """The registry's type as its configuration name spells it (``NPM_REGISTRY_SECRET``:
    ``npm_registry``), the part of a server's answer a resource name may hold.

    The name's shape was checked by the client; ``registry_type`` was not, and a hostile or broken
    server's one (a newline, an escape sequence, a megabyte) would go into the names ``pulumi import``
    writes into generated code. For every registry GitHub keeps, both spell the same type.
    """
    name = record.get("name")
    if not schema.is_configuration_name(name) or not str(name).endswith("_SECRET"):
        return None
    spelled = str(name)[: -len("_SECRET")].lower()
    return spelled or None


def import_document(org: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``pulumi import --file`` document importing one org's ``records`` (:func:`import_documents`)."""
    return import_documents([(org, records)])


def render_import(org: str, records: Sequence[Mapping[str, Any]]) -> str:
    """The text ``discover --format import`` prints: JSON and nothing else, for ``pulumi import --file``."""
    return _json_text(import_document(org, records))


def _json_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def _org_list(org: str | Sequence[str] | None) -> list[str]:
    """The organizations asked for, in order, each once (logins ignore case); ``a,b`` counts as two."""
    given = [org] if isinstance(org, str) else list(org or ())
    names = [name.strip() for item in given for name in item.split(",") if name.strip()]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.lower(), name)
    return list(unique.values())


def _visible_orgs(credentials: settings.Settings, creds: Credentials, client: GitHubClient) -> list[str]:
    """Every organization the credentials can see, sorted: the App's installations on organizations
    (only the configured one, if one is), else the token's user's organizations; plus the orgs of
    the token-per-org map. Raises :class:`GitHubError` when GitHub cannot say."""
    found: list[str] = [org for org, _ in credentials.tokens]
    app = credentials.app
    if app is not None:
        from ..core.credentials import AppTokens

        assert isinstance(creds, AppTokens)
        # The App's JWT authenticates GET /app/installations; AppTokens signs it (the key never leaves).
        found += [
            login
            for installation, login in client.list_app_installations(creds)
            if app.installation_id is None or installation == app.installation_id
        ]
    elif credentials.token:
        found += client.list_user_orgs()
    return sorted(_org_list(found), key=str.lower)


def _who(credentials: settings.Settings, token_env: str) -> str:
    if credentials.app is not None:
        return f"GitHub App {credentials.app.id}"
    if credentials.token:
        return f"the token in ${token_env}"
    return f"the tokens in ${settings.DYNAMIC.tokens.env}"


def discover(
    org: str | Sequence[str] | None = None,
    *,
    all_orgs: bool = False,
    base_url: str | None = None,
    token_env: str = settings.TOKEN.env,
    stack: str | None = None,
    output_format: str = "config",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """List the registries of ``org`` (one login or several), or of every org the credentials can
    see (``all_orgs``), as a stack config block or as an import document; returns the exit status.

    ``output_format`` is one of :data:`FORMATS`. ``out`` gets the block or the document only, once
    every org has been tried; ``err`` gets one line per org read (``acme: 3 registries``) and what
    went wrong, and for several orgs a summary.
    An org that cannot be read (a 403, a 404) does not stop the others: the status is then
    :data:`EXIT_PARTIAL` if any org was read, else :data:`EXIT_FAILED`.
    """
    out, err = out or sys.stdout, err or sys.stderr

    def fail(message: str) -> int:
        print(f"error: {bounded(message, MAX_LINE)}", file=err)
        return EXIT_FAILED

    if output_format not in FORMATS:
        return fail(f"--format: {output_format!r} is not one of {', '.join(FORMATS)}")
    orgs = _org_list(org)
    if all_orgs and orgs:
        return fail("give --org or --all-orgs, not both")
    if not all_orgs and not orgs:
        return fail("give the organizations with --org (repeatable), or --all-orgs")
    if stack is not None and not _STACK_NAME_RE.fullmatch(stack):
        return fail("--stack: not a stack name (letters, digits, '_', '.', '-' and '/')")
    try:
        credentials = settings.from_environment(token_env)
    except settings.SettingError as exc:
        return fail(str(exc))
    mapped = dict(credentials.tokens)
    if (
        credentials.app is None
        and not credentials.token
        and (not mapped or any(o.lower() not in mapped for o in orgs))
    ):
        return fail(
            f"no GitHub token in ${token_env}: export it (or name another variable with --token-env), "
            f"or a GitHub App's {', '.join(settings.APP_ENV)}"
        )
    for name in orgs:
        problem = schema.org_problem(name)
        if problem:
            return fail(f"--org: {schema.render(problem)}" + (f" ({name!r})" if len(orgs) > 1 else ""))
    url, source = (base_url, "--base-url") if base_url else settings.BASE_URL.lookup(None)
    if url is None:
        source = f"--base-url or {settings.BASE_URL.env}"
    try:
        from ..core.client import GitHubClient  # the network is discover's alone
        from ..core.credentials import credentials_for
        from ..core.pacing import limits_for

        creds = credentials_for(credentials)
        client = GitHubClient(
            creds,
            url,
            base_url_source=source,
            api_version=credentials.api_version,
            limits=limits_for(credentials),
        )
    except ValueError as exc:
        return fail(str(exc))
    try:
        return _walk(client, creds, credentials, orgs, all_orgs, token_env, stack, output_format, out, err)
    finally:
        client.close()


def _walk(
    client: GitHubClient,
    creds: Credentials,
    credentials: settings.Settings,
    orgs: list[str],
    all_orgs: bool,
    token_env: str,
    stack: str | None,
    output_format: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """Read each org's list (all of them visible, with ``all_orgs``) and print what was read."""
    if all_orgs:
        try:
            orgs = _visible_orgs(credentials, creds, client)
        except GitHubError as exc:
            # A 404 there is no org's: the server does not list what these credentials see.
            alternative = " Or name the organizations with --org." if isinstance(exc, NotFound) else ""
            print(f"error: {bounded(str(exc) + alternative, MAX_DETAIL)}", file=err)
            return EXIT_FAILED
        who = _who(credentials, token_env)
        if not orgs:
            hint = (
                "install the App in an organization"
                if credentials.app is not None
                # Either reason looks the same from here (an empty list); an emulator fresh from its
                # start knows no org yet, and a user of no org is as likely as a missing scope.
                else "its user belongs to none, or (a classic token) the token lacks the read:org "
                "scope that lists private memberships; name the organizations with --org"
            )
            print(f"error: no organization is visible to {who}: {hint}", file=err)
            return EXIT_FAILED
        print(f"{len(orgs)} organization{'s' if len(orgs) != 1 else ''} visible to {who}", file=err)
    many = all_orgs or len(orgs) > 1
    found: list[tuple[str, list[dict[str, Any]]]] = []
    unread: list[str] = []
    one_credential = credentials.app is None and not credentials.tokens
    stopped: str | None = None
    for name in orgs:
        if stopped is not None:
            unread.append(name)
            print(f"{name}: not read: not tried after {stopped}", file=err)
            continue
        try:
            records = client.list_registries(name)
        except GitHubError as exc:
            unread.append(name)
            message = bounded(str(exc), MAX_DETAIL)
            print(f"{name}: not read: {message}" if many else f"error: {message}", file=err)
            if affects_every_org(exc, one_credential):
                stopped = f"{name}'s failure, which every org would meet"
            continue
        found.append((name, records))
        print(f"{name}: {_registries(len(records))}", file=err)  # one line per org read, even one
    if many:
        total = sum(len(records) for _, records in found)
        summary = f"read {len(found)} of {len(orgs)} organizations: {_registries(total)}"
        print(summary + (f"; not read: {', '.join(unread)}" if unread else ""), file=err)
    if not found:
        return EXIT_FAILED
    if output_format == "import":
        out.write(_json_text(import_documents(found)))
    else:
        out.write(render_discoveries(found, client.base_url, stack, unread=unread))
    return EXIT_PARTIAL if unread else EXIT_OK


# --- validate ---------------------------------------------------------------------------------


def _stack_name(path: Path) -> str | None:
    match = _STACK_FILE_RE.match(path.name)
    return match.group("stack") if match else None


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
    flags = f"{f' --stack {stack}' if stack else ''}{' --path' if path else ''}"
    return f"pulumi config set --secret{flags} {key}"


def _plaintext(key: str, stack: str | None, what: str = "") -> str:
    return (
        f"{key} is in plaintext{what}: remove it with `pulumi config rm {key}` and set it with "
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
                f"`pulumi config rm --path {key}.pemFile` and set it with "
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
                f"{name} is in plaintext: remove it with `pulumi config rm --path {name}` and set it with "
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


def _setting_problems(attribute: str, setting: settings.Setting, value: Any, stack: str | None) -> list[str]:
    """What the provider would refuse in one setting's value, by its rules; never quoting a secret."""
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
            problem = settings.base_url_problem(value, setting.key)
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


_PROVIDER_NAMES: Final = tuple(s.name for s in settings.PLUGIN.all)
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
    near = settings.nearest_name(name, settings.PLUGIN)
    if near is not None:
        return f"{_shown(key)} is no setting of the provider: did you mean {settings.PACKAGE}:{near}?"
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
    for keys in (settings.DYNAMIC, settings.PLUGIN):
        for attribute, setting in keys.items():
            if setting.key in checked or config.get(setting.key) is None:
                continue
            checked.add(setting.key)
            problems = _setting_problems(attribute, setting, config[setting.key], stack)
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
        if namespace == settings.PACKAGE:
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
    return lines


def validate_file(path: Path) -> tuple[int, list[str]]:
    """Check a stack file: the providers' configuration and every registry it declares; returns
    the registries' number and the problems, one per line."""
    count, lines, _ = _check(path)
    return count, lines


_SETTINGS_BY_KEY: Final = {s.key: s for keys in (settings.DYNAMIC, settings.PLUGIN) for s in keys.all}


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
    for key, meant in settings.misspelt_keys(config, (settings.GITHUB,), project=project):
        line = settings.misspelt_key_problem(key, meant)
        setting = _SETTINGS_BY_KEY[meant]
        if setting.secret and _in_plaintext(setting, config[key]):
            line += (
                f"; it is in plaintext: remove it with `pulumi config rm {_shown(key)}` and set {meant} "
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
    read = stackconfig.read_stack_file(path)
    if read.unusable:
        return 0, [_line(line) for line in read.unusable], None
    stack = _stack_name(path)
    config = dict(read.config)
    lines = _misplaced(read.document, config)
    taken: dict[str, str] = {}  # a key meant, to the misspelt key that gave its value
    project = stackconfig.project_name(path)
    registries_key = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
    if not stackconfig.declares_in_config(project, config):
        if project is not None:
            # Pulumi reads a key without a namespace as one of the project's.
            for key in [k for k in config if isinstance(k, str) and ":" not in k]:
                config.setdefault(f"{project}:{key}", config.pop(key))
        lines.extend(_misspelt(config, stack, project, taken))
        lines.extend(config_problems(config, stack, taken=taken))
        where = f"project {_shown(project)}'s program" if project else "the program"
        note = f"the registries are declared in {where}, not in this file: `pulumi preview` checks them"
        return 0, [_line(line) for line in lines], note
    lines.extend(_dedented(config, registries_key))
    for key in [k for k in config if isinstance(k, str) and ":" not in k]:
        # Pulumi reads a key without a namespace as one of the project's: the stack program's.
        config.setdefault(f"{project or stackconfig.PROJECT}:{key}", config.pop(key))
    lines.extend(_misspelt(config, stack, project or stackconfig.PROJECT, taken))
    owner = config.get(settings.OWNER.key)
    default_org = settings.OWNER.resolve(owner if isinstance(owner, str) else None)
    entries, list_problems = stackconfig.parse_registries(
        config.get(registries_key),
        default_org=default_org,
        config_keys=[str(key) for key in config],
    )
    lines.extend(config_problems(config, stack, entries, taken))
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


# --- entry point ------------------------------------------------------------------------------

_EXIT_STATUSES: Final = (
    "exit status: 0 every organization was read; 1 nothing usable (an unusable org name, credentials "
    "or base URL, or no organization could be read); 2 a usage error; 3 some organizations were read "
    "and printed, others not (each named on stderr)."
)


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or drift.invoked_as(),  # as typed: `python -m ...` or the console script
        description="Adopt and check GitHub organization private registries declared in Pulumi stacks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    found = commands.add_parser(
        "discover",
        help="print organizations' existing registries as a stack config block to adopt them, or as a "
        "`pulumi import --file` document",
        description="List organizations' private registries and print a stack config block that adopts "
        "them, valid YAML with the `pulumi config set --secret` commands for their values as comments "
        "(--format config), or the JSON document `pulumi import --file` takes to import them into the "
        f"plugin's {RESOURCE} (--format import). Progress and errors go to stderr.",
        epilog=_EXIT_STATUSES,
    )
    which = found.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--org",
        action="append",
        metavar="ORG",
        help="an organization; repeat it (or separate logins with commas) for several",
    )
    which.add_argument(
        "--all-orgs",
        action="store_true",
        help="every organization the credentials can see: a token's user's organizations "
        "(GET /user/orgs; a classic token needs read:org), or a GitHub App's installations",
    )
    found.add_argument(
        "--base-url",
        default=None,
        help=f"GitHub's API URL (default: ${settings.BASE_URL.env}, else github.com; as github:baseUrl)",
    )
    drift.add_token_env(found)
    found.add_argument(
        "--stack",
        default=None,
        help="the stack the block is for, named in the commands printed (--format config)",
    )
    found.add_argument(
        "--format",
        dest="output_format",
        choices=FORMATS,
        default="config",
        help="config: a stack config block with `adopt: true`, valid YAML (the default); import: the "
        "JSON document of `pulumi import --file`, for the plugin's resource",
    )
    check = commands.add_parser(
        "validate",
        help="check the configuration and the registries declared in stack files, offline",
        description="Run the provider's checks on a stack file's configuration (github:baseUrl, the "
        "numeric tuning keys, github-private-registry:apiVersion, github:appAuth as far as it is not "
        "encrypted, secrets set in plaintext, unknown keys) and on every registry it declares, without "
        "credentials or network. Exits 1 if anything has a problem.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="stack files, e.g. stacks/Pulumi.prod.yaml")
    compare = commands.add_parser(
        "drift",
        help="compare what a stack file declares with what GitHub reports, read-only",
        description="Compare the registries a stack file declares with what GitHub reports (one list "
        "per organization, read-only, no Pulumi): missing, undeclared and changed. Exits 0 for no "
        "drift, 2 for drift, 1 for an error.",
    )
    drift.add_arguments(compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status (0 fine, 1 problems or failure, 2 usage or ``drift``
    found drift, 3 ``discover`` read some organizations but not all)."""
    given = list(sys.argv[1:] if argv is None else argv)
    prog = drift.invoked_as()
    if given[:1] == ["drift"]:
        # Its own parser: a usage error is 1 there, since 2 means drift.
        return drift.main(given[1:], prog=f"{prog} drift")
    args = _parser(prog).parse_args(given)
    if args.command == "discover":
        return discover(
            args.org,
            all_orgs=args.all_orgs,
            base_url=args.base_url,
            token_env=args.token_env,
            stack=args.stack,
            output_format=args.output_format,
        )
    return validate(args.files)
