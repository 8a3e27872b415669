"""The emulator's independent judgement against the provider's own schema (``core.schema``).

The emulator judges a request by GitHub's OpenAPI request schemas and the facts GitHub's reference
pages state (emulator/facts.py), importing nothing of the provider. ``core.schema`` is what the
provider believes, and checks before it sends anything. The table holds bodies both must judge
alike; each known disagreement has a test of its own saying which side is stricter and why.

A disagreement test that starts failing means one side moved: if ``core.schema`` now follows
GitHub's contract, move the case into the table; if the emulator changed, check it against the
OpenAPI extract and the pages before changing the test.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from nacl.public import PublicKey, SealedBox

from github_refusals import refused
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator, contract

SPEC = contract.openapi()
CREATE, UPDATE = contract.request_schemas(SPEC)

SEALED = "<sealed>"  # stands for a value sealed with the org's current key
KEY = "<key_id>"  # stands for the org's current key_id
DROP = object()  # leaves a field out of the body
BASE: dict[str, Any] = {
    "registry_type": "npm_registry",
    "url": "https://npm.example.com/",
    "visibility": "all",
}
SECRET = {"encrypted_value": SEALED, "key_id": KEY}
# Per auth type, a minimal valid set of its own fields and one with every optional field too.
AUTH: dict[str, dict[str, Any]] = {
    "token": {**SECRET},
    "username_password": {"username": "monalisa", **SECRET},
    "oidc_azure": {"tenant_id": "tenant", "client_id": "client"},
    "oidc_aws": {
        "aws_region": "us-east-1",
        "account_id": "123456789012",
        "role_name": "dependabot",
        "domain": "acme",
        "domain_owner": "123456789012",
    },
    "oidc_jfrog": {"jfrog_oidc_provider_name": "github"},
    "oidc_cloudsmith": {
        "namespace": "acme",
        "service_slug": "dependabot",
        "audience": "https://github.com/acme",
    },
    "oidc_gcp": {
        "workload_identity_provider": "projects/1/locations/global/workloadIdentityPools/p/providers/g"
    },
}
OPTIONAL: dict[str, dict[str, Any]] = {
    "token": {"username": "monalisa"},
    "username_password": {},
    "oidc_azure": {},
    "oidc_aws": {"audience": "sts.amazonaws.com"},
    "oidc_jfrog": {"audience": "jfrog", "identity_mapping_name": "dependabot"},
    "oidc_cloudsmith": {"api_host": "api.cloudsmith.io"},
    "oidc_gcp": {"service_account": "dependabot@acme.iam.gserviceaccount.com", "audience": "gcp"},
}


def body(auth: str = "token", /, **fields: Any) -> dict[str, Any]:
    """A create body: BASE, ``auth``'s minimal fields, then ``fields`` (DROP leaves one out).

    ``auth_type`` is left to GitHub's default for ``token``; give it in ``fields`` to send it."""
    merged = {**BASE, **({"auth_type": auth} if auth != "token" else {}), **AUTH[auth], **fields}
    return {k: v for k, v in merged.items() if v is not DROP}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


_orgs = itertools.count()


def _realize(payload: dict[str, Any], emulator: Emulator, org: str) -> dict[str, Any]:
    key_id, key = emulator.public_key(org)
    sealed = base64.b64encode(SealedBox(PublicKey(base64.b64decode(key))).encrypt(b"s3cret")).decode()
    real = dict(payload)
    if isinstance(real.get("encrypted_value"), str):
        real["encrypted_value"] = real["encrypted_value"].replace(SEALED, sealed)
    if real.get("key_id") == KEY:
        real["key_id"] = key_id
    return real


def by_emulator(emulator: Emulator, payload: dict[str, Any]) -> frozenset[str] | None:
    """None if the emulator creates the registry (201), else the fields its 422 names."""
    org = f"case-{next(_orgs)}"  # a fresh org: no registry of the type exists yet
    answer = requests.post(
        f"{emulator.base_url}orgs/{org}/private-registries", json=_realize(payload, emulator, org)
    )
    if answer.status_code == 201:
        return None
    assert answer.status_code == 422, answer.text
    return frozenset(refused(answer.json()))


def by_schema(emulator: Emulator, payload: dict[str, Any]) -> frozenset[str] | None:
    """None if ``core.schema`` passes the same body, else the fields its problems name."""
    real = _realize(payload, emulator, "schema")
    problems = [*schema.null_problems(real), *schema.rest_problems(real)]
    return frozenset(p.field for p in problems) or None


