"""The registry lifecycle core (`core.lifecycle`) called in process, without Pulumi, against the emulator.

Each test builds its own :class:`~lifecycle.Runtime` (``write_delay_ms=0``) and uses an org of its own; a
new runtime stands for a new provider process (a new `pulumi` command). Assertions are on what a user
sees: what GitHub (the emulator) holds, the outputs, the error messages and, where the number of calls
is the point, the requests GitHub received.
"""

from __future__ import annotations

import copy
import importlib
import pickle
import pkgutil
import re
import string
from collections.abc import Callable
from typing import Any

import pytest

from pulumi_github_private_registry import audiences
from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.audiences.plugin import PLUGIN
from pulumi_github_private_registry.core import lifecycle, outcomes, pacing, schema
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.core.errors import GitHubError
from pulumi_github_private_registry.core.inventory import Inventory
from pulumi_github_private_registry.core.runtime import FRESH_LIST_SECONDS
from pulumi_github_private_registry.core.schema import UNKNOWN, configuration_name
from pulumi_github_private_registry.core.settings import Settings
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN, declaration

NPM = "NPM_REGISTRY_SECRET"  # the registry of the sample "token" declaration (npm_registry)


def runtime(emulator: Emulator, owner: str | None = None) -> lifecycle.Runtime:
    """A provider process's runtime, pointed at ``emulator``, with no pause between writes."""
    return lifecycle.Runtime(
        Settings(token=TOKEN, base_url=emulator.base_url, owner=owner, write_delay_ms=0, keys=DYNAMIC_KEYS),
        DYNAMIC,
    )


def checked(rt: lifecycle.Runtime, news: dict[str, Any]) -> dict[str, Any]:
    """The declaration as `check` leaves it, which must find no problem."""
    result = lifecycle.check(rt, news)
    assert result.problems == (), [schema.render(p, DYNAMIC) for p in result.problems]
    return result.inputs


def calls(emulator: Emulator) -> list[tuple[str, str, int | None]]:
    """(method, path after .../private-registries, status) of each logged request; None: unanswered."""
    return [(r.method, r.path.rpartition("/private-registries")[2], r.status) for r in emulator.requests]


def writes(emulator: Emulator) -> int:
    return sum(emulator.count(method) for method in ("POST", "PATCH", "DELETE"))


# --- adoption -----------------------------------------------------------------------------------------


def test_an_existing_registry_is_refused_without_adopt_and_left_untouched(emulator: Emulator) -> None:
    org = "lc-adopt-refused"
    theirs = emulator.put_registry(
        org, registry_type="npm_registry", url="https://theirs.example.com", visibility="private", value="t"
    )
    rt = runtime(emulator)
    inputs = checked(rt, declaration("token", org))
    assert inputs["adopt"] is False

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.create(rt, inputs)

    message = str(failure.value)
    assert (failure.value.code, failure.value.registry) == ("exists", (org, NPM))
    assert f"OrgPrivateRegistry {org}/{NPM}:" in message
    assert "`adopt: true`" in message and "already has" in message
    assert writes(emulator) == 0, calls(emulator)
    assert emulator.registry(org, NPM) == theirs, "GitHub holds what it held"
    assert emulator.decrypted_value(org, NPM) == "t"


# A third door (a plain Python API) is an audience: its own words and messages, no edit of the core.
PLAIN_API = schema.Audience(
    name=lambda name: name,
    words={"rename": "the old name", "delete_first": "`delete_first=True`", "up": "`apply()`"},
    failures={"exists": "{org}/{name} exists: call `apply(adopt=True)` to take it over"},
)


@pytest.mark.parametrize(
    ("audience", "advice"),
    [
        (
            DYNAMIC,
            "give the resource `delete_before_replace=True` in its `ResourceOptions` and run `pulumi up`",
        ),
        (PLUGIN, "give the resource the resource option `deleteBeforeReplace: true` and run `pulumi up`"),
        (PLAIN_API, "call `apply(adopt=True)` to take it over"),
    ],
    ids=["dynamic", "plugin", "plain-api"],
)
def test_one_failure_is_worded_for_each_doors_audience(
    emulator: Emulator, audience: schema.Audience, advice: str
) -> None:
    org = "lc-audience"
    emulator.put_registry(
        org, registry_type="npm_registry", url="https://theirs.example.com", visibility="private", value="t"
    )
    rt = lifecycle.Runtime(
        Settings(token=TOKEN, base_url=emulator.base_url, write_delay_ms=0, keys=DYNAMIC_KEYS), audience
    )

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.create(rt, checked(rt, declaration("token", org)))

    assert (failure.value.code, failure.value.registry, failure.value.params) == ("exists", (org, NPM), {})
    assert advice in str(failure.value)
    assert ("pulumi" in str(failure.value)) is (audience is not PLAIN_API)


