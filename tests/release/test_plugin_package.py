"""The plugin as a Pulumi package: its schema, its folder, and what the Pulumi CLI makes of them.

The schema is checked against Pulumi's own package metaschema (``tests/data/package-metaschema.json``,
copied unchanged from pulumi/pulumi) and against the interface the issue pins; the folder
``provider/`` is started the way the Pulumi CLI starts it. The tests at the end drive the Pulumi
CLI itself and skip without it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin import package
from pulumi_github_private_registry.tools import cli
from pulumi_github_private_registry.tools import discover as discovery

REPO = Path(__file__).resolve().parents[2]
PROVIDER = REPO / "provider"
OURS = PROVIDER / "pulumi_github_private_registry"
METASCHEMA = Path(__file__).resolve().parents[1] / "data" / "package-metaschema.json"
REGENERATE = "python -m pulumi_github_private_registry.plugin.package"

# The pinned interface, written out here rather than read from the code under test.
PACKAGE = "github-private-registry"
RESOURCE = "github-private-registry:index:OrgPrivateRegistry"
FUNCTION = "github-private-registry:index:getOrgPrivateRegistries"
INPUTS = (
    "org registryType url visibility authType username replacesBase selectedRepositoryIds value "
    "valueEncrypted keyId tenantId clientId awsRegion accountId roleName domain domainOwner "
    "jfrogOidcProviderName audience identityMappingName namespace serviceSlug apiHost "
    "workloadIdentityProvider serviceAccount adopt"
).split()
OUTPUTS_ONLY = ("name", "createdAt", "updatedAt", "remoteUpdatedAt")
REGISTRY_TYPES = {
    "maven_repository", "nuget_feed", "goproxy_server", "npm_registry", "rubygems_server",
    "cargo_registry", "composer_repository", "docker_registry", "git_source", "helm_registry",
    "hex_organization", "hex_repository", "pub_repository", "python_index", "terraform_registry",
}  # fmt: skip
VISIBILITIES = {"all", "private", "selected"}
AUTH_TYPES = {
    "token",
    "username_password",
    "oidc_azure",
    "oidc_aws",
    "oidc_jfrog",
    "oidc_cloudsmith",
    "oidc_gcp",
}
CONFIG = {  # variable -> its environment variable
    "token": "GITHUB_TOKEN",
    "baseUrl": "GITHUB_BASE_URL",
    "owner": "GITHUB_OWNER",
    "writeDelayMs": "GITHUB_WRITE_DELAY_MS",
    "maxConcurrency": "GITHUB_PRIVATE_REGISTRY_MAX_CONCURRENCY",
    "maxRetryWait": "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT",
    "requestTimeout": "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT",
}
REQUIRED_BY_THE_PLUGIN = {"pulumi", "requests", "pynacl", "urllib3"}


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(package.SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def _resource(committed: Mapping[str, Any]) -> Mapping[str, Any]:
    resource: Mapping[str, Any] = committed["resources"][RESOURCE]
    return resource


def _resolve(committed: Mapping[str, Any], spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """A property's type: the type it refers to, or itself."""
    ref = spec.get("$ref")
    if ref is None:
        return spec
    assert ref.startswith("#/types/"), ref
    resolved: Mapping[str, Any] = committed["types"][ref.removeprefix("#/types/")]
    return resolved


def _enum(committed: Mapping[str, Any], spec: Mapping[str, Any]) -> set[str]:
    return {entry["value"] for entry in _resolve(committed, spec)["enum"]}


def _normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them: ``PyNaCl`` -> ``pynacl``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    assert match, line
    return _normalized(match.group(1))


def _pyproject_project() -> tuple[str, list[str]]:
    """The project's version and ``[project]``'s dependencies in pyproject.toml.

    The version is ``__version__`` (pyproject.toml reads it from there: tests/release/test_packaging.py).
    """
    from pulumi_github_private_registry import __version__

    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        project = tomllib.loads(text)["project"]
        return __version__, [str(d) for d in project["dependencies"]]
    # Python 3.10 has no TOML parser: the key as this pyproject.toml writes it.
    section = re.search(r"^\[project\]\n(.*?)(?=^\[)", text, re.M | re.S)
    assert section, "pyproject.toml has no [project] table"
    dependencies = re.search(r"^dependencies\s*=\s*(\[.*?^\])", section.group(1), re.M | re.S)
    assert dependencies
    return __version__, list(ast.literal_eval(dependencies.group(1)))


