"""The emulator's GitHub App authentication, seen through plain `requests`.

An app proves itself with an RS256 JWT (made here with PyJWT over keys made with cryptography),
finds its installation on an organization, and trades the JWT for an installation token that
reaches that organization's private registries, as its permissions allow, until it expires.
Expiry is tested on the emulator's clock, never by sleeping.
"""

from __future__ import annotations

import base64
import calendar
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.api_jws import PyJWS
from nacl.public import PublicKey, SealedBox

from pulumi_github_private_registry.emulator import Emulator, facts

APP, OTHER_APP = 101, 202
INSTALLATION, OTHER_INSTALLATION = 1001, 2002
ORG, OTHER_ORG = "acme", "globex"
PAT = "test-token"
PERMISSION = "organization_private_registries"


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def keys() -> dict[int, rsa.RSAPrivateKey]:
    return {APP: _rsa(), OTHER_APP: _rsa()}


def make_jwt(key: Any, iss: Any = APP, *, iat: Any = None, exp: Any = None, now: float | None = None) -> str:
    """An app JWT as GitHub's docs make one: iat 60 s back, exp 10 minutes ahead (adjustable)."""
    now = time.time() if now is None else now
    claims = {"iat": int(now) - 60 if iat is None else iat, "exp": int(now) + 540 if exp is None else exp}
    # PyJWT only writes string issuers; GitHub's docs show the app id as a number too, so sign the
    # claims as given.
    payload = json.dumps({**claims, "iss": iss}).encode()
    return PyJWS().encode(payload, key, algorithm="RS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"}


def url(emu: Emulator, rest: str = "", org: str = ORG) -> str:
    return f"{emu.base_url}orgs/{org}/private-registries{rest}"


@pytest.fixture
def emu(keys: dict[int, rsa.RSAPrivateKey]) -> Iterator[Emulator]:
    """Two apps: APP on acme (write) and on globex (read-only), OTHER_APP on neither."""
    with Emulator(
        token=PAT,
        apps={APP: _public_pem(keys[APP]), OTHER_APP: _public_pem(keys[OTHER_APP])},
        installations={ORG: (APP, INSTALLATION), OTHER_ORG: (APP, OTHER_INSTALLATION)},
        app_permissions={OTHER_INSTALLATION: {PERMISSION: "read"}},
    ) as emulator:
        yield emulator


def installation_token(emu: Emulator, key: Any, installation_id: int = INSTALLATION, **body: Any) -> str:
    answer = requests.post(
        f"{emu.base_url}app/installations/{installation_id}/access_tokens",
        headers=bearer(make_jwt(key)),
        json=body or None,
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def create(emu: Emulator, token: str, org: str = ORG) -> requests.Response:
    """Create an npm registry with a sealed value, both requests under ``token``."""
    key = requests.get(url(emu, "/public-key", org=org), headers=bearer(token))
    if key.status_code != 200:
        return key
    sealed = SealedBox(PublicKey(base64.b64decode(key.json()["key"]))).encrypt(b"s3cret")
    body = {
        "registry_type": "npm_registry",
        "url": "https://npm.example.com/",
        "visibility": "all",
        "encrypted_value": base64.b64encode(sealed).decode(),
        "key_id": key.json()["key_id"],
    }
    return requests.post(url(emu, org=org), headers=bearer(token), json=body)


# --- finding the installation --------------------------------------------------------------------


@pytest.mark.parametrize("iss", [APP, str(APP)], ids=["int", "str"])
def test_the_app_finds_its_installation_with_a_jwt(emu: Emulator, keys: Any, iss: Any) -> None:
    answer = requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(make_jwt(keys[APP], iss)))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["id"], body["app_id"], body["account"]["login"]) == (INSTALLATION, APP, ORG)
    assert body["target_type"] == "Organization" and body["permissions"] == {PERMISSION: "write"}
    assert body["access_tokens_url"] == f"{emu.base_url}app/installations/{INSTALLATION}/access_tokens"
    other = requests.get(f"{emu.base_url}orgs/ACME/installation", headers=bearer(make_jwt(keys[APP], iss)))
    assert other.json()["id"] == INSTALLATION  # org names in any case