def _door_audiences() -> dict[str, schema.Audience]:
    """Every audience the ``audiences`` package declares, by module and name: a new door's too."""
    found = {}
    for info in pkgutil.iter_modules(audiences.__path__):
        module = importlib.import_module(f"{audiences.__name__}.{info.name}")
        found.update(
            {f"{info.name}.{k}": v for k, v in vars(module).items() if isinstance(v, schema.Audience)}
        )
    return found


@pytest.mark.parametrize("code", sorted(outcomes.FAILURES))
@pytest.mark.parametrize("audience", list(_door_audiences().values()), ids=list(_door_audiences()))
def test_every_failure_is_worded_for_every_doors_audience(code: str, audience: schema.Audience) -> None:
    """Each slot of each message filled: a door's audience has every word the core's messages use,
    and who cancelled (the word a door gives `lifecycle.cancel`)."""
    template = audience.failures.get(code) or outcomes.FAILURES[code]
    registry = _registry_of(code)

    failure = lifecycle.RegistryError(code, audience, registry, **_filled(template, audience, registry))

    assert (failure.code, failure.registry) == (code, registry) and str(failure)  # a missing word: KeyError
    assert audience.words["cancelled_by"]


# The failures raised about no one registry: a door's setup, a bad id, a list of an org's registries.
WITHOUT_REGISTRY: frozenset[str] = frozenset(
    {"configuration", "unknown_function", "cancelled", "internal", "bad_id", "unusable_state"}
    | {"list_no_org", "list_failed"}
)


def _registry_of(code: str) -> tuple[str, str] | None:
    return None if code in WITHOUT_REGISTRY else ("acme", NPM)


def _filled(template: str, audience: schema.Audience, registry: tuple[str, str] | None) -> dict[str, str]:
    """A parameter for each slot of ``template`` and of the words it names (not the core's own:
    a failure about a registry takes ``org``, ``name`` and ``registry`` from it)."""
    slots = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    # A word may name the message's parameters too (`{token_key}`).
    words = [audience.words.get(s[2:-1], "") for s in slots if s.startswith("w[")]
    slots += [name for word in words for _, name, _, _ in string.Formatter().parse(word) if name]
    own = {"w", "u"} | ({"registry", "org", "name"} if registry is not None else set())
    return {n: "X" for n in slots if n.partition("[")[0] not in own}


# A door outside Pulumi: every word its own, and the one message that speaks of Pulumi's engine
# (a replacement creates before it deletes) its own too.
NO_PULUMI = schema.Audience(
    name=lambda name: name,
    words={word: f"<{word}>" for word in DYNAMIC.words},
    failures={"exists": "{org}/{name} exists: call `apply(adopt=True)` to take it over"},
)


@pytest.mark.parametrize("code", sorted(outcomes.FAILURES))
def test_a_door_outside_pulumi_words_every_failure_without_pulumis_words(code: str) -> None:
    template = NO_PULUMI.failures.get(code) or outcomes.FAILURES[code]

    registry = _registry_of(code)

    message = str(
        lifecycle.RegistryError(code, NO_PULUMI, registry, **_filled(template, NO_PULUMI, registry))
    )

    # Our own command (`python -m pulumi_github_private_registry discover`) may stay.
    assert not re.search(r"\b[Pp]ulumi\b|getOrg|ResourceOptions", message), message


@pytest.mark.parametrize("audience", list(_door_audiences().values()), ids=list(_door_audiences()))
def test_a_doors_own_messages_replace_codes_the_core_has(audience: schema.Audience) -> None:
    """A misspelt code in an audience's ``failures`` would silently never be used."""
    assert set(audience.failures) <= set(outcomes.FAILURES)


def test_a_doors_word_may_hold_braces_of_its_own() -> None:
    """A Terraform-style door's advice holds braces: its words are text, not format strings."""
    terraform = schema.Audience(
        name=lambda name: name,
        words={**PLUGIN.words, "delete_first": "`lifecycle { create_before_destroy = false }`"},
    )

    message = str(lifecycle.RegistryError("exists", terraform, ("acme", NPM)))

    assert "give the resource `lifecycle { create_before_destroy = false }` and run" in message


def test_a_failure_pickles_with_its_message_and_data() -> None:
    """A process pool or ``copy`` carries a failure whole, but for its audience."""
    failure = lifecycle.RegistryError("failed", DYNAMIC, ("acme", NPM), action="delete it", words="gone.")

    again = pickle.loads(pickle.dumps(failure))

    assert (type(again), str(again), again.code, again.registry) == (
        lifecycle.RegistryError,
        "OrgPrivateRegistry acme/NPM_REGISTRY_SECRET: could not delete it: gone.",
        "failed",
        ("acme", NPM),
    )
    assert again.params == failure.params and again.audience is None
    assert str(copy.copy(failure)) == str(failure)