def _requirements() -> list[str]:
    lines = (PROVIDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


# --- the committed schema ---------------------------------------------------------------------


def test_the_committed_schema_is_the_generated_one(committed: dict[str, Any]) -> None:
    assert package.SCHEMA_PATH.read_text(encoding="utf-8") == package.schema_text(), (
        f"{package.SCHEMA_PATH.relative_to(REPO)} is stale: regenerate it with `{REGENERATE}` "
        "(from the repository's virtualenv) and commit the result"
    )
    assert committed == package.package_schema()


def _validator() -> Any:
    from jsonschema import Draft202012Validator

    # The metaschema's version patterns name their groups Go's way, `(?<major>...)`; Python's `re`
    # (which jsonschema uses for "pattern") spells a named group `(?P<major>...)`. The translation
    # changes no match. Nothing else in the metaschema starts with `(?<` (no lookbehind).
    text = METASCHEMA.read_text(encoding="utf-8").replace("(?<", "(?P<")
    metaschema = json.loads(text)
    Draft202012Validator.check_schema(metaschema)
    return Draft202012Validator(metaschema)


def test_the_schema_is_valid_by_pulumis_package_metaschema(committed: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(committed), key=lambda e: list(e.absolute_path))

    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda s: s.update(name="Github Private Registry"), id="package-name"),
        pytest.param(lambda s: s.update(version="one"), id="version"),
        pytest.param(lambda s: s["resources"].update({"OrgPrivateRegistry": {}}), id="resource-token"),
        pytest.param(lambda s: s["resources"][RESOURCE]["properties"]["url"].update(type="text"), id="type"),
    ],
)
def test_the_metaschema_would_catch_a_broken_schema(committed: dict[str, Any], breakage: Any) -> None:
    """The validation above is not vacuous: the translated metaschema still rejects what it should."""
    broken = json.loads(json.dumps(committed))
    breakage(broken)

    assert list(_validator().iter_errors(broken))


# --- the pinned interface ---------------------------------------------------------------------


def test_the_package_names_its_resource_and_function_and_the_projects_version(
    committed: dict[str, Any],
) -> None:
    version, _ = _pyproject_project()

    assert committed["name"] == PACKAGE == package.PACKAGE
    assert set(committed["resources"]) == {RESOURCE} and package.RESOURCE == RESOURCE
    assert set(committed["functions"]) == {FUNCTION} and package.FUNCTION == FUNCTION
    assert committed["version"] == version


def test_every_pinned_property_is_an_input_and_an_output(committed: dict[str, Any]) -> None:
    resource = _resource(committed)

    assert set(INPUTS) <= set(resource["inputProperties"])
    assert {*INPUTS, *OUTPUTS_ONLY} <= set(resource["properties"])
    assert set(resource["inputProperties"]) <= set(resource["properties"])
    assert set(resource["requiredInputs"]) <= set(INPUTS)
    assert set(resource["required"]) <= set(resource["properties"])
    assert "org" not in resource["requiredInputs"]  # it defaults to the provider's owner


def test_the_value_and_its_ciphertext_are_secret_in_and_out(committed: dict[str, Any]) -> None:
    resource = _resource(committed)
    secret_inputs = {k for k, v in resource["inputProperties"].items() if v.get("secret")}
    secret_outputs = {k for k, v in resource["properties"].items() if v.get("secret")}

    assert {"value", "valueEncrypted"} <= secret_inputs
    assert {"value", "valueEncrypted"} <= secret_outputs
    assert resource["inputProperties"]["value"]["type"] == "string"


def test_the_defaults(committed: dict[str, Any]) -> None:
    inputs = _resource(committed)["inputProperties"]

    assert inputs["authType"]["default"] == "token"
    assert inputs["replacesBase"] == {**inputs["replacesBase"], "type": "boolean", "default": False}
    assert inputs["adopt"] == {**inputs["adopt"], "type": "boolean", "default": False}
    assert inputs["selectedRepositoryIds"]["items"] == {"type": "integer"}


def test_the_enums(committed: dict[str, Any]) -> None:
    inputs = _resource(committed)["inputProperties"]

    assert _enum(committed, inputs["registryType"]) == REGISTRY_TYPES == set(schema.REGISTRY_TYPES)
    assert len(REGISTRY_TYPES) == 15
    assert _enum(committed, inputs["visibility"]) == VISIBILITIES
    assert _enum(committed, inputs["authType"]) == AUTH_TYPES


