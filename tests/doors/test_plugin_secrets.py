"""Canary token and canary value through what only the provider plugin has: where may they appear?

As in `test_secret_hygiene.py` (both doors' lifecycle and error paths, and the rules): the token in no
answer, no error, not in the plugin's stderr or stdout; the plaintext value only inside a property the
answer marks secret, not even base64-encoded. Here: a value sent sealed, an input the program marks
secret, ids that are no registry's, and a token that is no token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from canaries import (
    CANARIES,
    CANARY_TOKEN,
    CANARY_VALUE,
    NAME,
    assert_plugin_clean,
    assert_secrets_marked,
    leaks,
    plugin_declaration,
    plugin_starter,
)
from doors import Plugins
from engine import Secret, up
from hosted import ProviderError
from plugin_host import PluginHost
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.emulator import Emulator

pytestmark = pytest.mark.slow

CANARY_USER = "CANARY-SECRET-USERNAME-7"

Start = Callable[..., PluginHost]


@pytest.fixture
def canary_emulator() -> Iterator[Emulator]:
    """An emulator that accepts only the canary token."""
    with Emulator(token=CANARY_TOKEN) as emu:
        yield emu


@pytest.fixture
def start(canary_emulator: Emulator) -> Iterator[Start]:
    """A plugin process configured with the canary token as a secret input, against ``canary_emulator``."""
    plugins = Plugins(canary_emulator)
    yield plugin_starter(plugins)
    plugins.stop()


def test_a_sealed_value_comes_back_secret(start: Start, canary_emulator: Emulator) -> None:
    key_id, key = canary_emulator.public_key("sealed")
    sealed = seal(CANARY_VALUE, PublicKey(key_id, key))
    news = {
        **{k: v for k, v in plugin_declaration("sealed").items() if k != "value"},
        "valueEncrypted": Secret(sealed.encrypted_value),
        "keyId": key_id,
    }
    host = start()
    checked = host.check(news)
    assert checked.failures == [] and checked.inputs["valueEncrypted"] == sealed.encrypted_value
    assert_secrets_marked(checked.inputs)
    id_, outs = host.create(checked.inputs)
    assert canary_emulator.decrypted_value("sealed", NAME) == CANARY_VALUE
    assert_secrets_marked(outs)
    read = start().read(id_, outs, checked.inputs)
    assert read.inputs is not None
    assert_secrets_marked(read.outputs)
    assert_secrets_marked(read.inputs)
    changed = {**news, "url": "https://npm.pkg.github.com/acme/v3/"}
    writer = start()
    rechecked = writer.check(changed, read.inputs)
    updated = writer.update(id_, read.outputs, rechecked.inputs, old_inputs=read.inputs)
    assert updated["valueEncrypted"] == sealed.encrypted_value
    assert_secrets_marked(updated)
    assert sealed.encrypted_value not in writer.transcript_text() + host.transcript_text()


def test_an_input_the_program_marks_secret_stays_secret(start: Start) -> None:
    host = start()
    news = {**plugin_declaration("secret-user"), "username": Secret(CANARY_USER)}
    checked = host.check(news)
    assert checked.failures == []
    _, outs = host.create(checked.inputs)
    assert checked.inputs.is_secret("username") and outs.is_secret("username")
    assert_plugin_clean(host, (CANARY_USER, *CANARIES))


# --- error paths --------------------------------------------------------------------------------------


def _bad_id(start: Start, emu: Emulator) -> list[str]:
    host = start()
    details = []
    for id_ in (f"{CANARY_VALUE}/x", "hygiene/NPM_REGISTRY_SECRET"):
        with pytest.raises(ProviderError) as failure:
            host.read(id_)
        details.append(failure.value.details.replace(CANARY_VALUE, "<the id>"))
    assert_plugin_clean(host, (CANARY_TOKEN,))
    return details


def _token_with_a_space_at_check_config(start: Start, emu: Emulator) -> list[str]:
    host = start(configure=False)
    spaced = CANARY_TOKEN[:10] + " " + CANARY_TOKEN[10:]
    checked = host.check_config({"token": spaced, "baseUrl": emu.base_url})
    assert [prop for prop, _ in checked.failures] == ["token"]
    reasons = [reason for _, reason in checked.failures]
    assert not any(half in r for r in reasons for half in spaced.split())
    return reasons


def _token_with_a_space_at_configure(start: Start, emu: Emulator) -> list[str]:
    host = start(configure=False)
    spaced = CANARY_TOKEN[:10] + " " + CANARY_TOKEN[10:]
    details = []
    try:
        host.configure({"token": spaced, "baseUrl": emu.base_url, "writeDelayMs": 0})
        up(host, plugin_declaration("spaced"))
    except ProviderError as failure:
        details.append(failure.details)
    assert details, "a token with a space is refused, at Configure or at the first request"
    assert not any(half in d for d in details for half in spaced.split())
    assert_plugin_clean(host)
    return details


ERROR_PATHS: dict[str, Callable[[Start, Emulator], list[str]]] = {
    "malformed and unknown ids": _bad_id,
    "token with a space at CheckConfig": _token_with_a_space_at_check_config,
    "token with a space at Configure": _token_with_a_space_at_configure,
}
"""The plugin's own error paths; those both doors walk are `test_secret_hygiene.py`'s."""


@pytest.mark.parametrize("path", list(ERROR_PATHS))
def test_no_error_path_shows_the_token_or_the_value(
    start: Start, canary_emulator: Emulator, path: str
) -> None:
    for text in ERROR_PATHS[path](start, canary_emulator):
        assert leaks(text) == []