@pytest.mark.parametrize(
    ("audience", "function"), [(DYNAMIC, "getOrgPrivateRegistries"), (NO_PULUMI, "<list_function>")]
)
def test_a_list_that_fails_says_so_with_githubs_reason(
    emulator: Emulator, audience: schema.Audience, function: str
) -> None:
    """The data source's failure, which has no registry: GitHub's words, not an internal error."""
    rt = lifecycle.Runtime(
        Settings(token=TOKEN, base_url=emulator.base_url, write_delay_ms=0, keys=DYNAMIC_KEYS), audience
    )
    emulator.inject(method="GET", path="/orgs/lc-list-fails/private-registries", status=404)

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.registries(rt, "lc-list-fails")

    assert (failure.value.code, failure.value.registry) == ("list_failed", None)
    assert str(failure.value).startswith(
        f"{function}: could not list the registries of 'lc-list-fails': GET "
        "/orgs/lc-list-fails/private-registries: not found"
    ), str(failure.value)


def test_a_failures_parameter_cannot_take_a_name_its_message_uses() -> None:
    with pytest.raises(ValueError, match="cannot be named"):
        lifecycle.RegistryError("failed", DYNAMIC, ("acme", NPM), action="x", words="y", name="z")


def test_two_doors_naming_fields_alike_get_their_own_runtimes_and_words() -> None:
    settings = Settings(token=TOKEN, write_delay_ms=0, keys=DYNAMIC_KEYS)
    api = schema.Audience(name=DYNAMIC.name, words=NO_PULUMI.words)

    ours, theirs = lifecycle.Runtime.shared(settings, DYNAMIC), lifecycle.Runtime.shared(settings, api)

    assert ours is not theirs and (ours.audience, theirs.audience) == (DYNAMIC, api)
    assert lifecycle.Runtime.shared(settings, api) is theirs


@pytest.mark.parametrize(("why", "said"), [("", "cancelled: no"), ("Ctrl-C", "cancelled (Ctrl-C): no")])
def test_a_cancel_says_who_cancelled_in_the_doors_words(why: str, said: str) -> None:
    cancellation = pacing.Cancellation()
    cancellation.cancel(why)

    with pytest.raises(GitHubError) as failure:
        cancellation.wait(5.0, "GET /x")

    assert str(failure.value) == f"GET /x: the operation was {said} further request was sent to GitHub"


def test_adopt_takes_an_existing_registry_over_and_updates_it_to_the_declaration(
    emulator: Emulator,
) -> None:
    org = "lc-adopt-taken"
    theirs = emulator.put_registry(
        org, registry_type="npm_registry", url="https://theirs.example.com", visibility="private", value="t"
    )
    rt = runtime(emulator)
    news = declaration("token", org, adopt=True)
    inputs = checked(rt, news)

    written = lifecycle.create(rt, inputs)

    stored = emulator.registry(org, NPM)
    assert stored is not None and list(emulator.registries(org)) == [NPM], "taken over, not doubled"
    assert (stored["url"], stored["visibility"]) == (news["url"], news["visibility"])
    assert emulator.decrypted_value(org, NPM) == news["value"]
    assert emulator.count("POST") == 0 and emulator.count("PATCH") == 1
    assert written.id == f"{org}/{NPM}"
    outs = written.outputs
    assert outs["url"] == news["url"] and outs["key_id"] == emulator.public_key(org)[0]
    assert outs["value_encrypted"] == stored["encrypted_value"], "the state holds what GitHub holds"
    assert outs["created_at"] == theirs["created_at"], "the same registry, not a new one"
    assert outs["updated_at"] == outs["remote_updated_at"] == stored["updated_at"]
    # The next `pulumi up` (a new process) sees nothing to do.
    plan = lifecycle.diff(runtime(emulator), written.id, outs, inputs)
    assert plan == lifecycle.Plan(changes=False, replaces=(), delete_first=True)


# --- a create whose outcome is unknown ------------------------------------------------------------------


APPLIED_UNANSWERED: dict[str, dict[str, Any]] = {
    "dropped": {"apply_then_drop": True},  # GitHub applies it, then the connection drops: no answer
    "502": {"status": 502, "apply": True},  # applied, but only a gateway's 502 comes back
}
NOT_APPLIED: dict[str, dict[str, Any]] = {
    "dropped": {"drop": True},  # the connection drops before GitHub applies anything
    "503": {"status": 503, "body": {"message": "Service Unavailable"}},
}


