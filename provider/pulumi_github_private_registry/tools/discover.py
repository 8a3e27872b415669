"""``discover``: organizations' registries, read from GitHub, as stack config or an import document.

For one or several organizations (``--org``, repeatable) or every one the credentials can see
(``--all-orgs``), it prints either a stack config block that is valid YAML on its own (``--format
config``: everything that is not config is a YAML comment, the ``pulumi config set --secret``
commands among them) or the document ``pulumi import --file`` takes to import every registry into
the plugin's resource (``--format import``). Credentials come from the environment as the provider
reads them (:func:`..core.settings.from_environment`), the client from :mod:`..core.access`.
Progress and what could not be read go to stderr, and the exit status says how it went:
:data:`EXIT_OK`, :data:`EXIT_FAILED`, :data:`EXIT_PARTIAL`. An entry's shape is
:mod:`.stackconfig`'s; the import document takes the plugin's resource token from
:mod:`..plugin.package`, which imports no Pulumi.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Final, TextIO

import yaml

from ..audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS
from ..core import schema, settings
from ..core.access import Access, connect, has_credential
from ..core.answers import UrlPart, registry_url
from ..core.errors import MAX_DETAIL, MAX_LINE, GitHubError, NotFound, affects_every_org, bounded
from ..plugin.package import RESOURCE
from . import stackconfig, stackfile
from .invocation import add_token_env, no_token

__all__ = [
    "DESCRIPTION",
    "EPILOG",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "FORMATS",
    "HELP",
    "Found",
    "add_arguments",
    "discover",
    "import_document",
    "import_documents",
    "render_discoveries",
    "render_discovery",
    "render_import",
    "run",
]

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
    return _config(found, base_url, stack, unread)[0]


def _config(found: Found, base_url: str, stack: str | None, unread: Sequence[str]) -> tuple[str, list[str]]:
    """:func:`render_discoveries`' text, and for each registry whose URL lost a part that may hold a
    credential, what was left out (:func:`_left_out`), worked out once for the comment and stderr."""
    lines: list[str] = []
    left_out: list[str] = []
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
        return "\n".join(lines) + "\n", left_out
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
            dropped = _url_left_out(entry)
            if dropped:
                left_out.append(_left_out(org, record, dropped))
                lines.append(
                    f"# {left_out[-1]} here (this file is committed): the registry's "
                    f"credentials belong in its secret (`{stackconfig.SECRET_FIELD}:`); `pulumi up` sets "
                    "the URL as written here."
                )
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
    return "\n".join(lines) + "\n", left_out


def _url_left_out(entry: dict[str, Any]) -> tuple[UrlPart, ...]:
    """Take out of ``entry``'s ``url`` what may hold a credential (:func:`~..core.answers.registry_url`:
    its user-info, query and fragment); returns what was left out."""
    url = entry.get("url")
    if not isinstance(url, str):
        return ()
    entry["url"], dropped = registry_url(url)
    return dropped


_URL_PARTS: Final[Mapping[UrlPart, str]] = {
    "user_info": "user-info",
    "query": "query",
    "fragment": "fragment",
    "after_host": "everything after the host",
}
"""The parts of a URL :func:`~..core.answers.registry_url` leaves out, in words."""


def _left_out(org: str, record: Mapping[str, Any], dropped: Sequence[UrlPart]) -> str:
    """``acme/NPM_REGISTRY_SECRET: the user-info and query of its URL at GitHub (they may hold a
    credential) are left out``."""
    names = [_URL_PARTS[part] for part in dropped]
    parts = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    # A URL that cannot be taken apart keeps its scheme and host alone: the rest is one part.
    what = parts if "after_host" in dropped else f"the {parts}"
    they, are = ("they", "are") if len(dropped) > 1 else ("it", "is")
    return (
        f"{_registry_id(org, record)}: {what} of its URL at GitHub ({they} may hold a credential) {are} "
        "left out"
    )


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


def _who(credentials: settings.Settings, token_env: str) -> str:
    if credentials.app is not None:
        return f"GitHub App {credentials.app.id}"
    if credentials.token:
        return f"the token in ${token_env}"
    return f"the tokens in ${COMMAND_KEYS.tokens.env}"


def discover(
    org: str | Sequence[str] | None = None,
    *,
    all_orgs: bool = False,
    base_url: str | None = None,
    token_env: str = COMMAND_KEYS.token.env,
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
    if stack is not None:
        stack = stackfile.stack_name(stack)  # its stack file named instead: `--stack Pulumi.prod.yaml`
    if stack is not None and not _STACK_NAME_RE.fullmatch(stack):
        return fail("--stack: not a stack name (letters, digits, '_', '.', '-' and '/')")
    try:
        credentials = settings.from_environment(COMMAND_KEYS, token_env)
    except settings.SettingError as exc:
        return fail(str(exc))
    if not has_credential(credentials) or not all(has_credential(credentials, name) for name in orgs):
        return fail(no_token(token_env))
    for name in orgs:
        problem = schema.org_problem(name)
        if problem:
            return fail(
                f"--org: {schema.render(problem, schema.REST)}" + (f" ({name!r})" if len(orgs) > 1 else "")
            )
    url, source = (base_url, "--base-url") if base_url else COMMAND_KEYS.base_url.lookup(None)
    if url is None:
        source = f"--base-url or {COMMAND_KEYS.base_url.env}"
    try:
        access = connect(replace(credentials, base_url=url, base_url_source=source))
    except ValueError as exc:
        return fail(str(exc))
    try:
        return _walk(access, orgs, all_orgs, token_env, stack, output_format, out, err)
    finally:
        access.close()


def _walk(
    access: Access,
    orgs: list[str],
    all_orgs: bool,
    token_env: str,
    stack: str | None,
    output_format: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """Read each org's list (all of them visible, with ``all_orgs``) and print what was read."""
    client, credentials = access.client, access.settings
    if all_orgs:
        try:
            orgs = access.visible_orgs()
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
        text, left_out = _config(found, client.base_url, stack, unread)
        for said in left_out:
            print(f"note: {said} of the config: put the registry's credentials in its secret", file=err)
        out.write(text)
    return EXIT_PARTIAL if unread else EXIT_OK


