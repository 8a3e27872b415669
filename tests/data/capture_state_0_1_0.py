"""Capture the state that version 0.1.0 writes into tests/data/state-0.1.0.json.

tests/release/test_state_0_1_0.py proves that stacks written by 0.1.0 keep working; it reads the JSON this
script wrote once and never runs the script. The JSON must come from the 0.1.0 code as released
(commit 3067d6d), not from the working tree, so the script runs against a separate checkout:

    git -C /work/main worktree add /tmp/v010 3067d6d
    .venv/bin/python tests/data/capture_state_0_1_0.py --tree /tmp/v010 --out tests/data/state-0.1.0.json
    git -C /work/main worktree remove /tmp/v010 --force

It puts ``TREE/provider`` and ``TREE/tests`` first on ``sys.path`` and refuses to run unless the
package, the emulator, the provider-host harness and the provider host's own process all import
from ``TREE``. It then starts 0.1.0's emulator and drives 0.1.0's provider host (``python -u -m
pulumi.dynamic``) with 0.1.0's ``ProviderHost``, Check then Create, as ``pulumi up`` does for a new
resource, for three registries: a ``token`` one with a plaintext ``value`` (npm, visibility
``selected``), a ``username_password`` one whose ``value_encrypted`` and ``key_id`` the user sealed
with the org's public key, and an ``oidc_azure`` one (no secret). Every secret is obviously fake.

What the JSON holds (see ``_document``): the ``__provider`` blob the SDK serialized, and per
resource its id, its declaration, its inputs after Check and its outputs after Create (numbers as
floats), as the engine stores them in state and hands them back to the provider; plus the record
GitHub held, for a test to seed a fresh emulator with the same registry. Timestamps, and the
ciphertexts sealed with the capture emulator's random key, differ on every run.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import importlib.metadata
import json
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from nacl.public import PublicKey, SealedBox

VERSION: Final = "0.1.0"
COMMIT: Final = "3067d6d0a805f3c821909e2abe9de06a31db045e"
ORG: Final = "acme"
TOKEN: Final = "capture-token"
NPM_TOKEN: Final = "fake-npm-token-for-state-test"
MAVEN_PASSWORD: Final = "fake-maven-password-for-state-test"

# What each resource's program declares (before Check). The npm one leaves `org` to github:owner.
DECLARED: Final[dict[str, dict[str, Any]]] = {
    "token": {
        "registry_type": "npm_registry",
        "url": "https://npm.pkg.github.com/acme",
        "visibility": "selected",
        "selected_repository_ids": [1296269, 1296280],
        "value": NPM_TOKEN,
    },
    "username_password": {
        "org": ORG,
        "registry_type": "maven_repository",
        "url": "https://maven.pkg.github.com/acme/",
        "visibility": "private",
        "auth_type": "username_password",
        "username": "fake-maven-user",
        "replaces_base": True,
        # value_encrypted and key_id: sealed by the user, below.
    },
    "oidc_azure": {
        "org": ORG,
        "registry_type": "docker_registry",
        "url": "https://fake-registry.azurecr.io",
        "visibility": "all",
        "auth_type": "oidc_azure",
        "tenant_id": "00000000-0000-4000-8000-00000000fa4e",
        "client_id": "00000000-0000-4000-8000-0000000c1e47",
    },
}
# The plaintext behind each registry's secret at GitHub (to seed an emulator), None without one.
PLAINTEXT: Final[dict[str, str | None]] = {
    "token": NPM_TOKEN,
    "username_password": MAVEN_PASSWORD,
    "oidc_azure": None,
}
# What the emulator stores but a create body cannot carry: the test seeds the rest.
_SERVER_FIELDS: Final = ("name", "created_at", "updated_at", "encrypted_value", "key_id")


def _use_tree(tree: Path) -> tuple[Any, Any, Any]:
    """Import 0.1.0's emulator, provider-host harness and provider from ``tree``; check where from."""
    sys.path[:0] = [str(tree / "provider"), str(tree / "tests")]
    package = importlib.import_module("pulumi_github_private_registry")
    emulator = importlib.import_module("pulumi_github_private_registry.emulator")
    harness = importlib.import_module("provider_host")
    provider = importlib.import_module("pulumi_github_private_registry.provider")
    for module in (package, emulator, harness, provider):
        if not Path(str(module.__file__)).resolve().is_relative_to(tree):
            raise SystemExit(f"{module.__name__} imports from {module.__file__}, not from {tree}")
    # The provider host is a child process: it must load the provider from the tree as well.
    child = subprocess.run(
        [sys.executable, "-c", "import pulumi_github_private_registry as p; print(p.__file__)"],
        env=harness._child_env({}),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(child).resolve().is_relative_to(tree):
        raise SystemExit(f"the provider host would import the package from {child}, not from {tree}")
    return emulator, harness, provider


def _check_tree(tree: Path) -> None:
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if head != COMMIT:
        raise SystemExit(f"{tree} is at {head}, not at {COMMIT} (version {VERSION})")
    if (tree / "provider" / "pulumi_github_private_registry" / "core").exists():
        raise SystemExit(f"{tree} is not the 0.1.0 layout")


def _seal(emu: Any, plaintext: str) -> dict[str, str]:
    """What a user does for value_encrypted: seal with the org's public key, note its key_id."""
    key_id, key = emu.public_key(ORG)
    sealed = SealedBox(PublicKey(base64.b64decode(key))).encrypt(plaintext.encode())
    return {"value_encrypted": base64.b64encode(sealed).decode(), "key_id": key_id}


def capture(tree: Path) -> dict[str, Any]:
    """Create the three registries with 0.1.0 and return the JSON document."""
    _check_tree(tree)
    emulator, harness, provider = _use_tree(tree)
    config = {"github:owner": ORG, "github:writeDelayMs": "0"}
    resources: dict[str, Any] = {}
    with emulator.Emulator(token=TOKEN) as emu:
        host = harness.ProviderHost(provider.OrgPrivateRegistryProvider()).start()
        try:
            host.configure(
                {"github:token": TOKEN, "github:baseUrl": emu.base_url, **config},
                secret_keys={"github:token"},
            )
            for key, declared in DECLARED.items():
                if key == "username_password":
                    declared = {**declared, **_seal(emu, MAVEN_PASSWORD)}
                id_, outputs, inputs = harness.up(host, declared)
                name = id_.partition("/")[2]
                record = emu.registry(ORG, name)
                if emu.decrypted_value(ORG, name) != PLAINTEXT[key]:
                    raise SystemExit(f"{key}: GitHub does not hold the declared secret")
                resources[key] = {
                    "id": id_,
                    "declared": declared,
                    "inputs": inputs,
                    "outputs": outputs,
                    "github": {k: v for k, v in record.items() if k not in _SERVER_FIELDS},
                    "github_value": PLAINTEXT[key],
                }
            blob = host.provider_blob
        finally:
            host.stop()
    return _document(blob, config, resources)


def _document(blob: str, config: dict[str, str], resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "about": (
            "State of OrgPrivateRegistry resources as version 0.1.0 writes it, captured by "
            "tests/data/capture_state_0_1_0.py and used by tests/test_state_0_1_0.py. `provider` is the "
            "`__provider` property that state holds in every resource's inputs and outputs (base64 of "
            "dill's pickle of pulumi_github_private_registry.provider.OrgPrivateRegistryProvider()). "
            "Per resource: `declared` is what the program passed, `inputs` what the engine stores after "
            "Check, `outputs` what Create returned (stored as the resource's outputs), all as the engine "
            "hands them to the provider host: without `__provider`, secrets (value, value_encrypted) "
            "unwrapped, numbers as floats, properties whose value is None left out (the host drops "
            "them). `github` is the registry GitHub held (without name, times and ciphertext) and "
            "`github_value` the plaintext it sealed: what a test seeds an emulator with. Every secret "
            "here is fake."
        ),
        "version": VERSION,
        "commit": COMMIT,
        "captured_with": {
            "python": platform.python_version(),
            "pulumi": importlib.metadata.version("pulumi"),
            "dill": importlib.metadata.version("dill"),
        },
        "org": ORG,
        "config": config,
        "provider": blob,
        "resources": resources,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tree", type=Path, default=Path("/tmp/v010"), help="a checkout of 0.1.0")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "state-0.1.0.json")
    args = parser.parse_args(argv)
    document = capture(args.tree.resolve())
    args.out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}: {', '.join(document['resources'])}")


if __name__ == "__main__":
    main()
