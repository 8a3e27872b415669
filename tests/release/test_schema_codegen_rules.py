"""The schema the plugin serves (GetSchema, through the real gRPC server) keeps the rules Pulumi's
schema binder and code generators hold it to beyond the package metaschema
(``tests/release/test_plugin_package.py`` validates against that).

From pulumi/pulumi's ``pkg/codegen/schema/bind.go`` (bindDefaultValue, bindConstValue,
bindProperties, bindEnumType, validateTypeToken, checkDuplicates, bindProvider,
bindResourceDetails, bindFunctionDef, newBinder, checkDocRefs, validateNoRequiredObjectCycles) and
``reserved_keywords.go``; and from the code generators: an environment default is read as a string,
number or boolean only (pkg/codegen/go/gen.go emits ``d.(string)`` for anything else, the C# one
assigns ``Utilities.GetEnv(...)``). The language sections pin the SDKs' names, which `pulumi package
add github.com/OWNER/...` would otherwise take from OWNER.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugin_host import PluginHost

pytestmark = pytest.mark.slow

PLUGIN_PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugin.md"
ENVIRONMENT_TYPES = {"string", "integer", "number", "boolean"}
RESERVED = {"pulumi"}  # reserved_keywords.go: no property, resource, type or function so named
RESERVED_PROVIDER_INPUTS = {"version", "pulumi"}
RESERVED_RESOURCE_OUTPUTS = {"id", "urn", "pulumi"}


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    host = PluginHost()
    host.start()
    try:
        yield json.loads(host.get_schema())
    finally:
        host.stop()


def _property_maps(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """Every map of properties in the schema: (where, properties, the names it requires)."""
    yield "config.variables", spec["config"]["variables"], spec["config"].get("defaults", [])
    provider = spec["provider"]
    yield "provider.inputProperties", provider["inputProperties"], provider.get("requiredInputs", [])
    yield "provider.properties", provider.get("properties", {}), provider.get("required", [])
    for token, resource in spec["resources"].items():
        yield f"{token}.inputProperties", resource["inputProperties"], resource.get("requiredInputs", [])
        yield f"{token}.properties", resource["properties"], resource.get("required", [])
    for token, function in spec["functions"].items():
        for part in ("inputs", "outputs"):
            if part in function:
                yield f"{token}.{part}", function[part]["properties"], function[part].get("required", [])
    for token, typ in spec["types"].items():
        if typ["type"] == "object":
            yield f"{token}.properties", typ["properties"], typ.get("required", [])


def _properties(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, properties, _ in _property_maps(spec):
        for name, prop in properties.items():
            yield f"{where}.{name}", prop


def _type_of(spec: dict[str, Any], prop: dict[str, Any]) -> str:
    """A property's type, an enum's by its element type."""
    if "$ref" in prop:
        target = spec["types"][prop["$ref"].removeprefix("#/types/")]
        return "enum:" + target["type"] if "enum" in target else "object"
    return str(prop["type"])


def _agrees(kind: str, value: Any) -> bool:
    """bindConstValue: a constant or default of a primitive type (integers within int32)."""
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return whole and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    return False


# --- environment defaults ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["config.variables", "provider.inputProperties"])
def test_environment_defaults_are_only_on_strings_numbers_and_booleans(
    served: dict[str, Any], where: str
) -> None:
    properties = dict((w, p) for w, p, _ in _property_maps(served))[where]
    carrying = {name: _type_of(served, p) for name, p in properties.items() if "defaultInfo" in p}
    assert carrying, "the plugin's settings fall back to environment variables"
    assert {n: t for n, t in carrying.items() if t not in ENVIRONMENT_TYPES} == {}


def test_no_property_but_a_primitive_carries_an_environment_default(served: dict[str, Any]) -> None:
    wrong = {w: _type_of(served, p) for w, p in _properties(served) if "defaultInfo" in p}
    assert {w: t for w, t in wrong.items() if t not in ENVIRONMENT_TYPES} == {}


def test_every_environment_default_names_its_variables(served: dict[str, Any]) -> None:
    for where, prop in _properties(served):
        if "defaultInfo" in prop:
            env = prop["defaultInfo"].get("environment")
            assert env and all(re.fullmatch(r"[A-Z][A-Z0-9_]*", e) for e in env), where


def test_the_tokens_variable_is_named_where_no_sdk_reads_it(served: dict[str, Any]) -> None:
    for variables in (served["config"]["variables"], served["provider"]["inputProperties"]):
        assert "GITHUB_PRIVATE_REGISTRY_TOKENS" in variables["tokens"]["description"]
        assert variables["tokens"]["secret"] is True


# --- values agree with their types ------------------------------------------------------------------


def test_defaults_and_constants_agree_with_their_types(served: dict[str, Any]) -> None:
    for where, prop in _properties(served):
        for key in ("default", "const"):
            if key not in prop:
                continue
            kind = _type_of(served, prop).removeprefix("enum:")
            assert _agrees(kind, prop[key]), (where, key, prop[key])
            if "$ref" in prop:
                values = [e["value"] for e in served["types"][prop["$ref"].removeprefix("#/types/")]["enum"]]
                assert prop[key] in values, (where, key)


def test_enums_are_primitive_and_their_values_agree(served: dict[str, Any]) -> None:
    enums = {t: s for t, s in served["types"].items() if "enum" in s}
    assert enums
    for token, enum in enums.items():
        assert enum["type"] in ENVIRONMENT_TYPES, token
        assert all(_agrees(enum["type"], e["value"]) for e in enum["enum"]), token
        names = [e.get("name", e["value"]) for e in enum["enum"]]
        assert len({n.lower() for n in names}) == len(names), token


def test_flags_are_booleans_and_messages_strings(served: dict[str, Any]) -> None:
    for where, prop in _properties(served):
        for flag in ("secret", "replaceOnChanges", "willReplaceOnChanges", "plain"):
            assert isinstance(prop.get(flag, False), bool), (where, flag)
        for text in ("description", "deprecationMessage"):
            assert isinstance(prop.get(text, ""), str), (where, text)


def test_replacement_paths_are_top_level_inputs(served: dict[str, Any]) -> None:
    """The SDKs register a resource's replaceOnChanges paths as schema.go's Resource.ReplaceOnChanges
    finds them: flagged output properties, and flagged properties of object types they reach."""

    def paths(properties: dict[str, Any], seen: frozenset[str]) -> Iterator[str]:
        for name, prop in properties.items():
            if prop.get("replaceOnChanges"):
                yield name
                continue
            inner = prop.get("items") or prop.get("additionalProperties") or prop
            ref = inner.get("$ref", "").removeprefix("#/types/")
            target = served["types"].get(ref, {})
            if target.get("type") == "object" and "enum" not in target:
                assert ref not in seen, f"recursive object {ref} under {name}"
                yield from (f"{name}.{p}" for p in paths(target["properties"], seen | {ref}))

    for token, resource in served["resources"].items():
        found = set(paths(resource["properties"], frozenset()))
        assert found, token
        flagged_inputs = {n for n, p in resource["inputProperties"].items() if p.get("replaceOnChanges")}
        assert found == flagged_inputs, token


# --- names and tokens --------------------------------------------------------------------------------


def test_required_names_are_properties_of_their_section(served: dict[str, Any]) -> None:
    for where, properties, required in _property_maps(served):
        assert set(required) <= set(properties), where
        assert len(set(required)) == len(required), where


def test_tokens_are_package_module_and_name(served: dict[str, Any]) -> None:
    package = served["name"]
    tokens = [*served["resources"], *served["functions"], *served["types"]]
    for token in tokens:
        parts = token.split(":")
        assert len(parts) == 3 and parts[0] == package, token
        module, name = parts[1], parts[2]
        assert not (module in ("", "index") and name.lower() == "provider"), token
        assert not module.startswith("index/") and name not in RESERVED, token
        assert re.fullmatch(r"\S+", token) and token.isprintable(), token
    members = [t.lower() for t in (*served["resources"], *served["functions"])]
    assert len(set(members)) == len(members), "two tokens that differ only in case collide"


def test_property_names_are_printable_and_not_reserved(served: dict[str, Any]) -> None:
    for where, properties, _ in _property_maps(served):
        for name in properties:
            assert name.isprintable() and re.fullmatch(r"\S+", name) and name not in RESERVED, (where, name)
    assert not set(served["provider"]["inputProperties"]) & RESERVED_PROVIDER_INPUTS
    for token, resource in served["resources"].items():
        assert not set(resource["properties"]) & RESERVED_RESOURCE_OUTPUTS, token
        assert not set(resource.get("stateInputs", {}).get("properties", {})) & {"id", "pulumi"}, token


def test_the_package_name_and_version_are_what_the_binder_takes(served: dict[str, Any]) -> None:
    assert served["name"] not in ("pulumi", "input")
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?", served["version"])


def test_nothing_the_binder_removed_is_declared(served: dict[str, Any]) -> None:
    for token, resource in served["resources"].items():
        assert "plain" not in resource and "plainInputs" not in resource, token
    for token, typ in served["types"].items():
        assert not isinstance(typ.get("plain"), list), token
    for token, function in served["functions"].items():
        assert "multiArgumentInputs" not in function or "inputs" in function, token


def test_every_reference_resolves_and_no_required_object_cycle(served: dict[str, Any]) -> None:
    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(served))
    assert found and all(r.startswith("#/types/") for r in found)
    assert {r.removeprefix("#/types/") for r in found} <= set(served["types"])

    def required_objects(token: str) -> set[str]:
        typ = served["types"][token]
        props = [typ["properties"][n] for n in typ.get("required", [])]
        targets = {p["$ref"].removeprefix("#/types/") for p in props if "$ref" in p}
        return {t for t in targets if served["types"][t]["type"] == "object"}

    def cycle(token: str, path: tuple[str, ...]) -> bool:
        return token in path or any(cycle(t, (*path, token)) for t in required_objects(token))

    objects = [t for t, s in served["types"].items() if s["type"] == "object"]
    assert not [t for t in objects if cycle(t, ())]


def test_descriptions_hold_no_doc_ref_shortcodes(served: dict[str, Any]) -> None:
    """checkDocRefs refuses a ``{{% ref %}}`` that names nothing; the schema uses none."""
    assert "{{%" not in json.dumps(served)


# --- the SDKs' names ---------------------------------------------------------------------------------


def test_the_language_sections_pin_the_sdk_names_the_plugin_page_states(served: dict[str, Any]) -> None:
    language = served["language"]
    assert language["nodejs"] == {"packageName": "@pulumi/github-private-registry"}
    assert language["python"] == {"packageName": "pulumi_github_private_registry_sdk"}
    assert language["csharp"] == {"rootNamespace": "Pulumi"}
    page = PLUGIN_PAGE.read_text(encoding="utf-8")
    assert f"`{language['nodejs']['packageName']}`" in page
    assert f"`{language['python']['packageName']}`" in page


def test_the_language_sections_hold_only_what_each_generator_reads(served: dict[str, Any]) -> None:
    """Each section decodes into its generator's PackageInfo (importer.go of each language)."""
    known = {
        "nodejs": {"packageName": str},
        "python": {"packageName": str},
        "csharp": {"rootNamespace": str},
    }
    for lang, section in served["language"].items():
        assert lang in known, lang
        assert {k: type(v) for k, v in section.items()} == {k: known[lang][k] for k in section}, lang
    assert re.fullmatch(r"@[a-z0-9-]+/[a-z0-9-]+", served["language"]["nodejs"]["packageName"])
    assert served["language"]["python"]["packageName"].isidentifier()
    assert served["language"]["csharp"]["rootNamespace"].isidentifier()


def test_no_namespace_is_declared(served: dict[str, Any]) -> None:
    """Without one, `pulumi package add ./provider` writes sdks/github-private-registry; the git form
    sets the owner as namespace (sdks/OWNER-github-private-registry), which the language sections
    keep out of the SDKs' names."""
    assert "namespace" not in served
