"""`discover` at scale: several `--org`, `--all-orgs`, valid YAML on stdout, partial failures.

Several orgs are read from the emulator. `--all-orgs` needs `GET /user/orgs` and `GET
/app/installations`; the emulator serves both (tests/tools/test_first_hour_commands.py), and a small stub
of GitHub (below) serves them with what the emulator cannot play (pages, refusals, an App's
installations on users), with the orgs' lists and a GitHub App's installation tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from clitools import clean_environment, discover
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.errors import MalformedResponse
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin.package import RESOURCE
from pulumi_github_private_registry.tools import cli, stackchecks, stackconfig
from pulumi_github_private_registry.tools import discover as discovery

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token"
REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
SECRET = "npm-secret-canary-4711"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _seed(emulator: Emulator, org: str) -> None:
    emulator.put_registry(
        org,
        registry_type="npm_registry",
        url=f"https://npm.pkg.github.com/{org}",
        visibility="selected",
        selected_repository_ids=[11],
        value=SECRET,
    )
    emulator.put_registry(
        org,
        registry_type="docker_registry",
        url="https://acme.jfrog.io",
        visibility="all",
        auth_type="oidc_jfrog",
        jfrog_oidc_provider_name=f"github-{org}",
    )


@pytest.fixture
def three_orgs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """acme and beta with two registries each, empty-org with none; any other org is 404."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with Emulator(token=TOKEN, orgs=["acme", "beta", "empty-org"]) as emulator:
        _seed(emulator, "acme")
        _seed(emulator, "beta")
        yield emulator


# --- several --org ------------------------------------------------------------------------------


