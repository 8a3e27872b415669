"""The plugin's Pulumi package schema, generated from the core's field table and settings.

``schema.json`` beside this module is this schema, committed for review and never edited by hand:
``python -m pulumi_github_private_registry.plugin.package`` writes it again, and a test fails when
it is stale. The plugin serves :func:`package_schema` itself, so what it answers cannot differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from ..audiences.keys import PACKAGE, PLUGIN_KEYS
from ..core import schema, settings
from ..core.schema import Field
from ..core.version import __version__

__all__ = [
    "ENVIRONMENT_DEFAULT_TYPES",
    "FUNCTION",
    "LANGUAGE",
    "NPM_PACKAGE",
    "PACKAGE",
    "PYTHON_SDK",
    "RECORD_TYPE",
    "RESOURCE",
    "SCHEMA_PATH",
    "package_schema",
    "schema_text",
]

RESOURCE: Final = f"{PACKAGE}:index:OrgPrivateRegistry"
"""The resource token."""
FUNCTION: Final = f"{PACKAGE}:index:getOrgPrivateRegistries"
"""The function listing an org's registries, the counterpart of a Terraform data source."""
RECORD_TYPE: Final = f"{PACKAGE}:index:OrgPrivateRegistryRecord"
"""One registry as GitHub reports it, in the function's answer."""
SCHEMA_PATH: Final = Path(__file__).with_name("schema.json")
PYTHON_SDK: Final = "pulumi_github_private_registry_sdk"
"""The module name of the Python SDK that `pulumi package add` generates."""

# The enums the schema names, by field.
_ENUMS: Final = {
    "registry_type": ("RegistryType", "A registry type: GitHub names the configuration after it."),
    "visibility": ("Visibility", "Which repositories of the organization may use the registry."),
    "auth_type": ("AuthType", "How Dependabot authenticates to the registry."),
}


NPM_PACKAGE: Final = f"@pulumi/{PACKAGE}"
"""The npm name of the Node.js SDK that `pulumi package add` generates."""
LANGUAGE: Final = {
    # Pulumi would name the Python SDK after the package, `pulumi_github_private_registry`: this
    # project's own package, which every state of the dynamic provider needs.
    "python": {"packageName": PYTHON_SDK},
    # `pulumi package add github.com/OWNER/...` sets the schema's namespace to the owner, which
    # would make these `@owner/...` and `Owner.GithubPrivateRegistry`: the same names either way.
    "nodejs": {"packageName": NPM_PACKAGE},
    "csharp": {"rootNamespace": "Pulumi"},
}
"""The schema's language sections: the SDKs' names, whichever way the package is added."""


def _enum_token(field: Field) -> str:
    return f"{PACKAGE}:index:{_ENUMS[field.name][0]}"


def _type(field: Field) -> dict[str, Any]:
    if field.name in _ENUMS:
        return {"$ref": f"#/types/{_enum_token(field)}"}
    if field.kind == "ids":
        return {"type": "array", "items": {"type": "integer"}}
    return {"type": field.kind}


