"""The emulator behaves like GitHub's private-registries API, seen through plain `requests`."""

from __future__ import annotations

import base64
import copy
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
from nacl.public import PrivateKey, PublicKey, SealedBox
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from github_refusals import refused
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator

# GitHub's OpenAPI extract ships inside the emulator package, which judges requests by it.
SPEC: dict[str, Any] = json.loads(
    resources.files("pulumi_github_private_registry.emulator")
    .joinpath("private-registries.openapi.json")
    .read_text(encoding="utf-8")
)
ORG = "acme"
TOKEN = "test-token"
LIST, ONE, KEY = (
    "/orgs/{org}/private-registries",
    "/orgs/{org}/private-registries/{secret_name}",
    "/orgs/{org}/private-registries/public-key",
)
CONFIGURATION = {"$ref": "#/components/schemas/org-private-registry-configuration"}
CREATED = {"$ref": "#/components/schemas/org-private-registry-configuration-with-selected-repositories"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/validation-error"}
BASIC_ERROR = {"$ref": "#/components/schemas/basic-error"}


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    """The (possibly inline) JSON schema of one documented response."""
    content = SPEC["paths"][path][method]["responses"][status]["content"]
    return dict(content["application/json"]["schema"])


def assert_valid(instance: Any, schema_: dict[str, Any]) -> None:
    """Validate against an OpenAPI 3.0 schema, resolving its `$ref`s against the document."""
    OAS30Validator(
        {**schema_, "components": SPEC["components"]}, format_checker=oas30_format_checker
    ).validate(instance)


def session(token: str = TOKEN) -> requests.Session:
    s = requests.Session()
    s.headers.update(
        {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2026-03-10",
        }
    )
    return s


def url(emu: Emulator, rest: str = "", org: str = ORG) -> str:
    return f"{emu.base_url}orgs/{org}/private-registries{rest}"


def seal(s: requests.Session, emu: Emulator, plaintext: str) -> dict[str, str]:
    """Seal like a client: over the public key the API hands out, with its key_id."""
    key = s.get(url(emu, "/public-key")).json()
    sealed = SealedBox(PublicKey(base64.b64decode(key["key"]))).encrypt(plaintext.encode())
    return {"encrypted_value": base64.b64encode(sealed).decode(), "key_id": key["key_id"]}


def request_example(name: str) -> dict[str, Any]:
    examples = SPEC["paths"][LIST]["post"]["requestBody"]["content"]["application/json"]["examples"]
    return copy.deepcopy(examples[name]["value"])


# Auth types the OpenAPI request examples do not show, in the same style.
EXTRA_PAYLOADS: dict[str, dict[str, Any]] = {
    "username-password": {
        "registry_type": "python_index",
        "url": "https://pypi.example.com/simple/",
        "auth_type": "username_password",
        "username": "monalisa",
        "encrypted_value": "c2VjcmV0",
        "key_id": "012345678912345678",
        "visibility": "private",
    },
    "oidc-aws": {
        "registry_type": "maven_repository",
        "url": "https://acme-123456789012.d.codeartifact.us-east-1.amazonaws.com/maven/releases/",
        "auth_type": "oidc_aws",
        "visibility": "all",
        "aws_region": "us-east-1",
        "account_id": "123456789012",
        "role_name": "dependabot",
        "domain": "acme",
        "domain_owner": "123456789012",
        "audience": "sts.amazonaws.com",
    },
    "oidc-jfrog": {
        "registry_type": "npm_registry",
        "url": "https://acme.jfrog.io/artifactory/api/npm/npm/",
        "auth_type": "oidc_jfrog",
        "visibility": "all",
        "jfrog_oidc_provider_name": "github",
        "identity_mapping_name": "dependabot",
    },
}
PAYLOADS = {
    **{
        name: request_example(name)
        for name in SPEC["paths"][LIST]["post"]["requestBody"]["content"]["application/json"]["examples"]
    },
    **EXTRA_PAYLOADS,
}


@pytest.fixture
def api() -> Iterator[requests.Session]:
    with session() as s:
        yield s


def create(
    s: requests.Session, emu: Emulator, value: str | None = "s3cret", **fields: Any
) -> requests.Response:
    body = {"registry_type": "npm_registry", "url": "https://npm.example.com/", "visibility": "all", **fields}
    if value is not None:
        body.update(seal(s, emu, value))
    return s.post(url(emu), json=body)


def error_fields(response: requests.Response) -> dict[str, str]:
    """field -> code of a 422's error objects."""
    assert response.status_code == 422
    return {e["field"]: e["code"] for e in response.json()["errors"]}


# --- create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(PAYLOADS))
def test_create_accepts_every_auth_type_and_keeps_the_sealed_value(
    emulator: Emulator, api: requests.Session, example: str
) -> None:
    payload = copy.deepcopy(PAYLOADS[example])
    if "encrypted_value" in payload:
        payload.update(seal(api, emulator, f"value of {example}"))
    response = api.post(url(emulator), json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert_valid(body, response_schema(LIST, "post", "201"))
    assert_valid(body, CREATED)
    assert body["name"] == schema.configuration_name(payload["registry_type"])
    assert body["auth_type"] == payload.get("auth_type", "token")
    assert body["replaces_base"] is payload.get("replaces_base", False)
    assert "encrypted_value" not in body and "key_id" not in body
    for field in schema.OIDC_FIELDS:
        assert body.get(field) == payload.get(field)
    expected_value = f"value of {example}" if "encrypted_value" in payload else None
    assert emulator.decrypted_value(ORG, body["name"]) == expected_value
    stored = emulator.registry(ORG, body["name"])
    assert stored is not None and f"value of {example}" not in json.dumps(stored)
    assert (stored.get("encrypted_value"), stored.get("key_id")) == (
        payload.get("encrypted_value"),
        payload.get("key_id"),
    )


def test_registry_name_is_derived_from_registry_type(emulator: Emulator, api: requests.Session) -> None:
    names = [create(api, emulator, registry_type=t).json()["name"] for t in schema.REGISTRY_TYPES]
    assert names == [t.upper() + "_SECRET" for t in schema.REGISTRY_TYPES]
    assert "PYTHON_INDEX_SECRET" in names and "NPM_REGISTRY_SECRET" in names
    assert api.get(url(emulator, "/PYTHON_INDEX_SECRET")).json()["registry_type"] == "python_index"


def test_selected_repository_ids_appear_only_in_the_create_response(
    emulator: Emulator, api: requests.Session
) -> None:
    created = create(api, emulator, visibility="selected", selected_repository_ids=[1296269, 1296280])
    assert created.json()["selected_repository_ids"] == [1296269, 1296280]
    got = api.get(url(emulator, "/NPM_REGISTRY_SECRET"))
    assert_valid(got.json(), response_schema(ONE, "get", "200"))
    assert "selected_repository_ids" not in got.json()
    assert "selected_repository_ids" not in api.get(url(emulator)).json()["configurations"][0]
    assert emulator.registry(ORG, "NPM_REGISTRY_SECRET")["selected_repository_ids"] == [1296269, 1296280]  # type: ignore[index]
    other = create(api, emulator, registry_type="python_index", visibility="private")
    assert "selected_repository_ids" not in other.json()


def test_get_never_returns_the_value_or_key_id(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator, username="monalisa")
    body = api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()
    assert_valid(body, CONFIGURATION)
    assert set(body) <= set(schema.RESPONSE_FIELDS)
    assert body["username"] == "monalisa"
    assert "encrypted_value" not in body and "key_id" not in body


def test_second_registry_of_the_same_type_is_422_with_a_string_error(
    emulator: Emulator, api: requests.Session
) -> None:
    assert create(api, emulator).status_code == 201
    response = create(api, emulator, url="https://other.example.com/")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation Failed"
    assert (
        body["documentation_url"]
        == "https://docs.github.com/rest/private-registries/organization-configurations"
    )
    assert body["errors"] == ["A private registry for registry_type npm_registry already exists"]
    assert emulator.registry(ORG, "NPM_REGISTRY_SECRET")["url"] == "https://npm.example.com/"  # type: ignore[index]


def test_unknown_key_id_is_422_on_key_id(emulator: Emulator, api: requests.Session) -> None:
    body = {"registry_type": "npm_registry", "url": "https://npm.example.com/", "visibility": "all"}
    body.update(seal(api, emulator, "s3cret"), key_id="012345678912345678")
    response = api.post(url(emulator), json=body)
    assert error_fields(response) == {"key_id": "invalid"}
    assert "key_id" in response.json()["errors"][0]["message"]
    assert_valid(response.json(), VALIDATION_ERROR)
    assert emulator.registries(ORG) == {}


def test_value_sealed_for_another_key_is_422_on_encrypted_value(
    emulator: Emulator, api: requests.Session
) -> None:
    key_id, _ = emulator.public_key(ORG)
    foreign = SealedBox(PrivateKey.generate().public_key).encrypt(b"s3cret")
    response = create(
        api, emulator, value=None, encrypted_value=base64.b64encode(foreign).decode(), key_id=key_id
    )
    assert error_fields(response) == {"encrypted_value": "invalid"}
    assert emulator.registries(ORG) == {}


def test_missing_required_fields_are_422_missing_field_objects(
    emulator: Emulator, api: requests.Session
) -> None:
    response = api.post(url(emulator), json={})
    assert error_fields(response) == {
        "registry_type": "missing_field",
        "url": "missing_field",
        "visibility": "missing_field",
    }
    assert all(e["resource"] == "PrivateRegistry" and e["message"] for e in response.json()["errors"])
    assert_valid(response.json(), VALIDATION_ERROR)
    oidc = create(api, emulator, value=None, auth_type="oidc_azure", tenant_id="t")
    assert error_fields(oidc) == {"client_id": "missing_field"}
    no_secret = create(api, emulator, value=None)
    assert error_fields(no_secret) == {"encrypted_value": "missing_field"}


def test_enum_and_type_violations_are_githubs_invalid_request(
    emulator: Emulator, api: requests.Session
) -> None:
    """GitHub's OpenAPI validation: 422 without error objects, each field and value in the message."""
    bad_enums = create(api, emulator, registry_type="bogus", visibility="everyone")
    assert refused(bad_enums.json()) == {
        "registry_type": "For 'properties/registry_type', \"bogus\" is not a member of enum.",
        "visibility": "For 'properties/visibility', \"everyone\" is not a member of enum.",
    }
    assert bad_enums.status_code == 422 and "errors" not in bad_enums.json()
    assert bad_enums.json()["status"] == "422"
    assert_valid(bad_enums.json(), BASIC_ERROR)
    assert refused(create(api, emulator, auth_type="kerberos").json()) == {
        "auth_type": "For 'properties/auth_type', \"kerberos\" is not a member of enum."
    }
    assert refused(create(api, emulator, replaces_base="yes").json()) == {
        "replaces_base": "For 'properties/replaces_base', \"yes\" is not a boolean."
    }
    assert refused(create(api, emulator, selected_repository_ids=[1, "2"]).json()) == {
        "selected_repository_ids": "For 'properties/selected_repository_ids/items', \"2\" is not an integer."
    }
    # What the schema allows but the pages forbid stays "Validation Failed" with error objects.
    oidc_with_secret = create(api, emulator, auth_type="oidc_gcp", workload_identity_provider="projects/1")
    assert error_fields(oidc_with_secret) == {"encrypted_value": "invalid", "key_id": "invalid"}
    ids_without_selected = create(api, emulator, selected_repository_ids=[1])
    assert error_fields(ids_without_selected) == {"selected_repository_ids": "invalid"}
    assert emulator.registries(ORG) == {}


def test_fields_outside_the_request_schema_are_422(emulator: Emulator, api: requests.Session) -> None:
    assert error_fields(create(api, emulator, password="hunter2")) == {"password": "invalid"}


def test_body_that_is_not_json_is_400(emulator: Emulator, api: requests.Session) -> None:
    response = api.post(url(emulator), data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "Problems parsing JSON"


# --- read, update, delete -----------------------------------------------------------------------


def test_absent_registry_is_404_for_get_patch_and_delete(emulator: Emulator, api: requests.Session) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = api.request(
            method, url(emulator, "/NPM_REGISTRY_SECRET"), json={} if method == "PATCH" else None
        )
        assert response.status_code == 404
        assert response.json()["message"] == "Not Found" and response.json()["status"] == "404"
        assert_valid(response.json(), BASIC_ERROR)


def test_unknown_paths_and_methods_are_404(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator)
    assert api.get(f"{emulator.base_url}orgs/{ORG}/actions/secrets").status_code == 404
    assert api.get(url(emulator, "/NPM_REGISTRY_SECRET/extra")).status_code == 404
    assert api.put(url(emulator, "/NPM_REGISTRY_SECRET"), json={}).status_code == 404
    assert api.delete(url(emulator)).status_code == 404
    assert api.post(url(emulator, "/public-key"), json={}).status_code == 404


def test_patch_merges_answers_204_without_body_and_null_clears(
    emulator: Emulator, api: requests.Session
) -> None:
    create(api, emulator, username="monalisa")
    response = api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"url": "https://npm2.example.com/"})
    assert response.status_code == 204 and response.content == b""
    body = api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()
    assert body["url"] == "https://npm2.example.com/" and body["username"] == "monalisa"
    assert api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"username": None}).status_code == 204
    body = api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()
    assert "username" not in body
    assert_valid(body, CONFIGURATION)
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "s3cret"