@pytest.mark.parametrize("fault", list(APPLIED_UNANSWERED))
@pytest.mark.parametrize("auth_type", ["token", "oidc_gcp"])
def test_a_create_applied_but_unanswered_is_taken_over_as_ours_without_a_duplicate(
    emulator: Emulator, auth_type: str, fault: str
) -> None:
    org = f"lc-lost-{fault}-{auth_type.replace('_', '-')}"
    news = declaration(auth_type, org)
    name = configuration_name(news["registry_type"])
    emulator.inject(method="POST", **APPLIED_UNANSWERED[fault])
    rt = runtime(emulator)

    written = lifecycle.create(rt, checked(rt, news))

    assert list(emulator.registries(org)) == [name], "one registry, no duplicate"
    stored = emulator.registry(org, name)
    assert stored is not None and stored["url"] == news["url"]
    assert written.id == f"{org}/{name}"
    assert written.outputs["updated_at"] == written.outputs["remote_updated_at"] == stored["updated_at"]
    posts = [c for c in calls(emulator) if c[0] == "POST"]
    assert len(posts) == 1 and posts[0][2] != 201, "an unanswered create is never sent blindly again"
    looked_up = ("GET", f"/{name}", 200)
    if "value" in news:
        # GitHub keeps no readable trace of the value that came with it: it is sent once more, so
        # that the state holds what GitHub holds.
        assert calls(emulator)[-3:] == [looked_up, ("PATCH", f"/{name}", 204), looked_up]
        assert emulator.decrypted_value(org, name) == news["value"]
        assert written.outputs["value_encrypted"] == stored["encrypted_value"]
        assert written.outputs["key_id"] == stored["key_id"] == emulator.public_key(org)[0]
    else:
        assert calls(emulator)[-1] == looked_up and emulator.count("PATCH") == 0
        assert written.outputs["value_encrypted"] is None
    # The next `pulumi up` sees nothing to do.
    assert not lifecycle.diff(runtime(emulator), written.id, written.outputs, checked(rt, news)).changes


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
@pytest.mark.parametrize("fault", list(NOT_APPLIED))
def test_a_create_unanswered_and_not_applied_is_sent_again_once_it_is_known_absent(
    emulator: Emulator, fault: str
) -> None:
    org = f"lc-not-applied-{fault}"
    news = declaration("token", org)
    emulator.inject(method="POST", **NOT_APPLIED[fault])
    rt = runtime(emulator)

    written = lifecycle.create(rt, checked(rt, news))

    posts = [c for c in calls(emulator) if c[0] == "POST"]
    assert len(posts) == 2 and posts[0][2] != 201 and posts[1][2] == 201, calls(emulator)
    first, second = (i for i, c in enumerate(calls(emulator)) if c[0] == "POST")
    between = calls(emulator)[first + 1 : second]
    assert between and all(c == ("GET", f"/{NPM}", 404) for c in between), "looked up before resent"
    assert list(emulator.registries(org)) == [NPM]
    stored = emulator.registry(org, NPM)
    assert stored is not None and written.outputs["updated_at"] == stored["updated_at"]
    assert emulator.decrypted_value(org, NPM) == news["value"]
    assert written.outputs["value_encrypted"] == stored["encrypted_value"]


# --- drift ------------------------------------------------------------------------------------------------


def test_drift_in_a_field_is_read_planned_in_place_and_repaired_by_update(emulator: Emulator) -> None:
    org = "lc-drift-field"
    news = declaration("token", org)
    rt = runtime(emulator)
    inputs = checked(rt, news)
    created = lifecycle.create(rt, inputs)
    id_ = created.id
    emulator.edit_registry(org, NPM, url="https://drifted.example.com/npm/", visibility="private")

    refreshed = lifecycle.read(runtime(emulator), id_, created.outputs)  # `pulumi refresh`

    assert refreshed.id == id_
    assert refreshed.outputs["remote_updated_at"] != refreshed.outputs["updated_at"]
    assert refreshed.outputs["url"] == refreshed.inputs["url"] == "https://drifted.example.com/npm/"
    assert refreshed.outputs["visibility"] == "private"

    up = runtime(emulator)  # `pulumi up` with the unchanged declaration
    plan = lifecycle.diff(up, id_, refreshed.outputs, checked(up, news))
    assert plan.changes and plan.replaces == ()
    repaired = lifecycle.update(up, id_, refreshed.outputs, checked(up, news))

    stored = emulator.registry(org, NPM)
    assert stored is not None
    assert (stored["url"], stored["visibility"]) == (news["url"], news["visibility"])
    assert emulator.decrypted_value(org, NPM) == news["value"]
    assert repaired.outputs["updated_at"] == repaired.outputs["remote_updated_at"] == stored["updated_at"]
    # The refresh after the repair sees no drift, and the next plan nothing to do.
    again = lifecycle.read(runtime(emulator), id_, repaired.outputs)
    assert again.outputs["remote_updated_at"] == again.outputs["updated_at"]
    assert not lifecycle.diff(runtime(emulator), id_, again.outputs, inputs).changes


def test_drift_of_the_secret_alone_is_seen_by_its_timestamp_and_the_value_sent_again(
    emulator: Emulator,
) -> None:
    org = "lc-drift-secret"
    news = declaration("token", org)
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, news))
    emulator.edit_registry(org, NPM, value="tampered")  # no field GitHub reports changes

    refreshed = lifecycle.read(runtime(emulator), created.id, created.outputs)
    assert refreshed.outputs["remote_updated_at"] != refreshed.outputs["updated_at"]
    assert {k: refreshed.outputs[k] for k in schema.REPORTED_FIELDS} == {
        k: created.outputs[k] for k in schema.REPORTED_FIELDS
    }

    up = runtime(emulator)
    inputs = checked(up, news)
    plan = lifecycle.diff(up, created.id, refreshed.outputs, inputs)
    assert plan.changes and plan.replaces == ()
    lifecycle.update(up, created.id, refreshed.outputs, inputs)
    assert emulator.decrypted_value(org, NPM) == news["value"]


