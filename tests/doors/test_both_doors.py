"""One lifecycle suite, run against both front doors, so that they cannot drift apart.

Every test runs once through the dynamic provider (`python -m pulumi.dynamic`, configured with
`github:token`, ...) and once through the provider plugin (`python -m pulumi_github_private_registry.plugin`,
configured with its `github-private-registry:` inputs), with the same declarations and the same
expectations, in the declaration's snake_case names (`doors.Door` translates); where one door promises
more (the plugin marks secrets and details its diff; the dynamic door's state carries the provider), the
test asserts it for that door. One process per door serves the module; `door.fresh()` is a new process
where a new `pulumi` command must not see the last one's cache (a refresh after a change made at GitHub).
Each test has its own org.
"""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from doors import Door
from engine import Props
from hosted import ProviderError
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.core.schema import configuration_name
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import DECLARATIONS, declaration

AUTH_TYPES = list(DECLARATIONS)
# What GitHub and the provider decide, not the declaration.
VOLATILE = frozenset({"created_at", "updated_at", "remote_updated_at", "value_encrypted", "key_id"})


def other_provider_blob() -> str:
    """The dynamic door's provider serialized otherwise (as a new SDK or provider version would): other
    bytes, same class."""
    blob = base64.b64encode(dill.dumps(OrgPrivateRegistryProvider(), protocol=3)).decode()
    assert blob != serialize_provider(OrgPrivateRegistryProvider())
    return blob


def org_for(door: Door, case: str) -> str:
    """An org of this test and door: a valid GitHub login."""
    login = f"{door.name}-{case}".replace("_", "-")
    assert schema.org_problem(login) is None, login
    return login


def present(props: dict[str, Any]) -> dict[str, Any]:
    """The properties that are set: the dynamic door writes None where the plugin leaves a key out."""
    return {k: v for k, v in props.items() if v is not None}


def assert_secrets_marked(props: Props) -> None:
    """The value and its ciphertext, wherever present, came back secret; nothing else did."""
    assert props.secret == {"value", "value_encrypted"} & set(props), props.secret


def declared_outputs(news: dict[str, Any]) -> dict[str, Any]:
    """The outputs a declaration must give, but for what GitHub decides (times, the sealed value)."""
    full = {**schema.DECLARATION_DEFAULTS, **news, "name": configuration_name(news["registry_type"])}
    return present(full)


@pytest.mark.parametrize("auth_type", AUTH_TYPES)
def test_full_lifecycle(door: Door, github: Emulator, auth_type: str) -> None:
    org = org_for(door, f"life-{auth_type}")
    news = declaration(auth_type, org)
    name = configuration_name(news["registry_type"])
    secret = "value" in news

    github.reset_log()
    created = door.up(news)
    assert created.id == f"{org}/{name}"
    assert {k: v for k, v in present(created.outputs).items() if k not in VOLATILE} == declared_outputs(news)
    assert created.outputs["created_at"]
    assert created.outputs["updated_at"] == created.outputs["remote_updated_at"]
    stored = github.registry(org, name)
    assert stored is not None and stored["url"] == news["url"] and stored["visibility"] == news["visibility"]
    assert github.decrypted_value(org, name) == news.get("value")
    if secret:
        assert created.outputs["key_id"] == github.public_key(org)[0] and created.outputs["value_encrypted"]
    else:
        assert created.outputs.get("value_encrypted") is None and stored.get("encrypted_value") is None
    if door.name == "plugin":  # the plugin leaves out what is not set, and marks the value secret itself
        if secret:
            assert created.outputs.is_secret("value") and created.outputs.is_secret("value_encrypted")
        else:
            assert "value_encrypted" not in created.outputs and "value" not in created.outputs
    assert github.count("GET", f"/{name}") == 0, "no GET after the POST: its answer had all state needs"

    refreshed = door.fresh().refresh(created)
    assert refreshed.id == created.id
    assert present(refreshed.outputs) == present(created.outputs), (
        "a refresh of what we wrote changes nothing"
    )
    assert refreshed.outputs["remote_updated_at"] == created.outputs["updated_at"]
    if door.name == "plugin":
        assert refreshed.inputs, "the plugin gives Read's inputs back"
        assert_secrets_marked(refreshed.outputs)
        assert_secrets_marked(refreshed.inputs)
    assert door.fresh().plan(refreshed, news).changes == "none", "a refresh must not cause a phantom diff"

    changed = dict(news, url=news["url"].rstrip("/") + "/v2/")
    if secret:
        changed["value"] = news["value"] + "-rotated"
    github.reset_log()
    changer = door.fresh()
    plan = changer.plan(refreshed, changed)
    if door.name == "plugin":
        assert plan.kinds == ({"url": "UPDATE", "value": "UPDATE"} if secret else {"url": "UPDATE"})
    updated = changer.change(refreshed, changed)
    # The update's list (changed at GitHub since the refresh?), the PATCH, and a GET for updated_at.
    assert [r.method for r in github.requests if "public-key" not in r.path] == ["GET", "PATCH", "GET"]
    assert updated.outputs["url"] == changed["url"] == github.registry(org, name)["url"]  # type: ignore[index]
    assert github.decrypted_value(org, name) == changed.get("value")
    assert {k: v for k, v in present(updated.outputs).items() if k not in VOLATILE} == declared_outputs(
        changed
    )
    assert updated.outputs["updated_at"] != created.outputs["updated_at"]
    assert updated.outputs["updated_at"] == updated.outputs["remote_updated_at"]
    if door.name == "plugin":
        if secret:
            assert updated.outputs.is_secret("value") and updated.outputs.is_secret("value_encrypted")
        assert_secrets_marked(updated.outputs)
    assert changer.plan(updated, changed).changes == "none"

    door.fresh().delete(updated)
    assert github.registry(org, name) is None
    door.fresh().delete(updated)  # already gone counts as deleted