def _property(field: Field, *, as_input: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {**_type(field), "description": field.doc}
    if field.default is not None and as_input:
        spec["default"] = field.default
    if field.secret:
        spec["secret"] = True
    if field.replace:
        spec["replaceOnChanges"] = True
    return spec


def _camel_words(value: str) -> str:
    return "".join(w.capitalize() for w in value.split("_"))


def _enum_types() -> dict[str, Any]:
    by_name = {f.name: f for f in schema.FIELDS}
    return {
        _enum_token(by_name[name]): {
            "type": "string",
            "description": doc,
            "enum": [{"name": _camel_words(v), "value": v} for v in by_name[name].enum],
        }
        for name, (_, doc) in _ENUMS.items()
    }


def _record_type() -> dict[str, Any]:
    reported = [f for f in schema.FIELDS if f.reported]
    properties = {f.camel: _property(f, as_input=False) for f in reported}
    properties["id"] = {
        "type": "string",
        "description": "The registry's id, {org}/{name}, as import takes it.",
    }
    return {
        "type": "object",
        "description": "A private registry of an organization, as GitHub reports it (never its value).",
        "properties": properties,
        "required": ["id", "name"],
    }


APP_AUTH_TYPE: Final = f"{PACKAGE}:index:AppAuth"
"""The provider's ``appAuth``: a GitHub App to authenticate as."""


def _config_type(setting: settings.Setting) -> dict[str, Any]:
    if setting.kind == "app":
        return {"$ref": f"#/types/{APP_AUTH_TYPE}"}
    if setting.kind == "map":
        return {"type": "object", "additionalProperties": {"type": "string"}}
    return {"type": setting.kind}


# The kinds a generated SDK may read from the environment: Pulumi's code generators read a variable
# as a string, a number or a boolean only (Go would emit `pulumi.StringMap(d.(string))` for a map, C#
# assign a string to an InputMap). The provider reads the others' variables itself (core.settings).
ENVIRONMENT_DEFAULT_TYPES: Final = frozenset({"string", "integer", "number", "boolean"})
"""The property types that may carry ``defaultInfo`` in the schema."""


def _config_variables() -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for setting in PLUGIN_KEYS.all:
        spec: dict[str, Any] = {**_config_type(setting), "description": setting.doc}
        if setting.kind == "app":
            spec["description"] += f" Or the environment variables {', '.join(settings.APP_ENV)}."
        elif setting.kind not in ENVIRONMENT_DEFAULT_TYPES:
            spec["description"] += f" Or the environment variable {setting.env} (JSON text)."
        else:
            spec["defaultInfo"] = {"environment": [setting.env]}
        if setting.secret:
            spec["secret"] = True
        variables[setting.name] = spec
    return variables


def _app_auth_type() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A GitHub App's credentials, as pulumi-github names them.",
        "properties": {
            "id": {"type": "string", "description": "The App's id."},
            "installationId": {
                "type": "string",
                "description": "The App's installation in the org; found per org when left out.",
            },
            "pemFile": {
                "type": "string",
                "secret": True,
                "description": "The App's private key: the contents of its .pem file "
                "('\\n' escapes accepted).",
            },
        },
        "required": ["id", "pemFile"],
    }


def package_schema() -> dict[str, Any]:
    """The package schema: one resource, one function, the provider's configuration."""
    inputs = [f for f in schema.FIELDS if f.input]
    required_inputs = [f.camel for f in schema.FIELDS if f.required]
    config = _config_variables()
    return {
        "name": PACKAGE,
        "displayName": "GitHub private registries",
        "version": __version__,
        "description": "Manage a GitHub organization's private registries (the npm, Maven, Docker, "
        "Python and other registries Dependabot and code scanning use).",
        "keywords": ["pulumi", "github", "dependabot", "category/infrastructure", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {
            "description": "Where and how to reach GitHub; each key falls back to its environment variable.",
            "inputProperties": config,
        },
        "resources": {
            RESOURCE: {
                "description": "A private registry configuration of a GitHub organization (one per "
                "registry type). Its id is {org}/{name}, e.g. acme/NPM_REGISTRY_SECRET.",
                "inputProperties": {f.camel: _property(f, as_input=True) for f in inputs},
                "requiredInputs": required_inputs,
                "properties": {f.camel: _property(f, as_input=False) for f in schema.FIELDS},
                "required": [
                    schema.FIELDS_BY_NAME[n].camel
                    for n in ("org", "registry_type", "url", "visibility", "auth_type", "name")
                ],
            }
        },
        "functions": {
            FUNCTION: {
                "description": "The private registries of an organization, as GitHub reports them.",
                "inputs": {
                    "properties": {
                        "org": {
                            "type": "string",
                            "description": "The organization; the provider's owner if unset.",
                        }
                    }
                },
                "outputs": {
                    "properties": {
                        "registries": {"type": "array", "items": {"$ref": f"#/types/{RECORD_TYPE}"}}
                    },
                    "required": ["registries"],
                },
            }
        },
        "types": {**_enum_types(), RECORD_TYPE: _record_type(), APP_AUTH_TYPE: _app_auth_type()},
        "language": {name: dict(section) for name, section in LANGUAGE.items()},
    }


def schema_text() -> str:
    """The schema as ``schema.json`` holds it."""
    return json.dumps(package_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
