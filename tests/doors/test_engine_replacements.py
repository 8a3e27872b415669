"""A replacement the engine decides (`pulumi up --replace`, `replaceWith`, `deletedWith`) is create-first.

The engine then calls Create for the new resource while the old registry still exists (it asks no
Diff, so our `deleteBeforeReplace` answer is not consulted): GitHub holds one registry per type, so
the create is refused. The refusal says what to do, in the door's own words; the resource option
`deleteBeforeReplace` makes the engine delete first, and then the replacement goes through.
"""

from __future__ import annotations

import pytest

from doors import Door
from hosted import refusal
from pulumi_github_private_registry.emulator import Emulator
from samples import declaration

_WHAT_TO_DO = {
    "dynamic": (
        "give the resource `delete_before_replace=True` in its `ResourceOptions` and run `pulumi up` again."
    ),
    "plugin": "give the resource the resource option `deleteBeforeReplace: true` and run `pulumi up` again.",
}


def test_a_create_first_replacement_names_delete_before_replace(door: Door, github: Emulator) -> None:
    org = f"replaced-create-first-{door.name}"
    news = declaration("token", org)
    old = door.up(news)

    # `pulumi up --replace URN`, a new command: Create comes first, with the same inputs.
    replacing = door.fresh()
    refused = refusal(lambda: replacing.up(news))

    assert (
        "If this is a replacement of this very resource (`pulumi up --replace`, `replaceWith`, "
        "`deletedWith`), Pulumi creates the new registry before it deletes the old "
        f"one, and GitHub cannot hold both: {_WHAT_TO_DO[door.name]}"
    ) in refused
    assert len(github.registries(org)) == 1

    # With the option, the engine deletes the old registry first, then creates the new one.
    replacing.delete(old)
    new = replacing.up(news)
    assert new.outputs["name"] == "NPM_REGISTRY_SECRET"
    assert len(github.registries(org)) == 1


@pytest.mark.parametrize("door", ["plugin"], indirect=True)
def test_the_plugin_still_asks_the_engine_to_delete_first_when_its_diff_replaces(door: Door) -> None:
    old = door.up(declaration("token", "replaced-by-diff"))

    plan = door.plan(
        old, {**declaration("token", "replaced-by-diff"), "auth_type": "username_password", "username": "bot"}
    )

    assert plan.replaces == ["auth_type"]
    assert plan.delete_before_replace is True