def test_patch_with_a_new_value_replaces_the_secret(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator)
    response = api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=seal(api, emulator, "rotated"))
    assert response.status_code == 204
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "rotated"
    alone = seal(api, emulator, "alone")
    del alone["key_id"]
    assert error_fields(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=alone)) == {
        "key_id": "missing_field"
    }
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "rotated"


def test_patch_cannot_change_auth_type_or_registry_type(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator)
    before = emulator.registry(ORG, "NPM_REGISTRY_SECRET")
    to_password = {"auth_type": "username_password", "username": "monalisa"}
    assert error_fields(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=to_password)) == {
        "auth_type": "invalid"
    }
    retype = {"registry_type": "python_index"}
    assert error_fields(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=retype)) == {
        "registry_type": "invalid"
    }
    same = {"auth_type": "token", "registry_type": "npm_registry"}
    assert api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=same).status_code == 204
    after = emulator.registry(ORG, "NPM_REGISTRY_SECRET")
    assert after is not None and before is not None and after["auth_type"] == before["auth_type"] == "token"


def test_patch_keeps_required_fields_required(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator, auth_type="username_password", username="monalisa")
    response = api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"username": None})
    assert error_fields(response) == {"username": "missing_field"}
    # Only `username` is nullable in GitHub's OpenAPI: no other field can be cleared with null.
    assert refused(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"url": None}).json()) == {
        "url": "For 'properties/url', nil is not a string."
    }
    assert refused(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"audience": None}).json()) == {
        "audience": "For 'properties/audience', nil is not a string."
    }
    assert api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()["username"] == "monalisa"