# --- the command ------------------------------------------------------------------------------

HELP: Final = (
    "print organizations' existing registries as a stack config block to adopt them, or as a "
    "`pulumi import --file` document"
)
"""The command's line in the CLI's list of commands."""
DESCRIPTION: Final = (
    "List organizations' private registries and print a stack config block that adopts "
    "them, valid YAML with the `pulumi config set --secret` commands for their values as comments "
    "(--format config), or the JSON document `pulumi import --file` takes to import them into the "
    f"plugin's {RESOURCE} (--format import). Progress and errors go to stderr."
)
EPILOG: Final = (
    "exit status: 0 every organization was read; 1 nothing usable (an unusable org name, credentials "
    "or base URL, or no organization could be read); 2 a usage error; 3 some organizations were read "
    "and printed, others not (each named on stderr)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, for its subparser of the CLI (then call :func:`run`)."""
    which = parser.add_mutually_exclusive_group(required=True)
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
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"GitHub's API URL (default: ${COMMAND_KEYS.base_url.env}, else github.com; as "
        f"{DYNAMIC_KEYS.base_url.key})",
    )
    add_token_env(parser)
    parser.add_argument(
        "--stack",
        default=None,
        help="the stack the block is for, named in the commands printed (--format config)",
    )
    parser.add_argument(
        "--format",
        dest="output_format",
        choices=FORMATS,
        default="config",
        help="config: a stack config block with `adopt: true`, valid YAML (the default); import: the "
        "JSON document of `pulumi import --file`, for the plugin's resource",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run on arguments parsed with :func:`add_arguments`; returns the exit status."""
    return discover(
        args.org,
        all_orgs=args.all_orgs,
        base_url=args.base_url,
        token_env=args.token_env,
        stack=args.stack,
        output_format=args.output_format,
        out=out,
        err=err,
    )
