"""OrgPrivateRegistryProvider through the real provider host (`python -m pulumi.dynamic`), on the emulator.

Each `deployment()` is a fresh provider process, as each `pulumi` command starts one. What both doors do
alike (the lifecycle of each auth type, replacements, drift repaired, a registry gone) is
`test_both_doors.py`'s; here is what only the dynamic door does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine import UNKNOWN, change, up
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import DECLARATIONS, declaration

Deploy = Callable[..., ProviderHost]


def test_update_sends_only_the_changed_field(deployment: Deploy, emulator: Emulator) -> None:
    news = declaration("username_password", "only-changed")
    id_, outs, inputs = up(deployment(), news)
    emulator.reset_log()
    change(deployment(), id_, outs, inputs, dict(news, replaces_base=False))
    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert patch.body == {"replaces_base": False}
    assert emulator.count() == 3  # the update's list + PATCH + one GET for updated_at


def test_value_change_reseals_and_sends_only_the_secret(deployment: Deploy, emulator: Emulator) -> None:
    news = declaration("token", "value-only")
    id_, outs, inputs = up(deployment(), news)
    emulator.reset_log()
    new_outs = change(deployment(), id_, outs, inputs, dict(news, value="second-value"))
    patch = next(r for r in emulator.requests if r.method == "PATCH")
    assert set(patch.body) == {"encrypted_value", "key_id"}
    assert emulator.decrypted_value("value-only", "NPM_REGISTRY_SECRET") == "second-value"
    assert new_outs["value_encrypted"] != outs["value_encrypted"]


def test_repository_ids_arrive_as_floats_and_are_sent_as_integers(
    deployment: Deploy, emulator: Emulator
) -> None:
    up(deployment(), declaration("oidc_aws", "floats"))
    post = next(r for r in emulator.requests if r.method == "POST")
    assert post.body["selected_repository_ids"] == [1296269, 1296280]
    assert all(type(i) is int for i in post.body["selected_repository_ids"])


def test_pre_encrypted_value_is_sent_as_given(deployment: Deploy, emulator: Emulator) -> None:
    key_id, key = emulator.public_key("sealed")
    sealed = seal("sealed-elsewhere", PublicKey(key_id, key))
    news = declaration("token", "sealed", value_encrypted=sealed.encrypted_value, key_id=key_id)
    del news["value"]
    _, outs, _ = up(deployment(), news)
    assert emulator.decrypted_value("sealed", "NPM_REGISTRY_SECRET") == "sealed-elsewhere"
    assert outs["value_encrypted"] == sealed.encrypted_value and outs["key_id"] == key_id
    assert emulator.count("GET", "public-key") == 0


def test_auth_type_replacement_deletes_then_creates_under_the_same_name(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment()
    news = declaration("token", "reauth", username="monalisa")
    id_, outs, _ = up(host, news)
    host.delete(id_, outs)  # the engine deletes first (delete_before_replace)
    new_id, _, _ = up(host, dict(news, auth_type="username_password"))
    assert new_id == id_
    assert emulator.registry("reauth", "NPM_REGISTRY_SECRET")["auth_type"] == "username_password"  # type: ignore[index]


def test_org_name_case_is_not_a_replacement(deployment: Deploy) -> None:
    host = deployment()
    news = declaration("token", "CaseOrg")
    id_, outs, _ = up(host, news)
    diff = host.diff(id_, outs, host.check(dict(news, org="caseorg")).inputs)
    assert diff.replaces == []


def test_existing_registry_is_not_taken_over_without_adopt(deployment: Deploy, emulator: Emulator) -> None:
    emulator.put_registry(
        "taken", registry_type="npm_registry", url="https://old.example.com", visibility="all", value="theirs"
    )
    emulator.reset_log()
    host = deployment()
    with pytest.raises(ProviderError) as failure:
        up(host, declaration("token", "taken"))
    message = failure.value.details
    assert "taken" in message and "NPM_REGISTRY_SECRET" in message and "adopt: true" in message
    assert emulator.count("POST") == 0 and emulator.count("PATCH") == 0
    assert emulator.decrypted_value("taken", "NPM_REGISTRY_SECRET") == "theirs"


def test_adopt_takes_over_and_applies_the_declared_state(deployment: Deploy, emulator: Emulator) -> None:
    emulator.put_registry(
        "adopter",
        registry_type="npm_registry",
        url="https://old.example.com",
        visibility="private",
        username="someone",
        value="theirs",
    )
    news = declaration("token", "adopter", adopt=True)
    id_, outs, inputs = up(deployment(), news)
    stored = emulator.registry("adopter", "NPM_REGISTRY_SECRET")
    assert stored is not None and stored["url"] == news["url"] and stored["visibility"] == "all"
    assert stored.get("username") is None, "a field the declaration leaves out is cleared"
    assert emulator.decrypted_value("adopter", "NPM_REGISTRY_SECRET") == news["value"]
    assert emulator.count("POST") == 0
    assert deployment().diff(id_, outs, inputs).changes == "none"


def test_adopt_refuses_a_different_auth_type(deployment: Deploy, emulator: Emulator) -> None:
    emulator.put_registry(
        "mismatch",
        registry_type="npm_registry",
        url="https://old.example.com",
        visibility="all",
        auth_type="username_password",
        username="u",
        value="v",
    )
    with pytest.raises(ProviderError) as failure:
        up(deployment(), declaration("token", "mismatch", adopt=True))
    assert "auth_type" in failure.value.details and "mismatch/NPM_REGISTRY_SECRET" in failure.value.details
    assert emulator.count("PATCH") == 0


def test_preview_makes_no_request_and_needs_no_token(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment(**{"github:token": None})
    news = declaration("token", "preview", url=UNKNOWN, value=UNKNOWN)
    checked = host.check(news, preview=True)
    assert checked.failures == []
    assert host.create(checked.inputs, preview=True)[0] == ""
    state = dict(
        declaration("token", "preview"), name="NPM_REGISTRY_SECRET", updated_at="t", remote_updated_at="t"
    )
    assert host.diff("preview/NPM_REGISTRY_SECRET", state, checked.inputs).changes == "some"
    assert emulator.count() == 0


def test_unknown_org_or_auth_type_in_preview_plans_a_replacement(deployment: Deploy) -> None:
    host = deployment()
    state = dict(declaration("token", "unk"), name="NPM_REGISTRY_SECRET", auth_type="token")
    diff = host.diff("unk/NPM_REGISTRY_SECRET", state, dict(declaration("token", "unk"), auth_type=UNKNOWN))
    assert diff.replaces == ["auth_type"]


def test_org_defaults_to_the_configured_owner(deployment: Deploy, emulator: Emulator) -> None:
    news = dict(DECLARATIONS["oidc_azure"])
    id_, outs, _ = up(deployment(**{"github:owner": "owner-org"}), news)
    assert id_ == "owner-org/DOCKER_REGISTRY_SECRET" and outs["org"] == "owner-org"
    assert emulator.registry("owner-org", "DOCKER_REGISTRY_SECRET") is not None


def test_token_and_base_url_are_read_from_the_environment(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment(
        env={"GITHUB_TOKEN": "test-token", "GITHUB_BASE_URL": emulator.base_url, "GITHUB_OWNER": "envorg"},
        **{"github:token": None, "github:baseUrl": None, "github:owner": None},
    )
    id_, _, _ = up(host, dict(DECLARATIONS["oidc_gcp"]))
    assert id_ == "envorg/HELM_REGISTRY_SECRET"


def test_create_without_a_token_says_how_to_set_one(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment(**{"github:token": None})
    with pytest.raises(ProviderError) as failure:
        up(host, declaration("oidc_azure", "notoken"))
    assert "pulumi config set --secret github:token" in failure.value.details
    assert emulator.count() == 0


def test_a_create_lists_the_org_once_and_fetches_its_key_once(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment()
    for auth_type in ("token", "username_password", "oidc_azure"):
        up(host, declaration(auth_type, "counted"))
    assert emulator.count("GET", "/private-registries") == 2  # one list + one public key
    assert emulator.count("GET", "public-key") == 1
    assert emulator.count("POST") == 3 and emulator.count() == 5


@pytest.mark.slow
def test_fields_github_does_not_report_keep_their_state_on_refresh() -> None:
    """GitHub's own example answers leave out `url` and `auth_type`: refresh must not read them as cleared."""
    from provider_host import ProviderHost as Host

    with Emulator(token="test-token", omit_fields=("url", "auth_type")) as terse:
        hosts: list[Host] = []

        def deploy() -> Host:
            host = Host(OrgPrivateRegistryProvider()).start()
            hosts.append(host)
            host.configure(
                {"github:token": "test-token", "github:baseUrl": terse.base_url, "github:writeDelayMs": "0"}
            )
            return host

        try:
            id_, outs, inputs = up(deploy(), declaration("oidc_azure", "terse"))
            refreshed = deploy().read(id_, outs, inputs)
            assert refreshed.outputs["auth_type"] == "oidc_azure" and refreshed.outputs["url"] == outs["url"]
            diff = deploy().diff(id_, refreshed.outputs, inputs)
            assert diff.changes == "none" and diff.replaces == []
        finally:
            for host in hosts:
                host.stop()


