"""Seeded random sequences of deployments, edits made at GitHub and faults, through both doors.

A small engine plays `pulumi up` as the real one orders it (each declared resource: create, or
check + diff + update; then the deletes of resources no longer declared; the first error stops
the deployment and the state keeps what succeeded), every command in a new provider process. Between
deployments the program changes (a url, a secret, a registry added or removed), someone edits a
registry at GitHub (its secret, url or repository ids), a refresh runs, or one fault is armed for
the next deployment: a 5xx before or after GitHub applied the request, a connection dropped after
it applied, an answer that is not GitHub's, a rate limit.

What must hold, whatever the sequence: a `pulumi up --refresh` with no fault succeeds, and after it
GitHub holds exactly what the program declares (the secrets and repository ids too, which GitHub
never reports) and the state knows every registry it holds: state and GitHub never part for good.
(A plain `pulumi up` sees no change made at GitHub, as in any infrastructure-as-code tool, unless
it writes the registry: then it sends what GitHub does not report too.) The seeds are fixed: the
same sequences run every time, so a failure is reproduced by its seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from doors import DOORS, Door, Resource, open_door
from hosted import ProviderError
from pulumi_github_private_registry.core.schema import configuration_name
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from samples import TOKEN, declaration

pytestmark = pytest.mark.slow

ORGS = ("seq-a", "seq-b")
KINDS = ("token", "username_password", "oidc_aws")  # a secret, a secret with a username, repository ids
STEPS = 16
SEEDS = (1, 2)  # each seed's sequence was checked to fail on 0.2.0 in both doors (item 3)

FAULTS: dict[str, dict[str, Any]] = {
    "500 before applying": {"status": 500, "body": {"message": "Server Error"}},
    "502 after applying": {"status": 502, "apply": True},
    "dropped after applying": {"apply_then_drop": True},
    "garbage after applying": {"status": 200, "apply": True, "raw": b"<html>a proxy's page</html>"},
    "rate limited": {"status": 403, "headers": {"Retry-After": "1"}, "body": {"message": SECONDARY_MESSAGE}},
}


def last_line(failure: ProviderError) -> str:
    return failure.details.strip().splitlines()[-1][:400]


@dataclass
class World:
    """The program (declarations by resource name), the engine's state, and the test's journal."""

    door: Door
    github: Emulator
    rng: random.Random
    program: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: dict[str, Resource] = field(default_factory=dict)
    journal: list[str] = field(default_factory=list)
    counter: int = 0

    def fresh_value(self, what: str) -> str:
        self.counter += 1
        return f"{what}-{self.counter}"

    # --- the engine ------------------------------------------------------------------------------

    def up(self) -> ProviderError | None:
        """One `pulumi up` in a new provider process; the first error stops it, as the engine does."""
        door = self.door.fresh()
        try:
            for name, news in self.program.items():
                held = self.state.get(name)
                if held is None:
                    self.state[name] = door.up(news)
                    continue
                checked = door.check(news, held.inputs)
                assert checked.failures == [], checked.failures
                plan = door._diff(held, checked.inputs)
                if plan.changes != "some":
                    continue
                assert plan.replaces == [], f"{name}: only in-place changes are declared here: {plan}"
                self.state[name] = Resource(held.id, door._update(held, checked.inputs), checked.inputs)
            for name in [n for n in self.state if n not in self.program]:
                door.delete(self.state[name])
                del self.state[name]
        except ProviderError as failure:
            return failure
        finally:
            self.github.clear_faults()
        return None

    def refresh(self) -> None:
        door = self.door.fresh()
        for name, held in list(self.state.items()):
            read = door.refresh(held)
            if read.id:
                self.state[name] = Resource(read.id, read.outputs, held.inputs)
            else:
                del self.state[name]

    # --- what holds after a deployment without a fault -------------------------------------------

    def assert_converged(self) -> None:
        declared: dict[tuple[str, str], dict[str, Any]] = {}
        for name, news in self.program.items():
            registry = configuration_name(news["registry_type"])
            declared[(news["org"], registry)] = news
            held = self.state.get(name)
            assert held is not None and held.id == f"{news['org']}/{registry}", f"{name} is not in the state"
            assert held.outputs["url"] == news["url"], f"{name}: the state's url"
        for org in ORGS:
            for registry, record in self.github.registries(org).items():
                wanted = declared.get((org, registry))
                assert wanted is not None, f"{org}/{registry} is at GitHub but not declared (an orphan)"
                assert record["url"] == wanted["url"], f"{org}/{registry}: url at GitHub"
                if "value" in wanted:
                    assert self.github.decrypted_value(org, registry) == wanted["value"], (
                        f"{org}/{registry}: the secret at GitHub is not the declared one"
                    )
                if "selected_repository_ids" in wanted:
                    assert sorted(record["selected_repository_ids"]) == sorted(
                        int(i) for i in wanted["selected_repository_ids"]
                    ), f"{org}/{registry}: repository ids at GitHub"
        assert len(declared) == sum(len(self.github.registries(org)) for org in ORGS), "missing at GitHub"

    # --- the random steps ------------------------------------------------------------------------

    def step(self) -> None:
        """One to three changes (the program, GitHub, a fault) in random order, then `pulumi up`;
        then `pulumi up --refresh` with no fault, which must leave GitHub as declared."""
        if self.rng.random() < 0.1:
            self.journal.append("refresh")
            self.refresh()
        actions = [self.change_program, self.edit_at_github, self.arm_fault]
        for action in self.rng.sample(actions, self.rng.randint(1, 3)):
            action()
        failure = self.up()
        self.journal.append("up" + (f" failed: {last_line(failure)}" if failure else ""))
        self.journal.append("up --refresh, no fault")
        self.refresh()
        again = self.up()
        assert again is None, f"an up with no fault failed: {last_line(again)}"
        self.assert_converged()

    def change_program(self) -> None:
        names = sorted(self.program)
        if self.rng.random() < 0.4 or not names:
            self.add_or_remove()
            return
        name = self.rng.choice(names)
        news = self.program[name]
        if "value" in news and self.rng.random() < 0.5:
            self.program[name] = dict(news, value=self.fresh_value("secret"))
            self.journal.append(f"change {name}'s value")
        else:
            self.program[name] = dict(news, url=f"https://{self.fresh_value('host')}.example.com/")
            self.journal.append(f"change {name}'s url")

    def add_or_remove(self) -> None:
        kind, org = self.rng.choice(KINDS), self.rng.choice(ORGS)
        name = f"{org}-{kind}"
        if name in self.program:
            del self.program[name]
            self.journal.append(f"remove {name}")
        else:
            changes: dict[str, Any] = {"url": f"https://{self.fresh_value('host')}.example.com/"}
            if kind != "oidc_aws":
                changes["value"] = self.fresh_value("secret")
            self.program[name] = declaration(kind, org, **changes)
            self.journal.append(f"add {name}")

    def edit_at_github(self) -> None:
        held = [(n, self.program[n]) for n in sorted(self.program) if n in self.state]
        if not held:
            return
        name, news = self.rng.choice(held)
        org, registry = news["org"], configuration_name(news["registry_type"])
        if self.github.registry(org, registry) is None:
            return
        if "value" in news:
            self.github.edit_registry(org, registry, value=self.fresh_value("foreign-secret"))
            self.journal.append(f"someone rotates {name}'s secret at GitHub")
        elif news.get("visibility") == "selected":
            self.github.edit_registry(org, registry, selected_repository_ids=[self.rng.randint(1, 99)])
            self.journal.append(f"someone changes {name}'s repositories at GitHub")
        else:
            self.github.edit_registry(org, registry, url="https://foreign.example.com/")
            self.journal.append(f"someone changes {name}'s url at GitHub")

    def arm_fault(self) -> None:
        """One or two faults, each on the next request of a method (two on one method: in a row)."""
        for _ in range(self.rng.randint(1, 2)):
            kind = self.rng.choice(sorted(FAULTS))
            method = self.rng.choice(["GET", "POST", "PATCH", "DELETE"])
            spec = dict(FAULTS[kind])
            if kind.startswith("garbage"):
                # A proxy's page where GitHub answers 201 (a create) or 204 (a change, a delete).
                spec["status"] = {"POST": 201}.get(method, 200)
            self.github.inject(method=method, **spec)
            self.journal.append(f"a fault on the next {method}: {kind}")


@pytest.fixture(params=DOORS)
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, Door]]:
    with Emulator(token=TOKEN) as github, open_door(request.param, github) as door:
        yield github, door


@pytest.mark.parametrize("seed", SEEDS)
def test_after_every_deployment_without_a_fault_github_holds_what_is_declared(
    world: tuple[Emulator, Door], seed: int
) -> None:
    github, door = world
    sequence = World(door, github, random.Random(seed))
    for _ in range(STEPS):
        try:
            sequence.step()
        except AssertionError as failure:
            raise AssertionError(
                f"seed {seed}, door {door.name}, after:\n  " + "\n  ".join(sequence.journal) + f"\n{failure}"
            ) from None
