"""The emulator as a GitHub Enterprise Server release, seen through plain `requests`.

A release serves under /api/v3, names itself on every answer and in GET /meta, supports only the
API versions it knows, and knows the private-registries API as its stage's reference page
documents it (``GHES_STAGES``).
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from nacl.public import PublicKey, SealedBox

from github_refusals import refused
from pulumi_github_private_registry.emulator import GHES_STAGES, Emulator, contract, facts

ORG = "acme"
TOKEN = "test-token"
VERSION = "3.14"
SPEC = contract.openapi()
CREATE, _ = contract.request_schemas(SPEC)
# The reference pages the stages are read from: copies of GitHub's docs pages (000_ the newest).
PAGES = Path(__file__).parents[1] / "data" / "api"


def session(version: str | None = "2022-11-28", token: str = TOKEN) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    if version is not None:
        s.headers["X-GitHub-Api-Version"] = version
    return s


def url(emu: Emulator, rest: str = "", org: str = ORG) -> str:
    return f"{emu.base_url}orgs/{org}/private-registries{rest}"


def seal(s: requests.Session, emu: Emulator, plaintext: str = "s3cret") -> dict[str, str]:
    key = s.get(url(emu, "/public-key")).json()
    sealed = SealedBox(PublicKey(base64.b64decode(key["key"]))).encrypt(plaintext.encode())
    return {"encrypted_value": base64.b64encode(sealed).decode(), "key_id": key["key_id"]}


def errors(response: requests.Response) -> dict[str, str]:
    """field -> what a 422 says of it: its error object's message, or its line of GitHub's OpenAPI
    validation message (an enum value the release does not know)."""
    assert response.status_code == 422, response.text
    return refused(response.json())


@pytest.fixture
def api() -> Iterator[requests.Session]:
    with session() as s:
        yield s


def ghes(stage: int | None = None, **kwargs: Any) -> Emulator:
    return Emulator(token=TOKEN, ghes_version=VERSION, ghes_stage=stage, **kwargs)


@pytest.fixture(params=[s.number for s in GHES_STAGES], ids=lambda n: f"stage{n}")
def any_stage(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    with ghes(request.param) as emu:
        yield emu


# --- the stage table against the pages ----------------------------------------------------------


def test_the_stages_are_numbered_oldest_first_and_the_newest_is_the_openapi_extract() -> None:
    assert [s.number for s in GHES_STAGES] == list(range(len(GHES_STAGES)))
    assert [s.api for s in GHES_STAGES] == [False, True, True, True]
    newest = GHES_STAGES[-1]
    assert (newest.registry_types, newest.auth_types, newest.fields, newest.create_required) == (None,) * 4
    properties = CREATE["properties"]
    for stage in GHES_STAGES[1:-1]:
        assert stage.fields is not None and set(stage.fields) <= set(properties)
        assert stage.registry_types is not None and set(stage.registry_types) <= set(
            properties["registry_type"]["enum"]
        )
        assert stage.auth_types is not None and set(stage.auth_types) <= set(properties["auth_type"]["enum"])
    one, two = GHES_STAGES[1], GHES_STAGES[2]
    assert (one.registry_types, one.auth_types) == (("maven_repository",), ("token",))
    assert two.registry_types is not None and set(two.registry_types) == set(
        properties["registry_type"]["enum"]
    )
    assert two.auth_types is not None
    assert set(properties["auth_type"]["enum"]) - set(two.auth_types) == {"oidc_gcp"}
    assert two.fields is not None
    assert set(properties) - set(two.fields) == {"workload_identity_provider", "service_account"}
    for stage in GHES_STAGES[1:]:
        assert re.match(r"\d{3}_[0-9a-f]{16}\.txt", stage.source), stage.source


def test_each_stage_is_what_its_page_documents() -> None:
    def page(stage: int) -> str:
        name = re.match(r"\d{3}_[0-9a-f]{16}\.txt", GHES_STAGES[stage].source)
        assert name is not None
        return (PAGES / name.group()).read_text(encoding="utf-8")

    one = page(1)
    assert one.count("Value: maven_repository") == 2  # create and update: one registry type
    assert "auth_type" not in one and "url string" not in one and "oidc" not in one
    for name in ("registry_type", "encrypted_value", "key_id", "visibility"):
        assert re.search(rf"^{name} string Obligatoire", one, re.MULTILINE), name
    two = page(2)
    listed = re.findall(r'^\s*•\s*"(\w+)"', two, re.MULTILINE)
    assert GHES_STAGES[2].registry_types is not None and GHES_STAGES[2].auth_types is not None
    assert set(listed) == {"private", "selected", "all"} | set(GHES_STAGES[2].registry_types) | set(
        GHES_STAGES[2].auth_types
    )
    fields = re.findall(r"^(\w+)(?:\[\])? (?:String|Array|Boolean) No$", two, re.MULTILINE)
    assert set(fields) == set(GHES_STAGES[2].fields or ())
    assert "oidc_gcp" not in two and "workload_identity_provider" in page(3)


# --- what every GHES answer carries -----------------------------------------------------------------


def test_a_release_serves_under_api_v3_and_the_newest_stage_by_default() -> None:
    with ghes() as emu:
        assert emu.base_url.endswith("/api/v3/") and emu.ghes_stage is GHES_STAGES[-1]
        assert session().get(url(emu)).status_code == 200
        assert session().get(f"http://127.0.0.1:{emu.port}/orgs/{ORG}/private-registries").status_code == 404
    with ghes(prefix="/ghe/api/v3") as emu:
        assert emu.base_url.endswith("/ghe/api/v3/")


def test_every_answer_names_the_release(api: requests.Session) -> None:
    with ghes(2) as emu:
        body = {"registry_type": "npm_registry", "url": "https://npm.example.com/", "visibility": "all"}
        answers = [
            api.post(url(emu), json={**body, **seal(api, emu)}),
            api.patch(url(emu, "/NPM_REGISTRY_SECRET"), json={"visibility": "private"}),
            api.get(url(emu, "/ABSENT")),
            api.post(url(emu), json={}),
            requests.get(url(emu)),
            session("2026-03-10").get(url(emu)),
            api.get(f"{emu.base_url}meta"),
        ]
        emu.inject(status=502, body={"message": "Bad Gateway"})
        answers.append(api.get(url(emu)))
        assert [a.status_code for a in answers] == [201, 204, 404, 422, 401, 400, 200, 502]
        assert all(a.headers["X-GitHub-Enterprise-Version"] == VERSION for a in answers)
    with Emulator(token=TOKEN) as github:
        assert "X-GitHub-Enterprise-Version" not in api.get(url(github)).headers


def test_errors_point_into_the_release_docs(api: requests.Session) -> None:
    with ghes() as emu:
        missing = api.get(url(emu, "/ABSENT")).json()["documentation_url"]
        assert missing == (
            "https://docs.github.com/enterprise-server@3.14/rest/private-registries/organization-configurations"
        )
        assert (
            requests.get(url(emu)).json()["documentation_url"]
            == "https://docs.github.com/enterprise-server@3.14/rest"
        )
    with Emulator(token=TOKEN, ghes_version="3.15.2") as emu:
        assert "enterprise-server@3.15/" in api.get(url(emu, "/ABSENT")).json()["documentation_url"]


def test_meta_names_the_installed_version_without_credentials(any_stage: Emulator) -> None:
    answer = requests.get(f"{any_stage.base_url}meta")
    assert answer.status_code == 200
    assert answer.json() == {"verifiable_password_authentication": True, "installed_version": VERSION}
    assert session().get(f"{any_stage.base_url}meta").status_code == 200
    assert session(token="wrong").get(f"{any_stage.base_url}meta").status_code == 401  # judged when given
    assert (
        requests.post(f"{any_stage.base_url}meta", headers={"Authorization": f"Bearer {TOKEN}"}).status_code
        == 404
    )


def test_github_com_meta_has_no_installed_version() -> None:
    with Emulator(token=TOKEN) as emu:
        assert requests.get(f"{emu.base_url}meta").json() == {"verifiable_password_authentication": False}


# --- API versions -----------------------------------------------------------------------------------


def test_the_newest_api_version_is_refused_with_githubs_400(any_stage: Emulator) -> None:
    refused = session("2026-03-10").get(url(any_stage))
    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Bad Request",
        "errors": (
            'The version you specified in the "X-GitHub-API-Version" request header, "2026-03-10", is not '
            'a supported version. The following versions are currently supported: "2022-11-28" (most recent).'
        ),
        "documentation_url": "https://docs.github.com/enterprise-server@3.14/rest",
        "status": "400",
    }
    assert "X-GitHub-Api-Version-Selected" not in refused.headers
    assert session("2026-03-10").get(f"{any_stage.base_url}meta").status_code == 400


def test_the_supported_version_is_selected_named_or_not(any_stage: Emulator) -> None:
    expected = 200 if any_stage.ghes_stage and any_stage.ghes_stage.api else 404
    for version in ("2022-11-28", None, "2022-11-28 "):
        answer = session(version).get(url(any_stage))
        assert answer.status_code == expected
        assert answer.headers["X-GitHub-Api-Version-Selected"] == "2022-11-28"


def test_credentials_are_judged_before_the_version_and_a_refused_write_is_not_applied() -> None:
    with ghes(1) as emu:
        assert session("2026-03-10", token="wrong").get(url(emu)).status_code == 401
        body = {"registry_type": "maven_repository", "visibility": "all", **seal(session(), emu)}
        assert session("2026-03-10").post(url(emu), json=body).status_code == 400
        assert emu.registries(ORG) == {}
        assert session().post(url(emu), json=body).status_code == 201


def test_a_release_may_be_told_to_support_the_newest_version_too() -> None:
    with ghes(ghes_api_versions=facts.GITHUB_API_VERSIONS) as emu:
        answer = session("2026-03-10").get(url(emu))
        assert answer.status_code == 200 and answer.headers["X-GitHub-Api-Version-Selected"] == "2026-03-10"
        assert session(None).get(url(emu)).headers["X-GitHub-Api-Version-Selected"] == "2022-11-28"


def test_github_com_refuses_a_version_it_does_not_support_naming_both() -> None:
    with Emulator(token=TOKEN) as emu:
        refused = session("1999-01-01").get(url(emu))
        assert refused.status_code == 400 and refused.json()["errors"].endswith(
            'supported: "2026-03-10" (most recent) and "2022-11-28".'
        )
        assert refused.json()["documentation_url"] == "https://docs.github.com/rest"
        assert session("2026-03-10").get(url(emu)).status_code == 200


# --- what each stage knows --------------------------------------------------------------------------


def test_stage_0_has_no_private_registries_api(api: requests.Session) -> None:
    with ghes(0) as emu:
        for method, rest in (
            ("GET", ""),
            ("POST", ""),
            ("GET", "/public-key"),
            ("GET", "/MAVEN_REPOSITORY_SECRET"),
            ("PATCH", "/MAVEN_REPOSITORY_SECRET"),
            ("DELETE", "/MAVEN_REPOSITORY_SECRET"),
        ):
            answer = api.request(method, url(emu, rest), json={} if method in ("POST", "PATCH") else None)
            assert (answer.status_code, answer.json()["message"]) == (404, "Not Found"), (method, rest)
        assert requests.get(url(emu)).status_code == 401  # credentials first, as everywhere
        assert api.get(f"{emu.base_url}meta").json()["installed_version"] == VERSION


def test_stage_1_knows_maven_repository_with_a_token_and_nothing_else(api: requests.Session) -> None:
    with ghes(1) as emu:
        body = {"registry_type": "maven_repository", "username": "monalisa", "visibility": "private"}
        created = api.post(url(emu), json={**body, **seal(api, emu)})
        assert created.status_code == 201, created.text
        shown = api.get(url(emu, "/MAVEN_REPOSITORY_SECRET")).json()
        assert set(shown) == {"name", "registry_type", "username", "visibility", "created_at", "updated_at"}
        assert emu.decrypted_value(ORG, "MAVEN_REPOSITORY_SECRET") == "s3cret"
        assert (
            api.patch(url(emu, "/MAVEN_REPOSITORY_SECRET"), json={"username": "octocat"}).status_code == 204
        )
        assert api.delete(url(emu, "/MAVEN_REPOSITORY_SECRET")).status_code == 204

        npm = api.post(url(emu), json={**body, "registry_type": "npm_registry", **seal(api, emu)})
        assert errors(npm) == {
            "registry_type": "For 'properties/registry_type', \"npm_registry\" is not a member of enum."
        }
        oidc = api.post(url(emu), json={**body, "auth_type": "oidc_aws", **seal(api, emu)})
        assert errors(oidc) == {
            "auth_type": "For 'properties/auth_type', \"oidc_aws\" is not a member of enum."
        }
        with_url = api.post(url(emu), json={**body, "url": "https://maven.example.com/", **seal(api, emu)})
        assert errors(with_url) == {"url": "'url' is not a field of GitHub's request schema"}
        assert set(errors(api.post(url(emu), json=body))) == {"encrypted_value", "key_id"}  # required here
        named = api.post(url(emu), json={**body, "auth_type": "token", **seal(api, emu)})
        assert named.status_code == 201 and "auth_type" not in named.json()
        assert errors(api.patch(url(emu, "/MAVEN_REPOSITORY_SECRET"), json={"replaces_base": True})) == {
            "replaces_base": "'replaces_base' is not a field of GitHub's request schema"
        }
        assert emu.put_registry(ORG, registry_type="maven_repository", visibility="all", value="v")["name"]
        with pytest.raises(ValueError, match="npm_registry"):
            emu.put_registry(ORG, registry_type="npm_registry", visibility="all", value="v")


def test_stage_2_knows_four_oidc_types_but_not_gcp(api: requests.Session) -> None:
    with ghes(2) as emu:
        aws = {
            "registry_type": "maven_repository",
            "url": "https://acme-1.d.codeartifact.us-east-1.amazonaws.com/maven/releases/",
            "visibility": "all",
            "auth_type": "oidc_aws",
            "aws_region": "us-east-1",
            "account_id": "123456789012",
            "role_name": "dependabot",
            "domain": "acme",
            "domain_owner": "123456789012",
        }
        assert api.post(url(emu), json=aws).status_code == 201
        npm = {"registry_type": "npm_registry", "url": "https://npm.example.com/", "visibility": "all"}
        assert api.post(url(emu), json={**npm, **seal(api, emu)}).status_code == 201
        gcp = {
            "registry_type": "python_index",
            "url": "https://us-python.pkg.dev/acme/pypi/",
            "visibility": "all",
            "auth_type": "oidc_gcp",
        }
        refusal = api.post(url(emu), json=gcp)
        assert errors(refusal) == {
            "auth_type": "For 'properties/auth_type', \"oidc_gcp\" is not a member of enum."
        }
        assert refusal.json()["message"].startswith("Invalid request.\n\n") and "errors" not in refusal.json()
        provider = {**gcp, "auth_type": "oidc_jfrog", "jfrog_oidc_provider_name": "github"}
        assert (
            api.post(url(emu), json={**provider, "workload_identity_provider": "projects/1"}).status_code
            == 422
        )
        assert set(api.get(url(emu, "/NPM_REGISTRY_SECRET")).json()) >= {"url", "auth_type", "replaces_base"}


def test_stage_3_knows_gcp(api: requests.Session) -> None:
    with ghes(3) as emu:
        gcp = {
            "registry_type": "python_index",
            "url": "https://us-python.pkg.dev/acme/pypi/",
            "visibility": "all",
            "auth_type": "oidc_gcp",
            "workload_identity_provider": "projects/1/locations/global/workloadIdentityPools/p/providers/g",
        }
        created = api.post(url(emu), json=gcp)
        assert created.status_code == 201 and created.json()["auth_type"] == "oidc_gcp"


# --- arguments and the command line ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ghes_stage": 1},
        {"ghes_version": "3.14", "ghes_stage": 4},
        {"ghes_version": "3.14", "ghes_stage": -1},
        {"ghes_version": "latest"},
        {"ghes_version": "3.14", "ghes_api_versions": ()},
    ],
)
def test_arguments_that_name_no_release_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Emulator(**kwargs)


def _command(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "provider")}
    return subprocess.Popen(
        [sys.executable, "-m", "pulumi_github_private_registry.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_command_line_serves_a_release_at_a_stage() -> None:
    process = _command("--token", TOKEN, "--ghes-version", "3.14", "--ghes-stage", "1")
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:") and line.endswith("/api/v3/")
        base = line.removeprefix("emulator listening on ")
        answer = session().post(
            f"{base}orgs/{ORG}/private-registries", json={"registry_type": "npm_registry"}
        )
        assert answer.status_code == 422 and answer.headers["X-GitHub-Enterprise-Version"] == "3.14"
        assert '"npm_registry" is not a member of enum' in refused(answer.json())["registry_type"]
        assert session("2026-03-10").get(f"{base}meta").status_code == 400
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.mark.slow
def test_command_line_refuses_a_stage_without_a_release() -> None:
    process = _command("--ghes-stage", "1")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "--ghes-version" in err