def test_patch_visibility_and_selected_repository_ids(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator, visibility="selected", selected_repository_ids=[1, 2])
    path = url(emulator, "/NPM_REGISTRY_SECRET")
    assert api.patch(path, json={"selected_repository_ids": [3]}).status_code == 204
    assert emulator.registry(ORG, "NPM_REGISTRY_SECRET")["selected_repository_ids"] == [3]  # type: ignore[index]
    assert api.patch(path, json={"visibility": "private"}).status_code == 204
    assert "selected_repository_ids" not in emulator.registry(ORG, "NPM_REGISTRY_SECRET")  # type: ignore[operator]
    assert error_fields(api.patch(path, json={"visibility": "selected"})) == {
        "selected_repository_ids": "missing_field"
    }
    assert error_fields(api.patch(path, json={"selected_repository_ids": [4]})) == {
        "selected_repository_ids": "invalid"
    }


def test_delete_answers_204_without_body_and_the_registry_is_gone(
    emulator: Emulator, api: requests.Session
) -> None:
    create(api, emulator)
    response = api.delete(url(emulator, "/NPM_REGISTRY_SECRET"))
    assert response.status_code == 204 and response.content == b""
    assert api.get(url(emulator, "/NPM_REGISTRY_SECRET")).status_code == 404
    assert create(api, emulator).status_code == 201  # the type is free again


