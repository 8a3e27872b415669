"""docs/plugin.md's "Moving a Python stack to the plugin" makes the plugin venv; the plugin runs in it.

A `plugins:` entry in `Pulumi.yaml` makes the CLI run the folder with `provider/venv`'s Python
(`PulumiPlugin.yaml`: `virtualenv: venv`), as the Python language host's RunPlugin does:
`venv/bin/python <folder> <engine address>`. Nothing but that page's step creates that virtualenv
(before `pulumi package add`), so the step runs here as written, in a copy of the folder, with the
machine's Python and the package index, and the plugin must then answer from it: from the folder's
own code and the virtualenv's dependencies, not this test environment's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest
import yaml

from hosted import REPO, child_env
from plugin_host import PluginHost
from pulumi_github_private_registry import __version__
from test_readme import ELSEWHERE, blocks

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

_KEY: Final = next(key for key, test in ELSEWHERE.items() if test == "tests/release/test_plugin_venv.py")
_CHECKOUT: Final = "/path/to/pulumi-github-private-registry"


class _FolderPlugin(PluginHost):
    """The plugin folder run as RunPlugin runs it, by the virtualenv's Python, with no PYTHONPATH of ours."""

    def __init__(self, venv_python: Path, folder: Path) -> None:
        super().__init__(python=str(venv_python))
        self.folder = folder

    def _command(self) -> list[str]:
        return [self._python, str(self.folder), self.engine_address]

    def _environment(self) -> dict[str, str]:
        env = child_env(self._env, ())
        env.pop("PYTHONPATH")
        env.pop("VIRTUAL_ENV", None)
        return env


@pytest.fixture(scope="module")
def plugin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout's copy after the page's step: provider/ with its venv made by the block as written."""
    (block,) = [b for b in blocks() if b.key == _KEY]
    checkout = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc", "venv", ".venv")
    shutil.copytree(REPO / "provider", checkout / "provider", ignore=ignore)
    script = block.text.replace(_CHECKOUT, str(checkout))
    python3 = shutil.which("python3")
    if python3 is None:
        pytest.skip("no python3 on PATH to make the plugin's virtualenv with, as docs/plugin.md says")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    said = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{script}\nexited {done.returncode}\n{said}"
    return checkout / "provider"


def test_the_plugin_folder_names_the_virtualenv_the_readme_makes() -> None:
    project = yaml.safe_load((REPO / "provider" / "PulumiPlugin.yaml").read_text(encoding="utf-8"))
    runtime = project["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["virtualenv"] == "venv"


def test_the_plugin_runs_from_the_virtualenv_the_readme_makes(plugin_folder: Path) -> None:
    venv_python = plugin_folder / "venv" / "bin" / "python"
    assert venv_python.exists(), "docs/plugin.md's step makes provider/venv"

    with _FolderPlugin(venv_python, plugin_folder) as plugin:
        version = plugin.get_plugin_info()
        schema = plugin.get_schema()
        where = subprocess.run(
            [str(venv_python), "-c", "import pulumi, nacl, jwt; print(pulumi.__file__)"],
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        ).stdout

    assert version == __version__
    assert '"name": "github-private-registry"' in schema or '"name":"github-private-registry"' in schema
    assert Path(where.strip()).is_relative_to(plugin_folder / "venv"), where