def test_what_gitHub_cannot_change_in_place_replaces(committed: dict[str, Any]) -> None:
    inputs = _resource(committed)["inputProperties"]

    assert {k for k, v in inputs.items() if v.get("replaceOnChanges")} >= {"org", "registryType", "authType"}


@pytest.mark.parametrize("where", ["config", "provider"])
def test_the_configuration_variables_and_their_environment_variables(
    committed: dict[str, Any], where: str
) -> None:
    variables = (
        committed["config"]["variables"] if where == "config" else committed["provider"]["inputProperties"]
    )

    assert set(CONFIG) <= set(variables)
    for name, env in CONFIG.items():
        assert variables[name]["defaultInfo"]["environment"] == [env], name
    assert variables["token"]["secret"] is True
    assert (
        variables["token"]["type"] == variables["baseUrl"]["type"] == variables["owner"]["type"] == "string"
    )
    assert variables["maxConcurrency"]["type"] == "integer"
    assert {variables[n]["type"] for n in ("writeDelayMs", "maxRetryWait", "requestTimeout")} <= {
        "integer",
        "number",
    }


def test_the_function_takes_an_optional_org_and_lists_registries_without_their_value(
    committed: dict[str, Any],
) -> None:
    function = committed["functions"][FUNCTION]
    registries = function["outputs"]["properties"]["registries"]
    record = _resolve(committed, registries["items"])

    assert set(function["inputs"]["properties"]) == {"org"}
    assert "org" not in function["inputs"].get("required", [])
    assert registries["type"] == "array" and "registries" in function["outputs"]["required"]
    assert {"id", "name", "registryType", "url", "visibility", "authType", "createdAt", "updatedAt"} <= set(
        record["properties"]
    )
    assert not {"value", "valueEncrypted", "keyId", "adopt"} & set(record["properties"])


# --- the folder -------------------------------------------------------------------------------


def test_the_folder_is_a_python_plugin() -> None:
    runtime = yaml.safe_load((PROVIDER / "PulumiPlugin.yaml").read_text(encoding="utf-8"))["runtime"]
    assert runtime["name"] == "python"  # the rest: tests/release/test_plugin_project.py
    assert (PROVIDER / "__main__.py").is_file()


def test_the_requirements_are_the_projects_own_dependency_lines() -> None:
    _, dependencies = _pyproject_project()
    requirements = _requirements()
    # pulumi's line is the plugin's tested range, within the door's: tests/release/test_plugin_sdk_range.py.
    others = [line for line in requirements if _requirement_name(line) != "pulumi"]

    assert [line for line in others if line not in dependencies] == [], (
        "every line of provider/requirements.txt must be one of pyproject.toml's [project].dependencies, "
        "verbatim"
    )
    assert {_requirement_name(line) for line in requirements} >= REQUIRED_BY_THE_PLUGIN


def _third_party_imports() -> dict[str, set[str]]:
    """The top-level modules the plugin's code imports (at any depth) that are neither ours nor stdlib."""
    files = [
        PROVIDER / "__main__.py",
        OURS / "__init__.py",
        *OURS.glob("plugin/*.py"),
        *OURS.glob("core/*.py"),
    ]
    modules: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top != "pulumi_github_private_registry":
                    modules.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return modules


def test_the_requirements_name_exactly_the_distributions_the_plugins_code_imports() -> None:
    """The plugin runs in a virtualenv of requirements.txt alone: a module it imports must come from one."""
    distributions = importlib.metadata.packages_distributions()
    imported = _third_party_imports()
    by_distribution: dict[str, set[str]] = {}
    for module, files in imported.items():
        for distribution in distributions.get(module, [f"<no distribution installed for {module}>"]):
            by_distribution.setdefault(_normalized(distribution), set()).update(files)
    named = {_requirement_name(line) for line in _requirements()}
    # What a named distribution requires is installed with it: grpcio comes with pulumi, whose
    # server the plugin runs on.
    provided = set(named)
    for name in named:
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                provided.add(_normalized(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]))

    missing = {d: sorted(files) for d, files in by_distribution.items() if d not in provided}
    assert not missing, f"imported by the plugin's code but not in provider/requirements.txt: {missing}"
    assert named <= set(by_distribution), f"named but not imported: {named - set(by_distribution)}"


def _clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {k: v for k, v in env.items() if not k.startswith(("GITHUB_", "PULUMI_"))}