def test_updated_at_changes_on_every_write_even_within_one_second(
    emulator: Emulator, api: requests.Session
) -> None:
    created = create(api, emulator).json()
    stamps = [created["updated_at"]]
    assert created["created_at"] == created["updated_at"]
    for username in ("a", "b", "c"):  # well within one second
        api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"username": username})
        stamps.append(api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()["updated_at"])
    stamps.append(emulator.edit_registry(ORG, "NPM_REGISTRY_SECRET", username="d")["updated_at"])
    stamps.append(
        emulator.put_registry(
            ORG, registry_type="npm_registry", url="https://x.example.com/", visibility="all", value="v"
        )["updated_at"]
    )
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    final = api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()
    assert final["created_at"] == created["created_at"]
    assert final["updated_at"] == stamps[-1]


# --- list ---------------------------------------------------------------------------------------


def put_all_types(emu: Emulator) -> list[str]:
    for registry_type in schema.REGISTRY_TYPES:
        emu.put_registry(
            ORG, registry_type=registry_type, url="https://r.example.com/", visibility="all", value="v"
        )
    return sorted(schema.configuration_name(t) for t in schema.REGISTRY_TYPES)


def follow_pages(s: requests.Session, first: str) -> list[requests.Response]:
    pages = [s.get(first)]
    while "next" in pages[-1].links:
        pages.append(s.get(pages[-1].links["next"]["url"]))
    return pages


