"""The package as a user gets it: a wheel, installed into a fresh virtualenv, used by a program elsewhere.

Once per module: the sources are copied to a temporary folder (so the checkout is left as it was and
nothing unshipped can leak in) and built with ``python -m build`` (sdist, then the wheel from the
sdist, as CI does; ``pip wheel`` if ``build`` is missing). A virtualenv is made without pip and the
wheel is installed into it by the project's ``requirements.txt``, as ``pulumi install`` does. Its
dependencies are this environment's (a ``.pth`` line naming our site-packages, which adds the folder
but runs none of its ``.pth`` files, so the editable install of the checkout stays out of sight): the
test stays fast and offline, and the wheel's own dependency list is compared with pyproject.toml's.

The Pulumi project lives in a temporary folder outside the repository: its own ``Pulumi.yaml``, a
``requirements.txt`` naming the wheel, and as ``__main__.py`` the README's quick-start program. It runs
under ``pulumi.runtime.set_mocks`` with the virtualenv's interpreter, and the ``__provider`` it
registered is served by that interpreter's provider host (``python -u -m pulumi.dynamic``, as the
CLI runs it) with nothing of the checkout on its path: Check and Create against the emulator.
"""

from __future__ import annotations

import email.parser
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from pulumi.runtime import rpc

import provider_host
from provider_host import ProviderHost
from pulumi_github_private_registry import __version__
from pulumi_github_private_registry.emulator import Emulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REPO: Final = Path(__file__).resolve().parents[2]
PACKAGE: Final = "pulumi_github_private_registry"
DISTRIBUTION: Final = "pulumi-github-private-registry"
WHEEL_NAME: Final = f"{PACKAGE}-{__version__}-py3-none-any.whl"
SDIST_NAME: Final = f"{PACKAGE}-{__version__}.tar.gz"
# Files a user's install needs besides the modules: the plugin's schema (served by the plugin and read
# by `discover --format import`), the emulator's OpenAPI document, the typing marker, and the marker
# that stops the Pulumi CLI from looking for a plugin named after the package.
DATA_FILES: Final = (
    f"{PACKAGE}/plugin/schema.json",
    f"{PACKAGE}/emulator/private-registries.openapi.json",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/pulumi-plugin.json",
)
RESOURCE_TYPE: Final = "pulumi-python:dynamic/github:OrgPrivateRegistry"
PROJECT_NAME: Final = "org-registries"
NPM_TOKEN: Final = "npm-token-from-the-wheel-5c1d"
TOKEN: Final = "test-token"  # what the emulator fixture accepts
BUILD_TIMEOUT: Final = 240


