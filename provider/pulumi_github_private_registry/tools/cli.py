"""The command line: ``discover`` an org's registries as stack config, ``validate`` stack files offline.

``python -m pulumi_github_private_registry`` and the ``pulumi-github-private-registry`` console
script run :func:`main`. ``discover`` reads GitHub (token and base URL from the environment, as the
provider does) and prints either a stack config block (``--format config``) or the document
``pulumi import --file`` takes to import every registry into the plugin's resource
(``--format import``); ``validate`` reads only the files it is given and exits 1 when any declared
registry has a problem, so a pull request can be gated without credentials. Both read the stack
configuration's shape from :mod:`.stackconfig` and the API's rules from :mod:`.schema`; the import
document takes the plugin's resource token from :mod:`..plugin.package`, which imports no Pulumi.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import yaml

from ..core import schema, settings
from ..core.errors import GitHubError, redact
from ..plugin.package import RESOURCE
from . import stackconfig
from .stackconfig import SecretStatus

__all__ = [
    "FORMATS",
    "discover",
    "import_document",
    "main",
    "render_discovery",
    "render_import",
    "validate",
    "validate_file",
]

_STACK_FILE_RE = re.compile(r"^Pulumi\.(?P<stack>.+)\.ya?ml$")

FORMATS = ("config", "import")
"""What ``discover`` prints: a stack config block, or the document of ``pulumi import --file``."""


# --- discover ---------------------------------------------------------------------------------


def render_discovery(org: str, base_url: str, records: Sequence[Mapping[str, Any]], stack: str | None) -> str:
    """The text ``discover`` prints: a config block adopting ``records``, then the secret commands."""
    where = f"{org} at {base_url}"
    if not records:
        return f"# {where} has no private registries.\n"
    entries = [stackconfig.entry_from_record(org, r) for r in records]
    block = yaml.safe_dump(
        {stackconfig.full_key(stackconfig.REGISTRIES_KEY): entries}, sort_keys=False, default_flow_style=False
    )
    stack_file = f"stacks/Pulumi.{stack or '<stack>'}.yaml"
    lines = [
        f"# {len(records)} private registr{'y' if len(records) == 1 else 'ies'} of {where}.",
        f"# Paste under `config:` in {stack_file} (merge the entries into an existing list);",
        "# `adopt: true` makes the first `pulumi up` take each one over instead of creating it.",
    ]
    for record, entry in zip(records, entries, strict=True):
        if stackconfig.REPOSITORY_NAMES_FIELD in entry:
            lines.append(
                f"# {_registry_id(org, record)} has visibility 'selected' and GitHub does not say which "
                f"repositories: list them in {stackconfig.REPOSITORY_NAMES_FIELD} (names) or "
                "selected_repository_ids."
            )
    lines.extend("  " + line for line in block.splitlines())
    keys = [e[stackconfig.SECRET_FIELD] for e in entries if stackconfig.SECRET_FIELD in e]
    if keys:
        lines += [
            "",
            "# Then set each secret (GitHub never returns them); each command prompts for the value:",
        ]
        lines += [stackconfig.set_secret_command(key, stack) for key in keys]
    return "\n".join(lines) + "\n"


def _registry_id(org: str, record: Mapping[str, Any]) -> str:
    """The id ``pulumi import`` takes: ``{org}/{name}``, e.g. ``acme/NPM_REGISTRY_SECRET``."""
    return f"{org}/{record.get('name') or schema.configuration_name(str(record.get('registry_type')))}"


def import_document(org: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``pulumi import --file`` document importing ``records`` into the plugin's resource.

    Each resource is named as the stack program names a declared registry (``acme-npm_registry``:
    GitHub keeps one registry per type in an org), so the names are stable from run to run; should
    GitHub ever list two of one type, the second gets its configuration's name appended.
    """
    resources: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        entry = stackconfig.RegistryEntry(
            index=index, inputs={"org": org, "registry_type": record.get("registry_type")}
        )
        name = entry.resource_name
        if name in seen:
            name = f"{name}-{str(record.get('name') or index).lower()}"
        seen.add(name)
        resources.append({"type": RESOURCE, "name": name, "id": _registry_id(org, record)})
    return {"resources": resources}