def test_list_pages_with_link_headers_sorted_by_name(emulator: Emulator, api: requests.Session) -> None:
    names = put_all_types(emulator)
    pages = follow_pages(api, url(emulator) + "?per_page=4")
    assert [len(p.json()["configurations"]) for p in pages] == [4, 4, 4, 3]
    assert [c["name"] for p in pages for c in p.json()["configurations"]] == names
    for page in pages:
        assert page.json()["total_count"] == 15
        assert_valid(page.json(), response_schema(LIST, "get", "200"))
    assert set(pages[0].links) == {"next", "last"}
    assert set(pages[1].links) == {"prev", "next", "last", "first"}
    assert set(pages[3].links) == {"prev", "first"}
    assert pages[0].links["last"]["url"] == url(emulator) + "?per_page=4&page=4"
    assert pages[3].links["first"]["url"] == url(emulator) + "?per_page=4&page=1"


def test_list_caps_per_page_at_100_and_defaults_to_30(emulator: Emulator, api: requests.Session) -> None:
    put_all_types(emulator)
    for query in ("?per_page=500", "", "?per_page=0"):
        response = api.get(url(emulator) + query)
        assert len(response.json()["configurations"]) == 15 and "Link" not in response.headers
    assert api.get(url(emulator) + "?page=2").json() == {"total_count": 15, "configurations": []}


def test_list_of_an_org_without_registries_is_empty(emulator: Emulator, api: requests.Session) -> None:
    response = api.get(url(emulator))
    assert response.json() == {"total_count": 0, "configurations": []}
    assert "Link" not in response.headers


def test_link_urls_keep_the_api_v3_prefix(emulator_v3: Emulator, api: requests.Session) -> None:
    assert emulator_v3.base_url.endswith("/api/v3/")
    names = put_all_types(emulator_v3)
    pages = follow_pages(api, url(emulator_v3) + "?per_page=5")
    assert len(pages) == 3
    assert [c["name"] for p in pages for c in p.json()["configurations"]] == names
    assert all(p.url.startswith(emulator_v3.base_url + "orgs/") for p in pages)
    assert api.get(f"http://127.0.0.1:{emulator_v3.port}/orgs/{ORG}/private-registries").status_code == 404


# --- keys, state behind the client's back -------------------------------------------------------


def test_public_key_is_stable_until_rotated(emulator: Emulator, api: requests.Session) -> None:
    first = api.get(url(emulator, "/public-key"))
    assert_valid(first.json(), response_schema(KEY, "get", "200"))
    assert first.json() == api.get(url(emulator, "/public-key", org="ACME")).json()  # org in any case
    assert len(base64.b64decode(first.json()["key"])) == 32 and first.json()["key_id"].isdigit()
    assert (first.json()["key_id"], first.json()["key"]) == emulator.public_key(ORG)
    assert api.get(url(emulator, "/public-key", org="other")).json()["key_id"] != first.json()["key_id"]


def test_rotate_key_rejects_the_old_key_id_and_keeps_old_values_readable(
    emulator: Emulator, api: requests.Session
) -> None:
    create(api, emulator)
    old = seal(api, emulator, "old key")
    new_id = emulator.rotate_key(ORG)
    assert api.get(url(emulator, "/public-key")).json()["key_id"] == new_id != old["key_id"]
    assert error_fields(api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=old)) == {"key_id": "invalid"}
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "s3cret"
    assert api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={"username": "x"}).status_code == 204
    assert (
        api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json=seal(api, emulator, "new key")).status_code
        == 204
    )
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "new key"


# Spaces and '!' never occur in base64, so the plaintext cannot turn up by chance in a ciphertext.
PLAIN = "plain pw!"


