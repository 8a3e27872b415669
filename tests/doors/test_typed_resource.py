"""The Python door, typed: mypy and IDEs check a declaration the way pulumi-github's SDK lets them.

The signatures restate the field table (``schema.FIELDS``) for static tools; these tests prove they
state it exactly, and run mypy on programs as a user writes them.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_github_private_registry import OrgPrivateRegistry, OrgPrivateRegistryArgs, resource
from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.core import schema

ROOT = Path(__file__).parents[2]
TYPE_TOKEN = "pulumi-python:dynamic/github:OrgPrivateRegistry"

# What each kind of field is in Python: the one statement of it, checked against the code.
PYTHON_TYPES: dict[str, Any] = {"string": str, "boolean": bool, "ids": Sequence[pulumi.Input[int]]}
OUTPUT_TYPES: dict[str, Any] = {"string": str, "boolean": bool, "ids": list[int]}
# Subscripted with a type held in a variable, which mypy cannot follow.
INPUT: Any = pulumi.Input
OUTPUT: Any = pulumi.Output


def input_type(field: schema.Field) -> Any:
    """A required input takes a value; any other takes None too (and defaults to it)."""
    python = PYTHON_TYPES[field.kind]
    return INPUT[python] if field.required else INPUT[python | None]


def output_type(field: schema.Field) -> Any:
    # Always set once created: what is required, what has a default, the outputs GitHub or the
    # provider computes, and the org (the configured owner when not given).
    always = field.required or field.default is not None or not field.input or field.name == "org"
    python = OUTPUT_TYPES[field.kind]
    return OUTPUT[python] if always else OUTPUT[python | None]


def keyword_overload() -> ast.FunctionDef:
    """The ``@overload`` of ``OrgPrivateRegistry.__init__`` that takes fields by keyword, as mypy reads it."""
    tree = ast.parse(inspect.getsource(resource))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "OrgPrivateRegistry")
    overloads = [
        n
        for n in cls.body
        if isinstance(n, ast.FunctionDef)
        and n.name == "__init__"
        and any(ast.unparse(d) == "overload" for d in n.decorator_list)
    ]
    assert len(overloads) == 2, "one overload takes an OrgPrivateRegistryArgs, one takes keywords"
    return next(n for n in overloads if n.args.kwonlyargs)


def evaluated(annotation: ast.expr | str) -> Any:
    """An annotation as the module states it (``pulumi.Input`` keeps ``Output`` a forward reference)."""
    text = annotation if isinstance(annotation, str) else ast.unparse(annotation)
    return eval(text, vars(resource))


# --- the signatures state the field table ---------------------------------------------------------


def test_the_keyword_overload_takes_exactly_the_tables_inputs_typed_by_kind() -> None:
    overload = keyword_overload()
    keywords = overload.args.kwonlyargs
    defaults = overload.args.kw_defaults
    inputs = [f for f in schema.FIELDS if f.input]

    assert sorted(a.arg for a in keywords) == sorted(schema.INPUT_FIELDS)
    for argument, default in zip(keywords, defaults, strict=True):
        field = schema.FIELDS_BY_NAME[argument.arg]
        assert argument.annotation is not None, field.name
        assert evaluated(argument.annotation) == input_type(field), field.name
        # Required keywords have no default, so that mypy reports one left out.
        assert (default is None) == field.required, field.name
        if default is not None:
            assert ast.literal_eval(default) is None, field.name
    assert [a.arg for a in overload.args.args] == ["self", "resource_name", "opts"]
    assert len(inputs) == len(keywords)


def test_the_args_overload_takes_an_args_object_and_options() -> None:
    tree = ast.parse(inspect.getsource(resource))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "OrgPrivateRegistry")
    overload = next(
        n
        for n in cls.body
        if isinstance(n, ast.FunctionDef)
        and n.name == "__init__"
        and n.decorator_list
        and not n.args.kwonlyargs
    )
    annotations = {a.arg: ast.unparse(a.annotation) for a in overload.args.args if a.annotation}
    assert annotations == {
        "resource_name": "str",
        "args": "OrgPrivateRegistryArgs",
        "opts": "pulumi.ResourceOptions | None",
    }


def test_the_args_class_takes_the_same_names_and_types_and_requires_the_same_fields() -> None:
    hints = OrgPrivateRegistryArgs.__annotations__
    fields = dataclasses.fields(OrgPrivateRegistryArgs)

    assert sorted(f.name for f in fields) == sorted(schema.INPUT_FIELDS)
    for field in fields:
        facts = schema.FIELDS_BY_NAME[field.name]
        assert evaluated(hints[field.name]) == input_type(facts), field.name
        assert (field.default is dataclasses.MISSING) == facts.required, field.name
    # 0.1.0's order, in which positional arguments bind.
    assert [f.name for f in fields[:3]] == ["registry_type", "url", "visibility"]


def test_each_output_is_a_read_only_property_typed_and_documented_from_the_table() -> None:
    properties = {name: m for name, m in vars(OrgPrivateRegistry).items() if isinstance(m, property)}

    assert sorted(properties) == sorted(f.name for f in schema.FIELDS)
    for field in schema.FIELDS:
        prop = properties[field.name]
        assert prop.fset is None, field.name
        assert prop.fget is not None
        assert evaluated(prop.fget.__annotations__["return"]) == output_type(field), field.name
        assert " ".join((prop.__doc__ or "").split()) == field.doc, field.name


# --- mypy reads a program as a user writes it -------------------------------------------------------


def guide_program() -> str:
    """The Python example of docs/python.md's "In a Pulumi program" section."""
    text = (ROOT / "docs" / "python.md").read_text()
    section = text.split("## In a Pulumi program", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


GOOD = """
import pulumi
from pulumi_github_private_registry import OrgPrivateRegistry, OrgPrivateRegistryArgs

protect = pulumi.ResourceOptions(protect=True)
npm = OrgPrivateRegistry("a", registry_type="npm_registry", url="https://x", visibility="all")
OrgPrivateRegistry("b", protect, registry_type="npm_registry", url="https://x", visibility="all")
OrgPrivateRegistry("c", OrgPrivateRegistryArgs("npm_registry", "https://x", "selected"), protect)
ids: list[int] = [1296269]
OrgPrivateRegistry(
    "d",
    opts=protect,
    registry_type=pulumi.Output.from_input("npm_registry"),
    url="https://x",
    visibility="selected",
    selected_repository_ids=ids,
    value=pulumi.Output.secret("s"),
    replaces_base=True,
    username=npm.username,
)
name: pulumi.Output[str] = npm.name
repository_ids: pulumi.Output[list[int] | None] = npm.selected_repository_ids
"""

# Each line marked `# mypy: <words>` must draw an error with these words; no other line any.
BAD = """
import pulumi
from pulumi_github_private_registry import OrgPrivateRegistry as R, OrgPrivateRegistryArgs as A

T, U = "npm_registry", "https://x"
npm = R("a", registry_type=T, url=U, visibility="all")
R("b", registy_type=T, url=U, visibility="all")  # mypy: Unexpected keyword argument "registy_type"
R("c", registry_type=T, visibility="all")  # mypy: No overload variant of "OrgPrivateRegistry"
R("d", registry_type=T, url=U, visibility="all", replaces_base="yes")  # mypy: No overload variant of
R("e", A(T, U, "all", visiblity="all"))  # mypy: Unexpected keyword argument "visiblity"
count: pulumi.Output[int] = npm.name  # mypy: Incompatible types in assignment
npm.name = npm.url  # mypy: is read-only
"""


def mypy(tmp_path: Path, **programs: str) -> dict[str, list[tuple[int, str]]]:
    """mypy's errors for each program, by file stem: (line, message), with the repository's config."""
    paths = []
    for stem, text in programs.items():
        path = tmp_path / f"{stem}.py"
        path.write_text(text)
        paths.append(str(path))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            "--hide-error-context",
            *paths,
        ],
        cwd=ROOT,  # the config's mypy_path (provider) is relative to it
        capture_output=True,
        text=True,
        timeout=100,  # about 3 s cold: a hang guard under pytest-timeout's 120 s, not a speed target
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr + run.stdout
    errors: dict[str, list[tuple[int, str]]] = {stem: [] for stem in programs}
    for line in run.stdout.splitlines():
        found = re.match(r"(.+?)\.py:(\d+): error: (.*)", line)
        if found:
            errors[Path(found[1]).name].append((int(found[2]), found[3]))
    return errors


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str]]]:
    # One mypy run for all the programs: the SDK's stubs are read once.
    return mypy(
        tmp_path_factory.mktemp("mypy"),
        guide=guide_program(),
        good=textwrap.dedent(GOOD),
        bad=textwrap.dedent(BAD),
    )


