"""`settings.resolve` for the credentials of issue 12: a GitHub App, a token per org, the API version.

Unit tests, no process and no request: what each door's keys and environment variables give, and
how a value that cannot be used is refused, naming the setting and never quoting a key or a token.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pulumi_github_private_registry.audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS, PLUGIN_KEYS
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.core.credentials import AppTokens, Flow, StaticTokens, credentials_for
from pulumi_github_private_registry.core.settings import SettingError, resolve

APP_KEY = "github:appAuth"
PLUGIN_APP_KEY = "github-private-registry:appAuth"
TOKENS_KEY = "github-private-registry:tokens"
VERSION_KEY = "github-private-registry:apiVersion"
APP_ENV = ("GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PEM_FILE")
ENVIRONMENT = (
    "GITHUB_TOKEN",
    "GITHUB_BASE_URL",
    "GITHUB_OWNER",
    "GITHUB_API_VERSION",
    "GITHUB_PRIVATE_REGISTRY_TOKENS",
    *APP_ENV,
)
# A token that GitHub would never issue (a space inside), and a canary to look for in messages.
SPACED_TOKEN = "ghp_CANARY spaced-token-0815"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own GITHUB_* variables must not decide these tests."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def _pem(key: rsa.RSAPrivateKey, *, pkcs8: bool = False) -> str:
    form = serialization.PrivateFormat.PKCS8 if pkcs8 else serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(key: rsa.RSAPrivateKey) -> str:
    """The App's key as GitHub hands it out: PKCS#1, "BEGIN RSA PRIVATE KEY"."""
    return _pem(key)


def _body_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM: what a message quoting the key would show."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def _refused(config: dict[str, Any], keys: settings.Keys = DYNAMIC_KEYS) -> SettingError:
    with pytest.raises(SettingError) as failure:
        resolve(config, keys)
    return failure.value


def _assert_no_key(message: str, pem: str) -> None:
    assert "PRIVATE KEY" not in message
    assert not any(line in message for line in _body_lines(pem)), message


# --- appAuth: the forms it takes --------------------------------------------------------------------


@pytest.mark.parametrize("app_id", ["101", 101, " 101 "], ids=["text", "number", "padded"])
def test_app_auth_as_an_object(pem: str, app_id: Any) -> None:
    found = resolve({APP_KEY: {"id": app_id, "installationId": 1001, "pemFile": pem}}, DYNAMIC_KEYS)
    assert found.app is not None
    assert (found.app.id, found.app.installation_id, found.app.source) == ("101", 1001, APP_KEY)
    assert found.app.private_key == pem.strip()
    assert found.token is None


def test_app_auth_as_json_text_as_the_stack_config_holds_it(pem: str) -> None:
    text = json.dumps({"id": "101", "installationId": "1001", "pemFile": pem})
    found = resolve({APP_KEY: text}, DYNAMIC_KEYS)
    assert found.app is not None
    assert (found.app.id, found.app.installation_id, found.app.private_key) == ("101", 1001, pem.strip())


@pytest.mark.parametrize("installation", [None, ""], ids=["absent", "empty"])
def test_installation_id_is_optional(pem: str, installation: Any) -> None:
    config: dict[str, Any] = {"id": "101", "pemFile": pem}
    if installation is not None:
        config["installationId"] = installation
    found = resolve({APP_KEY: config}, DYNAMIC_KEYS)
    assert found.app is not None and found.app.installation_id is None


def test_pem_file_with_literal_backslash_n_escapes(pem: str) -> None:
    escaped = pem.replace("\n", "\\n")
    assert "\n" not in escaped
    found = resolve({APP_KEY: {"id": "101", "pemFile": escaped}}, DYNAMIC_KEYS)
    assert found.app is not None and found.app.private_key == pem.strip()
    # The same through JSON text (where the escape is itself escaped once more).
    text = resolve({APP_KEY: json.dumps({"id": "101", "pemFile": escaped})}, DYNAMIC_KEYS)
    assert text.app is not None and text.app.private_key == pem.strip()


