"""The emulator's sources: GitHub's OpenAPI extract, shipped with it, and the facts it states.

The emulator must not share the provider's mistakes, so it imports nothing of the provider, reads
GitHub's request schemas from the extract beside it, and states what they cannot say in its own
table. These tests hold the table to the words of GitHub's descriptions in that extract.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import requests

from pulumi_github_private_registry.emulator import Emulator, contract, facts

PROVIDER = Path(__file__).parents[2] / "provider"
PACKAGE = PROVIDER / "pulumi_github_private_registry" / "emulator"
SPEC = contract.openapi()
CREATE, UPDATE = contract.request_schemas(SPEC)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROVIDER)}


# --- independence -------------------------------------------------------------------------------


def test_the_emulator_package_imports_nothing_of_the_provider() -> None:
    for source in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                # `from .facts import ...` stays inside the emulator package; `from .. import` does not.
                assert node.level <= 1, f"{source.name}: relative import out of the emulator package"
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            ours = [n for n in names if n.split(".")[0] == "pulumi_github_private_registry"]
            assert ours == [], f"{source.name} imports {ours}"


@pytest.mark.slow
def test_serving_loads_no_module_of_the_provider() -> None:
    code = (
        "import sys\n"
        "from pulumi_github_private_registry.emulator import Emulator\n"
        "with Emulator() as emu:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('pulumi_github_private_registry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True
    )
    emulator = "pulumi_github_private_registry.emulator"
    loaded = json.loads(done.stdout.replace("'", '"'))
    assert emulator in loaded
    assert [m for m in loaded if m != emulator and not m.startswith(emulator + ".")] == [
        "pulumi_github_private_registry",  # the parent package: its names load lazily
    ]


def test_the_openapi_extract_ships_inside_the_emulator_package() -> None:
    shipped = resources.files("pulumi_github_private_registry.emulator").joinpath(
        "private-registries.openapi.json"
    )
    assert json.loads(shipped.read_text(encoding="utf-8")) == SPEC
    assert contract.SPEC_PATH.parent == PACKAGE
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert "emulator/private-registries.openapi.json" in pyproject  # package data: in wheels too
    assert re.search(r'^emulator = \["openapi-schema-validator', pyproject, re.MULTILINE)


@pytest.mark.slow
def test_without_openapi_schema_validator_the_emulator_says_what_to_install() -> None:
    blocked = "import sys\nsys.modules['openapi_schema_validator'] = None\n"
    library = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "from pulumi_github_private_registry.emulator import Emulator\nEmulator()",
        ],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert library.returncode != 0
    assert "pip install 'pulumi-github-private-registry[emulator]'" in library.stderr
    command = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "from pulumi_github_private_registry.emulator import main\nmain([])",
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert command.returncode == 1 and "Traceback" not in command.stderr
    assert command.stderr.startswith("error: ") and "[emulator]" in command.stderr


# --- the stated facts against GitHub's words --------------------------------------------------------

_TYPES = r"((?:`\w+`(?:,? and |,? or |, )?)+)"


def _mentioned(description: str, lead: str) -> set[str]:
    """Auth types a description names after ``lead`` ("Required when `auth_type` is", ...)."""
    found: set[str] = set()
    for match in re.finditer(lead + " " + _TYPES, description):
        found |= set(re.findall(r"`(\w+)`", match.group(1)))
    return found


def _documented(field: str) -> tuple[set[str], set[str]]:
    """(auth types a field is required for, auth types it is optional for), in the create body's words."""
    text = CREATE["properties"][field]["description"]
    required = _mentioned(text, r"Required when `auth_type` is") | _mentioned(text, r"required for")
    return required, _mentioned(text, r"Optional for")


def test_the_auth_table_is_what_the_descriptions_say() -> None:
    assert set(facts.AUTH_FACTS) == set(CREATE["properties"]["auth_type"]["enum"])
    oidc_fields = {f for facts in facts.AUTH_FACTS.values() for f in facts.allowed} - {"username"}
    for field in sorted(oidc_fields):
        required, optional = _documented(field)
        assert required | optional, f"{field}: no auth type named in its description"
        assert required == {a for a, f in facts.AUTH_FACTS.items() if field in f.required}, field
        assert optional == {a for a, f in facts.AUTH_FACTS.items() if field in f.optional}, field
    # Every auth-specific field of the schema is in the table: none is left unjudged.
    described = {f for f in CREATE["properties"] if _documented(f) != (set(), set())}
    assert described - {"encrypted_value", "key_id"} == oidc_fields