def test_refresh_that_cannot_see_the_org_fails_instead_of_dropping_the_registry(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, inputs = up(deployment(), declaration("token", "visible"))
    # A wrong token or base URL: GitHub answers 404 for an org it will not show.
    with Emulator(token="test-token", orgs=["someone-else"]) as elsewhere:
        with pytest.raises(ProviderError) as failure:
            deployment(elsewhere).read(id_, outs, inputs)
    assert "visible/NPM_REGISTRY_SECRET" in failure.value.details
    assert "token can see it" in failure.value.details
    assert emulator.registry("visible", "NPM_REGISTRY_SECRET") is not None


def test_destroy_that_cannot_see_the_org_fails_instead_of_forgetting_the_registry(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, _ = up(deployment(), declaration("token", "kept"))
    with Emulator(token="test-token", orgs=["someone-else"]) as elsewhere:
        with pytest.raises(ProviderError) as failure:
            deployment(elsewhere).delete(id_, outs)
    assert "kept/NPM_REGISTRY_SECRET" in failure.value.details
    assert emulator.registry("kept", "NPM_REGISTRY_SECRET") is not None


def test_delete_of_a_registry_already_gone_confirms_it_with_the_orgs_list(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, _ = up(deployment(), declaration("oidc_azure", "gone-already"))
    emulator.delete_registry("gone-already", "DOCKER_REGISTRY_SECRET")
    emulator.reset_log()
    deployment().delete(id_, outs)
    # The deletes' list leaves it out, and a GET (it might be too new for the list) finds it gone.
    assert [(r.method, r.status) for r in emulator.requests] == [("GET", 200), ("GET", 404)]


def test_dropping_a_field_github_cannot_clear_replaces_the_registry(deployment: Deploy) -> None:
    host = deployment()
    news = declaration("oidc_gcp", "unclear", audience="dependabot")
    id_, outs, inputs = up(host, news)
    dropped = {k: v for k, v in news.items() if k != "audience"}
    diff = host.diff(id_, outs, host.check(dropped, inputs).inputs)
    assert diff.replaces == ["audience"] and diff.delete_before_replace is True


def test_dropping_the_username_clears_it_in_place(deployment: Deploy, emulator: Emulator) -> None:
    news = declaration("token", "clear-user", username="monalisa")
    id_, outs, inputs = up(deployment(), news)
    emulator.reset_log()
    change(deployment(), id_, outs, inputs, {k: v for k, v in news.items() if k != "username"})
    assert next(r for r in emulator.requests if r.method == "PATCH").body == {"username": None}
    assert "username" not in emulator.registry("clear-user", "NPM_REGISTRY_SECRET")  # type: ignore[operator]


def test_adopt_refuses_a_field_it_would_have_to_clear(deployment: Deploy, emulator: Emulator) -> None:
    emulator.put_registry(
        "stuck",
        **{k: v for k, v in DECLARATIONS["oidc_jfrog"].items()},
        identity_mapping_name="legacy-mapping",
    )
    with pytest.raises(ProviderError) as failure:
        up(deployment(), declaration("oidc_jfrog", "stuck", adopt=True))
    assert "identity_mapping_name 'legacy-mapping'" in failure.value.details
    assert emulator.count("PATCH") == 0


def test_adopt_lists_patches_and_reads_once(deployment: Deploy, emulator: Emulator) -> None:
    emulator.put_registry("adopt-count", **DECLARATIONS["oidc_azure"])
    emulator.reset_log()
    up(deployment(), declaration("oidc_azure", "adopt-count", adopt=True, client_id="new-client"))
    assert [r.method for r in emulator.requests] == ["GET", "PATCH", "GET"]
    assert emulator.requests[0].path == "/orgs/adopt-count/private-registries"


@pytest.mark.slow
def test_adopt_when_github_does_not_report_auth_type() -> None:
    with (
        Emulator(token="test-token", omit_fields=("url", "auth_type")) as terse,
        ProviderHost(OrgPrivateRegistryProvider()) as host,
    ):
        host.configure(
            {"github:token": "test-token", "github:baseUrl": terse.base_url, "github:writeDelayMs": "0"}
        )
        terse.put_registry("terse-adopt", **DECLARATIONS["oidc_azure"])
        id_, _, _ = up(host, declaration("oidc_azure", "terse-adopt", adopt=True))
        assert id_ == "terse-adopt/DOCKER_REGISTRY_SECRET"