def test_whole_numbers_as_the_protocol_carries_them(pem: str) -> None:
    found = resolve({APP_KEY: {"id": 101.0, "installationId": 1001.0, "pemFile": pem}}, DYNAMIC_KEYS)
    assert found.app is not None and (found.app.id, found.app.installation_id) == ("101", 1001)


def test_a_pkcs8_key_is_accepted_too(key: rsa.RSAPrivateKey) -> None:
    pkcs8 = _pem(key, pkcs8=True)
    assert "BEGIN PRIVATE KEY" in pkcs8
    found = resolve({APP_KEY: {"id": "101", "pemFile": pkcs8}}, DYNAMIC_KEYS)
    assert found.app is not None and found.app.private_key == pkcs8.strip()


def test_app_auth_from_the_environment(monkeypatch: pytest.MonkeyPatch, pem: str) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "101")
    monkeypatch.setenv("GITHUB_APP_INSTALLATION_ID", "1001")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem.replace("\n", "\\n"))
    found = resolve({}, DYNAMIC_KEYS)
    assert found.app is not None
    assert (found.app.id, found.app.installation_id, found.app.private_key) == ("101", 1001, pem.strip())
    assert found.app.source == ", ".join(APP_ENV)
    # The plugin reads the same variables.
    plugin = resolve({}, PLUGIN_KEYS)
    assert plugin.app is not None and plugin.app.id == "101"


def test_app_auth_from_the_environment_without_an_installation(
    monkeypatch: pytest.MonkeyPatch, pem: str
) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "101")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem)
    found = resolve({}, DYNAMIC_KEYS)
    assert found.app is not None and found.app.installation_id is None


def test_the_config_key_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, pem: str) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "999")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", "not a key")
    found = resolve({APP_KEY: {"id": "101", "pemFile": pem}}, DYNAMIC_KEYS)
    assert found.app is not None and (found.app.id, found.app.source) == ("101", APP_KEY)


def test_the_plugin_reads_its_own_namespace(pem: str) -> None:
    app = {"id": "101", "pemFile": pem}
    found = resolve({PLUGIN_APP_KEY: app}, PLUGIN_KEYS)
    assert found.app is not None and found.app.source == PLUGIN_APP_KEY
    # Each door reads only its own key.
    assert resolve({APP_KEY: app}, PLUGIN_KEYS).app is None
    assert resolve({PLUGIN_APP_KEY: app}, DYNAMIC_KEYS).app is None
    assert (DYNAMIC_KEYS.app_auth.key, PLUGIN_KEYS.app_auth.key) == (APP_KEY, PLUGIN_APP_KEY)
    assert DYNAMIC_KEYS.app_auth.secret and PLUGIN_KEYS.tokens.secret


def test_no_app_without_any_setting() -> None:
    assert resolve({}, DYNAMIC_KEYS).app is None
    assert resolve({APP_KEY: {}}, DYNAMIC_KEYS).app is None
    assert resolve({APP_KEY: ""}, DYNAMIC_KEYS).app is None


# --- appAuth: refusals ------------------------------------------------------------------------------


def test_a_missing_pem_file_names_the_member(pem: str) -> None:
    error = _refused({APP_KEY: {"id": "101", "installationId": 1001}})
    assert str(error).startswith(f"{APP_KEY}.pemFile must hold the App's private key")
    assert error.setting == DYNAMIC_KEYS.app_auth


@pytest.mark.parametrize("app_id", [None, "", "abc", "1.5", True, 1.5, "-1", "1 01", "x" * 30], ids=repr)
def test_a_bad_id_names_the_member(pem: str, app_id: Any) -> None:
    config: dict[str, Any] = {"pemFile": pem}
    if app_id is not None:
        config["id"] = app_id
    error = _refused({APP_KEY: config})
    assert str(error) == f"{APP_KEY}.id must be the GitHub App's numeric id"
    assert error.setting == DYNAMIC_KEYS.app_auth


@pytest.mark.parametrize("installation", ["abc", True, 1.5, "-3", [1]], ids=repr)
def test_a_bad_installation_id_names_the_member(pem: str, installation: Any) -> None:
    error = _refused({APP_KEY: {"id": "101", "installationId": installation, "pemFile": pem}})
    assert str(error).startswith(f"{APP_KEY}.installationId must be the installation's numeric id")