def test_the_sealed_value_goes_with_the_auth_types_the_descriptions_name() -> None:
    sealed = {a for a, f in facts.AUTH_FACTS.items() if f.sealed}
    for field in ("encrypted_value", "key_id"):
        required, _ = _documented(field)
        assert required == sealed == {"token", "username_password"}
        assert "Should be omitted for OIDC auth types" in CREATE["properties"][field]["description"]
    # The operation's own description says the same of every OIDC type.
    words = SPEC["paths"]["/orgs/{org}/private-registries"]["post"]["description"]
    assert set(re.findall(r"`(oidc_\w+)`", words)) == set(facts.AUTH_FACTS) - sealed
    assert "the `encrypted_value` and `key_id` fields should be omitted" in words


def test_defaults_and_the_fixed_auth_type_are_the_descriptions() -> None:
    assert "Defaults to `token` if not specified" in CREATE["properties"]["auth_type"]["description"]
    assert facts.DEFAULT_AUTH_TYPE == "token"
    assert contract.contract().defaults == {"replaces_base": False, "auth_type": "token"}
    assert "cannot be changed after creation" in UPDATE["properties"]["auth_type"]["description"]


def test_answers_show_the_response_schemas_fields() -> None:
    schemas = SPEC["components"]["schemas"]
    shown = list(schemas["org-private-registry-configuration"]["properties"])
    created = list(schemas["org-private-registry-configuration-with-selected-repositories"]["properties"])
    assert list(contract.contract().shown) == shown
    assert set(created) - set(shown) == {"selected_repository_ids"}
    assert not {"encrypted_value", "key_id"} & set(created)


def test_every_request_format_is_checked() -> None:
    formats = {p.get("format") for schema in (CREATE, UPDATE) for p in schema["properties"].values()}
    assert formats - {None} == {"uri"}


@pytest.mark.parametrize(
    ("value", "is_uri"),
    [
        ("https://npm.example.com/", True),
        ("https://npm.example.com:8443/a%20b?x=1#top", True),
        ("https://bot:s3cr3t@npm.example.com/", True),  # user-info is part of RFC 3986's authority
        ("ftp://mirror.example.com/pub/", True),
        ("https://[2001:db8::1]/simple/", True),
        ("https://", True),  # an empty authority is syntax RFC 3986 allows
        ("npm.example.com", False),  # no scheme: a relative reference, not a URI
        ("/simple/", False),
        ("", False),
        ("https://npm.example.com/a b", False),
        ("https://npm.example.com/\n", False),
        ("https://npm.example.com/\u202eemca", False),
        ("https://bücher.example/", False),  # an IRI: RFC 3986 is ASCII
        ("https://npm.example.com/%zz", False),
        ("https://npm.example.com/#a#b", False),
    ],
)
def test_uri_format_is_rfc_3986_syntax(value: str, is_uri: bool) -> None:
    assert contract.is_uri(value) is is_uri


def test_error_messages_name_the_field() -> None:
    """Error objects name each field; GitHub's OpenAPI validation (an enum or a type wrong) names
    each in its message, with the value it refused."""
    with Emulator() as emu:
        objects = requests.post(
            f"{emu.base_url}orgs/acme/private-registries",
            json={"registry_type": "npm_registry", "visibility": "all", "passwrd": "x"},
        )
        openapi = requests.post(
            f"{emu.base_url}orgs/acme/private-registries",
            json={"registry_type": 5, "url": None, "visibility": "everyone", "passwrd": "x"},
        )
    assert objects.status_code == 422
    errors = {e["field"]: (e["code"], e["message"]) for e in objects.json()["errors"]}
    assert errors == {
        "url": ("missing_field", errors["url"][1]),
        "passwrd": ("invalid", errors["passwrd"][1]),
    }
    assert all(message.startswith(f"'{field}'") for field, (_, message) in errors.items())
    assert openapi.status_code == 422 and "errors" not in openapi.json()
    assert openapi.json()["message"].split("\n") == [
        "Invalid request.",
        "",
        "For 'properties/registry_type', 5 is not a string.",
        "For 'properties/registry_type', 5 is not a member of enum.",
        "For 'properties/url', nil is not a string.",
        "For 'properties/visibility', \"everyone\" is not a member of enum.",
        '"passwrd" is not a permitted key.',
    ]