@pytest.mark.parametrize("auth_type", AUTH_TYPES)
def test_one_process_creates_updates_and_deletes(door: Door, github: Emulator, auth_type: str) -> None:
    # The module's door throughout (test_full_lifecycle changes and deletes in new processes): this
    # process's create must not stand in for the update's list, nor its writes for the deletes' list.
    org = org_for(door, f"one-{auth_type}")
    news = declaration(auth_type, org)
    name = configuration_name(news["registry_type"])
    created = door.up(news)

    changed = dict(news, url=news["url"].rstrip("/") + "/v2/")
    if "value" in news:
        changed["value"] = news["value"] + "-rotated"
    github.reset_log()
    updated = door.change(created, changed)
    # The update's list (changed at GitHub since the create?), the PATCH, and a GET for updated_at.
    assert [r.method for r in github.requests if "public-key" not in r.path] == ["GET", "PATCH", "GET"]
    assert updated.outputs["url"] == changed["url"] == github.registry(org, name)["url"]  # type: ignore[index]
    assert github.decrypted_value(org, name) == changed.get("value")
    assert updated.outputs["updated_at"] == updated.outputs["remote_updated_at"]
    assert door.plan(updated, changed).changes == "none"

    github.reset_log()
    door.delete(updated)
    # The org's list taken for the delete (never the create's or the update's), then the DELETE.
    assert [r.method for r in github.requests] == ["GET", "DELETE"] and github.count("GET", f"/{name}") == 0
    assert github.registry(org, name) is None
    door.delete(updated)  # already gone counts as deleted

    # Made again by this process: its write drops the deletes' list, which does not hold the new one.
    again = door.up(news)
    github.reset_log()
    door.delete(again)
    assert [r.method for r in github.requests] == ["GET", "DELETE"] and github.count("GET", f"/{name}") == 0
    assert github.registry(org, name) is None


def test_adoption_is_refused_without_adopt_and_done_with_it(door: Door, github: Emulator) -> None:
    org = org_for(door, "adopt")
    github.put_registry(org, **{**DECLARATIONS["oidc_azure"], "client_id": "someone-elses-client"})
    news = declaration("oidc_azure", org)
    github.reset_log()
    with pytest.raises(ProviderError) as failure:
        door.up(news)
    assert f"{org}/DOCKER_REGISTRY_SECRET" in failure.value.details and "adopt: true" in failure.value.details
    assert github.count("POST") == 0 and github.count("PATCH") == 0
    assert github.registry(org, "DOCKER_REGISTRY_SECRET")["client_id"] == "someone-elses-client"  # type: ignore[index]

    adopted = door.up(dict(news, adopt=True))
    assert adopted.id == f"{org}/DOCKER_REGISTRY_SECRET"
    assert github.registry(org, "DOCKER_REGISTRY_SECRET")["client_id"] == news["client_id"]  # type: ignore[index]
    assert github.count("POST") == 0
    assert door.plan(adopted, dict(news, adopt=True)).changes == "none"


def test_a_refused_adoption_names_the_fields_as_the_door_spells_them(door: Door, github: Emulator) -> None:
    org = org_for(door, "adopt-names")
    github.put_registry(org, **DECLARATIONS["oidc_azure"])
    github.put_registry(org, **DECLARATIONS["oidc_jfrog"], identity_mapping_name="dependabot")
    github.reset_log()

    with pytest.raises(ProviderError) as other_auth:
        door.up(declaration("token", org, registry_type="docker_registry", adopt=True))
    with pytest.raises(ProviderError) as undeclared:
        door.up(declaration("oidc_jfrog", org, adopt=True))

    assert f"it exists with {door.spell('auth_type')} 'oidc_azure'" in other_auth.value.details
    assert f"it has {door.spell('identity_mapping_name')} 'dependabot'" in undeclared.value.details
    if door.spell("auth_type") != "auth_type":  # the plugin's readers never see the Python names
        assert "auth_type" not in other_auth.value.details
        assert "identity_mapping_name" not in undeclared.value.details
    assert github.count("POST") == 0 and github.count("PATCH") == 0