def verdicts(
    emulator: Emulator, payload: dict[str, Any]
) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    return by_emulator(emulator, payload), by_schema(emulator, payload)


# --- where they must agree -----------------------------------------------------------------------

IDS = "selected_repository_ids"
VALID: list[tuple[str, dict[str, Any]]] = [
    *((f"type-{t}", body(registry_type=t)) for t in CREATE["properties"]["registry_type"]["enum"]),
    *((f"auth-{a}", body(a)) for a in AUTH),
    *((f"auth-{a}-with-optional-fields", body(a, **OPTIONAL[a])) for a in AUTH),
    ("auth-type-token-said", body(auth_type="token")),
    ("replaces-base", body(replaces_base=True)),
    ("visibility-private", body(visibility="private")),
    ("visibility-selected", body(visibility="selected", **{IDS: [1296269, 1296280]})),
    ("username-null", body(username=None)),  # the one nullable field
    ("empty-strings-are-strings", body(username="")),
    ("url-with-port-query-fragment", body(url="https://npm.example.com:8443/npm/?scope=acme#x")),
    ("url-percent-encoded", body(url="https://npm.example.com/a%20b/")),
    ("url-ipv6", body(url="https://[2001:db8::1]/npm/")),
]
# (id, body, whether both name the same fields)
INVALID: list[tuple[str, dict[str, Any], bool]] = [
    ("empty-body", {}, True),
    *((f"missing-{f}", body(**{f: DROP}), True) for f in ("registry_type", "url", "visibility")),
    *((f"null-{f}", body(**{f: None}), True) for f in ("registry_type", "url", "visibility", "auth_type")),
    ("null-replaces-base", body(replaces_base=None), True),
    ("registry-type-bogus", body(registry_type="bogus"), True),
    ("registry-type-upper-case", body(registry_type="NPM_REGISTRY"), True),
    ("visibility-bogus", body(visibility="everyone"), True),
    ("auth-type-bogus", body(auth_type="kerberos"), True),
    ("auth-type-empty", body(auth_type=""), True),
    ("replaces-base-string", body(replaces_base="yes"), True),
    ("url-number", body(url=42), True),
    ("username-number", body(username=5), True),
    ("key-id-number", body(key_id=5), True),
    ("tenant-id-number", body("oidc_azure", tenant_id=5), True),
    ("url-empty", body(url=""), True),
    ("url-not-a-url", body(url="not a url"), True),
    ("url-relative", body(url="/simple/"), True),
    ("url-no-scheme", body(url="npm.example.com"), True),
    ("url-space", body(url="https://npm.example.com/a b"), True),
    ("url-newline", body(url="https://npm.example.com/\nx"), True),
    ("url-tab", body(url="https://npm.example.com/\tx"), True),
    ("url-bidi-control", body(url="https://npm.pkg.github.com/\u202eemca"), True),
    ("encrypted-value-not-base64", body(encrypted_value="not base64!"), True),
    ("encrypted-value-url-safe-base64", body(encrypted_value="c2Vj-mV0"), True),
    ("encrypted-value-bad-padding", body(encrypted_value="c2VjcmV0==="), True),
    ("encrypted-value-empty", body(encrypted_value=""), True),
    # The emulator's regex engine lets `$` match before a final newline, so the pattern passes here;
    # the value then fails to decrypt. Both refuse, on the same field.
    ("encrypted-value-trailing-newline", body(encrypted_value=SEALED + "\n"), True),
    ("token-without-value", body(encrypted_value=DROP, key_id=DROP), True),
    ("username-password-without-value", body("username_password", encrypted_value=DROP, key_id=DROP), True),
    ("value-without-key-id", body(key_id=DROP), True),
    # Both refuse; the schema also names key_id ("only with an encrypted value"), the emulator only
    # the missing value.
    ("key-id-without-value", body(encrypted_value=DROP), False),
    ("username-password-without-username", body("username_password", username=DROP), True),
    *((f"{a}-with-a-value", body(a, **SECRET), True) for a in AUTH if a.startswith("oidc_")),
    *(
        (f"{a}-with-encrypted-value-only", body(a, encrypted_value=SEALED), True)
        for a in AUTH
        if a.startswith("oidc_")
    ),
    *(
        (f"{a}-without-{f}", body(a, **{f: DROP}), True)
        for a in AUTH
        if a.startswith("oidc_")
        for f in AUTH[a]
    ),
    ("token-with-tenant-id", body(tenant_id="t"), True),
    ("token-with-audience", body(audience="a"), True),
    ("azure-with-audience", body("oidc_azure", audience="a"), True),
    ("aws-with-api-host", body("oidc_aws", api_host="api.cloudsmith.io"), True),
    ("jfrog-with-service-account", body("oidc_jfrog", service_account="x"), True),
    ("gcp-with-username", body("oidc_gcp", username="monalisa"), True),
    ("username-password-with-namespace", body("username_password", namespace="acme"), True),
    ("ids-with-visibility-all", body(**{IDS: [1]}), True),
    ("ids-with-visibility-private", body(visibility="private", **{IDS: [1]}), True),
    ("selected-without-ids", body(visibility="selected"), True),
    ("ids-not-a-list", body(visibility="selected", **{IDS: "1,2"}), True),
    ("ids-strings", body(visibility="selected", **{IDS: ["1"]}), True),
    ("ids-fraction", body(visibility="selected", **{IDS: [1.5]}), True),
    ("ids-boolean", body(visibility="selected", **{IDS: [True]}), True),
    ("ids-null-item", body(visibility="selected", **{IDS: [None]}), True),
    ("ids-null", body(visibility="selected", **{IDS: None}), True),
]