def test_an_org_the_app_is_not_installed_on_is_404(emu: Emulator, keys: Any) -> None:
    for org, key, iss in (("initech", keys[APP], APP), (ORG, keys[OTHER_APP], OTHER_APP)):
        answer = requests.get(f"{emu.base_url}orgs/{org}/installation", headers=bearer(make_jwt(key, iss)))
        assert (answer.status_code, answer.json()["message"]) == (404, "Not Found")
        assert answer.json()["documentation_url"] == "https://docs.github.com/rest/apps/apps"


def test_the_request_log_counts_lookups_and_token_creations(emu: Emulator, keys: Any) -> None:
    jwt_ = make_jwt(keys[APP])
    requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(jwt_))
    token = installation_token(emu, keys[APP])
    requests.get(url(emu), headers=bearer(token))
    assert emu.count("GET", "/installation") == 1
    assert emu.count("POST", "/access_tokens") == 1
    assert emu.count("GET", "/private-registries") == 1
    assert jwt_ not in repr(emu.requests) and token not in repr(emu.requests)


# --- installation tokens -------------------------------------------------------------------------


def test_a_token_is_issued_for_an_hour_with_the_installations_permissions(emu: Emulator, keys: Any) -> None:
    before = time.time()
    answer = requests.post(
        f"{emu.base_url}app/installations/{INSTALLATION}/access_tokens", headers=bearer(make_jwt(keys[APP]))
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["token"].startswith("ghs_") and len(body["token"]) == 40 and body["token"][4:].isalnum()
    assert body["permissions"] == {PERMISSION: "write"} and body["repository_selection"] == "all"
    assert body["expires_at"].endswith("Z")
    expires = calendar.timegm(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))  # UTC, in any zone
    assert before + 3600 - 1 <= expires <= time.time() + 3600
    assert [t["token"] for t in emu.installation_tokens()] == [body["token"]]


def test_a_token_reaches_its_orgs_registries(emu: Emulator, keys: Any) -> None:
    token = installation_token(emu, keys[APP])
    assert create(emu, token).status_code == 201
    assert requests.get(url(emu), headers=bearer(token)).json()["total_count"] == 1
    one = url(emu, "/NPM_REGISTRY_SECRET")
    assert requests.patch(one, headers=bearer(token), json={"visibility": "private"}).status_code == 204
    assert requests.get(one, headers=bearer(token)).json()["visibility"] == "private"
    assert requests.delete(one, headers=bearer(token)).status_code == 204
    assert requests.get(url(emu), headers=bearer(PAT)).status_code == 200  # the PAT still works too


def test_a_token_does_not_reach_another_org(emu: Emulator, keys: Any) -> None:
    token = installation_token(emu, keys[APP])
    for method in ("GET", "POST"):
        answer = requests.request(method, url(emu, org="initech"), headers=bearer(token), json={})
        assert answer.status_code == 403
        assert answer.json() == {
            "message": "Resource not accessible by integration",
            "documentation_url": facts.DOCS_URL,
            "status": "403",
        }
    assert emu.registries("initech") == {}