def test_out_of_band_changes_are_what_clients_see(emulator: Emulator, api: requests.Session) -> None:
    record = emulator.put_registry(
        ORG, registry_type="python_index", url="https://pypi.example.com/", visibility="all", value=PLAIN
    )
    assert record["name"] == "PYTHON_INDEX_SECRET" and record["key_id"] == emulator.public_key(ORG)[0]
    assert PLAIN not in json.dumps(record) and emulator.decrypted_value(ORG, "PYTHON_INDEX_SECRET") == PLAIN
    got = api.get(url(emulator, "/PYTHON_INDEX_SECRET")).json()
    assert_valid(got, CONFIGURATION)
    edited = emulator.edit_registry(ORG, "PYTHON_INDEX_SECRET", username="drift", value=PLAIN + " 2")
    got = api.get(url(emulator, "/PYTHON_INDEX_SECRET")).json()
    assert got["username"] == "drift" and got["updated_at"] == edited["updated_at"] > record["updated_at"]
    assert emulator.decrypted_value(ORG, "PYTHON_INDEX_SECRET") == PLAIN + " 2"
    emulator.delete_registry(ORG, "PYTHON_INDEX_SECRET")
    assert api.get(url(emulator, "/PYTHON_INDEX_SECRET")).status_code == 404
    assert emulator.registry(ORG, "PYTHON_INDEX_SECRET") is None
    with pytest.raises(KeyError):
        emulator.edit_registry(ORG, "PYTHON_INDEX_SECRET", username="x")
    with pytest.raises(ValueError):
        emulator.put_registry(
            ORG, registry_type="npm_registry", url="https://x.example.com/", visibility="all"
        )


def test_state_accessors_return_copies(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator)
    emulator.registries(ORG)["NPM_REGISTRY_SECRET"]["url"] = "https://changed.example.com/"
    emulator.registry("ACME", "NPM_REGISTRY_SECRET")["url"] = "https://changed.example.com/"  # type: ignore[index]
    assert api.get(url(emulator, "/NPM_REGISTRY_SECRET")).json()["url"] == "https://npm.example.com/"


def test_only_listed_orgs_exist() -> None:
    with Emulator(orgs=["Acme"]) as emu:
        s = session("anything")
        assert s.get(url(emu, org="ACME")).status_code == 200
        assert s.get(url(emu, org="other")).status_code == 404
        assert s.get(url(emu, "/public-key", org="other")).status_code == 404
        with pytest.raises(KeyError):
            emu.registries("other")


# --- credentials and rate limits ----------------------------------------------------------------


def test_wrong_or_missing_token_is_401(emulator: Emulator) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, {}, {"Authorization": "Basic dGVzdC10b2tlbg=="}):
        response = requests.get(url(emulator), headers=headers)
        assert response.status_code == 401
        assert response.json()["message"] == "Bad credentials"
    assert requests.get(url(emulator), headers={"Authorization": f"token {TOKEN}"}).status_code == 200


def test_without_a_token_any_authorization_is_accepted() -> None:
    with Emulator() as emu:
        assert requests.get(url(emu)).status_code == 200
        assert session("whatever").get(url(emu)).status_code == 200


def test_read_only_token_reads_but_cannot_write() -> None:
    with Emulator(token="rw", read_only_token="ro") as emu:
        writer, reader = session("rw"), session("ro")
        assert create(writer, emu).status_code == 201
        assert reader.get(url(emu, "/NPM_REGISTRY_SECRET")).status_code == 200
        for response in (
            create(reader, emu, registry_type="python_index"),
            reader.patch(url(emu, "/NPM_REGISTRY_SECRET"), json={"username": "x"}),
            reader.delete(url(emu, "/NPM_REGISTRY_SECRET")),
        ):
            assert response.status_code == 403
            assert response.json()["message"] == "Resource not accessible by personal access token"
            assert response.headers["x-ratelimit-remaining"] != "0"  # not to be taken for a rate limit
        assert list(emu.registries(ORG)) == ["NPM_REGISTRY_SECRET"]