def test_the_table_covers_every_registry_type_and_auth_type() -> None:
    assert set(schema.REGISTRY_TYPES) == set(CREATE["properties"]["registry_type"]["enum"])
    assert set(schema.AUTH_TYPES) == set(CREATE["properties"]["auth_type"]["enum"]) == set(AUTH)
    assert set(schema.VISIBILITIES) == set(CREATE["properties"]["visibility"]["enum"])


@pytest.mark.parametrize("payload", [pytest.param(b, id=i) for i, b in VALID])
def test_both_accept(emu: Emulator, payload: dict[str, Any]) -> None:
    assert verdicts(emu, payload) == (None, None)


@pytest.mark.parametrize(("payload", "same_fields"), [pytest.param(b, s, id=i) for i, b, s in INVALID])
def test_both_refuse(emu: Emulator, payload: dict[str, Any], same_fields: bool) -> None:
    github, ours = verdicts(emu, payload)
    assert github is not None and ours is not None, f"emulator: {github}, schema: {ours}"
    if same_fields:
        assert github == ours
    else:
        assert github < ours


@pytest.mark.parametrize("field", list(UPDATE["properties"]))
def test_which_fields_an_update_may_send_as_null_agree(emu: Emulator, field: str) -> None:
    # GitHub's OpenAPI marks only `username` nullable; core.schema's null rule must say the same.
    nullable = UPDATE["properties"][field].get("nullable", False) is True
    assert (not schema.null_problems({field: None})) is nullable
    org = f"case-{next(_orgs)}"
    created = requests.post(
        f"{emu.base_url}orgs/{org}/private-registries", json=_realize(body(username="monalisa"), emu, org)
    )
    assert created.status_code == 201, created.text
    answer = requests.patch(
        f"{emu.base_url}orgs/{org}/private-registries/NPM_REGISTRY_SECRET", json={field: None}
    )
    if nullable:
        assert answer.status_code == 204
        assert "username" not in requests.get(answer.url).json()
    else:
        assert answer.status_code == 422 and list(refused(answer.json())) == [field]


# --- where they disagree, and why --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://bot:s3cr3t@npm.example.com/", "https://token@npm.example.com/npm/"],
)
def test_url_with_user_info_only_our_schema_refuses(emu: Emulator, url: str) -> None:
    # Ours, stricter: a credential in the URL would sit in plain sight in Pulumi state and logs; it
    # belongs in the sealed value. GitHub's schema asks only `format: uri`, and RFC 3986 makes
    # user-info part of a URI's authority.
    assert verdicts(emu, body(url=url)) == (None, frozenset({"url"}))
    declaration = {"org": "acme", **BASE, "url": url, "value": "s3cret"}
    assert "url" in {p.field for p in schema.declaration_problems(declaration)}


@pytest.mark.parametrize("url", ["ftp://mirror.example.com/pub/", "git+ssh://git@github.com/acme/x.git"])
def test_url_schemes_other_than_http_only_our_schema_refuses(emu: Emulator, url: str) -> None:
    # Ours, stricter: registries are reached over http(s). GitHub's schema takes any URI scheme.
    assert verdicts(emu, body(url=url)) == (None, frozenset({"url"}))