def test_a_bad_id_from_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch, pem: str) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "my-app")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem)
    error = _refused({})
    assert str(error) == "GITHUB_APP_ID must be the GitHub App's numeric id"
    monkeypatch.setenv("GITHUB_APP_ID", "101")
    monkeypatch.setenv("GITHUB_APP_INSTALLATION_ID", "first")
    assert str(_refused({})).startswith("GITHUB_APP_INSTALLATION_ID must be")


@pytest.mark.parametrize(
    "text",
    [
        "MIIEpAIBAAKCAQEAcanaryNotAPemKeyAtAll0815",
        "ssh-rsa AAAAB3NzaC1yc2EcanaryPublicKey0815 user@host",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANcanary0815\n-----END PUBLIC KEY-----",
        "/home/me/.ssh/app-canary-0815.pem",
    ],
    ids=["base64-only", "ssh-key", "public-key", "a-path"],
)
def test_a_key_that_is_not_pem_is_refused_without_quoting_it(text: str) -> None:
    error = _refused({APP_KEY: {"id": "101", "pemFile": text}})
    message = str(error)
    assert message.startswith(f"{APP_KEY}.pemFile must hold the App's private key")
    assert "canary" not in message.lower()
    assert error.setting == DYNAMIC_KEYS.app_auth


def test_a_key_that_is_not_pem_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "101")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", "canary-not-a-key")
    message = str(_refused({}))
    assert message.startswith("GITHUB_APP_PEM_FILE must hold the App's private key")
    assert "canary" not in message


def test_json_text_that_does_not_parse_is_not_quoted(pem: str) -> None:
    broken = json.dumps({"id": "101", "pemFile": pem})[:-5]  # cut inside the key's last line
    error = _refused({APP_KEY: broken})
    assert str(error).startswith(f"{APP_KEY} must be an object with id, installationId and pemFile")
    _assert_no_key(str(error), pem)


@pytest.mark.parametrize("value", [["101"], 101, True], ids=repr)
def test_app_auth_that_is_no_object_is_refused(value: Any) -> None:
    assert str(_refused({APP_KEY: value})).startswith(f"{APP_KEY} must be an object")


def test_no_message_or_repr_shows_the_key(pem: str) -> None:
    found = resolve({APP_KEY: {"id": "101", "installationId": 7, "pemFile": pem}}, DYNAMIC_KEYS)
    for text in (repr(found), str(found), repr(found.app), repr(found.identity)):
        _assert_no_key(text, pem)
    for bad in ({"id": "x", "pemFile": pem}, {"id": "101", "installationId": "x", "pemFile": pem}):
        _assert_no_key(str(_refused({APP_KEY: bad})), pem)


def test_the_identity_tells_two_keys_apart_without_holding_them(pem: str) -> None:
    other = _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    one = resolve({APP_KEY: {"id": "101", "pemFile": pem}}, DYNAMIC_KEYS).identity
    two = resolve({APP_KEY: {"id": "101", "pemFile": other}}, DYNAMIC_KEYS).identity
    assert one != two
    assert (
        one == resolve({APP_KEY: {"id": "101", "pemFile": pem.replace("\n", "\\n")}}, DYNAMIC_KEYS).identity
    )


# --- a token and an App together --------------------------------------------------------------------


def test_a_token_and_an_app_together_say_which_to_remove(pem: str) -> None:
    error = _refused({"github:token": "ghp_token0815", APP_KEY: {"id": "101", "pemFile": pem}})
    assert str(error) == (
        "github:token and github:appAuth are both set: remove github:token to authenticate as the "
        "GitHub App, or github:appAuth to use the token"
    )
    assert error.setting == DYNAMIC_KEYS.token
    assert "ghp_token0815" not in str(error)


def test_a_token_and_an_app_together_in_the_plugin(pem: str) -> None:
    error = _refused(
        {"github-private-registry:token": "ghp_token0815", PLUGIN_APP_KEY: {"id": "1", "pemFile": pem}},
        PLUGIN_KEYS,
    )
    assert "remove github-private-registry:token to authenticate as the GitHub App" in str(error)
    assert "or github-private-registry:appAuth to use the token" in str(error)