def test_read_permission_reads_and_no_permission_does_nothing(emu: Emulator, keys: Any) -> None:
    reader = installation_token(emu, keys[APP], OTHER_INSTALLATION)
    emu.put_registry(
        OTHER_ORG, registry_type="npm_registry", url="https://n.example.com/", visibility="all", value="v"
    )
    assert requests.get(url(emu, org=OTHER_ORG), headers=bearer(reader)).status_code == 200
    assert requests.get(url(emu, "/public-key", org=OTHER_ORG), headers=bearer(reader)).status_code == 200
    for method in ("POST", "PATCH", "DELETE"):
        rest = "" if method == "POST" else "/NPM_REGISTRY_SECRET"
        answer = requests.request(method, url(emu, rest, org=OTHER_ORG), headers=bearer(reader), json={})
        assert (answer.status_code, answer.json()["message"]) == (
            403,
            "Resource not accessible by integration",
        )
        assert answer.headers["X-Accepted-GitHub-Permissions"] == f"{PERMISSION}=write"
    assert emu.registry(OTHER_ORG, "NPM_REGISTRY_SECRET") is not None
    emu.set_app_permissions(OTHER_INSTALLATION, {"metadata": "read"})
    refused = requests.get(url(emu, org=OTHER_ORG), headers=bearer(reader))
    assert (
        refused.status_code == 403
        and refused.headers["X-Accepted-GitHub-Permissions"] == f"{PERMISSION}=read"
    )


def test_a_token_may_ask_for_less_but_not_more(emu: Emulator, keys: Any) -> None:
    reader = installation_token(emu, keys[APP], permissions={PERMISSION: "read"})
    assert requests.get(url(emu), headers=bearer(reader)).status_code == 200
    assert create(emu, reader).status_code == 403
    for wanted in ({PERMISSION: "admin"}, {"members": "read"}, "all"):
        answer = requests.post(
            f"{emu.base_url}app/installations/{OTHER_INSTALLATION}/access_tokens",
            headers=bearer(make_jwt(keys[APP])),
            json={"permissions": wanted},
        )
        assert answer.status_code == 422
        assert answer.json()["message"] == "The permissions requested are not granted to this installation."
    more = requests.post(
        f"{emu.base_url}app/installations/{OTHER_INSTALLATION}/access_tokens",
        headers=bearer(make_jwt(keys[APP])),
        json={"permissions": {PERMISSION: "write"}},
    )
    assert more.status_code == 422


def test_only_the_installations_app_gets_its_tokens(emu: Emulator, keys: Any) -> None:
    for installation_id, key, iss in ((INSTALLATION, keys[OTHER_APP], OTHER_APP), (9999, keys[APP], APP)):
        answer = requests.post(
            f"{emu.base_url}app/installations/{installation_id}/access_tokens",
            headers=bearer(make_jwt(key, iss)),
        )
        assert (answer.status_code, answer.json()["message"]) == (404, "Not Found")
    assert emu.installation_tokens() == []


# --- expiry, on the emulator's clock --------------------------------------------------------------


def test_an_expired_token_is_bad_credentials(emu: Emulator, keys: Any) -> None:
    token = installation_token(emu, keys[APP])
    assert requests.get(url(emu), headers=bearer(token)).status_code == 200
    assert emu.expire_installation_tokens() == 1
    assert emu.installation_tokens()[0]["expired"] is True
    answer = requests.get(url(emu), headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    fresh = installation_token(emu, keys[APP])
    assert requests.get(url(emu), headers=bearer(fresh)).status_code == 200
    assert emu.expire_installation_tokens(OTHER_INSTALLATION) == 0


def test_tokens_expire_after_the_ttl_on_the_emulators_clock(keys: Any) -> None:
    with Emulator(
        token=PAT,
        apps={APP: _public_pem(keys[APP])},
        installations={ORG: (APP, INSTALLATION)},
        installation_token_ttl=120.0,
    ) as emu:
        token = installation_token(emu, keys[APP])
        emu.advance_clock(110.0)  # 10 s of real time left for the request, even on a busy machine
        assert requests.get(url(emu), headers=bearer(token)).status_code == 200
        emu.advance_clock(11.5)
        assert requests.get(url(emu), headers=bearer(token)).status_code == 401
        # A JWT made on the client's (now slow) clock is already stale on the server's ...
        emu.advance_clock(600.0)
        stale = requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(make_jwt(keys[APP])))
        assert (stale.status_code, stale.json()["message"]) == (401, facts.JWT_EXPIRED)
        # ... unless made on the server's clock, which its Date header tells.
        date = requests.get(f"{emu.base_url}meta").headers["Date"]
        server_now = parsedate_to_datetime(date).timestamp()
        assert abs(server_now - emu.now()) < 2 and server_now - time.time() > 700
        again = requests.get(
            f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(make_jwt(keys[APP], now=server_now))
        )
        assert again.status_code == 200