def _first_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The first line the process writes to stdout, or what it said on stderr if it wrote none."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = ""
    if not line:
        process.kill()
        _, err = process.communicate(timeout=30)
        pytest.fail(f"no port on stdout within {timeout} s; stderr:\n{err}")
    return line


@contextmanager
def _serving(command: list[str], cwd: Path) -> Iterator[int]:
    """Start the plugin; yield the port of its first stdout line once a connection to it succeeds."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=_clean_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(process)
        assert re.fullmatch(r"\d+\n", line), f"the first line is not a port: {line!r}"
        port = int(line)
        assert 0 < port < 65536
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass  # it serves on that port
        yield port
    finally:
        process.kill()
        process.communicate(timeout=30)


@pytest.mark.slow
def test_the_entry_point_prints_its_port_first_from_a_clean_environment(tmp_path: Path) -> None:
    """`python provider/__main__.py ENGINE`, started from elsewhere with no PYTHONPATH."""
    with _serving([sys.executable, str(PROVIDER / "__main__.py"), "127.0.0.1:1"], tmp_path) as port:
        assert port > 0


@pytest.mark.slow
def test_the_folder_runs_as_the_pulumi_cli_runs_it(tmp_path: Path) -> None:
    """The CLI's Python host runs `python <plugin folder> ENGINE` for a folder with a __main__.py."""
    with _serving([sys.executable, str(PROVIDER), "127.0.0.1:1"], tmp_path) as port:
        assert port > 0