def test_a_token_and_an_app_from_the_environment(monkeypatch: pytest.MonkeyPatch, pem: str) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_token0815")
    monkeypatch.setenv("GITHUB_APP_ID", "101")
    monkeypatch.setenv("GITHUB_APP_PEM_FILE", pem)
    message = str(_refused({}))
    assert message.startswith(
        f"GITHUB_TOKEN and {', '.join(APP_ENV)} are both set in the environment: remove GITHUB_TOKEN"
    )
    # A token in the config wins over an App of the environment alone (tests/doors/test_config_checks.py).
    monkeypatch.delenv("GITHUB_TOKEN")
    assert resolve({"github:token": "ghp_token0815"}, DYNAMIC_KEYS).app is None


def test_an_app_with_a_token_map_is_allowed(pem: str) -> None:
    found = resolve(
        {APP_KEY: {"id": "101", "pemFile": pem}, TOKENS_KEY: {"globex": "ghp_globex0815"}}, DYNAMIC_KEYS
    )
    assert found.app is not None and found.tokens == (("globex", "ghp_globex0815"),)
    assert isinstance(credentials_for(found), AppTokens)


# --- tokens: a token per org ------------------------------------------------------------------------


def test_tokens_as_an_object_with_logins_in_lower_case() -> None:
    found = resolve(
        {TOKENS_KEY: {"Globex": "ghp_globex", "acme": " ghp_acme\r\n", "initech": ""}}, DYNAMIC_KEYS
    )
    # Sorted, logins lower-cased, whitespace stripped, an empty entry dropped.
    assert found.tokens == (("acme", "ghp_acme"), ("globex", "ghp_globex"))
    assert found.tokens_key == TOKENS_KEY


def test_tokens_as_json_text() -> None:
    found = resolve({TOKENS_KEY: json.dumps({"acme": "ghp_acme", "globex": "ghp_globex"})}, DYNAMIC_KEYS)
    assert found.tokens == (("acme", "ghp_acme"), ("globex", "ghp_globex"))


def test_tokens_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", json.dumps({"acme": "ghp_acme"}))
    assert resolve({}, DYNAMIC_KEYS).tokens == (("acme", "ghp_acme"),)
    assert resolve({}, PLUGIN_KEYS).tokens == (("acme", "ghp_acme"),)
    # The config key wins.
    assert resolve({TOKENS_KEY: {"globex": "ghp_globex"}}, DYNAMIC_KEYS).tokens == (("globex", "ghp_globex"),)


def test_both_doors_read_the_same_tokens_key() -> None:
    assert DYNAMIC_KEYS.tokens.key == PLUGIN_KEYS.tokens.key == TOKENS_KEY
    assert resolve({TOKENS_KEY: {"acme": "ghp_acme"}}, PLUGIN_KEYS).tokens == (("acme", "ghp_acme"),)


@pytest.mark.parametrize("org", ["not an org", "-acme", "acme_corp", "a" * 40, ""], ids=repr)
def test_a_key_that_is_no_org_login_is_refused(org: str) -> None:
    error = _refused({TOKENS_KEY: {org: "ghp_token"}})
    assert str(error) == f"{TOKENS_KEY} has a key that is not an organization login"
    assert error.setting == DYNAMIC_KEYS.tokens


def test_a_token_with_a_space_names_its_entry_never_the_token() -> None:
    error = _refused({TOKENS_KEY: {"acme": "ghp_fine", "Globex": SPACED_TOKEN}})
    message = str(error)
    assert message.startswith(f"{TOKENS_KEY}[Globex] holds a space")
    assert "`pulumi config set --secret" in message
    assert "CANARY" not in message and "spaced-token" not in message and "ghp_fine" not in message
    assert error.setting == DYNAMIC_KEYS.tokens


def test_a_token_with_a_space_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", json.dumps({"acme": SPACED_TOKEN}))
    message = str(_refused({}))
    assert message.startswith("GITHUB_PRIVATE_REGISTRY_TOKENS[acme] holds a space")
    assert "CANARY" not in message


