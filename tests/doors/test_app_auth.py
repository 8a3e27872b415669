"""GitHub App credentials (issue 12) against the emulator, through both front doors.

The dynamic provider runs in the real dynamic-provider host (`python -m pulumi.dynamic`, via
`provider_host.ProviderHost`), the plugin in its own process (`plugin_host.PluginHost`), each
configured with a GitHub App instead of a token; the emulator serves the App's two endpoints
(`GET /orgs/{org}/installation`, `POST /app/installations/{id}/access_tokens`) and counts them.
Expiry is driven by the emulator's token lifetime and clock, never by sleeping; where the
provider's own clock must move (renewal five minutes before expiry, the hour an installation is
trusted), the core's `AppTokens` is driven in-process with a clock of the test's.

Canary scans: the App's private key, every JWT and every installation token the emulator saw
appear in no answer, no error and nothing the provider processes wrote, failure paths included.

Also here, the other credentials beyond one token: ``github-private-registry:tokens``, a token per
org, whose use is read off the ``Authorization`` of each request the emulator logged.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from doors import Plugins, camel
from engine import Secret, change, up
from hosted import ProviderError
from plugin_host import PluginHost
from provider_host import ProviderHost
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.credentials import INSTALLATION_TTL, RENEW_BEFORE, AppTokens
from pulumi_github_private_registry.core.pacing import Limits
from pulumi_github_private_registry.core.settings import AppAuth
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import declaration

T = TypeVar("T")
R = TypeVar("R")
Start = Callable[..., ProviderHost]

APP = 101
ORGS = ("acme", "globex", "initech", "umbrella")
INSTALLATIONS = {org: 1001 + i for i, org in enumerate(ORGS)}
PER_ORG = 4
PERMISSION = "organization_private_registries"
PAT = "ghp_personalAccessToken0815"
APP_KEY = "github:appAuth"
TOKENS_KEY = "github-private-registry:tokens"
# What a leaked credential looks like in text, whatever else the canary lists miss.
_GHS = re.compile(r"ghs_[A-Za-z0-9]{20,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


# --- keys, emulators, processes ---------------------------------------------------------------------


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    """The key as GitHub hands it out: PKCS#1 PEM ("BEGIN RSA PRIVATE KEY")."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(key: rsa.RSAPrivateKey) -> str:
    return _private_pem(key)


@pytest.fixture(scope="module")
def wrong_pem() -> str:
    """A well-formed RSA key that is not the App's."""
    return _private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def app_emulator(key: rsa.RSAPrivateKey, **kwargs: Any) -> Emulator:
    """App APP installed on every org of ORGS (one installation each, write access by default)."""
    return Emulator(
        token=PAT,
        apps={APP: _public_pem(key)},
        installations={org: (APP, INSTALLATIONS[org]) for org in ORGS},
        **kwargs,
    )


@pytest.fixture
def emu(key: rsa.RSAPrivateKey) -> Iterator[Emulator]:
    with app_emulator(key) as emulator:
        yield emulator


def app_config(pem: str, *, installation: int | None = None) -> dict[str, Any]:
    """``github:appAuth`` as an object of strings (as `pulumi config set --path` makes it)."""
    app: dict[str, Any] = {"id": str(APP), "pemFile": pem}
    if installation is not None:
        app["installationId"] = str(installation)
    return {APP_KEY: app}


@pytest.fixture
def hosts() -> Iterator[Start]:
    """Start a configured dynamic-provider process (one `pulumi` command); all stop at the end."""
    started: list[ProviderHost] = []

    def start(emu: Emulator, *, env: Mapping[str, str] | None = None, **config: Any) -> ProviderHost:
        host = ProviderHost(OrgPrivateRegistryProvider(), env=env).start()
        started.append(host)
        settings = {
            "github:baseUrl": emu.base_url,
            "github:owner": "acme",
            "github:writeDelayMs": "0",
            "github-private-registry:maxRetryWait": "2",
            **config,
        }
        host.configure(
            {k: v for k, v in settings.items() if v is not None},
            secret_keys={APP_KEY, "github:token", TOKENS_KEY},
        )
        return host

    yield start
    for host in started:
        host.stop()


@pytest.fixture
def plugins(emu: Emulator) -> Iterator[Plugins]:
    started = Plugins(emu)
    yield started
    started.stop()


def start_plugin(plugins: Plugins, emu: Emulator, pem: str, **config: Any) -> PluginHost:
    """A plugin process configured with the App as its (secret) ``appAuth`` provider input."""
    return plugins.start(
        emu,
        token=None,
        appAuth={"id": str(APP), "pemFile": pem},
        maxRetryWait=2,
        secret_keys=("appAuth", "token", "tokens"),
        **config,
    )


