"""The plugin's configuration exactly as Pulumi's generated SDKs send it, through the real protocol.

A generated SDK's explicit ``Provider`` sends every input that is not a string as JSON text
(pkg/codegen/nodejs/gen.go: ``pulumi.output(...).apply(JSON.stringify)``; pkg/codegen/python/gen.go:
``pulumi.Output.secret(...).apply(pulumi.runtime.to_json)`` for a secret input). SDKs generated from
the 0.2.x schema, where ``tokens`` had ``defaultInfo.environment``, first read
``GITHUB_PRIVATE_REGISTRY_TOKENS`` (already JSON text) and so send that text JSON-encoded a second
time: a JSON string holding the map's JSON. The plugin reads that as the map it names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from pulumi.runtime import to_json

from doors import Plugins
from engine import Secret
from plugin_host import FUNCTION, PluginHost
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN

VARIABLE = "GITHUB_PRIVATE_REGISTRY_TOKENS"
KEY = "github-private-registry:tokens"


def python_sdk(value: object) -> Secret:
    """What a generated Python SDK sends for a secret input that is no string: secret JSON text."""
    return Secret(to_json(value))


def node_sdk(value: object) -> str:
    """What a generated Node.js SDK sends for an input that is no string when it was read from the
    environment (``JSON.stringify``, not made secret)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


SDKS: dict[str, Callable[[object], object]] = {"python": python_sdk, "nodejs": node_sdk}


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


def _plain(value: object) -> object:
    return value.value if isinstance(value, Secret) else value


def _configure(host: PluginHost, emulator: Emulator, tokens: object) -> None:
    """CheckConfig then Configure, as the engine sends them, with no ``token``: only ``tokens``."""
    config = {"baseUrl": emulator.base_url, "owner": "acme", "writeDelayMs": "0", "tokens": tokens}
    checked = host.check_config({k: _plain(v) for k, v in config.items()})
    assert checked.failures == []
    assert checked.inputs.is_secret("tokens"), "tokens go back secret, however they came"
    host.configure(config, secret_keys=("tokens",) if isinstance(tokens, Secret) else ())


def _reaches_acme_with(host: PluginHost, emulator: Emulator, token: str) -> None:
    emulator.reset_log()
    assert host.invoke(FUNCTION, {"org": "acme"}).failures == []
    assert {r.headers.get("authorization") for r in emulator.requests} == {f"Bearer {token}"}


@pytest.mark.parametrize("sdk", list(SDKS))
def test_tokens_an_older_sdk_read_from_the_environment_reach_their_org(
    plugins: Plugins, emulator: Emulator, sdk: str
) -> None:
    exported = json.dumps({"acme": TOKEN})
    host = plugins.start(env={VARIABLE: exported}, configure=False)
    _configure(host, emulator, SDKS[sdk](exported))  # JSON text of JSON text
    _reaches_acme_with(host, emulator, TOKEN)


@pytest.mark.parametrize("sdk", list(SDKS))
def test_tokens_a_program_gives_as_a_map_reach_their_org(
    plugins: Plugins, emulator: Emulator, sdk: str
) -> None:
    host = plugins.start(configure=False)
    _configure(host, emulator, SDKS[sdk]({"acme": TOKEN}))
    _reaches_acme_with(host, emulator, TOKEN)


def test_configure_reads_the_tokens_variable_when_the_sdk_sends_no_tokens(
    plugins: Plugins, emulator: Emulator
) -> None:
    host = plugins.start(env={VARIABLE: json.dumps({"acme": TOKEN})}, configure=False)
    config = {"baseUrl": emulator.base_url, "owner": "acme", "writeDelayMs": "0"}
    assert host.check_config(config).failures == []
    host.configure(config, secret_keys=())
    _reaches_acme_with(host, emulator, TOKEN)


def test_a_tokens_variable_exported_empty_sets_no_tokens(plugins: Plugins, emulator: Emulator) -> None:
    """An older Python SDK sends the empty variable's JSON (``""``); Node.js SDKs send nothing."""
    host = plugins.start(env={VARIABLE: ""}, configure=False)
    config = {"token": TOKEN, "baseUrl": emulator.base_url, "owner": "acme", "tokens": python_sdk("")}
    assert host.check_config({k: _plain(v) for k, v in config.items()}).failures == []
    host.configure(config, secret_keys=("token", "tokens"))
    _reaches_acme_with(host, emulator, TOKEN)


@pytest.mark.parametrize("sdk", list(SDKS))
@pytest.mark.parametrize(
    "exported",
    [
        "ghp_SECRETSECRET",  # not JSON
        '{"acme": "ghp_SECRETSECRET"',  # cut short
        '["ghp_SECRETSECRET"]',  # no map
        '{"acme": ["ghp_SECRETSECRET"]}',  # no token
        '{"ac/me": "ghp_SECRETSECRET"}',  # no org login
        json.dumps(json.dumps({"acme": "ghp_SECRETSECRET"})),  # encoded once more: read once more only
    ],
)
def test_tokens_that_are_no_map_of_tokens_are_refused_by_name_unquoted(
    plugins: Plugins, emulator: Emulator, sdk: str, exported: str
) -> None:
    host = plugins.start(env={VARIABLE: exported}, configure=False)
    sent = _plain(SDKS[sdk](exported))
    checked = host.check_config({"baseUrl": emulator.base_url, "owner": "acme", "tokens": sent})
    assert [prop for prop, _ in checked.failures] == ["tokens"]
    reason = checked.failures[0][1]
    assert KEY in reason and ("map" in reason or "token" in reason), reason
    assert "SECRETSECRET" not in reason, "a token is never quoted"
    assert "SECRETSECRET" not in host.transcript_text(skip=("CheckConfig",))