@pytest.mark.slow
def test_mypy_accepts_the_python_guides_program(mypy_errors: dict[str, list[tuple[int, str]]]) -> None:
    assert mypy_errors["guide"] == []


@pytest.mark.slow
def test_mypy_accepts_every_form_pulumi_github_users_know(
    mypy_errors: dict[str, list[tuple[int, str]]],
) -> None:
    assert mypy_errors["good"] == []


@pytest.mark.slow
def test_mypy_names_a_misspelt_keyword_a_missing_field_a_wrong_type_and_a_write_to_an_output(
    mypy_errors: dict[str, list[tuple[int, str]]],
) -> None:
    expected = {
        number: line.split("# mypy: ", 1)[1]
        for number, line in enumerate(textwrap.dedent(BAD).splitlines(), start=1)
        if "# mypy: " in line
    }
    errors = mypy_errors["bad"]

    assert {line for line, _ in errors} == set(expected), errors
    for line, words in expected.items():
        assert any(words in message for at, message in errors if at == line), (words, errors)
    misspelt = next(message for _, message in errors if '"registy_type"' in message)
    assert 'did you mean "registry_type"?' in misspelt


# --- at run time, the same forms --------------------------------------------------------------------


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        return f"acme/{args.name}", dict(args.inputs, name="NPM_REGISTRY_SECRET")

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Mocks:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def seen_options() -> tuple[list[pulumi.ResourceOptions], pulumi.ResourceOptions]:
    seen: list[pulumi.ResourceOptions] = []

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        seen.append(args.opts)

    return seen, pulumi.ResourceOptions(transformations=[capture], protect=True)