def _quiet(args: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Run a command; its stdout, or a failure that shows both streams."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _outside_env() -> dict[str, str]:
    """This environment without what would point a child at the checkout or at a real stack or GitHub."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PULUMI_CONFIG", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("GITHUB_")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _normalized(requirement: str) -> str:
    """A requirement as packaging would print it, enough to compare pyproject.toml with METADATA."""
    from packaging.requirements import Requirement

    return str(Requirement(requirement))


@dataclass(frozen=True)
class Built:
    wheel: Path
    sdist: Path | None  # None when built with `pip wheel` (no `build` installed)
    seconds: float


@dataclass(frozen=True)
class Venv:
    root: Path
    python: Path
    site_packages: Path
    project: Path
    seconds: float

    def bin(self, name: str) -> Path:
        return self.python.parent / name


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "CONTRIBUTING.md", "MANIFEST.in"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "docs", source / "docs")
    shutil.copytree(
        REPO / "provider",
        source / "provider",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc", "venv", ".venv"),
    )
    dist = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    if importlib.util.find_spec("build") is not None:
        _quiet([sys.executable, "-m", "build", "--outdir", str(dist), str(source)])
    else:
        _quiet([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)])
    seconds = time.perf_counter() - started
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [WHEEL_NAME]
    return Built(wheels[0], sdists[0] if sdists else None, seconds)


def _readme_quick_start() -> str:
    """The program of the README's "Quick start: a Python program of your own" (a ```python block in a
    list)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quick start: a Python program of your own\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"^( *)```python\n(.*?)^\1```", section, re.M | re.S)
    assert match, "the quick start has no ```python block"
    return textwrap.dedent(match.group(2))


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    root = tmp_path_factory.mktemp("outside")
    assert REPO not in root.parents
    started = time.perf_counter()
    _quiet([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")])
    python = root / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = _outside_env()
    site = Path(
        _quiet(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env
        ).strip()
    )
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    assert str(REPO / "provider") not in ours
    (site / "_test_environment_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")

    project = root / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"name: {PROJECT_NAME}\n"
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: ../venv\n",
        encoding="utf-8",
    )
    (project / "requirements.txt").write_text(f"{DISTRIBUTION} @ {built.wheel.as_uri()}\n", encoding="utf-8")
    (project / "__main__.py").write_text(_readme_quick_start(), encoding="utf-8")
    # What `pulumi install` does with the project's requirements.txt, with pip from outside the
    # virtualenv (which has none) and without the dependencies (they are ours, above).
    _quiet(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
        cwd=project,
        env=env,
    )
    return Venv(root, python, site, project, time.perf_counter() - started)


# --- the version, in one place ---------------------------------------------------------------------


def test_the_version_is_written_once_and_pyproject_reads_it() -> None:
    init = (REPO / "provider" / PACKAGE / "core" / "version.py").read_text(encoding="utf-8")
    assert re.findall(r'^__version__ = "([^"]+)"$', init, re.M) == [__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert not re.search(r"^version\s*=", pyproject.split("\n[", 2)[1], re.M), "[project] names no version"
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.M)
    assert re.search(
        r"^\[tool\.setuptools\.dynamic\]\n"
        r'version = \{ attr = "pulumi_github_private_registry\.core\.version\.__version__" \}$',
        pyproject,
        re.M,
    )


def test_the_changelog_starts_with_this_version() -> None:
    changelog = (REPO / "provider" / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## (\d+\.\d+\.\d+)\b", changelog, re.M)
    assert versions[:1] == [__version__], "provider/CHANGELOG.md's newest entry is the package's version"
    assert "0.1.0" in versions
    assert "](provider/CHANGELOG.md)" in (REPO / "README.md").read_text(encoding="utf-8")


# --- what was built ---------------------------------------------------------------------------------


def test_the_wheel_holds_the_package_its_data_and_metadata(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = email.parser.Parser().parsestr(
            wheel.read(f"{PACKAGE}-{__version__}.dist-info/METADATA").decode()
        )
        entry_points = wheel.read(f"{PACKAGE}-{__version__}.dist-info/entry_points.txt").decode()
        schema = json.loads(wheel.read(f"{PACKAGE}/plugin/schema.json"))

    assert set(DATA_FILES) <= names
    assert f"{PACKAGE}/provider.py" in names and f"{PACKAGE}/core/lifecycle.py" in names
    assert not [n for n in names if n.startswith(("tests/", "stacks/")) or "__pycache__" in n]
    assert metadata["Name"] == DISTRIBUTION and metadata["Version"] == __version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert schema["version"] == __version__, "regenerate plugin/schema.json after a version change"
    assert "pulumi-github-private-registry = pulumi_github_private_registry.tools.cli:main" in entry_points

    if sys.version_info >= (3, 11):
        import tomllib

        declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        runtime = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
        assert sorted(map(_normalized, runtime)) == sorted(map(_normalized, declared["dependencies"]))


def test_the_sdist_holds_what_the_wheel_is_built_from(built: Built) -> None:
    if built.sdist is None:
        pytest.skip("built with `pip wheel`: the `build` package (dev extra) makes the sdist")
    assert built.sdist.name == SDIST_NAME
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= names
    assert {"CONTRIBUTING.md", "docs/configuration.md", "docs/python.md"} <= names, (
        "the docs the README links"
    )
    assert {f"provider/{name}" for name in DATA_FILES} <= names


def test_twine_check_passes(built: Built) -> None:
    if importlib.util.find_spec("twine") is None:
        pytest.skip("twine is not installed (the dev extra installs it)")
    files = [str(built.wheel), *([str(built.sdist)] if built.sdist else [])]
    out = _quiet([sys.executable, "-m", "twine", "check", "--strict", *files])
    assert out.count("PASSED") == len(files)


# --- installed into a fresh virtualenv ----------------------------------------------------------------

_WHERE_FROM: Final = """
import importlib.metadata, json, sys
import pulumi_github_private_registry as package
from pulumi_github_private_registry.emulator.contract import openapi, SPEC_PATH
from pulumi_github_private_registry.plugin.package import SCHEMA_PATH
distribution = importlib.metadata.distribution("pulumi-github-private-registry")
print(json.dumps({
    "file": package.__file__,
    "version": package.__version__,
    "metadata_version": distribution.version,
    "direct_url": json.loads(distribution.read_text("direct_url.json") or "{}").get("url"),
    "path": sys.path,
    "prefix": sys.prefix,
    "schema_version": json.loads(SCHEMA_PATH.read_text())["version"],
    "openapi_paths": len(openapi()["paths"]),
}))
"""


def test_the_wheel_installs_into_a_fresh_virtualenv_and_is_imported_from_there(
    venv: Venv, built: Built
) -> None:
    found = json.loads(_quiet([str(venv.python), "-c", _WHERE_FROM], cwd=venv.project, env=_outside_env()))

    assert Path(found["file"]).is_relative_to(venv.site_packages), found["file"]
    assert not any(Path(p).resolve() == (REPO / "provider") for p in found["path"] if p)
    assert Path(found["prefix"]) == venv.root / "venv"
    assert found["version"] == found["metadata_version"] == found["schema_version"] == __version__
    assert found["direct_url"] == built.wheel.as_uri(), "installed from the wheel requirements.txt names"
    assert found["openapi_paths"] > 0  # the emulator's OpenAPI document came with the wheel
    # The console script the wheel declares, as a user types it in the activated virtualenv.
    script = venv.bin("pulumi-github-private-registry")
    help_text = _quiet([str(script), "validate", "--help"], cwd=venv.project, env=_outside_env())
    assert "FILE" in help_text


# --- a Pulumi program outside the repository ------------------------------------------------------------

_RUN_UNDER_MOCKS: Final = '''
"""Run the Pulumi program of the working directory under set_mocks and write what it registered."""
import json
import runpy
import sys
from pathlib import Path

import pulumi
import yaml
from pulumi.runtime import Mocks, set_mocks

out, config = sys.argv[1], json.loads(sys.argv[2])
project = yaml.safe_load(Path("Pulumi.yaml").read_text())["name"]


class Recorder(Mocks):
    def __init__(self):
        self.resources = []

    def new_resource(self, args):
        self.resources.append({"type": args.typ, "name": args.name, "inputs": args.inputs})
        return f"{args.name}-id", dict(args.inputs, name="NPM_REGISTRY_SECRET")

    def call(self, args):
        return {}, None


recorder = Recorder()
set_mocks(recorder, project=project, stack="dev", preview=False)
for key, value in config.items():
    pulumi.runtime.set_config(f"{project}:{key}", value)


@pulumi.runtime.test
def program():
    runpy.run_path("__main__.py", run_name="__main__")


program()
import pulumi_github_private_registry

registered = {"package": pulumi_github_private_registry.__file__, "resources": recorder.resources}
Path(out).write_text(json.dumps(registered))
'''


@pytest.fixture(scope="module")
def program_run(venv: Venv) -> dict[str, Any]:
    runner = venv.root / "run_under_mocks.py"  # beside the project, not in it
    runner.write_text(_RUN_UNDER_MOCKS, encoding="utf-8")
    out = venv.root / "registered.json"
    _quiet(
        [str(venv.python), str(runner), str(out), json.dumps({"npmToken": NPM_TOKEN})],
        cwd=venv.project,
        env=_outside_env(),
    )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _unwrapped(value: Any) -> Any:
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return value["value"]
    return value


def test_a_program_outside_the_repository_runs_under_mocks_with_the_installed_package(
    program_run: dict[str, Any], venv: Venv
) -> None:
    assert Path(program_run["package"]).is_relative_to(venv.site_packages)
    [registry] = [r for r in program_run["resources"] if r["type"] == RESOURCE_TYPE]
    inputs = registry["inputs"]

    assert registry["name"] == "npm"
    assert inputs["org"] == "acme-corp" and inputs["registry_type"] == "npm_registry"
    secret = {rpc._special_sig_key: rpc._special_secret_sig, "value": NPM_TOKEN}
    assert inputs["value"] == secret, "the value reaches the engine as a secret"
    # The provider travels as a base64 pickle (the SDK may wrap it as a secret).
    assert isinstance(_unwrapped(inputs["__provider"]), str) and _unwrapped(inputs["__provider"])


@pytest.fixture
def host_outside(monkeypatch: pytest.MonkeyPatch, venv: Venv) -> Iterator[type[ProviderHost]]:
    """ProviderHost as it is, but with nothing of the checkout on the child's PYTHONPATH."""
    monkeypatch.setattr(provider_host, "_CHILD_PYTHONPATH", ())
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    env = provider_host._child_env({})
    assert not env["PYTHONPATH"]
    # The host's interpreter, with the host's environment, finds the package in the virtualenv alone.
    found = json.loads(_quiet([str(venv.python), "-c", _WHERE_FROM], cwd=venv.root, env=env))
    assert Path(found["file"]).is_relative_to(venv.site_packages)
    yield ProviderHost


def test_the_installed_provider_serves_the_programs_registry_through_the_provider_host(
    program_run: dict[str, Any], venv: Venv, host_outside: type[ProviderHost], emulator: Emulator
) -> None:
    [registry] = [r for r in program_run["resources"] if r["type"] == RESOURCE_TYPE]
    blob = _unwrapped(registry["inputs"]["__provider"])
    news = {k: _unwrapped(v) for k, v in registry["inputs"].items() if k != "__provider"}

    with host_outside(provider_blob=blob, python=str(venv.python)) as host:
        host.configure(
            {"github:token": TOKEN, "github:baseUrl": emulator.base_url, "github:writeDelayMs": "0"},
            secret_keys=("github:token",),
        )
        checked = host.check(news)
        assert checked.failures == []
        id_, outputs = host.create(checked.inputs)

    assert id_ == "acme-corp/NPM_REGISTRY_SECRET"
    assert (
        outputs["name"] == "NPM_REGISTRY_SECRET" and outputs["url"] == "https://npm.pkg.github.com/acme-corp"
    )
    assert emulator.decrypted_value("acme-corp", "NPM_REGISTRY_SECRET") == NPM_TOKEN
    agents = {r.headers.get("User-Agent") for r in emulator.requests}
    assert agents == {f"pulumi-github-private-registry/{__version__}"}
