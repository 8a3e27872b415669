"""The provider-host harness drives the real `python -m pulumi.dynamic` process like the engine does."""

from __future__ import annotations

import base64
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import dill
import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from engine import UNKNOWN, CheckOutcome, DiffOutcome, Props, ReadOutcome, Secret
from hosted import ProviderError
from provider_host import ProviderHost
from trivial_provider import ECHO_ID, STAMP_KEY, EchoProvider

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def echo_host(provider_host_factory: Callable[..., ProviderHost]) -> ProviderHost:
    """One configured EchoProvider host for the module; the stamp travels as a secret config value."""
    host = provider_host_factory(EchoProvider())
    host.configure({STAMP_KEY: "stamp-1", "github:owner": "octo-org"}, secret_keys={STAMP_KEY})
    return host


def _wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_host_reports_its_port_and_startup_time(echo_host: ProviderHost) -> None:
    assert echo_host.process is not None and echo_host.process.poll() is None
    assert 0 < echo_host.startup_seconds < echo_host.startup_timeout


def test_provider_blob_is_the_sdk_serialization_of_the_provider(echo_host: ProviderHost) -> None:
    assert echo_host.provider_blob == serialize_provider(EchoProvider())
    assert type(dill.loads(base64.b64decode(echo_host.provider_blob))) is EchoProvider


def test_host_unwraps_secret_configuration_and_hands_it_to_configure(echo_host: ProviderHost) -> None:
    _, outputs = echo_host.create({"a": 1})
    assert outputs["stamp"] == "stamp-1"


def test_host_declares_no_secret_or_preview_support(echo_host: ProviderHost) -> None:
    assert (echo_host.accept_secrets, echo_host.supports_preview) == (False, False)


def test_check_passes_inputs_through_with_numbers_as_floats(echo_host: ProviderHost) -> None:
    outcome = echo_host.check({"n": 3, "s": "x", "l": [1, "y"], "m": {"k": True}})
    assert outcome == CheckOutcome(
        inputs=Props({"n": 3.0, "s": "x", "l": [1.0, "y"], "m": {"k": True}}), failures=[]
    )
    assert isinstance(outcome.inputs["n"], float)


def test_check_reports_a_failure_with_its_property(echo_host: ProviderHost) -> None:
    outcome = echo_host.check({"bad": "x", "ok": "y"}, olds={"ok": "y"})
    assert outcome.failures == [("bad", "bad is not allowed: x")]
    assert outcome.inputs == {"bad": "x", "ok": "y"}


def test_check_keeps_unknown_values_during_preview(echo_host: ProviderHost) -> None:
    assert echo_host.check({"a": UNKNOWN, "b": "known"}, preview=True).inputs == {"a": UNKNOWN, "b": "known"}


def test_unknown_values_outside_preview_are_refused_before_sending(echo_host: ProviderHost) -> None:
    with pytest.raises(ValueError, match=r"a is UNKNOWN.*only during preview"):
        echo_host.check({"a": UNKNOWN})


def test_secrets_are_refused_before_sending(echo_host: ProviderHost) -> None:
    """The engine sends a host that answers acceptSecrets=False no secret envelope."""
    with pytest.raises(TypeError, match=r"^m\.k\[0\]: the engine sends the dynamic provider host no secrets"):
        echo_host.check({"m": {"k": [Secret("s")]}})
    with pytest.raises(TypeError, match=r"^a: "):
        echo_host.create({"a": Secret("s")})
    with pytest.raises(TypeError, match=r"^a: "):
        echo_host.read(ECHO_ID, {"a": 1}, inputs={"a": Secret("s")})


@pytest.mark.parametrize(
    ("olds", "news", "changes"),
    [
        ({"a": 1.0}, {"a": 1}, "none"),
        ({"a": 1.0}, {"a": 2}, "some"),
        ({"a": 1.0}, {"a": 1, "b": "new"}, "some"),
        ({"a": 1.0}, {"a": UNKNOWN}, "some"),
        ({"a": 1.0, "__provider": "an-older-provider"}, {"a": 1}, "none"),
    ],
    ids=["same", "changed", "added", "unknown", "only-provider-differs"],
)
def test_diff_reports_whether_anything_but_the_provider_changed(
    echo_host: ProviderHost,
    olds: dict[str, object],
    news: dict[str, object],
    changes: Literal["none", "some"],
) -> None:
    assert echo_host.diff(ECHO_ID, olds, news) == DiffOutcome(changes=changes)