@pytest.fixture(scope="module")
def requirements_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv that sees this one's site-packages but not the project's editable install.

    Like the plugin's own virtualenv (requirements.txt installed, the project not): a path line in
    a .pth file adds the directory without reading the .pth files inside it, and the editable
    install is one of those.
    """
    venv = tmp_path_factory.mktemp("plugin-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "outer-site-packages.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return python


@pytest.mark.slow
def test_the_folder_runs_the_code_beside_it_where_the_project_is_not_installed(
    requirements_only_python: Path, tmp_path: Path
) -> None:
    probe = subprocess.run(
        [str(requirements_only_python), "-c", "import pulumi, requests, nacl, urllib3; "
         "import pulumi_github_private_registry"],
        cwd=tmp_path,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert "No module named 'pulumi_github_private_registry'" in probe.stderr, probe.stderr

    with _serving([str(requirements_only_python), str(PROVIDER), "127.0.0.1:1"], tmp_path) as port:
        assert port > 0


# --- the Pulumi CLI ---------------------------------------------------------------------------

needs_pulumi = pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); these tests run "
    "`pulumi package` and `pulumi import` on the plugin folder",
)

TOKEN = "test-token"


@pytest.fixture
def plugin_folder(tmp_path: Path) -> Path:
    """A copy of provider/ whose PulumiPlugin.yaml names a virtualenv that already has its requirements.

    The real PulumiPlugin.yaml (checked above) lets the CLI make a `venv` inside the folder and
    install requirements.txt from PyPI; the copy spares the tests that download and keeps the
    repository's folder as it is. The virtualenv is made with pip (the CLI installs requirements.txt
    with it, all already satisfied) and sees this one's site-packages, not the project.
    """
    venv = tmp_path / "plugin-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    (Path(site) / "outer-site-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    folder = tmp_path / "provider"
    shutil.copytree(
        PROVIDER, folder, ignore=shutil.ignore_patterns("__pycache__", "venv", ".venv", "*.egg-info")
    )
    (folder / "PulumiPlugin.yaml").write_text(
        yaml.safe_dump(
            {"runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(venv)}}}
        )
    )
    return folder


def _pulumi_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return {
        **_clean_environment(),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": "plugin-tests",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        **extra,
    }


def _pulumi(cwd: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["pulumi", *args, "--non-interactive"],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _yaml_project(tmp_path: Path, plugin: Path | None = None) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    spec: dict[str, Any] = {"name": "plugin-test", "runtime": "yaml"}
    if plugin is not None:
        spec["plugins"] = {"providers": [{"name": PACKAGE, "path": str(plugin)}]}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(spec))
    return project


@needs_pulumi
@pytest.mark.cli
@pytest.mark.timeout(900)
def test_pulumi_package_add_loads_the_folder_and_its_sdks_generate(
    plugin_folder: Path, tmp_path: Path
) -> None:
    """What `pulumi package add ./provider` does: run the folder for its schema, then generate SDKs.

    The project is a YAML one, which needs no SDK; the SDKs are generated with `pulumi package
    gen-sdk`, the generator `package add` runs in a TypeScript or Python project before it installs
    the result with that language's package manager (which would need the network).
    """
    env = _pulumi_env(tmp_path)
    project = _yaml_project(tmp_path)

    served = json.loads(_pulumi(project, env, "package", "get-schema", str(plugin_folder)).stdout)
    _pulumi(project, env, "package", "add", str(plugin_folder))
    python_sdk, nodejs_sdk = tmp_path / "sdk-python", tmp_path / "sdk-nodejs"
    for language, out in (("python", python_sdk), ("nodejs", nodejs_sdk)):
        _pulumi(
            project, env, "package", "gen-sdk", f"{plugin_folder}", "--language", language, "--out", f"{out}"
        )

    assert served == package.package_schema()
    assert PACKAGE in (project / "Pulumi.yaml").read_text()
    python_files = {p.name for p in python_sdk.rglob("*.py")}
    assert {"org_private_registry.py", "get_org_private_registries.py"} <= python_files
    resource_py = next(python_sdk.rglob("org_private_registry.py")).read_text()
    assert "selected_repository_ids" in resource_py and "value_encrypted" in resource_py
    nodejs_files = {p.name for p in nodejs_sdk.rglob("*.ts")}
    assert {"orgPrivateRegistry.ts", "getOrgPrivateRegistries.ts"} <= nodejs_files
    assert "selectedRepositoryIds" in next(nodejs_sdk.rglob("orgPrivateRegistry.ts")).read_text()


@needs_pulumi
@pytest.mark.cli
@pytest.mark.timeout(900)
def test_pulumi_import_takes_a_registry_by_id_and_discovers_file_without_a_write(
    plugin_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pulumi import TYPE NAME ORG/NAME` and `pulumi import --file` of `discover --format import`."""
    with Emulator(token=TOKEN) as emulator:
        emulator.put_registry(
            "acme",
            registry_type="npm_registry",
            url="https://npm.pkg.github.com/acme",
            visibility="private",
            value="npm-import-canary-5150",
        )
        emulator.put_registry(
            "acme",
            registry_type="docker_registry",
            url="https://acme.jfrog.io",
            visibility="all",
            auth_type="oidc_jfrog",
            jfrog_oidc_provider_name="github-acme",
        )
        env = _pulumi_env(
            tmp_path, GITHUB_TOKEN=TOKEN, GITHUB_BASE_URL=emulator.base_url, GITHUB_WRITE_DELAY_MS="0"
        )
        project = _yaml_project(tmp_path, plugin_folder)
        _pulumi(project, env, "stack", "init", "test")
        code = tmp_path / "imported.yaml"

        _pulumi(
            project, env, "import", RESOURCE, "npm", "acme/NPM_REGISTRY_SECRET", "--yes", "--out", str(code)
        )
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        status = cli.main(
            ["discover", "--org", "acme", "--base-url", emulator.base_url, "--format", "import"]
        )
        document = json.loads(capsys.readouterr().out)
        document["resources"] = [r for r in document["resources"] if r["id"] != "acme/NPM_REGISTRY_SECRET"]
        (tmp_path / "import.json").write_text(json.dumps(document))
        _pulumi(project, env, "import", "--file", str(tmp_path / "import.json"), "--yes")
        state = json.loads(_pulumi(project, env, "stack", "export", "--show-secrets").stdout)
        writes = [(r.method, r.path) for r in emulator.requests if r.method != "GET"]

    assert status == 0
    imported = {r["id"]: r for r in state["deployment"]["resources"] if r["type"] == RESOURCE}
    assert set(imported) == {"acme/NPM_REGISTRY_SECRET", "acme/DOCKER_REGISTRY_SECRET"}
    npm = imported["acme/NPM_REGISTRY_SECRET"]
    assert npm["outputs"]["registryType"] == "npm_registry"
    assert npm["outputs"]["url"] == "https://npm.pkg.github.com/acme"
    assert "value" not in npm["outputs"] and "value" not in npm.get("inputs", {})  # GitHub never returns it
    assert imported["acme/DOCKER_REGISTRY_SECRET"]["outputs"]["jfrogOidcProviderName"] == "github-acme"
    assert "npm-import-canary-5150" not in json.dumps(state)
    assert RESOURCE in code.read_text()
    assert writes == []


# --- docs/plugin.md's examples -----------------------------------------------------------------