def test_an_update_of_a_registry_deleted_outside_pulumi_says_to_refresh(emulator: Emulator) -> None:
    org = "lc-update-gone"
    news = declaration("token", org)
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, news))
    emulator.delete_registry(org, NPM)

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.update(
            rt, created.id, created.outputs, checked(rt, dict(news, url="https://n.example.com"))
        )

    assert (failure.value.code, failure.value.registry) == ("gone", (org, NPM))
    assert f"OrgPrivateRegistry {org}/{NPM}: it no longer exists at GitHub" in str(failure.value)
    assert "`pulumi refresh`" in str(failure.value)
    assert emulator.count("POST") == 1 and emulator.registries(org) == {}, "not made again behind the plan"
    refreshed = lifecycle.read(runtime(emulator), created.id, created.outputs)
    assert refreshed == lifecycle.Refreshed("", {}, {}), "a refresh drops it from the state"


# --- key rotation -----------------------------------------------------------------------------------------


def test_an_update_after_the_orgs_key_rotated_reseals_with_the_new_key_after_one_refusal(
    emulator: Emulator,
) -> None:
    org = "lc-rotated-update"
    news = declaration("token", org)
    rt = runtime(emulator)  # the same process: it holds the old key
    inputs = checked(rt, news)
    created = lifecycle.create(rt, inputs)
    new_key_id = emulator.rotate_key(org)
    emulator.reset_log()

    changed = checked(rt, dict(news, value="npm-secret-value-2"))
    assert lifecycle.diff(rt, created.id, created.outputs, changed).changes
    written = lifecycle.update(rt, created.id, created.outputs, changed)

    assert calls(emulator) == [
        ("GET", "", 200),  # the update's list: unchanged at GitHub since it was written
        ("PATCH", f"/{NPM}", 422),  # sealed with the cached, stale key
        ("GET", "/public-key", 200),
        ("PATCH", f"/{NPM}", 204),
        ("GET", f"/{NPM}", 200),
    ]
    assert emulator.decrypted_value(org, NPM) == "npm-secret-value-2"
    assert written.outputs["key_id"] == new_key_id != created.outputs["key_id"]
    stored = emulator.registry(org, NPM)
    assert stored is not None and written.outputs["value_encrypted"] == stored["encrypted_value"]


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_user_sealed_value_with_a_rotated_key_fails_naming_value_encrypted_and_the_key_endpoint(
    emulator: Emulator, operation: str
) -> None:
    org = f"lc-stale-sealed-{operation}"
    key_id, key = emulator.public_key(org)

    def sealed(plaintext: str) -> dict[str, Any]:
        news = declaration(
            "token", org, value_encrypted=seal(plaintext, PublicKey(key_id, key)).encrypted_value
        )
        del news["value"]
        return dict(news, key_id=key_id)

    rt = runtime(emulator)
    if operation == "update":
        created = lifecycle.create(rt, checked(rt, sealed("first")))
    emulator.rotate_key(org)
    emulator.reset_log()

    with pytest.raises(lifecycle.RegistryError) as failure:
        if operation == "create":
            lifecycle.create(rt, checked(rt, sealed("second")))
        else:
            lifecycle.update(rt, created.id, created.outputs, checked(rt, sealed("second")))

    message = str(failure.value)
    assert (failure.value.code, failure.value.registry) == ("sealed_refused", (org, NPM))
    assert f"OrgPrivateRegistry {org}/{NPM}:" in message
    assert "value_encrypted" in message and f"GET /orgs/{org}/private-registries/public-key" in message
    assert writes(emulator) == 1, "a value only the user can seal again is not sent again"
    if operation == "create":
        assert emulator.registries(org) == {}
    else:
        assert emulator.decrypted_value(org, NPM) == "first", "GitHub keeps the value it had"


# --- delete, then create again --------------------------------------------------------------------------


@pytest.mark.parametrize("same_runtime", [True, False], ids=["same-process", "new-process"])
def test_a_deleted_registry_is_gone_and_a_create_of_its_type_makes_it_again(
    emulator: Emulator, same_runtime: bool
) -> None:
    org = f"lc-recreate-{'same' if same_runtime else 'new'}"
    news = declaration("token", org)
    rt = runtime(emulator)
    inputs = checked(rt, news)
    created = lifecycle.create(rt, inputs)

    lifecycle.delete(rt, created.id, created.outputs)
    assert emulator.registries(org) == {}

    again_rt = rt if same_runtime else runtime(emulator)
    emulator.reset_log()
    again = lifecycle.create(again_rt, checked(again_rt, dict(news, value="npm-secret-value-2")))

    assert [c for c in calls(emulator) if c[0] == "POST"] == [("POST", "", 201)]
    stored = emulator.registry(org, NPM)
    assert stored is not None and list(emulator.registries(org)) == [NPM]
    assert again.id == created.id and again.outputs["created_at"] != created.outputs["created_at"]
    assert emulator.decrypted_value(org, NPM) == "npm-secret-value-2"


