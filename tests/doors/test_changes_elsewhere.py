"""Sequences across processes and faults, through both doors: nothing is lost, nothing is left foreign.

The engine runs each distinct provider configuration in its own process, so one resource's process
cannot know what another process (another provider, another stack, someone at GitHub) did to a
registry since. These tests play the sequences a random fault schedule found, each in its own org:

- a registry that another provider process adopted is not deleted by the resource it came from
  (`door.fresh()` is that other process: a second plugin process for the plugin door);
- an update after a change made at GitHub sends again what GitHub never reports (the secret, the
  repository ids), so that our own write cannot hide the change from every later refresh;
- a create whose two POSTs got no usable answer looks the registry up once more and keeps it.
"""

from __future__ import annotations

from typing import Any

import pytest

from doors import Door
from hosted import ProviderError
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator
from samples import declaration

NAME = "NPM_REGISTRY_SECRET"  # sample "token" declares npm_registry
IDS_NAME = "PYTHON_INDEX_SECRET"  # sample "oidc_aws" declares python_index, visibility selected


def org_for(door: Door, case: str) -> str:
    login = f"{door.name}-{case}"
    assert schema.org_problem(login) is None, login
    return login


def last_line(failure: ProviderError) -> str:
    return failure.details.strip().splitlines()[-1]


# --- 1. a delete never removes a registry changed since this resource last saw it ------------------


def adopted_elsewhere(door: Door, github: Emulator, org: str) -> tuple[Any, dict[str, Any]]:
    """Resource A creates the org's npm registry in `door`'s process; resource B, in another provider
    process, adopts it with its own url and value. Returns A's state and B's declaration."""
    a = door.up(declaration("token", org))
    theirs = declaration("token", org, url="https://npm.theirs.example.com/", value="b-value")
    door.fresh().up(dict(theirs, adopt=True))
    assert github.decrypted_value(org, NAME) == "b-value"
    return a, theirs


def test_a_delete_leaves_a_registry_another_provider_process_adopted(door: Door, github: Emulator) -> None:
    org = org_for(door, "adopted")
    a, theirs = adopted_elsewhere(door, github, org)
    github.reset_log()

    with pytest.raises(ProviderError) as failure:
        door.delete(a)

    stored = github.registry(org, NAME)
    assert stored is not None and stored["url"] == theirs["url"], "B's registry is still there"
    assert github.decrypted_value(org, NAME) == "b-value"
    assert github.count("DELETE") == 0
    message = last_line(failure.value)
    assert f"OrgPrivateRegistry {org}/{NAME}: not deleted: it was changed at GitHub since this resource " in (
        message
    )
    assert "Another resource or stack may manage it now" in message
    assert "run `pulumi refresh` and then run again" in message and "`pulumi state delete <urn>`" in message


def test_a_refresh_lets_the_delete_go_through(door: Door, github: Emulator) -> None:
    org = org_for(door, "refreshed")
    a, _ = adopted_elsewhere(door, github, org)
    with pytest.raises(ProviderError):
        door.delete(a)

    door.fresh().delete(door.fresh().refresh(a))

    assert github.registry(org, NAME) is None


def test_the_deletes_list_is_taken_after_a_read_in_the_same_process(door: Door, github: Emulator) -> None:
    # A refresh in this process lists the org; another process adopts the registry after that list.
    org = org_for(door, "read-first")
    a = door.up(declaration("token", org))
    a = door.refresh(a)
    door.fresh().up(dict(declaration("token", org, value="b-value"), adopt=True))

    with pytest.raises(ProviderError):
        door.delete(a)

    assert github.decrypted_value(org, NAME) == "b-value"


def test_a_delete_of_a_registry_unchanged_since_it_was_written_goes_through(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "unchanged")
    a = door.up(declaration("token", org))
    github.reset_log()

    door.fresh().delete(a)

    assert github.registry(org, NAME) is None
    assert github.count("GET", f"/orgs/{org}/private-registries") == 1 and github.count("DELETE") == 1


def test_a_delete_of_a_registry_already_gone_succeeds_without_a_delete_request(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "gone")
    a = door.up(declaration("token", org))
    github.delete_registry(org, NAME)
    github.reset_log()

    door.fresh().delete(a)

    assert github.count("DELETE") == 0


# --- 3. an update after a change made at GitHub sends what GitHub never reports ---------------------


