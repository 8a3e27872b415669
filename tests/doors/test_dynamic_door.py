"""The dynamic provider is a thin door: it translates Pulumi's values and shares one runtime per process."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from provider_host import configured_here
from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.core import schema, settings
from pulumi_github_private_registry.core.errors import Redirected
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from pulumi_github_private_registry.tools import stackconfig
from samples import TOKEN, declaration

_configured = configured_here


def _earlier_process(emulator: Emulator) -> OrgPrivateRegistryProvider:
    """A provider that stands for an earlier command's process: configured otherwise, so it shares nothing."""
    return _configured(emulator, **{"github:owner": "earlier-process"})


def _up(provider: OrgPrivateRegistryProvider, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    checked = provider.check({}, news)
    assert not checked.failures, checked.failures
    created = provider.create(checked.inputs)
    assert created.id is not None and created.outs is not None
    return created.id, created.outs


def test_a_renamed_resources_delete_spares_what_the_new_one_adopted_across_two_provider_blobs(
    emulator: Emulator,
) -> None:
    # A state written under Python 3.13 (pickle protocol 4) and a program run on 3.14 (protocol 5)
    # give the host two blobs, so two instances in one process: they must share the claims.
    org = "two-blobs"
    old_id, old_outs = _up(_earlier_process(emulator), declaration("token", org))
    from_program, from_state = _configured(emulator), _configured(emulator)
    emulator.reset_log()

    new_id, _ = _up(from_program, declaration("token", org, adopt=True))
    from_state.delete(old_id, old_outs)

    assert new_id == old_id
    assert emulator.count("DELETE") == 0
    assert emulator.registry(org, "NPM_REGISTRY_SECRET") is not None


def test_instances_configured_alike_list_an_org_once(emulator: Emulator) -> None:
    org = "one-list"
    id_, outs = _up(_earlier_process(emulator), declaration("token", org))
    first, second = _configured(emulator), _configured(emulator)
    emulator.reset_log()

    # Without inputs, as for a get (`pulumi import`, `.get()`): the state's outputs alone.
    reads = [first.read(id_, outs), second.read(id_, outs)]

    assert emulator.count("GET") == 1
    for read in reads:
        assert read.id == id_
        assert read.outs is not None and read.outs["remote_updated_at"] == outs["updated_at"]


def test_instances_configured_otherwise_do_not_share_a_runtime(emulator: Emulator) -> None:
    assert _configured(emulator).runtime is _configured(emulator).runtime
    assert _configured(emulator).runtime is not _configured(emulator, **{"github:owner": "other"}).runtime


def test_a_configured_provider_pickles_to_its_class_alone(emulator: Emulator) -> None:
    provider = _configured(emulator)
    provider.runtime.client("acme", "NPM_REGISTRY_SECRET")  # holds the token from here on

    blob = serialize_provider(provider)

    assert blob == serialize_provider(OrgPrivateRegistryProvider())
    assert TOKEN.encode() not in base64.b64decode(blob)
    assert vars(dill.loads(base64.b64decode(blob))) == {}


def test_check_gives_pulumis_unknowns_back_where_it_got_them(emulator: Emulator) -> None:
    unknown = Unknown()  # type: ignore[no-untyped-call]
    news = declaration("oidc_aws", "acme", url=unknown, selected_repository_ids=[unknown, 2.0])

    checked = _configured(emulator).check({}, news)

    assert not checked.failures
    assert isinstance(checked.inputs["url"], Unknown)
    ids = checked.inputs["selected_repository_ids"]
    assert isinstance(ids[0], Unknown) and ids[1] == 2


@pytest.mark.parametrize(
    ("ids", "shown"),
    [([1.5], "'1.5'"), ([-1.0], "'-1.0'"), ([1e300], "'1e+300'"), ([0.0], "'0.0'")],
)
def test_ids_that_are_no_repository_id_are_named_as_the_engine_sent_them(
    emulator: Emulator, ids: list[float], shown: str
) -> None:
    news = declaration("oidc_aws", "acme", selected_repository_ids=ids)

    failures = _configured(emulator).check({}, news).failures

    assert [f.property for f in failures] == ["selected_repository_ids"]
    assert failures[0].reason.endswith(f"got {shown}")


def test_an_unknown_property_is_named_as_written() -> None:
    problems = schema.declaration_problems({"encrypted_value": "x"})

    texts = [schema.render(p, DYNAMIC) for p in problems if p.field == "encrypted_value"]
    assert texts == ["unknown property 'encrypted_value'; did you mean 'value_encrypted'?"]


def test_an_empty_auth_type_is_named_even_when_required_fields_are_missing() -> None:
    problems = schema.declaration_problems({"org": "acme", "auth_type": ""})

    assert (problems[0].code, problems[0].field) == ("not_one_of", "auth_type")
    assert [p.field for p in problems].count("auth_type") == 1


def test_a_registry_url_with_a_credential_is_refused_without_quoting_it() -> None:
    declared = declaration("oidc_azure", "acme", url="ftp://bot:s3cr3t-canary@example.com/")

    problems = schema.declaration_problems(declared)

    assert [p.code for p in problems] == ["url_userinfo"]
    assert "s3cr3t-canary" not in schema.render(problems[0], DYNAMIC)


def test_a_stack_file_is_told_of_its_own_keys() -> None:
    entries, _ = stackconfig.parse_registries(
        [
            {"org": "acme", "registry_type": "npm_registry", "url": "https://u:p@x", "visibility": "all"},
            {
                "org": "acme",
                "registry_type": "maven_repository",
                "url": "https://x",
                "visibility": "all",
                "selected_repositories": ["web"],
            },
        ]
    )
    lines = [e.describe(p) for e in entries for p in stackconfig.declaration_problems(e)]

    assert any("put the credential in 'secret'" in line for line in lines), lines
    assert any(
        line.endswith(
            "selected_repositories: 'selected_repositories' is only allowed with visibility "
            "'selected', not 'all'"
        )
        for line in lines
    ), lines


def test_a_redirect_with_no_base_url_set_names_both_places_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_BASE_URL", raising=False)

    resolved = settings.resolve({}, DYNAMIC_KEYS)
    error = Redirected("GET /x", 301, "https://elsewhere/", None, settings.where(resolved.base_url_source))

    assert "(github:baseUrl or GITHUB_BASE_URL)" in str(error)