def render_import(org: str, records: Sequence[Mapping[str, Any]]) -> str:
    """The text ``discover --format import`` prints: JSON and nothing else, for ``pulumi import --file``."""
    return json.dumps(import_document(org, records), indent=2) + "\n"


def _credentials(token_env: str) -> settings.Settings:
    """Discover's credentials, from the environment: the token in ``token_env``, or a GitHub App
    (``GITHUB_APP_*``), a token per org and the API version, as the providers read them."""
    keys = settings.DYNAMIC
    token = settings.clean_token(os.environ.get(token_env), token_env)
    app = settings.parse_app(None, keys.app_auth)
    if app is not None and token:
        raise settings.SettingError(
            f"${token_env} and {app.source} are both set: unset ${token_env} to authenticate as the "
            f"GitHub App, or {app.source} to use the token"
        )
    api_version = settings.parse_api_version(os.environ.get(keys.api_version.env), keys.api_version.env)
    return settings.Settings(
        token=token,
        token_source=token_env,
        app=app,
        tokens=settings.parse_tokens(None, keys.tokens),
        api_version=api_version,
    )


def discover(
    org: str,
    *,
    base_url: str | None = None,
    token_env: str = settings.TOKEN.env,
    stack: str | None = None,
    output_format: str = "config",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """List ``org``'s registries as a stack config block, or as an import document; the exit status.

    ``output_format`` is one of :data:`FORMATS`. Whatever goes wrong is written to ``err``; ``out``
    gets the block or the document only, and only once the list is complete.
    """
    out, err = out or sys.stdout, err or sys.stderr
    if output_format not in FORMATS:
        print(f"error: --format: {output_format!r} is not one of {', '.join(FORMATS)}", file=err)
        return 1
    try:
        credentials = _credentials(token_env)
    except settings.SettingError as exc:
        print(f"error: {redact(str(exc))}", file=err)
        return 1
    if credentials.app is None and not credentials.token and org.lower() not in dict(credentials.tokens):
        print(
            f"error: no GitHub token in ${token_env}: export it (or name another variable with --token-env), "
            f"or a GitHub App's {', '.join(settings.APP_ENV)}",
            file=err,
        )
        return 1
    problem = schema.org_problem(org)
    if problem:
        print(f"error: --org: {schema.render(problem)}", file=err)
        return 1
    url, source = (base_url, "--base-url") if base_url else settings.BASE_URL.lookup(None)
    if url is None:
        source = f"--base-url or {settings.BASE_URL.env}"
    try:
        from ..core.client import GitHubClient  # the network is discover's alone: validate stays light
        from ..core.credentials import credentials_for

        client = GitHubClient(
            credentials_for(credentials),
            url,
            base_url_source=source,
            api_version=credentials.api_version,
        )
    except ValueError as exc:
        print(f"error: {redact(str(exc))}", file=err)
        return 1
    try:
        records = client.list_registries(org)
    except GitHubError as exc:
        print(f"error: {redact(str(exc))}", file=err)
        return 1
    finally:
        client.close()
    if output_format == "import":
        out.write(render_import(org, records))
    else:
        out.write(render_discovery(org, client.base_url, records, stack))
    return 0


# --- validate ---------------------------------------------------------------------------------


def _stack_name(path: Path) -> str | None:
    match = _STACK_FILE_RE.match(path.name)
    return match.group("stack") if match else None


def _status_in(config: Mapping[str, Any]) -> Callable[[str], SecretStatus]:
    def status(key: str) -> SecretStatus:
        value = config.get(stackconfig.full_key(key))
        if value is None:
            return "missing"
        return "secret" if isinstance(value, Mapping) and "secure" in value else "plaintext"

    return status


def validate_file(path: Path) -> tuple[int, list[str]]:
    """Check every registry a stack file declares; returns their number and the problems, one per line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return 0, [f"cannot read it: {exc}"]
    except yaml.YAMLError as exc:
        return 0, [f"not valid YAML: {exc}"]
    if data is None:
        data = {}
    if not isinstance(data, Mapping) or not isinstance(data.get("config") or {}, Mapping):
        return 0, ["not a Pulumi stack file: expected a mapping with a `config:` mapping"]
    config: Mapping[str, Any] = data.get("config") or {}
    stack = _stack_name(path)
    lines: list[str] = []
    key = settings.TOKEN.key
    token = config.get(key)
    if token is not None and not (isinstance(token, Mapping) and "secure" in token):
        lines.append(
            f"{key} is in plaintext: remove it with `pulumi config rm {key}` and set it with "
            f"`pulumi config set --secret{f' --stack {stack}' if stack else ''} {key}`"
        )
    base_url = config.get(settings.BASE_URL.key)
    if base_url is not None:
        problem = (
            settings.base_url_problem(base_url)
            if isinstance(base_url, str)
            else f"{settings.BASE_URL.key} must be a URL string"
        )
        if problem:
            lines.append(problem)
    owner = config.get(settings.OWNER.key)
    default_org = settings.OWNER.resolve(owner if isinstance(owner, str) else None)
    entries, list_problems = stackconfig.parse_registries(
        config.get(stackconfig.full_key(stackconfig.REGISTRIES_KEY)),
        default_org=default_org,
        config_keys=[str(key) for key in config],
    )
    lines.extend(list_problems)
    status = _status_in(config)
    for entry in entries:
        problems = [
            *entry.problems,
            *stackconfig.secret_problems(entry, status, stack),
            *stackconfig.declaration_problems(entry, default_org=default_org),
        ]
        lines.extend(entry.describe(p) for p in problems)
    # A secret pasted where a key name belongs would be echoed by the problem that names it.
    return len(entries), [redact(line) for line in lines]


def validate(paths: Sequence[str], *, out: TextIO | None = None) -> int:
    """Validate stack files, printing each problem as ``FILE: registry[i] (org/NAME): field: reason``."""
    out = out or sys.stdout
    failed = False
    for name in paths:
        count, lines = validate_file(Path(name))
        for line in lines:
            print(f"{name}: {line}", file=out)
        plural = "y" if count == 1 else "ies"
        verdict = f"{len(lines)} problem{'' if len(lines) == 1 else 's'}" if lines else "no problems"
        print(f"{name}: {count} registr{plural}, {verdict}", file=out)
        failed = failed or bool(lines)
    return 1 if failed else 0


# --- entry point ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulumi-github-private-registry",
        description="Adopt and check GitHub organization private registries declared in Pulumi stacks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    found = commands.add_parser(
        "discover",
        help="print an org's existing registries as a stack config block to adopt them, or as a "
        "`pulumi import --file` document",
        description="List an organization's private registries and print a stack config block that adopts "
        "them, with the `pulumi config set --secret` commands for their values (--format config), or the "
        "JSON document `pulumi import --file` takes to import them into the plugin's "
        f"{RESOURCE} (--format import).",
    )
    found.add_argument("--org", required=True, help="the organization")
    found.add_argument(
        "--base-url",
        default=None,
        help=f"GitHub's API URL (default: ${settings.BASE_URL.env}, else github.com; as github:baseUrl)",
    )
    found.add_argument(
        "--token-env",
        default=settings.TOKEN.env,
        metavar="NAME",
        help=f"the environment variable holding the token (default: {settings.TOKEN.env})",
    )
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
        help="config: a stack config block with `adopt: true` (the default); import: the JSON document "
        "of `pulumi import --file`, for the plugin's resource",
    )
    check = commands.add_parser(
        "validate",
        help="check the registries declared in stack files, offline",
        description="Run the provider's checks on every registry declared in the stack files, without "
        "credentials or network. Exits 1 if any has a problem.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="stack files, e.g. stacks/Pulumi.prod.yaml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status (0 fine, 1 problems or failure, 2 usage)."""
    args = _parser().parse_args(argv)
    if args.command == "discover":
        return discover(
            args.org,
            base_url=args.base_url,
            token_env=args.token_env,
            stack=args.stack,
            output_format=args.output_format,
        )
    return validate(args.files)