@pytest.mark.parametrize("same_runtime", [True, False], ids=["same-process", "new-process"])
def test_deleting_a_registry_that_github_lists_as_gone_succeeds(
    emulator: Emulator, same_runtime: bool
) -> None:
    org = f"lc-delete-gone-{'same' if same_runtime else 'new'}"
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, declaration("token", org)))
    emulator.delete_registry(org, NPM)  # behind the provider's back
    emulator.reset_log()

    lifecycle.delete(rt if same_runtime else runtime(emulator), created.id, created.outputs)

    # The list taken for the deletes leaves it out, and a GET (it might be too new for the list)
    # confirms it gone: nothing to delete.
    assert calls(emulator) == [("GET", "", 200), ("GET", f"/{NPM}", 404)], "gone, as GitHub lists"
    assert emulator.registries(org) == {}


def test_a_delete_answered_404_fails_while_github_still_lists_the_registry(emulator: Emulator) -> None:
    org = "lc-delete-still-listed"
    news = declaration("token", org)
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, news))
    emulator.inject(method="DELETE", status=404, body={"message": "Not Found"})

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.delete(rt, created.id, created.outputs)

    assert failure.value.code == "failed" and failure.value.params["action"] == "delete it"
    assert f"OrgPrivateRegistry {org}/{NPM}: could not delete it" in str(failure.value)
    assert "still lists it" in str(failure.value)
    assert emulator.decrypted_value(org, NPM) == news["value"], "still there, and the state keeps it"


# --- check and diff: no request --------------------------------------------------------------------------


def test_check_fills_the_defaults_and_the_org_from_the_owner_without_a_request(emulator: Emulator) -> None:
    rt = runtime(emulator, owner="lc-owner")
    news = declaration("token", "unused")
    del news["org"]

    result = lifecycle.check(rt, news)

    assert result.problems == ()
    assert result.inputs == {
        **news,
        "org": "lc-owner",
        "auth_type": "token",
        "replaces_base": False,
        "adopt": False,
        "ignore_value_drift": False,
    }
    assert emulator.requests == []


def test_check_reports_every_problem_in_the_declarations_words(emulator: Emulator) -> None:
    rt = runtime(emulator)  # no owner configured
    news = {
        "registry_type": "npm_registry",
        "url": "https://npm.example.com",
        "visibility": "selected",
        "value_encrypted": "c2VhbGVk",
        "urll": "typo",
    }

    result = lifecycle.check(rt, news)

    assert sorted(schema.render(p, DYNAMIC) for p in result.problems) == sorted(
        [
            "unknown property 'urll'; did you mean 'url'?",
            "'org' is required: set it or configure github:owner / GITHUB_OWNER",
            "'value_encrypted' needs the 'key_id' it was sealed with",
            "visibility 'selected' needs at least one id in 'selected_repository_ids'",
        ]
    )
    assert emulator.requests == []


def _state(auth_type: str, org: str) -> dict[str, Any]:
    """A declaration as checked during a preview, where no token is needed."""
    result = lifecycle.check(
        lifecycle.Runtime(Settings(token=None, keys=DYNAMIC_KEYS), DYNAMIC), declaration(auth_type, org)
    )
    assert result.problems == ()
    return result.inputs


@pytest.mark.parametrize(
    ("changes", "replaces", "delete_first"),
    [
        ({"registry_type": "cargo_registry"}, ("registry_type",), False),  # another name: side by side
        ({"auth_type": "username_password", "username": "octocat"}, ("auth_type",), True),
        ({"org": "lc-other-org"}, ("org",), False),
        ({"registry_type": UNKNOWN}, ("registry_type",), False),
        ({"auth_type": UNKNOWN}, ("auth_type",), True),
        ({"url": "https://npm.example.com/v2/"}, (), True),  # in place
    ],
    ids=["registry-type", "auth-type", "org", "unknown-registry-type", "unknown-auth-type", "url"],
)
def test_diff_replaces_on_type_and_org_changes_deleting_first_when_the_name_stays(
    emulator: Emulator, changes: dict[str, Any], replaces: tuple[str, ...], delete_first: bool
) -> None:
    org = "lc-diff"
    rt = runtime(emulator)
    olds = _state("token", org)

    plan = lifecycle.diff(rt, f"{org}/{NPM}", olds, {**olds, **changes})

    assert (plan.changes, plan.replaces, plan.delete_first) == (True, replaces, delete_first)
    assert set(plan.fields) == set(changes)  # what `pulumi preview` shows as changing
    assert emulator.requests == []


