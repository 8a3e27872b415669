"""The command line: ``python -m pulumi_github_private_registry.emulator`` (:func:`main`).

Arguments are parsed and checked here (``--help`` says what each does); the command prints one
line, :data:`READY_PREFIX` and the base URL, once it serves, and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import math
import signal
import textwrap
import threading
from pathlib import Path
from typing import Final

from .apps import app_id_of
from .contract import contract
from .facts import GHES_API_VERSIONS, GHES_STAGES, GITHUB_API_VERSIONS, INSTALLATION_TOKEN_TTL
from .serving import Emulator, listen_address


def _key_value(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return key, value


def _app_arg(text: str) -> tuple[int, str]:
    """--app APP_ID=PEM_FILE: the app's public (or private) key, read from the file."""
    app_id, path = _key_value(text, "APP_ID=PEM_FILE")
    if app_id_of(app_id) is None:
        raise argparse.ArgumentTypeError(f"an app id is a number, not {app_id!r}")
    try:
        return int(app_id), Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from None


def _installation_arg(text: str) -> tuple[str, tuple[int, int]]:
    """--installation ORG=APP_ID:INSTALLATION_ID."""
    org, ids = _key_value(text, "ORG=APP_ID:INSTALLATION_ID")
    app_id, _, installation_id = ids.partition(":")
    if not (app_id.isdigit() and installation_id.isdigit()):
        raise argparse.ArgumentTypeError(f"expected ORG=APP_ID:INSTALLATION_ID, got {text!r}")
    return org, (int(app_id), int(installation_id))


READY_PREFIX: Final = "emulator listening on "
"""The command's one line on stdout, printed once it serves: this, then the base URL."""

_COMMAND: Final = "python -m pulumi_github_private_registry.emulator"
_EPILOG: Final = f"""\
start-up and stop:
  Once it serves, it prints exactly one line to stdout, and nothing else there:

    {READY_PREFIX}BASE_URL

  BASE_URL is http://HOST:PORT/PREFIX/ with a trailing slash, e.g.
  http://127.0.0.1:41231/ or, with --prefix /api/v3, http://127.0.0.1:41231/api/v3/.
  With --port 0 the system picks a free port: read it from that line, e.g.
  url=$(sed -n 's/^{READY_PREFIX}//p' FILE), or `read -r _ _ _ url` from a pipe.
  Give BASE_URL as github:baseUrl or GITHUB_BASE_URL (the provider takes an
  http:// URL of this machine as it is). Errors go to stderr: exit status 2 for
  a wrong argument, 1 if it cannot serve (the emulator's extra not installed, the
  port taken). SIGINT (Ctrl-C) or SIGTERM stops it within a second, exit status 0.
  State lives in memory and is gone when it stops.

examples:
  {_COMMAND} --port 0 --token emulator-token
  {_COMMAND} --port 8080 --prefix /api/v3 --org acme-corp
  {_COMMAND} --ghes-version 3.14 --ghes-stage 1
"""


def _wrapped(text: str) -> str:
    """A paragraph of help, wrapped as argparse wraps the rest (the epilog keeps its own lines)."""
    return textwrap.fill(text, 76, break_long_words=False, break_on_hyphens=False)