def test_every_response_carries_rate_limit_and_api_version_headers(
    emulator: Emulator, api: requests.Session
) -> None:
    responses = [
        create(api, emulator),
        api.get(url(emulator, "/NPM_REGISTRY_SECRET")),
        api.patch(url(emulator, "/NPM_REGISTRY_SECRET"), json={}),
        api.get(url(emulator, "/ABSENT")),
        create(api, emulator),
        api.delete(url(emulator, "/NPM_REGISTRY_SECRET")),
    ]
    remaining = []
    for response in responses:
        assert response.headers["X-GitHub-Api-Version-Selected"] == "2026-03-10"
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        assert int(response.headers["x-ratelimit-reset"]) > time.time()
        used, left = int(response.headers["x-ratelimit-used"]), int(response.headers["x-ratelimit-remaining"])
        assert used + left == 5000
        remaining.append(left)
        if response.content:
            assert response.headers["Content-Type"].startswith("application/json")
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == len(remaining)
    default = requests.get(url(emulator), headers={"Authorization": f"Bearer {TOKEN}"})
    assert default.headers["X-GitHub-Api-Version-Selected"] == "2022-11-28"


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
def test_primary_rate_limit_exhausts_and_refills_after_reset(
    emulator: Emulator, api: requests.Session
) -> None:
    emulator.set_primary_remaining(1, reset_in=3)  # time for two requests before it, even on a busy machine
    last = api.get(url(emulator))
    assert last.status_code == 200 and last.headers["x-ratelimit-remaining"] == "0"
    refused = create(api, emulator, value=None, auth_type="oidc_azure", tenant_id="t", client_id="c")
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("API rate limit exceeded")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    reset = int(refused.headers["x-ratelimit-reset"])
    assert emulator.registries(ORG) == {}
    time.sleep(max(0.0, reset - time.time()) + 0.05)
    again = api.get(url(emulator))
    assert again.status_code == 200 and int(again.headers["x-ratelimit-remaining"]) == 4999


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
def test_secondary_rate_limit_refuses_beyond_the_window(emulator: Emulator, api: requests.Session) -> None:
    emulator.limit_rate(max_requests=2, window=3.0)  # three requests fall in it, even on a busy machine
    assert [api.get(url(emulator)).status_code for _ in range(2)] == [200, 200]
    refused = create(api, emulator, value=None, auth_type="oidc_azure", tenant_id="t", client_id="c")
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert refused.headers["Retry-After"] == "1" and refused.headers["x-ratelimit-remaining"] != "0"
    assert emulator.registries(ORG) == {}
    time.sleep(3.05)
    assert api.get(url(emulator)).status_code == 200  # the window has passed
    assert api.get(url(emulator)).status_code == 200
    emulator.limit_rate(max_requests=0, window=60, status=429, retry_after=None)
    response = api.get(url(emulator))
    assert response.status_code == 429 and "Retry-After" not in response.headers


# --- faults -------------------------------------------------------------------------------------


def test_status_fault_answers_without_applying_then_expires(
    emulator: Emulator, api: requests.Session
) -> None:
    key = seal(api, emulator, "s3cret")
    fault = emulator.inject(
        method="POST", status=502, headers={"X-Fault": "yes"}, body={"message": "Bad Gateway"}
    )
    body = {"registry_type": "npm_registry", "url": "https://npm.example.com/", "visibility": "all", **key}
    response = api.post(url(emulator), json=body)
    assert response.status_code == 502 and response.json() == {"message": "Bad Gateway"}
    assert response.headers["X-Fault"] == "yes" and "x-ratelimit-remaining" in response.headers
    assert emulator.registries(ORG) == {} and fault.fired == 1
    assert api.post(url(emulator), json=body).status_code == 201


def test_status_fault_headers_override_the_defaults(emulator: Emulator, api: requests.Session) -> None:
    emulator.inject(
        status=403, headers={"X-RateLimit-Remaining": "0", "Retry-After": "7"}, body={"message": "x"}
    )
    response = api.get(url(emulator))
    assert response.headers["x-ratelimit-remaining"] == "0" and response.headers["retry-after"] == "7"