def test_diff_plans_nothing_for_the_same_registry_written_otherwise(emulator: Emulator) -> None:
    rt = runtime(emulator)
    olds = _state("oidc_aws", "lc-diff-none")
    # Logins compare in any case; repository ids as a set of whole numbers.
    news = dict(olds, org="LC-Diff-None", selected_repository_ids=[1296280, 1296269])

    plan = lifecycle.diff(rt, "lc-diff-none/PYTHON_INDEX_SECRET", olds, news)

    assert plan == lifecycle.Plan(changes=False, replaces=(), delete_first=True)
    assert emulator.requests == []


def test_a_same_name_replacement_deleted_first_makes_the_new_auth_type(emulator: Emulator) -> None:
    org = "lc-replace-auth"
    rt = runtime(emulator)
    old = lifecycle.create(rt, checked(rt, declaration("token", org)))
    news = checked(rt, dict(declaration("token", org), auth_type="username_password", username="octocat"))
    plan = lifecycle.diff(rt, old.id, old.outputs, news)
    assert plan.replaces == ("auth_type",) and plan.delete_first

    lifecycle.delete(rt, old.id, old.outputs)
    new = lifecycle.create(rt, news)

    stored = emulator.registry(org, NPM)
    assert stored is not None and stored["auth_type"] == "username_password"
    assert stored["username"] == "octocat" and new.id == old.id
    assert emulator.decrypted_value(org, NPM) == news["value"]


def test_an_update_under_ignore_value_drift_after_a_refreshed_rotation_sends_all_but_the_value(
    emulator: Emulator,
) -> None:
    # A secret rotated elsewhere, left alone (`ignore_value_drift`); a refresh records GitHub's newer
    # time. The refresh cannot see repository ids: the update sends every declared field again
    # (not the value), and the delete after it goes through.
    org = "lc-flag-refreshed"
    news = declaration("token", org, ignore_value_drift=True)
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, news))
    emulator.edit_registry(org, NPM, value="rotated-elsewhere")
    refreshed = lifecycle.read(runtime(emulator), created.id, created.outputs)
    assert refreshed.outputs["remote_updated_at"] != refreshed.outputs["updated_at"]
    emulator.reset_log()

    written = lifecycle.update(runtime(emulator), created.id, refreshed.outputs, refreshed.inputs)
    patches = [r.body for r in emulator.requests if r.method == "PATCH"]
    assert patches == [{"url": news["url"], "visibility": "all", "replaces_base": False}]
    assert emulator.decrypted_value(org, NPM) == "rotated-elsewhere"
    lifecycle.delete(runtime(emulator), created.id, written.outputs)

    assert emulator.registries(org) == {}


def test_the_deletes_list_is_taken_again_once_it_is_older_than_a_burst(emulator: Emulator) -> None:
    # One process deletes a registry of the org (its list is taken); another process adopts the
    # org's other registry; later, the first process's next delete must not trust the old list.
    org = "lc-old-list"
    first, other = runtime(emulator), runtime(emulator)
    now = [1000.0]
    first.deleting = Inventory(ttl=FRESH_LIST_SECONDS, clock=lambda: now[0])
    npm = lifecycle.create(first, checked(first, declaration("token", org)))
    maven = lifecycle.create(first, checked(first, declaration("username_password", org)))
    lifecycle.delete(first, npm.id, npm.outputs)
    lifecycle.create(other, checked(other, declaration("username_password", org, value="b", adopt=True)))
    now[0] += FRESH_LIST_SECONDS + 1

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.delete(first, maven.id, maven.outputs)

    assert (failure.value.code, failure.value.registry) == (
        "changed_since_seen",
        (org, "MAVEN_REPOSITORY_SECRET"),
    )
    assert "not deleted: it was changed at GitHub since this resource last saw it" in str(failure.value)
    assert emulator.decrypted_value(org, "MAVEN_REPOSITORY_SECRET") == "b"


def test_a_list_that_lags_our_own_write_is_checked_with_a_get_not_refused(emulator: Emulator) -> None:
    org = "lc-lagging-list"
    rt = runtime(emulator)
    news = checked(rt, declaration("token", org))
    created = lifecycle.create(rt, news)
    before = emulator.registry(org, NPM)
    assert before is not None
    updated = lifecycle.update(
        runtime(emulator), created.id, created.outputs, dict(news, url=news["url"] + "v2/")
    )
    # A replica that has not seen the PATCH yet answers the list.
    stale = {k: v for k, v in before.items() if k not in ("encrypted_value", "key_id")}
    emulator.inject(
        method="GET",
        path=f"/orgs/{org}/private-registries",
        status=200,
        body={"total_count": 1, "configurations": [stale]},
    )
    emulator.reset_log()

    lifecycle.delete(runtime(emulator), created.id, updated.outputs)

    assert calls(emulator) == [("GET", "", 200), ("GET", f"/{NPM}", 200), ("DELETE", f"/{NPM}", 204)]
    assert emulator.registries(org) == {}