@pytest.mark.parametrize("url", ["https://", "https:///simple/", "https://npm.example.com:99999/"])
def test_url_without_a_host_or_with_an_impossible_port_only_our_schema_refuses(
    emu: Emulator, url: str
) -> None:
    # Ours, stricter: a registry URL needs a host, and a port from 0 to 65535. RFC 3986's syntax
    # allows an empty authority and any number of port digits, and format: uri is syntax only.
    assert verdicts(emu, body(url=url)) == (None, frozenset({"url"}))


def test_non_ascii_url_only_the_emulator_refuses(emu: Emulator) -> None:
    # The emulator, stricter: format `uri` is RFC 3986, whose URIs are ASCII; an internationalized
    # host or path is an IRI (RFC 3987, format `iri`). Ours takes whatever urlsplit parses with an
    # http(s) scheme and a host. Whether GitHub takes an IRI is not documented: send punycode.
    assert verdicts(emu, body(url="https://bücher.example/simple/")) == (frozenset({"url"}), None)
    assert verdicts(emu, body(url="https://xn--bcher-kva.example/simple/")) == (None, None)


@pytest.mark.parametrize(
    ("auth", "fields"),
    [
        ("token", {"username": "mona\u202elisa"}),  # a right-to-left override: it reads "monasil"
        ("token", {"username": "mona\nlisa"}),
        ("oidc_azure", {"tenant_id": "tenant\u200b"}),  # a zero-width space
        ("oidc_gcp", {"service_account": "bot@acme.example\x00"}),
    ],
    ids=["username-bidi", "username-newline", "tenant-id-zero-width", "service-account-nul"],
)
def test_invisible_characters_in_other_fields_only_our_schema_refuses(
    emu: Emulator, auth: str, fields: dict[str, Any]
) -> None:
    # Ours, stricter: no field may hold control or bidirectional-text characters, which make a
    # logged or displayed value read differently from what it is. GitHub's schema types these
    # fields as plain strings, with no pattern, and the pages say nothing of their characters.
    assert verdicts(emu, body(auth, **fields)) == (None, frozenset(fields))


@pytest.mark.parametrize(
    "ids", [[0], [-1], [2**53 + 1], [2**63]], ids=["zero", "negative", "2**53+1", "2**63"]
)
def test_repository_ids_out_of_range_only_our_schema_refuses(emu: Emulator, ids: list[int]) -> None:
    # Ours, stricter: ids are positive, and at most 2**53 because the Pulumi engine carries numbers
    # as floats, which stand for one integer only up to there. GitHub's schema says `integer`, with
    # no minimum, maximum or format, and the pages do not bound them.
    assert verdicts(emu, body(visibility="selected", **{IDS: ids})) == (None, frozenset({IDS}))


def test_ids_as_whole_floats_only_the_emulator_refuses(emu: Emulator) -> None:
    # The emulator, stricter: an OpenAPI 3.0 `integer` is JSON Schema draft 4's, for which 42.0 is a
    # number but not an integer. Ours takes 42.0 for 42 because the Pulumi engine hands every number
    # over as a float; the provider sends them as integers (to_rest_body), which this difference
    # keeps honest: a float that slipped into a request would be refused here.
    assert verdicts(emu, body(visibility="selected", **{IDS: [1296269.0]})) == (frozenset({IDS}), None)
    sent = schema.to_rest_body({IDS: [1296269.0]})[IDS]
    assert sent == [1296269] and type(sent[0]) is int
    assert verdicts(emu, body(visibility="selected", **{IDS: sent})) == (None, None)


def test_selected_with_an_empty_list_only_our_schema_refuses(emu: Emulator) -> None:
    # Ours, stricter: `selected` with no repository would grant nobody, most likely a mistake. The
    # pages say `selected` means "only the repositories specified by selected_repository_ids" and
    # never that the list must hold one.
    assert verdicts(emu, body(visibility="selected", **{IDS: []})) == (None, frozenset({IDS}))


def test_fields_outside_githubs_schema_only_the_emulator_refuses(emu: Emulator) -> None:
    # The emulator, stricter than GitHub (whose schema leaves additionalProperties open): a typo in
    # a request fails loudly in tests. rest_problems judges GitHub's fields only; the provider
    # refuses unknown properties earlier, in the declaration, and never sends them.
    assert verdicts(emu, body(password="hunter2")) == (frozenset({"password"}), None)
    declaration = {"org": "acme", **BASE, "value": "s3cret", "password": "hunter2"}
    assert "password" in {p.field for p in schema.declaration_problems(declaration)}