def test_an_update_after_the_secret_changed_at_github_sends_the_declared_value_again(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "masked-value")
    news = declaration("token", org)
    created = door.up(news)
    github.edit_registry(org, NAME, value="foreign-value")

    # The next `up`, without a refresh, changes only the url.
    changed = dict(news, url="https://npm.pkg.github.com/acme/v2/")
    updated = door.fresh().change(created, changed)

    assert github.decrypted_value(org, NAME) == news["value"]
    assert github.registry(org, NAME)["url"] == changed["url"]  # type: ignore[index]
    later = door.fresh()
    assert later.plan(later.refresh(updated), changed).changes == "none"


def test_an_update_after_the_repositories_changed_at_github_sends_the_declared_ids_again(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "masked-ids")
    news = declaration("oidc_aws", org)
    created = door.up(news)
    github.edit_registry(org, IDS_NAME, selected_repository_ids=[99])

    changed = dict(news, url=news["url"] + "v2/")
    door.fresh().change(created, changed)

    stored = github.registry(org, IDS_NAME)
    assert stored is not None and sorted(stored["selected_repository_ids"]) == [1296269, 1296280]


@pytest.mark.parametrize("refreshed", [False, True], ids=["no-refresh", "after-a-refresh"])
def test_with_ignore_value_drift_the_update_keeps_the_foreign_secret_but_sends_the_ids(
    door: Door, github: Emulator, refreshed: bool
) -> None:
    # A refresh sees the change (its time), never the ids: with the flag, it must not hide them.
    org = org_for(door, f"masked-flag-{int(refreshed)}")
    ids = [1296269.0, 1296280.0]
    news = declaration(
        "token", org, ignore_value_drift=True, visibility="selected", selected_repository_ids=ids
    )
    created = door.up(news)
    github.edit_registry(org, NAME, value="rotated-elsewhere", selected_repository_ids=[99])
    state = door.fresh().refresh(created) if refreshed else created

    door.fresh().change(state, dict(news, url="https://npm.pkg.github.com/acme/v2/"))

    assert github.decrypted_value(org, NAME) == "rotated-elsewhere"
    stored = github.registry(org, NAME)
    assert stored is not None and sorted(stored["selected_repository_ids"]) == [1296269, 1296280]


def test_an_update_of_a_registry_unchanged_at_github_sends_only_what_changed(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "plain-update")
    news = declaration("token", org)
    created = door.up(news)
    github.reset_log()

    door.fresh().change(created, dict(news, url="https://npm.pkg.github.com/acme/v2/"))

    patches = [r.body for r in github.requests if r.method == "PATCH"]
    assert patches == [{"url": "https://npm.pkg.github.com/acme/v2/"}]


# --- 4. a create that may have been applied always ends with a lookup -------------------------------


def test_a_create_with_two_unusable_answers_finds_and_keeps_the_registry_it_made(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "two-unknowns")
    news = declaration("token", org)
    # The first POST gets a 504 and is not applied; the second is applied but its answer is garbage.
    github.inject(method="POST", path=f"/orgs/{org}/", status=504, body={"message": "Gateway Timeout"})
    github.inject(method="POST", path=f"/orgs/{org}/", status=201, apply=True, raw=b"<html>proxy</html>")

    created = door.up(news)

    assert created.id == f"{org}/{NAME}"
    assert github.count("POST", f"/orgs/{org}/") == 2 and list(github.registries(org)) == [NAME]
    assert github.decrypted_value(org, NAME) == news["value"]
    stored = github.registry(org, NAME)
    assert stored is not None and created.outputs["updated_at"] == stored["updated_at"]
    assert door.plan(created, news).changes == "none"


def test_a_create_whose_second_post_finds_the_first_landed_late_keeps_it(
    door: Door, github: Emulator
) -> None:
    org = org_for(door, "late-first")
    news = declaration("token", org)
    # The first POST is applied but answered 504, the lookup lags (404), so the second POST is
    # refused as a duplicate by GitHub. The registry is ours: the declared fields, our value.
    github.inject(
        method="POST", path=f"/orgs/{org}/", status=504, apply=True, body={"message": "Gateway Timeout"}
    )
    # Every lookup of the first (one GET and its retries for a lagging read) finds nothing.
    github.inject(method="GET", path=f"/{NAME}", status=404, body={"message": "Not Found"}, times=5)

    created = door.up(news)

    assert created.id == f"{org}/{NAME}" and list(github.registries(org)) == [NAME]
    assert [r.status for r in github.requests if r.method == "POST" and org in r.path] == [504, 422]
    assert github.decrypted_value(org, NAME) == news["value"]
