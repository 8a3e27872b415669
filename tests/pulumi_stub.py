"""A stand-in for the Pulumi CLI, for tests/release/test_readme.py's scratch runs of the pages' shell blocks.

``python tests/pulumi_stub.py ARGS...`` stands for ``pulumi ARGS...``: it appends ``ARGS`` as one JSON
line to the file ``$PULUMI_STUB_LOG`` names (so the test sees each ``pulumi`` line ran, as written),
does what the pages' blocks need of it, and exits 0:

- ``stack init NAME`` and ``stack select NAME`` select the stack (kept beside the log);
- ``config set [--secret] KEY [VALUE]`` (``--stack NAME`` or the selected stack; the value from stdin
  when not given, as Pulumi reads it) writes the key into ``<stackConfigDir>/Pulumi.<stack>.yaml``, a
  secret as a ``secure:`` ciphertext, a key without a namespace in the project's (``Pulumi.yaml``);
- ``import --file FILE`` checks the file is Pulumi's import document (:func:`import_file_problem`),
  and exits 1 naming what is wrong when it is not.

Anything else (``preview``, ``up``) only is recorded. It deploys nothing and asks nothing of GitHub.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Final

import yaml

LOG_ENV: Final = "PULUMI_STUB_LOG"
"""The variable naming the file each call's arguments are appended to, one JSON list a line."""
CIPHERTEXT: Final = "v1:bm9uY2U=:Y2lwaGVy"
"""What a secret set here reads as in the stack file: a ``secure:`` value, never the secret."""

# Pulumi's import file (pkg/cmd/pulumi/operations/import.go: importFile, importSpec).
FILE_KEYS: Final = frozenset({"nameTable", "resources", "providerInputs"})
RESOURCE_KEYS: Final = frozenset(
    {
        "type",
        "name",
        "id",
        "parent",
        "provider",
        "version",
        "pluginDownloadUrl",
        "properties",
        "component",
        "remote",
        "inputs",
        "outputs",
        "logicalName",
        "parameterization",
        "extension",
    }
)


def import_file_problem(text: str) -> str | None:
    """Why ``text`` is not an import document ``pulumi import --file`` takes, or None.

    JSON, an object of Pulumi's keys, ``resources`` a non-empty list of objects of an import spec's
    keys, each with a ``pkg:module:Type`` type, a name unique in the file and an id.
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(document, dict) or not set(document) <= FILE_KEYS:
        return f"not an object of {sorted(FILE_KEYS)}"
    resources = document.get("resources")
    if not isinstance(resources, list) or not resources:
        return "no resources"
    names = set()
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not set(resource) <= RESOURCE_KEYS:
            return f"resources[{index}]: not an object of {sorted(RESOURCE_KEYS)}"
        kind, name, id_ = resource.get("type"), resource.get("name"), resource.get("id")
        if not isinstance(kind, str) or len(kind.split(":")) != 3 or not all(kind.split(":")):
            return f"resources[{index}]: the type is not pkg:module:Type"
        if not isinstance(name, str) or not name or name in names:
            return f"resources[{index}]: no name, or one another resource has"
        if not isinstance(id_, str) or not id_:
            return f"resources[{index}]: no id"
        names.add(name)
    return None


def _config_set(args: list[str], selected: Path) -> int:
    secret, stack, positional = False, None, []
    rest = iter(args)
    for arg in rest:
        if arg == "--secret":
            secret = True
        elif arg in ("--stack", "-s"):
            stack = next(rest, None)
        elif arg.startswith("-"):
            print(f"pulumi (stub): config set {arg}: not taken by the stub", file=sys.stderr)
            return 2
        else:
            positional.append(arg)
    if stack is None and selected.exists():
        stack = selected.read_text(encoding="utf-8")
    if stack is None or not 1 <= len(positional) <= 2:
        print("pulumi (stub): config set needs a selected stack and KEY [VALUE]", file=sys.stderr)
        return 1
    value = positional[1] if len(positional) == 2 else sys.stdin.read()
    project: dict[str, Any] = yaml.safe_load(Path("Pulumi.yaml").read_text(encoding="utf-8"))
    key = positional[0] if ":" in positional[0] else f"{project['name']}:{positional[0]}"
    path = Path(project.get("stackConfigDir") or ".") / f"Pulumi.{stack}.yaml"
    document = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    document.setdefault("config", {})[key] = {"secure": CIPHERTEXT} if secret else value
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return 0


def main(argv: list[str]) -> int:
    """Record ``argv`` and do what is said above; the exit status."""
    log = Path(os.environ[LOG_ENV])
    with log.open("a", encoding="utf-8") as calls:
        calls.write(json.dumps(argv) + "\n")
    selected = log.with_suffix(".stack")
    if argv[:2] in (["stack", "init"], ["stack", "select"]) and len(argv) == 3:
        selected.write_text(argv[2], encoding="utf-8")
    elif argv[:2] == ["config", "set"]:
        return _config_set(argv[2:], selected)
    elif argv[:1] == ["import"] and "--file" in argv[:-1]:
        problem = import_file_problem(Path(argv[argv.index("--file") + 1]).read_text(encoding="utf-8"))
        if problem:
            print(f"pulumi (stub): import --file: {problem}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