def test_create_returns_the_id_and_echoed_outputs(echo_host: ProviderHost) -> None:
    resource_id, outputs = echo_host.create({"a": 1, "f": 1.5, "s": "x"})
    assert resource_id == ECHO_ID
    assert outputs == {"a": 1.0, "f": 1.5, "s": "x", "stamp": "stamp-1"}
    assert isinstance(outputs["a"], float)


def test_create_during_preview_is_answered_without_calling_the_provider(echo_host: ProviderHost) -> None:
    # EchoProvider.create would raise on `explode`; the engine never calls it during preview.
    assert echo_host.create({"explode": "x", "a": UNKNOWN}, preview=True) == (
        "",
        {"explode": "x", "a": UNKNOWN},
    )


def test_read_echoes_the_old_outputs(echo_host: ProviderHost) -> None:
    outcome = echo_host.read(ECHO_ID, {"a": 1, "stamp": "stamp-1"}, inputs={"a": 1})
    assert outcome == ReadOutcome(id=ECHO_ID, outputs=Props({"a": 1.0, "stamp": "stamp-1"}), inputs=None)


def test_update_returns_the_new_inputs_as_outputs(echo_host: ProviderHost) -> None:
    assert echo_host.update(ECHO_ID, {"a": 1.0}, {"a": 2}) == {"a": 2.0}


def test_update_during_preview_is_answered_without_calling_the_provider(echo_host: ProviderHost) -> None:
    assert echo_host.update(ECHO_ID, {"a": 1.0}, {"a": UNKNOWN}, preview=True) == {"a": UNKNOWN}


def test_delete_succeeds_and_leaves_the_host_serving(echo_host: ProviderHost) -> None:
    echo_host.delete(ECHO_ID, {"a": 1.0})
    assert echo_host.read(ECHO_ID, {"a": 1.0}).id == ECHO_ID


def test_provider_exception_surfaces_as_provider_error_with_its_message(echo_host: ProviderHost) -> None:
    with pytest.raises(ProviderError) as caught:
        echo_host.create({"explode": "kaboom"})
    assert caught.value.code is grpc.StatusCode.UNKNOWN
    assert "ValueError: echo exploded: kaboom" in caught.value.details
    assert "echo exploded: kaboom" in str(caught.value)


def test_stderr_of_the_host_is_captured(echo_host: ProviderHost) -> None:
    echo_host.create({"say": "hello from the provider"})
    assert _wait_for(lambda: "echo says: hello from the provider" in echo_host.stderr_text())


def test_resource_calls_before_configure_are_refused() -> None:
    with pytest.raises(RuntimeError, match="configure"):
        ProviderHost(EchoProvider()).check({"a": 1})


def test_configure_sends_plain_strings_and_happens_once(
    provider_host_factory: Callable[..., ProviderHost],
) -> None:
    host = provider_host_factory(EchoProvider())
    host.configure({STAMP_KEY: "plain-stamp"})
    assert host.create({})[1] == {"stamp": "plain-stamp"}
    with pytest.raises(RuntimeError, match="once"):
        host.configure({STAMP_KEY: "again"})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_host_runs_in_a_temp_dir_with_the_project_importable_and_no_github_env(
    provider_host_factory: Callable[..., ProviderHost], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_from_the_developer_shell")
    host = provider_host_factory(EchoProvider(), env={"GITHUB_API_URL": "http://127.0.0.1:1", "EXTRA": "1"})
    assert host.pid is not None
    environ = dict(
        entry.split("=", 1) for entry in Path(f"/proc/{host.pid}/environ").read_text().split("\0") if entry
    )
    assert "GITHUB_TOKEN" not in environ
    assert environ["GITHUB_API_URL"] == "http://127.0.0.1:1"
    assert environ["EXTRA"] == "1"
    assert environ["PYTHONPATH"].split(os.pathsep)[:2] == [str(REPO / "provider"), str(REPO / "tests")]
    cwd = Path(os.readlink(f"/proc/{host.pid}/cwd"))
    assert cwd != REPO and REPO not in cwd.parents
    host.stop()
    assert not cwd.exists()


def test_stop_leaves_no_process_behind(provider_host_factory: Callable[..., ProviderHost]) -> None:
    host = provider_host_factory(EchoProvider())
    pid = host.pid
    assert pid is not None
    host.stop()
    assert host.process is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="not running"):
        host.configure({})


@pytest.mark.slow
def test_a_host_that_never_reports_a_port_fails_start_and_cleans_up() -> None:
    host = ProviderHost(EchoProvider(), python="/bin/false")
    with pytest.raises(RuntimeError, match="did not report a port"):
        host.start()
    assert host.process is None