TO_CORE = {f.camel: f.name for f in schema.FIELDS}


def _section(title: str, page: str = "docs/plugin.md") -> str:
    text = (REPO / page).read_text(encoding="utf-8")
    section = text.split(f"\n## {title}\n", 1)[1]
    return section.split("\n## ", 1)[0]


def _code_block(section: str, language: str) -> str:
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def _declaration_problems(props: Mapping[str, Any], default_org: str | None) -> list[str]:
    """The core's checks on a camelCase declaration, as the plugin runs them."""
    declaration = {TO_CORE.get(k, k): v for k, v in props.items()}
    return [
        f"{p.field}: {schema.render(p, DYNAMIC)}"
        for p in schema.declaration_problems(declaration, default_org=default_org)
    ]


def test_the_docs_yaml_example_declares_valid_registries(committed: dict[str, Any]) -> None:
    program = yaml.safe_load(_code_block(_section("Pulumi YAML"), "yaml"))
    resources = program["resources"]
    providers = {
        name: r["properties"] for name, r in resources.items() if r["type"] == f"pulumi:providers:{PACKAGE}"
    }
    registries = {name: r for name, r in resources.items() if r["type"] == RESOURCE}
    inputs = set(_resource(committed)["inputProperties"])

    assert providers and registries
    assert all(set(p) <= set(committed["provider"]["inputProperties"]) for p in providers.values())
    for name, registry in registries.items():
        props = {
            k: ("sealed-elsewhere" if str(v).startswith("${") else v)
            for k, v in registry["properties"].items()
        }
        provider = registry.get("options", {}).get("provider", "${}")[2:-1]
        assert set(props) <= inputs, name
        assert _declaration_problems(props, providers.get(provider, {}).get("owner")) == [], name
    assert program["variables"]["existing"]["fn::invoke"]["function"] == FUNCTION
    assert all(program["config"][k]["secret"] is True for k in program["config"])


def _typescript_objects(code: str, constructor: str) -> list[dict[str, Any]]:
    """The object literals given to ``new registries.<constructor>(name, {...})``, values as JSON where
    they are literals and as a stand-in string where they are expressions (a secret)."""
    objects = []
    for chunk in code.split(f"new registries.{constructor}(")[1:]:
        body = chunk.split("{", 1)[1].split("}", 1)[0]
        props: dict[str, Any] = {}
        for line in body.splitlines():
            match = re.match(r"^\s*(\w+): (.*?),?$", line)
            if match:
                try:
                    props[match.group(1)] = json.loads(match.group(2))
                except json.JSONDecodeError:
                    props[match.group(1)] = "an-expression"
        objects.append(props)
    return objects


def test_the_docs_typescript_example_declares_valid_registries(committed: dict[str, Any]) -> None:
    code = _code_block(_section("TypeScript"), "typescript")
    registries = _typescript_objects(code, "OrgPrivateRegistry")
    providers = _typescript_objects(code, "Provider")
    inputs = set(_resource(committed)["inputProperties"])

    assert len(registries) == 3 and len(providers) == 1
    assert set(providers[0]) <= set(committed["provider"]["inputProperties"])
    for props in registries:
        assert set(props) <= inputs, props
        assert _declaration_problems(props, providers[0]["owner"]) == [], props
    assert "getOrgPrivateRegistriesOutput" in code and "{ provider: labs }" in code


def test_the_docs_table_of_the_plugins_configuration_is_the_schemas(committed: dict[str, Any]) -> None:
    # The generated table's "Key: plugin" and "Environment variable" columns (docs/configuration.md).
    rows = re.findall(
        r"^\| [^|]+ \| `github-private-registry:(\w+)`( \(secret\))? \| `(\w+)` \|",
        _section("Configuration keys", "docs/configuration.md"),
        re.M,
    )
    variables = committed["config"]["variables"]

    assert CONFIG.items() <= {name: env for name, _, env in rows}.items()
    for name, secret, env in rows:
        assert variables[name]["defaultInfo"]["environment"] == [env]
        assert bool(secret) == bool(variables[name].get("secret")), name


def test_the_docs_import_commands_name_the_resource_and_the_discover_format() -> None:
    section = _section("Importing registries")

    assert f"pulumi import {RESOURCE} npm acme-corp/NPM_REGISTRY_SECRET" in section
    assert "discover --org acme-corp --format import > registries.json" in section
    assert "pulumi import --file registries.json" in section
    assert set(discovery.FORMATS) == {"config", "import"}