def _host_arg(text: str) -> str:
    try:
        listen_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _port_arg(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def _seconds_arg(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(f"expected seconds, 0 or more, not {text!r}")
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_COMMAND,
        description=_wrapped(
            "Serve GitHub's REST API for organization private registries from memory: the six"
            " endpoints (list, public key, get, create, update, delete), requests judged by GitHub's"
            " OpenAPI schemas, secrets sealed to a key pair per organization; and GET /user/orgs, the"
            " organizations that exist. For trying stacks and"
            " the tools offline, and for tests. It serves until stopped (see below)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        type=_host_arg,
        default="127.0.0.1",
        help="the IPv4 address to listen on, this machine's loopback (127.0.0.0/8 or localhost) unless"
        " --beyond-loopback; clients send tokens over plain http, which the provider allows only to"
        " this machine (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--beyond-loopback",
        action="store_true",
        help="allow a --host other machines can reach (0.0.0.0, a LAN address): they could then read"
        " and write its registries, with any token unless --token is given (default: loopback only)",
    )
    parser.add_argument(
        "--port",
        type=_port_arg,
        default=0,
        help="the TCP port; 0 picks a free one, printed on the start-up line (default: 0)",
    )
    parser.add_argument(
        "--prefix",
        default="",
        metavar="PATH",
        help="serve under this path, e.g. /api/v3 as a GitHub Enterprise Server does (default: none,"
        " as api.github.com; /api/v3 with --ghes-version)",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="the token clients must send (Authorization: Bearer TOKEN or token TOKEN); others get 401"
        " (default: any token, or none, is accepted)",
    )
    parser.add_argument(
        "--read-only-token",
        default=None,
        metavar="TOKEN",
        help="a second token that may read (GET) but is refused writes with 403, as a token with read"
        " permission only (default: none)",
    )
    parser.add_argument(
        "--org",
        action="append",
        dest="orgs",
        metavar="ORG",
        help="an organization that exists (repeatable); others answer 404 (default: every"
        " organization exists, created empty on first use)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds_arg,
        default=0.0,
        metavar="SECONDS",
        help="wait this long before each answer, as a distant server would (default: 0)",
    )
    ghes = parser.add_argument_group(
        "GitHub Enterprise Server",
        _wrapped(
            "Play a GHES release: under /api/v3 (unless --prefix says otherwise), with"
            " X-GitHub-Enterprise-Version on every answer and installed_version in GET /meta."
        ),
    )
    ghes.add_argument(
        "--ghes-version",
        default=None,
        metavar="RELEASE",
        help="serve as this GHES release, e.g. 3.14 (default: none, github.com)",
    )
    ghes.add_argument(
        "--ghes-stage",
        type=int,
        default=None,
        choices=range(len(GHES_STAGES)),
        help="what the release knows of the private-registries API: "
        + "; ".join(f"{s.number}: {s.source.split(': ', 1)[-1]}" for s in GHES_STAGES)
        + f" (default: the newest, {len(GHES_STAGES) - 1})",
    )
    ghes.add_argument(
        "--ghes-api-version",
        action="append",
        dest="ghes_api_versions",
        metavar="VERSION",
        help="an X-GitHub-Api-Version the release supports (repeatable; default:"
        f" {', '.join(GHES_API_VERSIONS)}; github.com supports {', '.join(GITHUB_API_VERSIONS)})",
    )
    apps = parser.add_argument_group(
        "GitHub Apps",
        _wrapped(
            "Serve GET /orgs/ORG/installation, GET /app/installations and POST"
            " /app/installations/ID/access_tokens to an app's"
            " RS256 JWT; the ghs_ tokens issued there reach their organization's registries."
        ),
    )
    apps.add_argument(
        "--app",
        action="append",
        type=_app_arg,
        default=[],
        metavar="APP_ID=PEM_FILE",
        help="an app and its public (or private) key, read from the file (repeatable; default: none,"
        " the app endpoints answer 404)",
    )
    apps.add_argument(
        "--installation",
        action="append",
        type=_installation_arg,
        default=[],
        metavar="ORG=APP_ID:INSTALLATION_ID",
        help="an app installed on an organization, with write access to its private registries"
        " (repeatable; default: none)",
    )
    apps.add_argument(
        "--installation-token-ttl",
        type=_seconds_arg,
        default=INSTALLATION_TOKEN_TTL,
        metavar="SECONDS",
        help=f"how long an installation token lasts (default: {INSTALLATION_TOKEN_TTL:g}, as GitHub's)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, after printing the base URL on one line (:data:`READY_PREFIX`)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.ghes_version is None and (args.ghes_stage is not None or args.ghes_api_versions):
        parser.error("--ghes-stage and --ghes-api-version go with --ghes-version")
    if not listen_address(args.host).is_loopback and not args.beyond_loopback:
        parser.error(
            f"--host {args.host} is not this machine's loopback: other machines could reach the emulator"
            " and use it with plain-http tokens (any token, without --token). Listen on 127.0.0.1, or add"
            " --beyond-loopback to listen there anyway"
        )
    # From here on, a stop request ends the command cleanly, even one that comes during start-up.
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    try:
        contract()
        emulator = Emulator(
            token=args.token,
            read_only_token=args.read_only_token,
            prefix=args.prefix,
            orgs=args.orgs,
            latency=args.latency,
            ghes_version=args.ghes_version,
            ghes_stage=args.ghes_stage,
            ghes_api_versions=args.ghes_api_versions or GHES_API_VERSIONS,
            apps=dict(args.app),
            installations=dict(args.installation),
            installation_token_ttl=args.installation_token_ttl,
        )
    except ImportError as exc:
        parser.exit(1, f"error: {exc}\n")
    except ValueError as exc:
        parser.error(str(exc))
    if done.is_set():
        return
    try:
        emulator.start(args.port, host=args.host, beyond_loopback=args.beyond_loopback)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        parser.exit(1, f"error: cannot listen on {args.host}:{args.port}: {reason}\n")
    print(f"{READY_PREFIX}{emulator.base_url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emulator.stop()
