"""A GitHub App whose clock is off GitHub's, and an installation of another account (issue #17, item 11).

GitHub judges a JWT's iat and exp on its own clock: with this machine's clock 90 s ahead, every
JWT claims to be issued in GitHub's future and is refused ("'Issued at' claim ('iat') must be an
Integer representing the time that the assertion was issued"), which is no reason to blame the key.
The provider reads GitHub's time off the refusal's Date header and signs again on it, as
octokit/auth-app.js does; when the times are refused all the same it says "clock skew" with the
offset measured. An installation configured (installationId) that belongs to another organization
is named with that organization; an installation lookup answered with another account's
installation is refused. Both doors, against the emulator playing GitHub's clock
(``Emulator(clock_offset=...)``).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from doors import Plugins, camel
from engine import up
from hosted import refusal
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.emulator.facts import JWT_BAD_IAT
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import declaration
from test_app_auth import APP, INSTALLATIONS, ORGS, PAT, _private_pem, _public_pem, app_config, statuses

Create = Callable[..., object]
AHEAD = -90.0  # GitHub's clock minus this machine's: ours is 90 s ahead


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(key: rsa.RSAPrivateKey) -> str:
    return _private_pem(key)


def app_emulator(key: rsa.RSAPrivateKey, clock_offset: float = 0.0) -> Emulator:
    """App APP installed on every org of ORGS, GitHub's clock ``clock_offset`` s off this machine's."""
    emulator = Emulator(
        token=PAT,
        apps={APP: _public_pem(key)},
        installations={org: (APP, INSTALLATIONS[org]) for org in ORGS},
    )
    emulator.advance_clock(clock_offset)
    return emulator


@pytest.fixture(params=["dynamic", "plugin"])
def create(request: pytest.FixtureRequest, pem: str) -> Iterator[Create]:
    """Create one registry through a door configured with the App (``installation`` if given)."""
    stops: list[Callable[[], None]] = []

    def through(emu: Emulator, news: dict[str, Any], installation: int | None = None) -> object:
        if request.param == "dynamic":
            host = ProviderHost(OrgPrivateRegistryProvider()).start()
            stops.append(host.stop)
            config = {
                "github:baseUrl": emu.base_url,
                "github:writeDelayMs": "0",
                **app_config(pem, installation=installation),
            }
            host.configure(config, secret_keys={"github:appAuth"})
            return up(host, news)
        plugins = Plugins(emu)
        stops.append(plugins.stop)
        app: dict[str, Any] = {"id": str(APP), "pemFile": pem}
        if installation is not None:
            app["installationId"] = str(installation)
        plugin = plugins.start(emu, token=None, appAuth=app, secret_keys=("appAuth",))
        checked = plugin.check(camel(news))
        assert checked.failures == [], checked.failures
        return plugin.create(checked.inputs)

    yield through
    for stop in stops:
        stop()


# --- clock skew -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("offset", [AHEAD, 600.0], ids=["ours-90s-ahead", "ours-10min-behind"])
def test_an_app_works_with_this_machines_clock_off_githubs(
    key: rsa.RSAPrivateKey, create: Create, offset: float
) -> None:
    """The first JWT is refused for its times; the next, on GitHub's clock, is accepted: once."""
    with app_emulator(key, clock_offset=offset) as emu:
        create(emu, declaration("token", "acme"))
        assert emu.registry("acme", "NPM_REGISTRY_SECRET") is not None
        assert statuses(emu)[:3] == [
            ("GET", "/orgs/acme/installation", 401),
            ("GET", "/orgs/acme/installation", 200),
            ("POST", f"/app/installations/{INSTALLATIONS['acme']}/access_tokens", 201),
        ]
        assert [s for s in statuses(emu) if s[2] == 401] == [statuses(emu)[0]], "one refusal in all"


@pytest.mark.slow
def test_times_refused_all_the_same_say_clock_skew_not_the_key(
    key: rsa.RSAPrivateKey, create: Create
) -> None:
    with app_emulator(key, clock_offset=AHEAD) as emu:
        emu.inject(path="/installation", status=401, body={"message": JWT_BAD_IAT}, times=2)
        details = refusal(lambda: create(emu, declaration("token", "acme")))
        assert JWT_BAD_IAT in details
        measured = re.search(
            r"clock skew: this machine's clock is (\d+) s ahead of GitHub's \(by its Date header\)", details
        )
        assert measured is not None, details
        # 90 s, and what the Date header's whole seconds and a busy machine's delays add or take.
        assert 85 <= int(measured.group(1)) <= 95
        assert "set this machine's clock right (NTP), the key is not the cause" in details
        assert "give the App's own key" not in details
        assert [s[2] for s in statuses(emu)] == [401, 401], "one retry on GitHub's time, no more"


