"""A defect (an exception the core did not expect) is one clean line for the user and, for a
developer, its traceback in the debug log: redacted, on stderr in each door's process."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest

from provider_host import configured_here
from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.core import lifecycle, schema
from pulumi_github_private_registry.core.diagnostics import PACKAGE_LOGGER, log_defect, traceback_text
from pulumi_github_private_registry.core.errors import remember_secret
from pulumi_github_private_registry.core.settings import Settings
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin import engine_log
from samples import TOKEN, declaration

LEAKED = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"  # a token shape redaction knows without being told


def _broken_problems(*_args: Any, **_kwargs: Any) -> Any:
    raise KeyError(f"token {LEAKED}")


def test_an_unexpected_defect_is_one_clean_line_and_its_traceback_is_in_the_debug_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=PACKAGE_LOGGER)
    monkeypatch.setattr(schema, "declaration_problems", _broken_problems)
    runtime = lifecycle.Runtime(
        Settings(token=TOKEN, base_url="https://api.github.com/", write_delay_ms=0, keys=DYNAMIC_KEYS),
        DYNAMIC,
    )

    with pytest.raises(lifecycle.RegistryError) as raised:
        lifecycle.check(runtime, declaration("token", "defect-org"))

    assert (raised.value.code, raised.value.registry) == ("internal", None)
    assert str(raised.value) == (
        "OrgPrivateRegistry: internal error in check (KeyError: 'token ***'); nothing more was sent "
        "to GitHub. Please report it."
    )
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    assert "Traceback (most recent call last):" in logged
    assert "in check" in logged and "in _broken_problems" in logged, logged
    assert "KeyError: 'token ***'" in logged
    assert LEAKED not in caplog.text and TOKEN not in logged


def test_a_defect_quoting_a_plaintext_value_shows_none_of_it_in_the_line_or_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The dynamic door hands the core no Secret set: `value` is secret by the field table alone.
    plain = "s3cr3t-plain-VALUE-123"

    def quoting_the_value(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError(f"cannot use {plain} here")

    caplog.set_level(logging.DEBUG, logger=PACKAGE_LOGGER)
    monkeypatch.setattr(schema, "declaration_problems", quoting_the_value)
    runtime = lifecycle.Runtime(
        Settings(token=TOKEN, base_url="https://api.github.com/", write_delay_ms=0, keys=DYNAMIC_KEYS),
        DYNAMIC,
    )

    with pytest.raises(lifecycle.RegistryError) as raised:
        lifecycle.check(runtime, declaration("token", "defect-org", value=plain))

    assert plain not in str(raised.value)
    assert plain not in caplog.text
    assert "ValueError: cannot use" in caplog.text


def test_a_traceback_is_redacted_line_by_line_and_keeps_its_indentation() -> None:
    remember_secret("a-known-credential")

    def inner() -> None:
        raise ValueError("sent a-known-credential and\u202ethe-value to https://u:p@host/x")

    try:
        inner()
    except ValueError as exc:
        text = traceback_text(exc, lambda line: line.replace("the-value", "[value]"))
    lines = text.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert any(line.startswith("  File ") and line.endswith(", in inner") for line in lines), text
    assert lines[-1] == "ValueError: sent *** and [value] to https://***@host/x"
    assert "a-known-credential" not in text and "\u202e" not in text


def test_a_defect_logs_nothing_and_formats_nothing_below_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=PACKAGE_LOGGER)
    log_defect(logging.getLogger(f"{PACKAGE_LOGGER}.core.lifecycle"), "create", KeyError("x"))
    assert caplog.records == []


@pytest.mark.parametrize(
    ("door", "argv", "shown"),
    [
        # The CLI shows a plugin's stderr only at debug level: the traceback may always go there.
        ("plugin", [], True),
        # A dynamic provider's stderr reaches every user: only when the engine asked for logs.
        ("dynamic", ["pulumi-resource-pulumi-python"], False),
        ("dynamic", ["pulumi-resource-pulumi-python", "--logtostderr", "-v=9"], True),
    ],
)
def test_each_door_writes_a_defects_traceback_to_stderr_only_where_its_reader_is_a_developer(
    door: str,
    argv: list[str],
    shown: bool,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", argv)
    if door == "dynamic":
        configured_here(emulator)  # the engine's Configure, in the provider's process
    else:
        engine_log.install("127.0.0.1:1")  # as the plugin's server does on start
    log = logging.getLogger(f"{PACKAGE_LOGGER}.core.lifecycle")
    log_defect(log, "read", KeyError("x"))
    log.warning("a warning every user sees")
    expected = "internal error in read:\nKeyError: 'x'\n" if shown else ""
    assert capsys.readouterr().err == expected + "a warning every user sees\n"


def test_a_secret_spanning_lines_and_a_chained_exceptions_words_never_reach_the_traceback() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAkey-body-line\n-----END RSA PRIVATE KEY-----"
    remember_secret(key)
    try:
        try:
            raise ValueError("bad value hunter2-registry-password")
        except ValueError:
            raise RuntimeError(f"could not load {key}")  # noqa: B904 (the context is the point)
    except RuntimeError as exc:
        text = traceback_text(exc)
    assert "key-body-line" not in text and "hunter2" not in text
    assert text.splitlines()[0] == "(raised from or while handling a ValueError)"
    assert text.splitlines()[-1] == "RuntimeError: could not load ***"