def test_a_create_whose_value_cannot_be_sent_again_says_the_registry_is_its_own_and_to_adopt_it(
    emulator: Emulator,
) -> None:
    org = "lc-resend-refused"
    news = declaration("token", org)
    emulator.inject(
        method="POST", path=f"/orgs/{org}/", status=504, apply=True, body={"message": "Gateway Timeout"}
    )
    emulator.inject(
        method="PATCH", path=f"/orgs/{org}/", status=403, body={"message": "Resource not accessible"}
    )
    rt = runtime(emulator)

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.create(rt, checked(rt, news))

    message = str(failure.value)
    assert failure.value.code == "not_resent"
    assert message.startswith(f"OrgPrivateRegistry {org}/{NPM}: could not update it: PATCH ")
    assert message.endswith(
        "It exists at GitHub, made by this create (GitHub did not answer it, and a lookup found it "
        "with the fields declared), but its value could not be sent again, so it is not in the "
        "state: set `adopt: true` on this resource and run again to take it over."
    )
    again = runtime(emulator)
    lifecycle.create(again, checked(again, dict(news, adopt=True)))
    assert emulator.decrypted_value(org, NPM) == news["value"]


def test_a_url_github_stores_tidied_is_no_reason_to_refuse_a_delete(emulator: Emulator) -> None:
    # Only times tell a change: GitHub may store a field tidied (a url without its trailing slash).
    org = "lc-tidied"
    rt = runtime(emulator)
    created = lifecycle.create(rt, checked(rt, declaration("username_password", org)))
    record = emulator.registry(org, "MAVEN_REPOSITORY_SECRET")
    assert record is not None and created.outputs["url"].endswith("/")
    tidied = {k: v for k, v in record.items() if k not in ("encrypted_value", "key_id")}
    tidied["url"] = tidied["url"].rstrip("/").upper()
    emulator.inject(
        method="GET",
        path=f"/orgs/{org}/private-registries",
        status=200,
        body={"total_count": 1, "configurations": [tidied]},
    )

    lifecycle.delete(runtime(emulator), created.id, created.outputs)

    assert emulator.registries(org) == {}


def test_a_create_whose_registry_is_gone_when_its_value_is_resent_says_to_run_again(
    emulator: Emulator,
) -> None:
    org = "lc-gone-meanwhile"
    emulator.inject(
        method="POST", path=f"/orgs/{org}/", status=504, apply=True, body={"message": "Gateway Timeout"}
    )
    emulator.inject(method="PATCH", path=f"/orgs/{org}/", status=404, body={"message": "Not Found"})
    rt = runtime(emulator)

    with pytest.raises(lifecycle.RegistryError) as failure:
        lifecycle.create(rt, checked(rt, declaration("token", org)))

    assert failure.value.code == "gone_when_resent"
    assert str(failure.value) == (
        f"OrgPrivateRegistry {org}/{NPM}: GitHub did not answer the create, a lookup found the registry, "
        "and it was gone when its value was sent again (deleted at GitHub meanwhile). Nothing is in the "
        "state: run again to create it."
    )


# --- the retry budget ---------------------------------------------------------------------------------


def test_each_operation_that_talks_to_github_spends_one_retry_budget_in_all_its_requests(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The budget is declared on each operation (pacing.budgeted), not found by its name: an operation
    # that loses it would give each of its requests the whole maxRetryWait.
    budgets: list[pacing.RetryBudget | None] = []
    send = GitHubClient._send

    def spying(self: GitHubClient, *args: Any, **kwargs: Any) -> Any:
        budgets.append(pacing.current_budget())
        return send(self, *args, **kwargs)

    monkeypatch.setattr(GitHubClient, "_send", spying)
    org = "lc-budgets"
    news = declaration("token", org)
    rt = runtime(emulator)
    inputs = checked(rt, news)
    changed = checked(rt, {**news, "url": "https://registry.example.com/npm/v2/"})
    state = lifecycle.create(rt, inputs).outputs
    spent = {"create": list(budgets)}

    def operation(name: str, run: Callable[[], Any]) -> Any:
        budgets.clear()
        result = run()
        spent[name] = list(budgets)
        return result

    id_ = f"{org}/{NPM}"
    operation("read", lambda: lifecycle.read(runtime(emulator), id_, state))
    state = operation("update", lambda: lifecycle.update(runtime(emulator), id_, state, changed)).outputs
    operation("registries", lambda: lifecycle.registries(runtime(emulator), org))
    operation("delete", lambda: lifecycle.delete(runtime(emulator), id_, state))

    for name, seen in spent.items():
        assert seen and seen[0] is not None, f"{name} sends its requests without a budget"
        assert all(budget is seen[0] for budget in seen), f"{name}'s requests share one budget"
    assert emulator.registry(org, NPM) is None