def test_faults_match_in_order_by_method_and_path_substring_for_times(
    emulator: Emulator, api: requests.Session
) -> None:
    create(api, emulator)
    emulator.inject(path="NPM_REGISTRY_SECRET", status=500, times=2)
    emulator.inject(method="GET", status=503)
    assert api.get(url(emulator)).status_code == 503  # the first fault does not match the list
    statuses = [api.get(url(emulator, "/NPM_REGISTRY_SECRET")).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    emulator.inject(method="get", path="/public-key", status=500, times=5)
    emulator.clear_faults()
    assert api.get(url(emulator, "/public-key")).status_code == 200


def test_delay_fault_slows_one_answer(emulator: Emulator, api: requests.Session) -> None:
    emulator.inject(path="/public-key", delay=1.0)  # a second: no local request takes that long
    started = time.monotonic()
    assert api.get(url(emulator, "/public-key")).status_code == 200
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    api.get(url(emulator, "/public-key"))
    assert time.monotonic() - started < 1.0


def test_drop_closes_the_connection_without_applying(emulator: Emulator, api: requests.Session) -> None:
    create(api, emulator)
    emulator.inject(method="DELETE", path="NPM_REGISTRY_SECRET", drop=True)
    with pytest.raises(requests.ConnectionError):
        api.delete(url(emulator, "/NPM_REGISTRY_SECRET"))
    assert emulator.registry(ORG, "NPM_REGISTRY_SECRET") is not None
    assert emulator.requests[-1].method == "DELETE" and emulator.requests[-1].status is None
    assert api.delete(url(emulator, "/NPM_REGISTRY_SECRET")).status_code == 204


def test_apply_then_drop_applies_but_never_answers(emulator: Emulator, api: requests.Session) -> None:
    emulator.inject(method="POST", apply_then_drop=True)
    with pytest.raises(requests.ConnectionError):
        create(api, emulator)
    assert emulator.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == "s3cret"
    assert emulator.requests[-1].status is None
    assert create(api, emulator).status_code == 422  # a retry finds it already there


def test_inject_refuses_contradictory_faults(emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        emulator.inject(status=500, drop=True)
    with pytest.raises(ValueError):
        emulator.inject(drop=True, apply_then_drop=True)


def test_latency_delays_every_answer_and_can_change() -> None:
    with Emulator(latency=1.0) as emu:  # a second: no local request takes that long
        s = session()
        started = time.monotonic()
        s.get(url(emu))
        assert time.monotonic() - started >= 1.0
        emu.latency = 0.0
        started = time.monotonic()
        s.get(url(emu))
        assert time.monotonic() - started < 1.0


# --- log, transport, command line ---------------------------------------------------------------


def test_request_log_records_and_counts(emulator_v3: Emulator, api: requests.Session) -> None:
    create(api, emulator_v3)
    api.get(url(emulator_v3) + "?per_page=5&page=1")
    post = emulator_v3.requests[1]
    assert (post.method, post.path, post.status) == ("POST", f"/orgs/{ORG}/private-registries", 201)
    assert post.body["registry_type"] == "npm_registry"
    assert (
        post.headers["Authorization"] == f"Bearer {TOKEN}"
        and post.headers["x-github-api-version"] == "2026-03-10"
    )
    assert TOKEN not in repr(post)
    assert emulator_v3.requests[-1].query == {"per_page": ["5"], "page": ["1"]}
    assert emulator_v3.requests[-1].body is None
    assert emulator_v3.count() == 3
    assert emulator_v3.count("GET") == 2 and emulator_v3.count(method="post") == 1
    assert emulator_v3.count(path="/public-key") == 1 and emulator_v3.count("POST", "/public-key") == 0
    emulator_v3.reset_log()
    assert emulator_v3.requests == [] and emulator_v3.count() == 0


def test_http_11_keep_alive_for_every_kind_of_answer(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = json.dumps(
        {
            "registry_type": "npm_registry",
            "url": "https://x.example.com/",
            "visibility": "all",
            "auth_type": "oidc_azure",
            "tenant_id": "t",
            "client_id": "c",
        }
    )
    for method, path, payload, status in (
        ("POST", "/orgs/acme/private-registries", body, 201),
        ("PATCH", "/orgs/acme/private-registries/NPM_REGISTRY_SECRET", "{}", 204),
        ("GET", "/orgs/acme/private-registries/NOPE", None, 404),
        ("POST", "/orgs/acme/private-registries", "{}", 422),
        ("GET", "/orgs/acme/private-registries", None, 401),
    ):
        headers = auth if status != 401 else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        assert response.status == status and response.version == 11
        assert not response.will_close
        response.read()
    connection.close()


def test_concurrent_clients_are_all_answered(emulator: Emulator) -> None:
    failures: list[str] = []

    def client(registry_type: str) -> None:
        s = session()
        if create(s, emulator, registry_type=registry_type).status_code != 201:
            failures.append(f"create {registry_type}")
        for _ in range(25):
            for response in (s.get(url(emulator)), s.get(url(emulator, "/public-key"))):
                if response.status_code != 200:
                    failures.append(f"{response.request.method} {response.status_code}")

    threads = [threading.Thread(target=client, args=(t,)) for t in schema.REGISTRY_TYPES[:4]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(emulator.registries(ORG)) == 4 and emulator.count() == 4 * (2 + 50)


def test_stop_closes_keep_alive_connections_and_the_port() -> None:
    emu = Emulator().start()
    s = session()
    assert s.get(url(emu)).status_code == 200
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        s.get(url(emu))
    with pytest.raises(requests.ConnectionError):
        requests.get(url(emu))


@pytest.mark.slow
def test_command_line_prints_the_url_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "provider")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_github_private_registry.emulator",
            "--port",
            "0",
            "--prefix",
            "/api/v3",
            "--token",
            "cli-token",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:") and line.endswith("/api/v3/")
        base = line.removeprefix("emulator listening on ")
        response = session("cli-token").get(f"{base}orgs/{ORG}/private-registries/public-key")
        assert response.status_code == 200 and "cli-token" not in line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