@pytest.mark.slow
def test_a_wrong_key_with_a_skewed_clock_still_names_the_key(key: rsa.RSAPrivateKey, create: Create) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    emulator = Emulator(token=PAT, apps={APP: _public_pem(other)}, installations={"acme": (APP, 1001)})
    emulator.advance_clock(AHEAD)
    with emulator as emu:
        details = refusal(lambda: create(emu, declaration("token", "acme")))
        assert "A JSON web token could not be decoded" in details
        assert "give the App's own key" in details and "clock skew" not in details
        assert [s[2] for s in statuses(emu)] == [401], "GitHub named the key, not the times: no retry"


@pytest.mark.slow
def test_a_clock_more_than_15_minutes_off_is_reported_not_signed_on(
    key: rsa.RSAPrivateKey, create: Create
) -> None:
    """A server that forged its Date would otherwise collect JWTs valid hours ahead."""
    with app_emulator(key, clock_offset=7200.0) as emu:
        details = refusal(lambda: create(emu, declaration("token", "acme")))
        assert re.search(r"clock skew: this machine's clock is 7\d\d\d s behind GitHub's", details), details
        assert [s[2] for s in statuses(emu)] == [401], "no JWT signed on a time that far off"


# --- an installation of another account -------------------------------------------------------------------


@pytest.mark.slow
def test_an_installation_id_of_another_org_names_that_org(key: rsa.RSAPrivateKey, create: Create) -> None:
    with app_emulator(key) as emu:
        details = refusal(lambda: create(emu, declaration("token", "acme"), INSTALLATIONS["globex"]))
        assert f"installation {INSTALLATIONS['globex']} of GitHub App {APP} (installationId in " in details
        assert "belongs to the organization 'globex', not 'acme'" in details
        assert "give the App's installation in 'acme' as installationId" in details
        assert "needs the 'Organization private registries' permission" not in details
        assert emu.count("GET", f"/app/installations/{INSTALLATIONS['globex']}") == 1
        assert emu.registries("acme") == {}


@pytest.mark.slow
def test_an_installation_id_of_the_org_without_permission_still_names_the_permission(
    key: rsa.RSAPrivateKey, create: Create
) -> None:
    with app_emulator(key) as emu:
        emu.set_app_permissions(INSTALLATIONS["acme"], {"organization_private_registries": "read"})
        details = refusal(lambda: create(emu, declaration("token", "acme"), INSTALLATIONS["acme"]))
        assert "needs the 'Organization private registries' permission" in details
        assert "belongs to" not in details


@pytest.mark.slow
@pytest.mark.parametrize("login", ["globex", "acme-evil"])
def test_an_org_lookup_answered_with_another_accounts_installation_is_refused(
    key: rsa.RSAPrivateKey, create: Create, login: str
) -> None:
    with app_emulator(key) as emu:
        other = {"id": INSTALLATIONS["globex"], "account": {"login": login, "type": "Organization"}}
        emu.inject(method="GET", path="/orgs/acme/installation", status=200, body=other)
        details = refusal(lambda: create(emu, declaration("token", "acme")))
        assert f"the installation it names belongs to '{login}', not to 'acme'" in details
        assert emu.count("POST", "/access_tokens") == 0, "no token of another account asked for"
        assert emu.registries("acme") == emu.registries(login) == {}


@pytest.mark.slow
def test_an_org_lookup_compares_logins_in_any_case(key: rsa.RSAPrivateKey, create: Create) -> None:
    with app_emulator(key) as emu:
        mine = {"id": INSTALLATIONS["acme"], "account": {"login": "ACME", "type": "Organization"}}
        emu.inject(method="GET", path="/orgs/acme/installation", status=200, body=mine)
        create(emu, declaration("token", "acme"))
        assert emu.registry("acme", "NPM_REGISTRY_SECRET") is not None


# --- the emulator plays GitHub's clock and its installation endpoint --------------------------------


def test_the_emulators_clock_offset_shows_in_its_date_header(key: rsa.RSAPrivateKey) -> None:
    with Emulator(clock_offset=-3600) as emu:
        date = requests.get(f"{emu.base_url}meta").headers["Date"]
    assert abs(email.utils.parsedate_to_datetime(date).timestamp() - (time.time() - 3600)) < 5
    with pytest.raises(ValueError, match="clock_offset"):
        Emulator(clock_offset=float("nan"))


def test_the_emulator_answers_an_installation_by_id_to_its_app(key: rsa.RSAPrivateKey, pem: str) -> None:
    with app_emulator(key) as emu:
        now = int(emu.now())
        token = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(APP)}, pem, algorithm="RS256")
        headers = {"Authorization": f"Bearer {token}"}
        found = requests.get(f"{emu.base_url}app/installations/{INSTALLATIONS['globex']}", headers=headers)
        missing = requests.get(f"{emu.base_url}app/installations/4242", headers=headers)
        unsigned = requests.get(f"{emu.base_url}app/installations/{INSTALLATIONS['globex']}")
    assert found.status_code == 200 and found.json()["account"]["login"] == "globex"
    assert found.json()["id"] == INSTALLATIONS["globex"]
    assert missing.status_code == 404 and unsigned.status_code == 401