@pytest.mark.parametrize("token", [123, ["ghp_x"], {"t": "ghp_x"}], ids=repr)
def test_a_token_that_is_no_string_names_its_entry(token: Any) -> None:
    assert (
        str(_refused({TOKENS_KEY: {"acme": token}}))
        == f"{TOKENS_KEY}[acme] must be a string (a GitHub token)"
    )


def test_tokens_that_are_no_map_are_refused_without_quoting() -> None:
    error = _refused({TOKENS_KEY: '{"acme": "ghp_CANARY0815"'})  # JSON cut short
    assert str(error).startswith(f"{TOKENS_KEY} must be a map from organization login to token")
    assert "CANARY" not in str(error)
    assert str(_refused({TOKENS_KEY: ["ghp_x"]})).startswith(f"{TOKENS_KEY} must be a map")


def test_no_repr_shows_a_token_of_the_map() -> None:
    found = resolve({TOKENS_KEY: {"acme": "ghp_CANARY0815"}, "github:token": "ghp_DEFAULT0815"}, DYNAMIC_KEYS)
    for text in (repr(found), repr(found.identity), repr(credentials_for(found))):
        assert "CANARY" not in text and "DEFAULT" not in text


def _asks_nothing(flow: Flow[str | None]) -> str | None:
    """What a credentials' flow ends with, given that it asks GitHub nothing (no client needed)."""
    with pytest.raises(StopIteration) as done:
        next(flow)
    value: str | None = done.value.value
    return value


def test_the_map_before_the_token_and_each_source_named() -> None:
    found = resolve({"github:token": "ghp_default", TOKENS_KEY: {"Acme": "ghp_acme"}}, DYNAMIC_KEYS)
    credentials = credentials_for(found)
    assert isinstance(credentials, StaticTokens)
    assert _asks_nothing(credentials.token("acme")) == "ghp_acme"
    assert _asks_nothing(credentials.token("ACME")) == "ghp_acme"
    assert _asks_nothing(credentials.token("globex")) == "ghp_default"
    assert _asks_nothing(credentials.token(None)) == "ghp_default"
    assert _asks_nothing(credentials.permission_hint("acme")) is None
    assert credentials.source("Acme") == f"{TOKENS_KEY}[acme]"
    assert credentials.source("globex") == "the github:token config key"
    assert credentials.renew("acme", "ghp_acme") is False