def parallel(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """``fn`` over ``items`` from four threads, as the engine walks independent resources."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fn, items))


def fleet(orgs: tuple[str, ...] = ORGS, per_org: int = PER_ORG) -> list[dict[str, Any]]:
    """``per_org`` token registries (one per type) in each org."""
    return [
        {
            "org": org,
            "registry_type": registry_type,
            "url": f"https://{registry_type.replace('_', '-')}.example.com/{org}/",
            "visibility": "all",
            "value": f"secret-{org}-{registry_type}",
        }
        for org in orgs
        for registry_type in schema.REGISTRY_TYPES[:per_org]
    ]


# --- what the emulator saw ----------------------------------------------------------------------------


def lookups(emu: Emulator) -> dict[str, int]:
    """``GET /orgs/{org}/installation`` per org."""
    return {org: emu.count("GET", f"/orgs/{org}/installation") for org in ORGS}


def issued(emu: Emulator) -> dict[str, int]:
    """``POST /app/installations/{id}/access_tokens`` per org (by its installation)."""
    return {org: emu.count("POST", f"/app/installations/{INSTALLATIONS[org]}/access_tokens") for org in ORGS}


def registry_requests(emu: Emulator, org: str) -> list[Any]:
    return [r for r in emu.requests if r.path.startswith(f"/orgs/{org}/private-registries")]


def bearer_of(request: Any) -> str:
    header = str(request.headers.get("authorization") or "")
    return header.partition(" ")[2]


def statuses(emu: Emulator) -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in emu.requests]


def kinds(emu: Emulator, org: str) -> Counter[str]:
    """The requests of one org by kind: lookup, token, list, key and one registry by method."""
    counted: Counter[str] = Counter()
    for r in emu.requests:
        if r.path == f"/orgs/{org}/installation":
            counted["lookup"] += 1
        elif r.path == f"/app/installations/{INSTALLATIONS[org]}/access_tokens":
            counted["token"] += 1
        elif r.path == f"/orgs/{org}/private-registries":
            counted["list" if r.method == "GET" else r.method] += 1
        elif r.path == f"/orgs/{org}/private-registries/public-key":
            counted["key"] += 1
        elif r.path.startswith(f"/orgs/{org}/private-registries/"):
            counted[r.method] += 1
    return counted


def credentials_seen(emu: Emulator) -> set[str]:
    """Every JWT and installation token a request carried, and every token the emulator issued."""
    seen = {bearer_of(r) for r in emu.requests} - {"", PAT}
    seen |= {str(t["token"]) for t in emu.installation_tokens()}
    return seen


def key_lines(pem: str) -> list[str]:
    """The private key's base64 lines: what a message quoting the key would show."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def leaks(text: str, pem: str, credentials: set[str]) -> list[str]:
    """What of the key, the JWTs and the tokens ``text`` shows."""
    found = [c[:12] + "..." for c in credentials if c in text]
    found += [line[:12] + "..." for line in key_lines(pem) if line in text]
    found += [m[:12] + "..." for m in _GHS.findall(text) + _JWT.findall(text)]
    if "PRIVATE KEY" in text or pem.replace("\n", "\\n")[40:80] in text:
        found.append("the PEM")
    return found


def assert_host_clean(host: ProviderHost, pem: str, credentials: set[str], *texts: Any) -> None:
    """No credential in what the process wrote, in the blob the state carries, or in ``texts``."""
    written = [host.stderr_text(), host.stdout_text(), host.provider_blob, *map(repr, texts)]
    for text in written:
        assert leaks(text, pem, credentials) == [], text[-2000:]


def failure_of(call: Callable[[], object]) -> str:
    with pytest.raises(ProviderError) as failure:
        call()
    return failure.value.details


# --- one App, four orgs: the economy ------------------------------------------------------------------


def test_one_app_serves_four_orgs_with_one_lookup_and_one_token_each(
    emu: Emulator, hosts: Start, pem: str
) -> None:
    """A whole deployment in one process (create, refresh, update, destroy from four threads): per
    org exactly one installation lookup and one installation token, shared by every thread."""
    host = hosts(emu, **app_config(pem))
    declarations = fleet()
    created = parallel(lambda d: up(host, d), declarations)
    assert lookups(emu) == dict.fromkeys(ORGS, 1)
    assert issued(emu) == dict.fromkeys(ORGS, 1)
    after_create = {org: kinds(emu, org) for org in ORGS}
    # Each org: its lookup, its token, one list, one key and a POST per registry.
    assert after_create == {
        org: Counter({"lookup": 1, "token": 1, "list": 1, "key": 1, "POST": PER_ORG}) for org in ORGS
    }
    for org in ORGS:
        assert len(emu.registries(org)) == PER_ORG

    # The rest of the hour, same process: refresh, change every url, destroy.
    refreshed = parallel(lambda c: host.read(c[0], c[1], c[2]), created)
    assert all(r.id for r in refreshed)
    moved = parallel(
        lambda pair: change(
            host, pair[0][0], pair[1].outputs, pair[0][2], dict(pair[2], url=pair[2]["url"] + "v2/")
        ),
        list(zip(created, refreshed, declarations, strict=True)),
    )
    parallel(lambda pair: host.delete(pair[0][0], pair[1]), list(zip(created, moved, strict=True)))
    assert all(emu.registries(org) == {} for org in ORGS)
    assert lookups(emu) == dict.fromkeys(ORGS, 1), "no lookup repeated within the hour"
    assert issued(emu) == dict.fromkeys(ORGS, 1), "no token asked for again within the hour"

    # Every request about an org carried that org's one installation token: shared by the threads.
    tokens = {t["installation_id"]: t["token"] for t in emu.installation_tokens()}
    assert len(tokens) == len(ORGS)
    for org in ORGS:
        used = {bearer_of(r) for r in registry_requests(emu, org)}
        assert used == {tokens[INSTALLATIONS[org]]}, org
    assert not [s for s in statuses(emu) if s[2] == 401]
    total = {org: sum(kinds(emu, org).values()) for org in ORGS}
    # lookup + token + list + key + 4 POST + a list for the updates + 4 PATCH + 4 GET + a list for
    # the deletes + 4 DELETE: 22 per org, 88 in all.
    assert total == dict.fromkeys(ORGS, 2 + 2 + 4 * PER_ORG + 2)
    assert len(emu.requests) == 88
    assert_host_clean(host, pem, credentials_seen(emu), created, refreshed, moved)

    # A new `pulumi` command is a new process: it looks up and asks once per org again.
    emu.reset_log()
    other = hosts(emu, **app_config(pem))
    parallel(lambda d: up(other, d), fleet(per_org=2))
    assert lookups(emu) == dict.fromkeys(ORGS, 1) and issued(emu) == dict.fromkeys(ORGS, 1)


def test_with_an_installation_id_no_lookup_and_one_token(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **app_config(pem, installation=INSTALLATIONS["acme"]))
    created = parallel(lambda d: up(host, d), fleet(("acme",), 5))
    assert all(id_.startswith("acme/") for id_, _, _ in created)
    assert emu.count("GET", "/installation") == 0
    assert emu.count("POST", "/access_tokens") == 1
    assert kinds(emu, "acme") == Counter({"token": 1, "list": 1, "key": 1, "POST": 5})
    for id_, outs, inputs in created:
        assert host.read(id_, outs, inputs).id == id_
    assert emu.count("POST", "/access_tokens") == 1


def test_the_pem_with_literal_backslash_n_escapes(emu: Emulator, hosts: Start, pem: str) -> None:
    escaped = pem.replace("\n", "\\n")
    assert "\n" not in escaped
    host = hosts(emu, **app_config(escaped))
    id_, _, _ = up(host, declaration("token", "globex"))
    assert id_ == "globex/NPM_REGISTRY_SECRET"
    assert emu.decrypted_value("globex", "NPM_REGISTRY_SECRET") == "npm-secret-value"
    assert issued(emu)["globex"] == 1


def test_app_auth_as_json_text(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(
        emu, **{APP_KEY: json.dumps({"id": APP, "installationId": INSTALLATIONS["initech"], "pemFile": pem})}
    )
    id_, _, _ = up(host, declaration("oidc_azure", "initech"))
    assert id_ == "initech/DOCKER_REGISTRY_SECRET"
    assert emu.count("GET", "/installation") == 0


@pytest.mark.parametrize("installation", [False, True], ids=["looked-up", "configured"])
def test_the_app_from_the_environment_with_escapes(
    emu: Emulator, hosts: Start, pem: str, installation: bool
) -> None:
    env = {"GITHUB_APP_ID": str(APP), "GITHUB_APP_PEM_FILE": pem.replace("\n", "\\n")}
    if installation:
        env["GITHUB_APP_INSTALLATION_ID"] = str(INSTALLATIONS["umbrella"])
    host = hosts(emu, env=env)
    id_, _, _ = up(host, declaration("token", "umbrella"))
    assert id_ == "umbrella/NPM_REGISTRY_SECRET"
    assert lookups(emu)["umbrella"] == (0 if installation else 1)
    assert issued(emu)["umbrella"] == 1


# --- tokens that expire -------------------------------------------------------------------------------


def test_a_token_expiring_mid_deployment_is_renewed_once(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **app_config(pem))
    up(host, declaration("token", "acme"))
    first = {t["token"] for t in emu.installation_tokens()}
    emu.reset_log()
    assert emu.expire_installation_tokens() == 1
    id_, _, _ = up(host, declaration("oidc_azure", "acme"))
    assert id_ == "acme/DOCKER_REGISTRY_SECRET"
    # The org's list and key are known: the POST alone, refused once, then sent again with a new token.
    assert statuses(emu) == [
        ("POST", "/orgs/acme/private-registries", 401),
        ("POST", f"/app/installations/{INSTALLATIONS['acme']}/access_tokens", 201),
        ("POST", "/orgs/acme/private-registries", 201),
    ]
    refused, accepted = bearer_of(emu.requests[0]), bearer_of(emu.requests[2])
    assert refused in first and accepted not in first
    assert emu.registry("acme", "DOCKER_REGISTRY_SECRET") is not None


def test_a_token_expired_on_the_emulators_clock_is_renewed_once(
    key: rsa.RSAPrivateKey, hosts: Start, pem: str
) -> None:
    """Tokens of 400 s; the clock moves 450 s (not past the JWT's 540 s): the next request renews."""
    with app_emulator(key, installation_token_ttl=400) as emu:
        host = hosts(emu, **app_config(pem))
        news = declaration("token", "acme")
        id_, outs, inputs = up(host, news)
        emu.advance_clock(450)
        assert all(t["expired"] for t in emu.installation_tokens())
        emu.reset_log()
        updated = change(host, id_, outs, inputs, dict(news, url="https://npm.example.com/v2/"))
        assert updated["url"] == "https://npm.example.com/v2/"
        assert statuses(emu) == [
            ("GET", "/orgs/acme/private-registries", 401),  # the update's list meets it first
            ("POST", f"/app/installations/{INSTALLATIONS['acme']}/access_tokens", 201),
            ("GET", "/orgs/acme/private-registries", 200),
            ("PATCH", "/orgs/acme/private-registries/NPM_REGISTRY_SECRET", 204),
            ("GET", "/orgs/acme/private-registries/NPM_REGISTRY_SECRET", 200),
        ]


class _Clock:
    """The provider's clock, moved by the test together with the emulator's."""

    def __init__(self, emu: Emulator) -> None:
        self.now = time.time()
        self._emu = emu

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._emu.advance_clock(seconds)


def test_renewal_five_minutes_before_expiry_and_lookups_once_an_hour(emu: Emulator, pem: str) -> None:
    """In-process, with the provider's clock in the test's hands: four orgs over 61 minutes."""
    clock = _Clock(emu)
    credentials = AppTokens(AppAuth(str(APP), None, pem, APP_KEY), clock=clock)
    client = GitHubClient(credentials, emu.base_url, limits=Limits(write_interval=0))

    def use_every_org() -> dict[str, str]:
        for org in ORGS:
            assert client.list_registries(org) == []
        return {org: bearer_of(registry_requests(emu, org)[-1]) for org in ORGS}

    first = use_every_org()
    assert lookups(emu) == issued(emu) == dict.fromkeys(ORGS, 1)
    for _ in range(5):  # 5 x 658 s = 3290 s: each token has 310 s left, over the 5 minutes
        clock.advance((INSTALLATION_TTL - RENEW_BEFORE - 10) / 5)
        assert use_every_org() == first
    assert lookups(emu) == issued(emu) == dict.fromkeys(ORGS, 1), "nothing repeated within the hour"

    clock.advance(20)  # 290 s left: a new token before the old one fails
    assert not any(t["expired"] for t in emu.installation_tokens())
    renewed = use_every_org()
    assert all(renewed[org] != first[org] for org in ORGS)
    assert issued(emu) == dict.fromkeys(ORGS, 2) and lookups(emu) == dict.fromkeys(ORGS, 1)
    assert not [s for s in statuses(emu) if s[2] == 401], "no token was used after it expired"

    clock.advance(RENEW_BEFORE)  # 3610 s: the installations are looked up again, the tokens kept
    assert use_every_org() == renewed
    assert lookups(emu) == dict.fromkeys(ORGS, 2) and issued(emu) == dict.fromkeys(ORGS, 2)
    client.close()


def test_threads_share_one_token_per_org(emu: Emulator, pem: str) -> None:
    """Sixteen threads ask at once, four per org: one lookup and one token per org."""
    credentials = AppTokens(AppAuth(str(APP), None, pem, APP_KEY))
    client = GitHubClient(credentials, emu.base_url, limits=Limits(write_interval=0, max_concurrency=16))
    emu.latency = 0.05  # the first answers come late: every thread is waiting by then
    with ThreadPoolExecutor(max_workers=16) as pool:
        tokens = list(pool.map(lambda org: client.drive(credentials.token(org)), [*ORGS] * 4))
    assert lookups(emu) == issued(emu) == dict.fromkeys(ORGS, 1)
    assert len(set(tokens)) == len(ORGS)
    client.close()


# --- errors users hit -----------------------------------------------------------------------------------


def test_an_org_the_app_is_not_installed_in_names_the_org_and_the_app(
    emu: Emulator, hosts: Start, pem: str
) -> None:
    host = hosts(emu, **app_config(pem))
    details = failure_of(lambda: up(host, declaration("token", "hooli")))
    assert "the GitHub App 101 is not installed in the organization 'hooli'" in details
    assert "give a token for 'hooli'" in details
    # Nothing written, not even a token asked for.
    assert statuses(emu) == [("GET", "/orgs/hooli/installation", 404)]
    assert emu.registries("hooli") == {}
    assert_host_clean(host, pem, credentials_seen(emu), details)


@pytest.mark.parametrize("installation", [None, INSTALLATIONS["acme"]], ids=["looked-up", "configured"])
def test_a_jwt_signed_with_the_wrong_key(
    emu: Emulator, hosts: Start, pem: str, wrong_pem: str, installation: int | None
) -> None:
    host = hosts(emu, **app_config(wrong_pem, installation=installation))
    details = failure_of(lambda: up(host, declaration("token", "acme")))
    assert "A JSON web token could not be decoded" in details
    assert "GitHub refused the JWT signed with the private key of GitHub App 101 (github:appAuth)" in details
    app_route = "/orgs/acme/installation" if installation is None else "access_tokens"
    assert [(m, s) for m, p, s in statuses(emu)] == [("GET" if installation is None else "POST", 401)]
    assert app_route in emu.requests[0].path
    assert emu.registries("acme") == {}
    for secret in (pem, wrong_pem):
        assert_host_clean(host, secret, credentials_seen(emu), details)


@pytest.mark.parametrize(
    ("level", "refused"),
    [
        ("none", ("GET", "/orgs/globex/private-registries")),
        ("read", ("POST", "/orgs/globex/private-registries")),
    ],
)
def test_an_app_without_the_permission_says_so(
    key: rsa.RSAPrivateKey, hosts: Start, pem: str, level: str, refused: tuple[str, str]
) -> None:
    with app_emulator(key, app_permissions={INSTALLATIONS["globex"]: {PERMISSION: level}}) as emu:
        host = hosts(emu, **app_config(pem))
        details = failure_of(lambda: up(host, declaration("token", "globex")))
        assert "permission denied (Resource not accessible by integration)" in details
        assert (
            "the GitHub App 101 needs the 'Organization private registries' permission (read and write)"
            in details
        )
        assert (*refused, 403) in statuses(emu)
        assert emu.registries("globex") == {}
        assert_host_clean(host, pem, credentials_seen(emu), details)


@pytest.mark.parametrize(
    "text",
    ["canary-not-a-key-0815", "-----BEGIN PUBLIC KEY-----\nMIIBcanary0815\n-----END PUBLIC KEY-----"],
    ids=["text", "public-key"],
)
def test_a_malformed_key_fails_at_configure_naming_the_setting(
    emu: Emulator, hosts: Start, text: str
) -> None:
    host = hosts(emu, **app_config(text))
    details = failure_of(lambda: host.check(declaration("token", "acme")))
    assert "configuration: github:appAuth.pemFile must hold the App's private key" in details
    assert "canary" not in details and "MIIB" not in details
    assert emu.requests == []


def test_a_key_that_only_looks_like_pem_fails_naming_the_app(emu: Emulator, hosts: Start) -> None:
    body = "MIIEcanaryGarbageKeyMaterial0815abcdefghijklmnopqrstuvwxyz"
    host = hosts(emu, **app_config(f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"))
    details = failure_of(lambda: up(host, declaration("token", "acme")))
    assert "the private key of GitHub App 101 (github:appAuth) cannot sign a JWT" in details
    assert "canary" not in details and "PRIVATE KEY-----" not in details
    assert emu.requests == [], "nothing was sent"
    assert "canary" not in host.stderr_text()


def test_a_malformed_key_from_the_environment_names_the_variable(emu: Emulator, hosts: Start) -> None:
    host = hosts(emu, env={"GITHUB_APP_ID": str(APP), "GITHUB_APP_PEM_FILE": "canary-0815"})
    details = failure_of(lambda: host.check(declaration("token", "acme")))
    assert "configuration: GITHUB_APP_PEM_FILE must hold the App's private key" in details
    assert "canary" not in details


def test_a_token_and_an_app_together_say_which_to_remove(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **{"github:token": PAT, **app_config(pem)})
    details = failure_of(lambda: host.check(declaration("token", "acme")))
    assert (
        "configuration: github:token and github:appAuth are both set: remove github:token to "
        "authenticate as the GitHub App, or github:appAuth to use the token"
    ) in details
    assert PAT not in details
    from_env = hosts(emu, env={"GITHUB_TOKEN": PAT, "GITHUB_APP_ID": str(APP), "GITHUB_APP_PEM_FILE": pem})
    details = failure_of(lambda: from_env.check(declaration("token", "acme")))
    assert (
        "GITHUB_TOKEN and GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE are both set"
        in details
    )
    assert "remove GITHUB_TOKEN to authenticate as the GitHub App" in details
    assert emu.requests == []
    assert_host_clean(from_env, pem, set(), details)


def test_a_token_map_entry_takes_precedence_over_the_app(emu: Emulator, hosts: Start, pem: str) -> None:
    """An org with its own token uses it; the others use the App."""
    host = hosts(emu, **app_config(pem), **{TOKENS_KEY: {"globex": PAT}})
    up(host, declaration("token", "globex"))
    up(host, declaration("token", "acme"))
    assert {bearer_of(r) for r in registry_requests(emu, "globex")} == {PAT}
    assert lookups(emu) == {"acme": 1, "globex": 0, "initech": 0, "umbrella": 0}
    assert issued(emu) == {"acme": 1, "globex": 0, "initech": 0, "umbrella": 0}


# --- found by these tests and fixed: a wrong installation, a reinstalled App, ids as numbers ---------------


def test_a_wrong_installation_id_names_the_setting_and_the_app(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **app_config(pem, installation=4242))
    details = failure_of(lambda: up(host, declaration("token", "acme")))
    assert emu.registries("acme") == {}
    assert "installationId" in details and "GitHub App 101" in details


def test_an_app_reinstalled_mid_deployment_is_looked_up_again(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **app_config(pem))
    up(host, declaration("token", "acme"))
    emu.uninstall_app("acme")  # revokes its tokens
    emu.install_app("acme", APP, 9001)
    id_, _, _ = up(host, declaration("oidc_azure", "acme"))
    assert id_ == "acme/DOCKER_REGISTRY_SECRET"
    assert emu.count("GET", "/orgs/acme/installation") == 2


def test_an_app_uninstalled_mid_deployment_names_the_org_and_the_app(
    emu: Emulator, hosts: Start, pem: str
) -> None:
    host = hosts(emu, **app_config(pem))
    up(host, declaration("token", "acme"))
    emu.uninstall_app("acme")
    details = failure_of(lambda: up(host, declaration("oidc_azure", "acme")))
    assert "GitHub App 101" in details and "'acme'" in details


def test_numeric_ids_through_the_dynamic_provider(emu: Emulator, hosts: Start, pem: str) -> None:
    host = hosts(emu, **{APP_KEY: {"id": APP, "installationId": INSTALLATIONS["acme"], "pemFile": pem}})
    id_, _, _ = up(host, declaration("token", "acme"))
    assert id_ == "acme/NPM_REGISTRY_SECRET"


def test_numeric_ids_through_the_plugin(emu: Emulator, plugins: Plugins, pem: str) -> None:
    host = plugins.start(
        emu,
        token=None,
        appAuth={"id": APP, "installationId": INSTALLATIONS["acme"], "pemFile": pem},
        secret_keys=("appAuth",),
    )
    id_, _ = host.create(host.check(camel(declaration("token", "acme"))).inputs)
    assert id_ == "acme/NPM_REGISTRY_SECRET"


# --- a token per org ---------------------------------------------------------------------------------------

DEFAULT = "ghp_defaultToken0815"
GLOBEX = "ghp_globexOnlyToken0815"


def bearers_by_org(emu: Emulator, orgs: tuple[str, ...]) -> dict[str, set[str]]:
    return {org: {bearer_of(r) for r in registry_requests(emu, org)} for org in orgs}


@pytest.mark.parametrize("source", ["config", "json-text", "environment"])
def test_an_org_with_an_entry_uses_its_token_the_others_the_default(hosts: Start, source: str) -> None:
    with Emulator(token=None) as emu:  # accepts any token: who sent which is read off the log
        mapping = {"Globex": GLOBEX}
        if source == "environment":
            host = hosts(
                emu, env={"GITHUB_PRIVATE_REGISTRY_TOKENS": json.dumps(mapping)}, **{"github:token": DEFAULT}
            )
        else:
            given = mapping if source == "config" else json.dumps(mapping)
            host = hosts(emu, **{"github:token": DEFAULT, TOKENS_KEY: given})
        parallel(lambda d: up(host, d), fleet(("acme", "globex", "initech"), 2))
        assert bearers_by_org(emu, ("acme", "globex", "initech")) == {
            "acme": {DEFAULT},
            "globex": {GLOBEX},
            "initech": {DEFAULT},
        }
        assert len(emu.registries("globex")) == 2


def test_a_refused_map_token_names_its_entry(hosts: Start) -> None:
    """The emulator accepts only the default token: globex's own is refused, and the error names
    the map's entry (never the token); acme, without an entry, works with the default."""
    with Emulator(token=DEFAULT) as emu:
        host = hosts(emu, **{"github:token": DEFAULT, TOKENS_KEY: {"globex": GLOBEX}})
        assert up(host, declaration("token", "acme"))[0] == "acme/NPM_REGISTRY_SECRET"
        details = failure_of(lambda: up(host, declaration("token", "globex")))
        assert "GitHub rejected the token (Bad credentials)" in details
        assert f"Set a valid token in {TOKENS_KEY}[globex]" in details
        assert GLOBEX not in details and DEFAULT not in details
        assert ("GET", "/orgs/globex/private-registries", 401) in statuses(emu)
        assert emu.registries("globex") == {}
        for text in (host.stderr_text(), host.stdout_text(), host.provider_blob):
            assert GLOBEX not in text and DEFAULT not in text


def test_with_the_map_alone_an_org_without_an_entry_asks_for_a_token(hosts: Start) -> None:
    with Emulator(token=None) as emu:
        host = hosts(emu, **{TOKENS_KEY: {"globex": GLOBEX}})
        assert up(host, declaration("token", "globex"))[0] == "globex/NPM_REGISTRY_SECRET"
        details = failure_of(lambda: up(host, declaration("token", "acme")))
        assert "OrgPrivateRegistry acme/NPM_REGISTRY_SECRET: no GitHub token" in details
        assert f"or give a token for this org in {TOKENS_KEY}, or a GitHub App" in details
        assert emu.registries("acme") == {} and registry_requests(emu, "acme") == []


def test_a_token_with_a_space_in_the_map_names_the_entry(hosts: Start) -> None:
    with Emulator(token=None) as emu:
        spaced = "ghp_CANARY spaced0815"
        host = hosts(emu, **{"github:token": DEFAULT, TOKENS_KEY: {"globex": spaced}})
        details = failure_of(lambda: host.check(declaration("token", "globex")))
        assert f"configuration: {TOKENS_KEY}[globex] holds a space" in details
        assert "CANARY" not in details and "spaced0815" not in details
        assert emu.requests == []


def test_the_plugin_uses_the_token_map_too(plugins: Plugins) -> None:
    with Emulator(token=None) as emu:
        host = plugins.start(emu, token=DEFAULT, tokens={"globex": GLOBEX}, secret_keys=("token", "tokens"))
        for news in fleet(("acme", "globex"), 2):
            checked = host.check(camel(news))
            host.create(checked.inputs)
        assert bearers_by_org(emu, ("acme", "globex")) == {"acme": {DEFAULT}, "globex": {GLOBEX}}
        listed = host.invoke("github-private-registry:index:getOrgPrivateRegistries", {"org": "globex"})
        assert len(listed.value["registries"]) == 2
        assert bearers_by_org(emu, ("globex",)) == {"globex": {GLOBEX}}
        text = host.transcript_text(skip={"CheckConfig"}) + host.stderr_text() + host.stdout_text()
        assert GLOBEX not in text and DEFAULT not in text
        # From the environment, as JSON.
        other = plugins.start(
            emu, token=DEFAULT, env={"GITHUB_PRIVATE_REGISTRY_TOKENS": json.dumps({"initech": GLOBEX})}
        )
        other.create(other.check(camel(declaration("token", "initech"))).inputs)
        assert bearers_by_org(emu, ("initech",)) == {"initech": {GLOBEX}}


def test_the_plugins_check_config_names_the_map_entry(plugins: Plugins) -> None:
    with Emulator(token=None) as emu:
        host = plugins.start(emu, configure=False)
        checked = host.check_config({"baseUrl": emu.base_url, "tokens": {"globex": "ghp_CANARY spaced"}})
        assert [p for p, _ in checked.failures] == ["tokens"]
        assert checked.failures[0][1].startswith(f"{TOKENS_KEY}[globex] holds a space")
        assert "CANARY" not in checked.failures[0][1]


# --- the plugin --------------------------------------------------------------------------------------------


def test_the_plugin_authenticates_as_the_app(emu: Emulator, plugins: Plugins, pem: str) -> None:
    host = start_plugin(plugins, emu, pem)

    def one(news: dict[str, Any]) -> str:
        checked = host.check(camel(news))
        assert checked.failures == []
        id_, outs = host.create(checked.inputs)
        assert outs.is_secret("value")
        return id_

    declared = fleet(("acme", "globex"), 3)
    ids = parallel(one, declared)
    assert ids == [f"{d['org']}/{schema.configuration_name(d['registry_type'])}" for d in declared]
    assert lookups(emu) == {"acme": 1, "globex": 1, "initech": 0, "umbrella": 0}
    assert issued(emu) == {"acme": 1, "globex": 1, "initech": 0, "umbrella": 0}
    listed = host.invoke("github-private-registry:index:getOrgPrivateRegistries", {"org": "globex"})
    assert len(listed.value["registries"]) == 3
    assert issued(emu)["globex"] == 1
    credentials = credentials_seen(emu)
    assert leaks(host.transcript_text(skip={"CheckConfig"}), pem, credentials) == []
    assert leaks(host.stderr_text() + host.stdout_text(), pem, credentials) == []


def test_the_plugin_with_an_installation_id_and_escapes(emu: Emulator, plugins: Plugins, pem: str) -> None:
    host = plugins.start(
        emu,
        token=None,
        appAuth={
            "id": str(APP),
            "installationId": str(INSTALLATIONS["initech"]),
            "pemFile": pem.replace("\n", "\\n"),
        },
        secret_keys=("appAuth",),
    )
    checked = host.check(camel(declaration("token", "initech")))
    id_, _ = host.create(checked.inputs)
    assert id_ == "initech/NPM_REGISTRY_SECRET"
    assert emu.count("GET", "/installation") == 0 and issued(emu)["initech"] == 1


def test_the_plugin_reads_the_app_from_the_environment(emu: Emulator, plugins: Plugins, pem: str) -> None:
    host = plugins.start(
        emu, token=None, env={"GITHUB_APP_ID": str(APP), "GITHUB_APP_PEM_FILE": pem.replace("\n", "\\n")}
    )
    id_, _ = host.create(host.check(camel(declaration("token", "umbrella"))).inputs)
    assert id_ == "umbrella/NPM_REGISTRY_SECRET" and issued(emu)["umbrella"] == 1


def test_the_plugins_check_config_names_app_auth(emu: Emulator, plugins: Plugins, pem: str) -> None:
    host = plugins.start(emu, configure=False)
    bad = host.check_config({"baseUrl": emu.base_url, "appAuth": {"id": str(APP), "pemFile": "canary-0815"}})
    assert [p for p, _ in bad.failures] == ["appAuth"]
    assert bad.failures[0][1].startswith(
        "github-private-registry:appAuth.pemFile must hold the App's private key"
    )
    assert "canary" not in bad.failures[0][1]
    both = host.check_config(
        {"token": PAT, "baseUrl": emu.base_url, "appAuth": {"id": str(APP), "pemFile": pem}}
    )
    assert [p for p, _ in both.failures] == ["token"]
    assert "remove github-private-registry:token to authenticate as the GitHub App" in both.failures[0][1]
    assert leaks(" ".join(r for _, r in both.failures), pem, set()) == []
    assert PAT not in " ".join(r for _, r in both.failures)


def test_the_plugin_names_the_org_and_the_app_when_it_is_not_installed(
    emu: Emulator, plugins: Plugins, pem: str
) -> None:
    host = start_plugin(plugins, emu, pem)
    checked = host.check(camel(declaration("token", "hooli")))
    with pytest.raises(ProviderError) as failure:
        host.create(checked.inputs)
    assert "the GitHub App 101 is not installed in the organization 'hooli'" in failure.value.details
    assert "Traceback" not in failure.value.details
    assert emu.registries("hooli") == {}


# --- canary scans: every path at once ---------------------------------------------------------------


def test_no_key_jwt_or_token_in_any_answer_error_or_stderr(
    key: rsa.RSAPrivateKey, hosts: Start, pem: str, wrong_pem: str
) -> None:
    """The dynamic provider through success, renewal after expiry and after a 401, a missing
    permission, an org without the App, a revoked installation and a wrong key."""
    with app_emulator(key, app_permissions={INSTALLATIONS["initech"]: {PERMISSION: "read"}}) as emu:
        host = hosts(emu, **app_config(pem))
        answers: list[Any] = []
        news = declaration("token", "acme")
        id_, outs, inputs = up(host, news)
        answers += [outs, host.read(id_, outs, inputs)]
        emu.expire_installation_tokens()
        answers.append(change(host, id_, outs, inputs, dict(news, value="rotated")))
        answers.append(failure_of(lambda: up(host, declaration("token", "initech"))))  # 403
        answers.append(failure_of(lambda: up(host, declaration("token", "hooli"))))  # not installed
        up(host, declaration("token", "umbrella"))
        emu.uninstall_app("umbrella")  # its token revoked: 401, then the token request 404s
        answers.append(failure_of(lambda: up(host, declaration("oidc_azure", "umbrella"))))
        wrong = hosts(emu, **app_config(wrong_pem))
        answers.append(failure_of(lambda: up(wrong, declaration("token", "globex"))))

        credentials = credentials_seen(emu)
        jwts = {c for c in credentials if c.count(".") == 2}
        tokens = {c for c in credentials if c.startswith("ghs_")}
        assert len(jwts) >= 2 and len(tokens) >= 4, "the scan looks for real credentials"
        for process in (host, wrong):
            assert_host_clean(process, pem, credentials, *answers)
            assert_host_clean(process, wrong_pem, credentials, *answers)


@pytest.mark.slow
def test_the_plugin_shows_no_key_jwt_or_token(key: rsa.RSAPrivateKey, pem: str, wrong_pem: str) -> None:
    with app_emulator(key, app_permissions={INSTALLATIONS["initech"]: {PERMISSION: "none"}}) as emu:
        plugins = Plugins(emu)
        try:
            host = start_plugin(plugins, emu, pem)
            news = camel(declaration("token", "acme"))
            checked = host.check(news)
            id_, outs = host.create(checked.inputs)
            emu.expire_installation_tokens()
            read = host.read(id_, outs, checked.inputs)
            moved = host.check({**news, "value": Secret("rotated")}, read.inputs)
            host.update(id_, read.outputs, moved.inputs, old_inputs=read.inputs)
            for org in ("initech", "hooli"):
                with pytest.raises(ProviderError):
                    host.create(host.check(camel(declaration("token", org))).inputs)
            wrong = start_plugin(plugins, emu, wrong_pem)
            with pytest.raises(ProviderError):
                wrong.create(wrong.check(camel(declaration("token", "globex"))).inputs)
            credentials = credentials_seen(emu)
            assert len([c for c in credentials if c.startswith("ghs_")]) >= 2
            for process in (host, wrong):
                assert process.transcript
                text = (
                    process.transcript_text(skip={"CheckConfig"})
                    + process.stderr_text()
                    + process.stdout_text()
                )
                for secret in (pem, wrong_pem):
                    assert leaks(text, secret, credentials) == [], text[-2000:]
        finally:
            plugins.stop()