@pytest.mark.parametrize(
    ("field", "new_value", "delete_first"),
    [
        ("auth_type", "username_password", True),
        ("registry_type", "cargo_registry", False),
        ("org", "other-org", False),
    ],
)
def test_org_type_and_auth_type_changes_replace(
    door: Door, github: Emulator, field: str, new_value: str, delete_first: bool
) -> None:
    org = org_for(door, f"replace-{field}")
    news = declaration("token", org, username="monalisa")
    created = door.up(news)
    github.reset_log()
    plan = door.plan(created, dict(news, **{field: new_value}))
    assert plan.changes == "some" and plan.replaces == [field]
    assert plan.delete_before_replace is delete_first, "the same {org}/{NAME} must be deleted first"
    if door.name == "plugin":
        assert plan.kinds == {field: "UPDATE_REPLACE"}
    assert github.count() == 0


def test_nothing_declared_changed_means_no_change(door: Door) -> None:
    org = org_for(door, "steady")
    news = declaration("oidc_aws", org)
    created = door.up(news)
    plan = door.plan(created, news)
    assert plan.changes == "none" and plan.detailed == {} and plan.replaces == []
    # Reordered repository ids are no change either, nor (the dynamic door) a new provider version.
    ids = created.inputs["selected_repository_ids"]
    reordered = Props(
        {**created.inputs, "selected_repository_ids": list(reversed(ids))}, created.inputs.secret
    )
    if door.name == "dynamic":
        reordered["__provider"] = other_provider_blob()
    assert door._diff(created, reordered).changes == "none"


def test_drift_is_seen_on_refresh_and_repaired(door: Door, github: Emulator) -> None:
    org = org_for(door, "drift")
    news = declaration("username_password", org)
    created = door.up(news)
    github.edit_registry(org, "MAVEN_REPOSITORY_SECRET", url="https://evil.example.com", value="changed")

    refreshed = door.fresh().refresh(created)
    assert refreshed.outputs["url"] == "https://evil.example.com"
    assert refreshed.outputs["remote_updated_at"] != refreshed.outputs["updated_at"]
    if door.name == "plugin":
        assert refreshed.inputs, "the plugin gives Read's inputs back"

    repairer = door.fresh()
    plan = repairer.plan(refreshed, news)
    assert plan.changes == "some" and plan.replaces == []
    if door.name == "plugin":
        assert plan.kinds == {"url": "UPDATE"}
    github.reset_log()
    repaired = repairer.change(refreshed, news)
    patch = next(r for r in github.requests if r.method == "PATCH")
    assert {"url", "username", "visibility", "replaces_base", "encrypted_value", "key_id"} <= set(patch.body)
    assert github.registry(org, "MAVEN_REPOSITORY_SECRET")["url"] == news["url"]  # type: ignore[index]
    assert github.decrypted_value(org, "MAVEN_REPOSITORY_SECRET") == news["value"]
    assert repaired.outputs["remote_updated_at"] == repaired.outputs["updated_at"]
    assert door.fresh().plan(repaired, news).changes == "none"


def test_a_registry_deleted_at_github_is_gone_on_refresh(door: Door, github: Emulator) -> None:
    org = org_for(door, "vanish")
    created = door.up(declaration("oidc_azure", org))
    github.delete_registry(org, "DOCKER_REGISTRY_SECRET")
    assert door.fresh().refresh(created).id == ""


BAD_DECLARATIONS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "missing registry_type": (
        {k: v for k, v in DECLARATIONS["token"].items() if k != "registry_type"},
        {"registry_type"},
    ),
    "misspelled visibility": (
        {**{k: v for k, v in DECLARATIONS["token"].items() if k != "visibility"}, "visiblity": "all"},
        {"visiblity", "visibility"},
    ),
    "empty auth_type": ({**DECLARATIONS["oidc_azure"], "auth_type": ""}, {"auth_type"}),
    "value on an OIDC registry": ({**DECLARATIONS["oidc_gcp"], "value": "v"}, {"value"}),
    "value_encrypted not base64": (
        {
            **{k: v for k, v in DECLARATIONS["token"].items() if k != "value"},
            "value_encrypted": "not base64!",
            "key_id": "1",
        },
        {"value_encrypted"},
    ),
    "selected without ids": (
        {**DECLARATIONS["token"], "visibility": "selected"},
        {"selected_repository_ids"},
    ),
    "username_password without username": (
        {k: v for k, v in DECLARATIONS["username_password"].items() if k != "username"},
        {"username"},
    ),
    "oidc_aws without its fields": (
        {k: v for k, v in DECLARATIONS["oidc_aws"].items() if k not in ("aws_region", "role_name")},
        {"aws_region", "role_name"},
    ),
    "org not a login": ({**DECLARATIONS["token"], "org": "-bad/../org"}, {"org"}),
}


@pytest.mark.parametrize("case", list(BAD_DECLARATIONS))
def test_check_failures_name_the_same_fields(door: Door, github: Emulator, case: str) -> None:
    news, fields = BAD_DECLARATIONS[case]
    github.reset_log()
    checked = door.check({"org": org_for(door, "check"), **news})
    assert {prop for prop, _ in checked.failures} == {door.spell(f) for f in fields}
    for prop, reason in checked.failures:
        assert f"'{prop}'" in reason, (prop, reason)
    assert github.count() == 0