def test_several_orgs_make_one_block_that_is_valid_yaml_on_its_own(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = discover(
        capsys, "--org", "acme", "--org", "beta", "--org", "empty-org", "--base-url", three_orgs.base_url
    )

    assert status == discovery.EXIT_OK
    document = yaml.safe_load(out)  # the whole of stdout, comments and all
    assert set(document) == {REGISTRIES}
    assert sorted((e["org"], e["registry_type"]) for e in document[REGISTRIES]) == [
        ("acme", "docker_registry"),
        ("acme", "npm_registry"),
        ("beta", "docker_registry"),
        ("beta", "npm_registry"),
    ]
    assert all(e["adopt"] is True for e in document[REGISTRIES])
    assert "#   empty-org: 0 registries" in out
    assert err.splitlines() == [
        "acme: 2 registries",
        "beta: 2 registries",
        "empty-org: 0 registries",
        "read 3 of 3 organizations: 4 registries",
    ]


def test_the_secret_commands_are_comments_and_no_line_is_anything_else(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = discover(capsys, "--org", "acme,beta", "--base-url", three_orgs.base_url, "--stack", "prod")

    lines = [line for line in out.splitlines() if line]
    assert all(line.startswith(("#", "  ")) for line in lines), lines
    commands = [line.removeprefix("#   ") for line in lines if line.startswith("#   pulumi ")]
    assert commands == [
        "pulumi config set --secret --stack prod github-private-registries:acmeNpmRegistry",
        "pulumi config set --secret --stack prod github-private-registries:betaNpmRegistry",
    ]
    assert SECRET not in out and TOKEN not in out


def test_the_block_pasted_under_config_validates_once_secrets_and_repositories_are_given(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = discover(capsys, "--org", "acme", "--org", "beta", "--base-url", three_orgs.base_url)
    config: dict[str, Any] = yaml.safe_load(out)
    for entry in config[REGISTRIES]:
        if "secret" in entry:
            config[stackconfig.full_key(entry["secret"])] = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
        if entry["visibility"] == "selected":
            entry["selected_repositories"] = ["web"]
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))

    assert stackchecks.validate_file(stack_file) == (4, [])


def test_an_org_named_twice_or_in_another_case_is_read_once(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = discover(
        capsys, "--org", "acme,ACME,", "--org", " acme", "--org", "beta", "--base-url", three_orgs.base_url
    )

    assert status == discovery.EXIT_OK
    assert three_orgs.count("GET", "/orgs/acme/private-registries") == 1
    assert len(yaml.safe_load(out)[REGISTRIES]) == 4


def test_a_403_on_one_org_does_not_stop_the_others_and_exits_3(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    three_orgs.inject(
        path="/orgs/beta/private-registries", status=403, body={"message": "Resource not accessible"}
    )

    status, out, err = discover(
        capsys, "--org", "beta", "--org", "acme", "--org", "hidden", "--base-url", three_orgs.base_url
    )

    assert status == discovery.EXIT_PARTIAL == 3
    assert {e["org"] for e in yaml.safe_load(out)[REGISTRIES]} == {"acme"}
    assert out.startswith("# Incomplete: not read: beta, hidden")
    assert "beta: not read: GET /orgs/beta/private-registries: permission denied" in err
    assert "hidden: not read: GET /orgs/hidden/private-registries: not found" in err
    assert err.splitlines()[-1] == "read 1 of 3 organizations: 2 registries; not read: beta, hidden"
    assert three_orgs.count("GET", "/orgs/acme/private-registries") == 1  # read after beta failed


def test_the_import_document_holds_every_org_read_and_stays_json(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    three_orgs.inject(path="/orgs/beta/private-registries", status=403, body={"message": "Forbidden"})

    status, out, err = discover(
        capsys, "--org", "acme,beta,empty-org", "--base-url", three_orgs.base_url, "--format", "import"
    )
    full_status, full_out, _ = discover(
        capsys, "--org", "acme,beta", "--base-url", three_orgs.base_url, "--format", "import"
    )

    assert status == discovery.EXIT_PARTIAL and "beta: not read" in err
    assert json.loads(out) == {
        "resources": [
            {"type": RESOURCE, "name": "acme-docker_registry", "id": "acme/DOCKER_REGISTRY_SECRET"},
            {"type": RESOURCE, "name": "acme-npm_registry", "id": "acme/NPM_REGISTRY_SECRET"},
        ]
    }
    assert full_status == discovery.EXIT_OK
    names = [r["name"] for r in json.loads(full_out)["resources"]]
    assert names == ["acme-docker_registry", "acme-npm_registry", "beta-docker_registry", "beta-npm_registry"]


def test_when_no_org_can_be_read_it_exits_1_with_nothing_on_stdout(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = discover(capsys, "--org", "gone,missing", "--base-url", three_orgs.base_url)

    assert (status, out) == (discovery.EXIT_FAILED, "")
    assert "gone: not read" in err and "missing: not read" in err


def test_a_bad_org_among_several_is_a_usage_error_before_any_request(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = discover(capsys, "--org", "acme,../user", "--base-url", three_orgs.base_url)

    assert (status, out) == (discovery.EXIT_FAILED, "")
    assert err.startswith("error: --org:") and "'../user'" in err
    assert three_orgs.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--org", "acme", "--all-orgs"],
        [],
    ],
    ids=["both", "neither"],
)
def test_org_and_all_orgs_go_alone(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["discover", *argv])

    assert leaving.value.code == 2
    assert "--all-orgs" in capsys.readouterr().err


def test_the_function_refuses_both_and_neither_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert discovery.discover("acme", all_orgs=True) == discovery.EXIT_FAILED
    assert discovery.discover() == discovery.EXIT_FAILED
    assert capsys.readouterr().err.count("error: give ") == 2


def test_a_stack_name_that_would_break_the_comments_is_refused(
    three_orgs: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = discover(
        capsys, "--org", "acme", "--base-url", three_orgs.base_url, "--stack", "prod\nconfig: {}"
    )

    assert (status, out) == (discovery.EXIT_FAILED, "") and "--stack" in err


@pytest.mark.slow
def test_discover_redirected_to_a_file_writes_a_yaml_file(three_orgs: Emulator, tmp_path: Path) -> None:
    """`discover ... > registries.yaml`, as the shell runs it."""
    target = tmp_path / "registries.yaml"
    env = {**os.environ, "GITHUB_TOKEN": TOKEN, "PYTHONPATH": str(REPO / "provider")}
    command = [sys.executable, "-m", "pulumi_github_private_registry", "discover", "--org", "acme"]
    command += ["--org", "beta", "--base-url", three_orgs.base_url, "--stack", "prod"]
    with target.open("w") as stdout:
        done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=60)

    assert done.returncode == 0, done.stderr
    assert len(yaml.safe_load(target.read_text())[REGISTRIES]) == 4
    assert "read 2 of 2 organizations" in done.stderr


def test_the_help_names_the_exit_statuses_and_all_orgs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["discover", "--help"])
    out = " ".join(capsys.readouterr().out.split())

    assert "--all-orgs" in out and "GET /user/orgs" in out
    assert "exit status: 0 every organization was read; 1 nothing usable" in out
    assert "3 some organizations were read" in out


# --- --all-orgs, against a stub of GitHub --------------------------------------------------------


@dataclass
class Stub:
    """GitHub's /user/orgs, /app/installations and the orgs' registry lists; canned, recorded."""

    orgs: list[str] = field(default_factory=list)
    """What GET /user/orgs lists, two a page."""
    registries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    installations: list[dict[str, Any]] = field(default_factory=list)
    """What GET /app/installations lists, two a page."""
    app_key: Any = None
    """The App's public key: its JWT is verified with it."""
    user_orgs_status: int = 200
    next_link: str | None = None
    """A next-page link to give instead of GitHub's own."""
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    base_url: str = ""

    def paths(self, method: str = "GET") -> list[str]:
        return [path for m, path, _ in self.requests if m == method]


def _page(items: list[Any], query: dict[str, list[str]], path: str, stub: Stub) -> tuple[Any, str | None]:
    page = int(query.get("page", ["1"])[0])
    chunk = items[(page - 1) * 2 : page * 2]
    more = page * 2 < len(items)
    link = stub.next_link or f'<{stub.base_url.rstrip("/")}{path}?per_page=100&page={page + 1}>; rel="next"'
    return chunk, link if more or stub.next_link else None


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, link: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if link:
                self.send_header("Link", link)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            auth = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            stub.requests.append((method, parts.path, auth))
            query = parse_qs(parts.query)
            segments = parts.path.strip("/").split("/")
            if parts.path == "/user/orgs":
                if auth != TOKEN or stub.user_orgs_status != 200:
                    status = 401 if auth != TOKEN else stub.user_orgs_status
                    return self._answer(status, {"message": "Bad credentials" if status == 401 else "Nope"})
                chunk, link = _page(
                    [{"login": o, "id": i} for i, o in enumerate(stub.orgs)], query, parts.path, stub
                )
                return self._answer(200, chunk, link)
            if parts.path.startswith("/app/"):
                jwt.decode(auth, stub.app_key, algorithms=["RS256"])  # only the App's JWT is taken
                if parts.path == "/app/installations":
                    chunk, link = _page(stub.installations, query, parts.path, stub)
                    return self._answer(200, chunk, link)
                installation = int(segments[2])  # POST /app/installations/{id}/access_tokens
                return self._answer(
                    201, {"token": f"ghs_installation{installation}", "expires_at": "2099-01-01T00:00:00Z"}
                )
            if len(segments) == 3 and segments[0] == "orgs" and segments[2] == "installation":
                jwt.decode(auth, stub.app_key, algorithms=["RS256"])
                found = [i for i in stub.installations if i["account"]["login"] == segments[1]]
                # GitHub's answer is the installation, with the account it belongs to.
                return self._answer(200, found[0]) if found else self._answer(404, {"message": "Not Found"})
            if len(segments) == 3 and segments[0] == "orgs" and segments[2] == "private-registries":
                org = segments[1]
                if org in stub.forbidden:
                    return self._answer(403, {"message": "Resource not accessible by integration"})
                if org not in stub.registries:
                    return self._answer(404, {"message": "Not Found"})
                items = stub.registries[org]
                return self._answer(200, {"total_count": len(items), "configurations": items})
            return self._answer(404, {"message": "Not Found"})

    return Handler


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _registry(registry_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"{registry_type.upper()}_SECRET",
        "registry_type": registry_type,
        "url": f"https://{registry_type}.example/",
        "visibility": "private",
        "auth_type": "token",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        **extra,
    }


def _orgs_of(stub: Stub, *orgs: str) -> None:
    stub.orgs = list(orgs)
    for org in orgs:
        stub.registries[org] = [_registry("npm_registry"), _registry("maven_repository")]


def test_all_orgs_walks_every_page_of_the_users_orgs(
    stub: Stub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _orgs_of(stub, "zeta", "acme", "beta")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert status == discovery.EXIT_OK
    assert stub.paths().count("/user/orgs") == 2  # three orgs, two a page
    assert sorted({e["org"] for e in yaml.safe_load(out)[REGISTRIES]}) == ["acme", "beta", "zeta"]
    assert err.splitlines() == [
        "3 organizations visible to the token in $GITHUB_TOKEN",
        "acme: 2 registries",
        "beta: 2 registries",
        "zeta: 2 registries",
        "read 3 of 3 organizations: 6 registries",
    ]


def test_all_orgs_reports_a_forbidden_org_and_exits_3(
    stub: Stub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _orgs_of(stub, "acme", "locked", "beta")
    stub.forbidden = {"locked"}
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url, "--format", "import")

    assert status == discovery.EXIT_PARTIAL
    assert {r["id"].split("/")[0] for r in json.loads(out)["resources"]} == {"acme", "beta"}
    assert "locked: not read: GET /orgs/locked/private-registries: permission denied" in err
    assert err.splitlines()[-1] == "read 2 of 3 organizations: 4 registries; not read: locked"
    assert TOKEN not in err


def test_all_orgs_fails_with_1_when_github_will_not_list_the_orgs(
    stub: Stub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTokenCanary")

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert (status, out) == (discovery.EXIT_FAILED, "")
    assert err.startswith("error: GET /user/orgs: GitHub rejected the token")
    assert "ghp_wrongTokenCanary" not in err


def test_all_orgs_that_finds_none_says_what_a_token_needs(
    stub: Stub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert (status, out) == (discovery.EXIT_FAILED, "")
    assert "no organization is visible to the token in $GITHUB_TOKEN" in err and "read:org" in err


def test_all_orgs_takes_the_orgs_of_the_token_map_without_a_token(
    stub: Stub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _orgs_of(stub, "acme", "beta")
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", json.dumps({"acme": TOKEN, "beta": TOKEN}))

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert status == discovery.EXIT_OK
    assert err.startswith("2 organizations visible to the tokens in $GITHUB_PRIVATE_REGISTRY_TOKENS\n")
    assert "/user/orgs" not in stub.paths()
    assert {e["org"] for e in yaml.safe_load(out)[REGISTRIES]} == {"acme", "beta"}


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _as_app(
    stub: Stub, key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch, installation: str = ""
) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    stub.app_key = key.public_key()
    monkeypatch.setenv("GITHUB_APP_ID", "4242")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem)
    if installation:
        monkeypatch.setenv("GITHUB_APP_INSTALLATION_ID", installation)


def _installation(number: int, login: str, kind: str = "Organization") -> dict[str, Any]:
    return {"id": number, "account": {"login": login, "type": kind}, "target_type": kind}


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
def test_all_orgs_as_a_github_app_walks_its_installations_on_organizations(
    stub: Stub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    app_key: rsa.RSAPrivateKey,
) -> None:
    _orgs_of(stub, "acme", "beta", "gamma")
    stub.installations = [
        _installation(1, "acme"),
        _installation(2, "octocat", "User"),  # an installation on a user: no org to read
        _installation(3, "gamma"),
        _installation(4, "beta"),
    ]
    _as_app(stub, app_key, monkeypatch)

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert status == discovery.EXIT_OK, err
    assert stub.paths().count("/app/installations") == 2  # four installations, two a page
    assert {e["org"] for e in yaml.safe_load(out)[REGISTRIES]} == {"acme", "beta", "gamma"}
    assert err.splitlines()[0] == "3 organizations visible to GitHub App 4242"
    tokens = {(path, auth) for m, path, auth in stub.requests if path.endswith("/private-registries")}
    assert ("/orgs/beta/private-registries", "ghs_installation4") in tokens  # each org's own token
    assert "/user/orgs" not in stub.paths()


def test_all_orgs_as_an_app_with_one_installation_configured_reads_only_that_one(
    stub: Stub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    app_key: rsa.RSAPrivateKey,
) -> None:
    _orgs_of(stub, "acme", "beta")
    stub.installations = [_installation(1, "acme"), _installation(4, "beta")]
    _as_app(stub, app_key, monkeypatch, installation="4")

    status, out, err = discover(capsys, "--all-orgs", "--base-url", stub.base_url)

    assert status == discovery.EXIT_OK, err
    assert {e["org"] for e in yaml.safe_load(out)[REGISTRIES]} == {"beta"}


# --- the client's listings -----------------------------------------------------------------------


def test_the_client_refuses_a_next_page_that_leaves_the_api(stub: Stub) -> None:
    _orgs_of(stub, "acme")
    stub.next_link = '<https://elsewhere.example/user/orgs?page=2>; rel="next"'
    client = GitHubClient(TOKEN, stub.base_url)

    with pytest.raises(MalformedResponse, match="leaves the configured API"):
        client.list_user_orgs()
    assert stub.paths() == ["/user/orgs"]


def test_the_client_refuses_a_next_page_already_read(stub: Stub) -> None:
    _orgs_of(stub, "acme")
    stub.next_link = f'<{stub.base_url}user/orgs?per_page=100>; rel="next"'
    client = GitHubClient(TOKEN, stub.base_url)

    with pytest.raises(MalformedResponse, match="page already read"):
        client.list_user_orgs()


def test_the_client_refuses_an_org_login_that_could_move_a_path(stub: Stub) -> None:
    stub.orgs = ["acme", "../user"]
    client = GitHubClient(TOKEN, stub.base_url)

    with pytest.raises(MalformedResponse, match="without a valid 'login'"):
        client.list_user_orgs()