def test_uninstalling_revokes_tokens_and_installing_again_works(emu: Emulator, keys: Any) -> None:
    token = installation_token(emu, keys[APP])
    emu.uninstall_app(ORG)
    assert requests.get(url(emu), headers=bearer(token)).status_code == 401
    lookup = requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(make_jwt(keys[APP])))
    assert lookup.status_code == 404
    emu.install_app(ORG, OTHER_APP, 3003, {PERMISSION: "read"})
    found = requests.get(
        f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(make_jwt(keys[OTHER_APP], OTHER_APP))
    )
    assert found.json()["id"] == 3003 and found.json()["permissions"] == {PERMISSION: "read"}


# --- the JWT, by GitHub's rules -------------------------------------------------------------------


def _lookup(emu: Emulator, token: str) -> requests.Response:
    return requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(token))


def test_a_jwt_github_would_refuse_is_401_with_its_message(emu: Emulator, keys: Any) -> None:
    now = time.time()
    hs256 = jwt.encode(
        {"iss": str(APP), "iat": int(now) - 60, "exp": int(now) + 540}, "s" * 32, algorithm="HS256"
    )
    cases = {
        "signed by another app's key": (make_jwt(keys[OTHER_APP], APP), facts.JWT_UNDECODABLE),
        "not a JWT": ("not.a.jwt", facts.JWT_UNDECODABLE),
        "HS256": (hs256, facts.JWT_UNDECODABLE),
        "expired": (make_jwt(keys[APP], iat=now - 700, exp=now - 1), facts.JWT_EXPIRED),
        "exp as text": (make_jwt(keys[APP], exp="soon"), facts.JWT_EXPIRED),
        "exp too far": (make_jwt(keys[APP], exp=now + 660), facts.JWT_EXP_TOO_FAR),
        "iat in the future": (make_jwt(keys[APP], iat=now + 120), facts.JWT_BAD_IAT),
        "iss not a number": (make_jwt(keys[APP], iss="Iv1.abc"), facts.JWT_BAD_ISS),
        "the PAT": (PAT, facts.JWT_UNDECODABLE),
    }
    for name, (token, message) in cases.items():
        answer = _lookup(emu, token)
        assert (answer.status_code, answer.json()["message"]) == (401, message), name
        assert answer.json()["documentation_url"] == "https://docs.github.com/rest", name
    missing = requests.get(f"{emu.base_url}orgs/{ORG}/installation")
    assert (missing.status_code, missing.json()["message"]) == (401, facts.JWT_UNDECODABLE)
    unknown = _lookup(emu, make_jwt(keys[APP], iss=999))
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Integration not found")
    assert emu.installation_tokens() == []