def test_options_second_by_position_as_pulumi_github_takes_them(mocks: Mocks) -> None:
    seen, opts = seen_options()

    OrgPrivateRegistry("npm", opts, registry_type="npm_registry", url="https://x", visibility="all")

    assert seen and seen[0].protect is True
    assert set(seen[0].additional_secret_outputs or []) >= {"value", "value_encrypted"}


def test_args_then_options_by_position_and_0_1_0s_none_then_options(mocks: Mocks) -> None:
    seen, opts = seen_options()

    OrgPrivateRegistry("a", OrgPrivateRegistryArgs("npm_registry", "https://x", "all"), opts)
    OrgPrivateRegistry(  # type: ignore[call-overload]
        "b", None, opts, registry_type="npm_registry", url="https://x", visibility="all"
    )

    assert [o.protect for o in seen] == [True, True]


ARGS = OrgPrivateRegistryArgs("npm_registry", "https://x", "all")
OPTS = pulumi.ResourceOptions()


@pytest.mark.parametrize(
    ("positional", "keywords", "words"),
    [
        ((ARGS,), {"args": ARGS}, "args both by position and by keyword"),
        ((ARGS, OPTS), {"opts": OPTS}, "opts both by position and by keyword"),
        ((ARGS, OPTS, OPTS), {}, "at most a name, args and opts"),
        (({"url": "https://x"},), {}, "args must be an OrgPrivateRegistryArgs, not dict"),
        ((ARGS, {"protect": True}), {}, "opts must be a pulumi.ResourceOptions, not dict"),
        ((ARGS,), {"registry_type": "npm_registry"}, "either args or keyword arguments, not both"),
    ],
)
def test_a_call_that_binds_nothing_clearly_is_refused_naming_why(
    mocks: Mocks, positional: tuple[Any, ...], keywords: dict[str, Any], words: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(words)):
        OrgPrivateRegistry("x", *positional, **keywords)
    assert mocks.registered == []


def test_args_without_a_required_field_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="'url'"):
        OrgPrivateRegistryArgs(registry_type="npm_registry", visibility="all")  # type: ignore[call-arg]


@pulumi.runtime.test
def test_a_keyword_left_out_still_reaches_the_provider_check_which_names_it(
    mocks: Mocks,
) -> pulumi.Output[Any]:
    registry: OrgPrivateRegistry = OrgPrivateRegistry(  # type: ignore[call-overload]
        "no-url", registry_type="npm_registry", visibility="all"
    )

    def check(_: Any) -> None:
        inputs = next(a for a in mocks.registered if a.name == "no-url").inputs
        assert inputs.get("url") is None and inputs["registry_type"] == "npm_registry"
        problems = schema.declaration_problems({k: v for k, v in inputs.items() if k != "__provider"})
        assert "'url' is required" in [schema.render(p, DYNAMIC) for p in problems]

    return registry.urn.apply(check)


@pulumi.runtime.test
def test_outputs_read_as_typed_and_cannot_be_assigned(mocks: Mocks) -> pulumi.Output[Any]:
    registry = OrgPrivateRegistry("npm", registry_type="npm_registry", url="https://x", visibility="all")

    with pytest.raises(AttributeError):
        registry.name = registry.url  # type: ignore[misc]

    def check(values: list[Any]) -> None:
        assert values == ["NPM_REGISTRY_SECRET", "https://x", None]
        assert next(a for a in mocks.registered if a.name == "npm").typ == TYPE_TOKEN

    return pulumi.Output.all(registry.name, registry.url, registry.key_id).apply(check)