def test_the_client_drives_an_apps_flow_and_a_failure_reaches_it_where_it_asked(
    pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credentials ask, the client sends (issue #20): a failure is thrown into the flow, which
    words it; however a request ends, the flow is closed and its slot's lock let go."""
    from pulumi_github_private_registry.core.client import GitHubClient
    from pulumi_github_private_registry.core.errors import GitHubError, NotFound

    credentials = AppTokens(settings.AppAuth("101", None, pem, APP_KEY))
    client = GitHubClient(credentials)
    failures: list[BaseException] = [KeyboardInterrupt(), NotFound("GET /orgs/acme/installation")]
    asked: list[tuple[str, object]] = []

    def get_org_installation(org: str, app: object) -> int:
        asked.append((org, app))
        raise failures.pop(0)

    monkeypatch.setattr(client, "get_org_installation", get_org_installation)
    with pytest.raises(KeyboardInterrupt) as interrupted:
        client.drive(credentials.token("acme"))
    # Let go at once, not when the traceback (which holds the flow) is dropped.
    assert interrupted.tb is not None and not credentials._lock("org:acme").locked()
    with pytest.raises(GitHubError) as raised:
        client.drive(credentials.token("acme"))
    assert "the GitHub App 101 is not installed in the organization 'acme'" in str(raised.value)
    assert asked == [("acme", credentials)] * 2, "a failed lookup is not kept: asked again"
    assert not credentials._lock("org:acme").locked()
    client.close()


def test_a_cancel_during_the_installations_owner_lookup_ends_the_flow_and_is_not_remembered(
    pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 403's hint asks who owns the configured installation; a Cancel then is the operation's
    end, not a lookup that failed (which would say "permission denied" and keep "owner unknown")."""
    from pulumi_github_private_registry.core.client import GitHubClient
    from pulumi_github_private_registry.core.errors import Cancelled

    credentials = AppTokens(settings.AppAuth("101", 7, pem, APP_KEY))
    client = GitHubClient(credentials)
    answers: list[Any] = [Cancelled("GET /app/installations/7"), "globex"]

    def get_installation_account(installation: int, app: object) -> str:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return str(answer)

    monkeypatch.setattr(client, "get_installation_account", get_installation_account)
    with pytest.raises(Cancelled):
        client.drive(credentials.permission_hint("acme"))
    hint = client.drive(credentials.permission_hint("acme"))  # asked again: nothing was kept
    assert hint is not None and "belongs to the organization 'globex', not 'acme'" in hint
    client.close()


# --- apiVersion ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2022-11-28", "2026-03-10", " 2026-03-10 "])
def test_an_api_version_is_a_date(value: str) -> None:
    assert resolve({VERSION_KEY: value}, DYNAMIC_KEYS).api_version == value.strip()
    assert resolve({VERSION_KEY: value}, PLUGIN_KEYS).api_version == value.strip()


def test_no_api_version_leaves_it_to_the_server() -> None:
    assert resolve({}, DYNAMIC_KEYS).api_version is None
    assert resolve({VERSION_KEY: ""}, DYNAMIC_KEYS).api_version is None


def test_the_api_version_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_VERSION", "2022-11-28")
    assert resolve({}, DYNAMIC_KEYS).api_version == "2022-11-28"
    assert resolve({VERSION_KEY: "2026-03-10"}, DYNAMIC_KEYS).api_version == "2026-03-10"
    monkeypatch.setenv("GITHUB_API_VERSION", "v3")
    error = _refused({})
    assert str(error) == "GITHUB_API_VERSION must be an API version date such as 2026-03-10"
    assert error.setting == DYNAMIC_KEYS.api_version


@pytest.mark.parametrize(
    "value",
    ["latest", "2022-11-28T00:00:00Z", "22-11-28", "2022/11/28", 20221128, True, ["2022-11-28"]],
    ids=repr,
)
def test_an_api_version_that_is_no_date_is_refused(value: Any) -> None:
    error = _refused({VERSION_KEY: value})
    assert str(error) == f"{VERSION_KEY} must be an API version date such as 2026-03-10"
    assert error.setting == DYNAMIC_KEYS.api_version


def test_the_plugin_names_its_property(pem: str) -> None:
    """The plugin's CheckConfig names the property a SettingError carries."""
    cases: list[tuple[dict[str, Any], settings.Setting]] = [
        ({PLUGIN_APP_KEY: {"id": "x", "pemFile": pem}}, PLUGIN_KEYS.app_auth),
        ({TOKENS_KEY: {"acme": SPACED_TOKEN}}, PLUGIN_KEYS.tokens),
        ({VERSION_KEY: "latest"}, PLUGIN_KEYS.api_version),
    ]
    for config, setting in cases:
        assert _refused(config, PLUGIN_KEYS).setting == setting
    assert [s.name for s in (PLUGIN_KEYS.app_auth, PLUGIN_KEYS.tokens, PLUGIN_KEYS.api_version)] == [
        "appAuth",
        "tokens",
        "apiVersion",
    ]


# --- a token of the map set again (issue #20 review, finding 4) ----------------------------------------


@pytest.mark.parametrize("keys", [DYNAMIC_KEYS, PLUGIN_KEYS], ids=["dynamic", "plugin"])
def test_a_refused_token_of_the_map_is_set_again_by_its_path(keys: settings.Keys) -> None:
    assert str(_refused({TOKENS_KEY: {"acme": SPACED_TOKEN}}, keys)) == (
        f"{TOKENS_KEY}[acme] holds a space, a control character or a non-ASCII character inside the "
        "token; GitHub tokens have none. Set it again: "
        f"`pulumi config set --secret --path {TOKENS_KEY}.acme` prompts for it."
    )


def test_a_refused_token_of_the_maps_variable_is_set_again_with_the_whole_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", json.dumps({"acme": SPACED_TOKEN}))
    expected = (
        "GITHUB_PRIVATE_REGISTRY_TOKENS[acme] holds a space, a control character or a non-ASCII "
        "character inside the token; GitHub tokens have none. Set it again: export the whole map again "
        'from a file (`export GITHUB_PRIVATE_REGISTRY_TOKENS="$(cat tokens.json)"`).'
    )

    assert str(_refused({})) == expected
    with pytest.raises(SettingError) as failure:
        settings.from_environment(COMMAND_KEYS)
    assert str(failure.value) == expected


# --- a token and an App, either refused (issue #20 review, finding 2) ----------------------------------

BOTH = (
    "github:token and github:appAuth are both set: remove github:token to authenticate as the "
    "GitHub App, or github:appAuth to use the token"
)


def test_a_refused_token_and_an_app_are_both_reported_with_the_refusal(pem: str) -> None:
    found = settings.problems(
        {"github:token": SPACED_TOKEN, APP_KEY: {"id": "101", "pemFile": pem}}, DYNAMIC_KEYS
    )

    assert [str(error) for error in found] == [
        "github:token holds a space, a control character or a non-ASCII character inside the token; "
        "GitHub tokens have none. Set it again: `pulumi config set --secret github:token` prompts for it.",
        BOTH,
    ]
    assert [error.setting for error in found] == [DYNAMIC_KEYS.token, DYNAMIC_KEYS.token]


def test_a_token_and_a_refused_app_are_both_reported_with_the_refusal() -> None:
    found = settings.problems({"github:token": "ghp_token0815", APP_KEY: {"id": "x"}}, DYNAMIC_KEYS)

    assert [str(error) for error in found] == ["github:appAuth.id must be the GitHub App's numeric id", BOTH]


def test_a_refused_token_and_a_refused_app_of_the_environment_are_each_reported_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An App of the environment that is refused is no App to choose over the token: its refusal
    says which variable to unset, and no "both set" line contradicts it."""
    monkeypatch.setenv("GITHUB_TOKEN", SPACED_TOKEN)
    monkeypatch.setenv("GITHUB_APP_ID", "x")

    found = [str(error) for error in settings.problems({}, DYNAMIC_KEYS)]

    assert len(found) == 2 and found[1].startswith("GITHUB_APP_ID must be the GitHub App's numeric id")
    assert found[0].startswith("GITHUB_TOKEN holds a space")
    assert all("CANARY" not in line for line in found)


def test_a_stray_app_variable_beside_a_token_says_only_to_unset_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "a" * 36)
    monkeypatch.setenv("GITHUB_APP_INSTALLATION_ID", "5")

    assert [str(error) for error in settings.problems({}, DYNAMIC_KEYS)] == [
        "GITHUB_APP_ID must be the GitHub App's numeric id; a GitHub App is read from the environment "
        "because GITHUB_APP_INSTALLATION_ID is set: set GITHUB_APP_ID and GITHUB_APP_PEM_FILE too, or "
        "unset GITHUB_APP_INSTALLATION_ID to use a token"
    ]


def test_a_token_in_the_config_still_wins_over_a_refused_app_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "x")

    assert [str(e) for e in settings.problems({"github:token": SPACED_TOKEN}, DYNAMIC_KEYS)] == [
        "github:token holds a space, a control character or a non-ASCII character inside the token; "
        "GitHub tokens have none. Set it again: `pulumi config set --secret github:token` prompts for it."
    ]


# --- the tools' token variable (issue #20 review, findings 1 and 7) ------------------------------------


def test_an_empty_token_variable_name_is_no_token_not_github_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_other0815")

    found = settings.from_environment(COMMAND_KEYS, "")

    assert found.token is None


def test_the_tools_settings_name_the_token_variable_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYTOK", "ghp_mine0815")

    found = settings.from_environment(COMMAND_KEYS, "MYTOK")

    assert (found.token, found.token_source, found.token_key, found.keys.token.anywhere) == (
        "ghp_mine0815",
        "MYTOK",
        "MYTOK",
        "MYTOK",
    )
    assert found.keys.tokens == COMMAND_KEYS.tokens
    assert settings.from_environment(COMMAND_KEYS, "GITHUB_TOKEN").keys == COMMAND_KEYS