def test_the_docs_own_jwt_is_accepted(emu: Emulator, keys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = int(time.time())  # GitHub's example: iat 60 s back, exp 10 minutes ahead
    # The emulator's clock held half a second into `now`: a JWT valid for one more second is
    # judged as valid, however close to the next second the request arrives.
    monkeypatch.setattr(emu, "now", lambda: now + 0.5)
    assert _lookup(emu, make_jwt(keys[APP], iat=now - 60, exp=now + 600)).status_code == 200
    assert _lookup(emu, make_jwt(keys[APP], iat=now, exp=now + 1)).status_code == 200


def test_the_jwt_opens_only_the_app_endpoints(emu: Emulator, keys: Any) -> None:
    answer = requests.get(url(emu), headers=bearer(make_jwt(keys[APP])))
    assert (answer.status_code, answer.json()["message"]) == (403, "Resource not accessible by integration")
    forged = requests.get(url(emu), headers=bearer(make_jwt(keys[OTHER_APP], APP)))
    assert forged.status_code == 401
    unknown = requests.get(url(emu), headers=bearer("ghs_" + "x" * 36))
    assert (unknown.status_code, unknown.json()["message"]) == (401, "Bad credentials")


def test_an_installation_token_does_not_open_the_app_endpoints(emu: Emulator, keys: Any) -> None:
    token = installation_token(emu, keys[APP])
    answer = requests.post(
        f"{emu.base_url}app/installations/{INSTALLATION}/access_tokens", headers=bearer(token)
    )
    assert (answer.status_code, answer.json()["message"]) == (401, facts.JWT_UNDECODABLE)


# --- with GitHub Enterprise Server, without apps, and the arguments ---------------------------------


def test_apps_on_a_ghes_release(keys: Any) -> None:
    with Emulator(
        token=PAT,
        ghes_version="3.14",
        apps={APP: _public_pem(keys[APP])},
        installations={ORG: (APP, INSTALLATION)},
    ) as emu:
        assert emu.base_url.endswith("/api/v3/")
        token = installation_token(emu, keys[APP])
        answer = requests.get(url(emu), headers=bearer(token))
        assert answer.status_code == 200 and answer.headers["X-GitHub-Enterprise-Version"] == "3.14"
        refused = _lookup(emu, make_jwt(keys[OTHER_APP], APP))
        assert refused.json()["documentation_url"] == "https://docs.github.com/enterprise-server@3.14/rest"
        newest = requests.get(
            f"{emu.base_url}orgs/{ORG}/installation",
            headers={**bearer(make_jwt(keys[APP])), "X-GitHub-Api-Version": "2026-03-10"},
        )
        assert newest.status_code == 400


def test_without_apps_the_app_endpoints_do_not_exist(keys: Any) -> None:
    with Emulator(token=PAT) as emu:
        assert requests.get(f"{emu.base_url}orgs/{ORG}/installation", headers=bearer(PAT)).status_code == 404
        # a JWT-looking or ghs_ token is an ordinary token there, as before
        assert requests.get(url(emu), headers=bearer(make_jwt(keys[APP]))).status_code == 401
    with Emulator() as anyone:
        assert requests.get(url(anyone), headers=bearer("ghs_" + "x" * 36)).status_code == 200


def test_a_private_key_pem_serves_as_the_apps_key(keys: Any) -> None:
    private = (
        keys[APP]
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    with Emulator(apps={APP: private}, installations={ORG: (APP, INSTALLATION)}) as emu:
        assert _lookup(emu, make_jwt(keys[APP])).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"installations": {ORG: (OTHER_APP, 1)}},
        {"installations": {ORG: (APP, 1), OTHER_ORG: (APP, 1)}},
        {"installations": {ORG: (APP, 1)}, "app_permissions": {2: {PERMISSION: "write"}}},
        {"apps": {"app": "pem"}},
    ],
)
def test_arguments_that_do_not_fit_are_refused(keys: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Emulator(**{"apps": {APP: _public_pem(keys[APP])}, **kwargs})


def test_an_app_key_is_rsa() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="RSA"):
        Emulator(apps={APP: ec_pem})


@pytest.mark.slow
def test_command_line_serves_an_app(keys: Any, tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    pem.write_text(_public_pem(keys[APP]), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "provider")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_github_private_registry.emulator",
            "--token",
            PAT,
            "--app",
            f"{APP}={pem}",
            "--installation",
            f"{ORG}={APP}:{INSTALLATION}",
            "--installation-token-ttl",
            "60",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        base = process.stdout.readline().strip().removeprefix("emulator listening on ")
        answer = requests.post(
            f"{base}app/installations/{INSTALLATION}/access_tokens", headers=bearer(make_jwt(keys[APP]))
        )
        assert answer.status_code == 201
        token = answer.json()["token"]
        assert requests.get(f"{base}orgs/{ORG}/private-registries", headers=bearer(token)).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
