"""A new user's mistakes, caught with the right message (issue #19, items 1 to 5).

- ``validate`` on the stack file of a project that declares ``OrgPrivateRegistry`` in its own program
  checks the provider configuration and leaves the registries to ``pulumi preview``; the "would
  delete" warning is for this repository's stack program only.
- A key near one we read in pulumi-github's namespace (``github:baseurl``, ``github:ower``) is one
  problem with "did you mean", in ``validate`` and in the dynamic provider's configure; pulumi-github's
  own keys never are.
- Indentation slips that stay valid YAML say what is where; a YAML error is one line naming the line.
- One misspelt field is one problem; nothing prints Python's ``None``.
- A base URL without its scheme is quoted with the URL to use; a misspelt secret key gets "did you
  mean"; a missing file is "no such file".

The common mistakes are asserted as whole lines, as the command prints them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from doors import Plugins
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.audiences.keys import PULUMI_GITHUB_KEYS
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import cli
from samples import declaration

Deploy = Callable[..., ProviderHost]
REGISTRIES = "github-private-registries:registries"
SECURE = {"secure": "AAABAKx0ZXN0LWNpcGhlcnRleHQ="}  # what `pulumi config set --secret` writes
ENTRY = {
    "registry_type": "npm_registry",
    "url": "https://npm.pkg.github.com/acme",
    "visibility": "all",
    "secret": "npmToken",
}
NPM_TOKEN = {"github-private-registries:npmToken": SECURE}
PREVIEW_NOTE = "`pulumi preview` checks them"


def _write(path: Path, config: dict[str, Any] | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        config if isinstance(config, str) else yaml.safe_dump({"config": config}, sort_keys=False)
    )
    return path


def _project(folder: Path, name: str, main: str | None = None) -> None:
    """A Pulumi.yaml; with ``main``, its stack files are in that folder too, as this repository's."""
    text = f"name: {name}\nruntime: python\n"
    if main:
        text += f"main: {main}\nstackConfigDir: {main.rstrip('/')}\n"
    _write(folder / "Pulumi.yaml", text)


def _validate(path: Path) -> tuple[int, list[str]]:
    """`python -m pulumi_github_private_registry validate PATH`, as a user runs it: (status, stdout lines)."""
    run = subprocess.run(
        [sys.executable, "-m", "pulumi_github_private_registry", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.stderr == ""
    return run.returncode, run.stdout.splitlines()


def _lines(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[str]]:
    """`validate PATH` in this process: (status, stdout lines without the file's name)."""
    status = cli.main(["validate", str(path)])
    prefix = f"{path}: "
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    return status, [line[len(prefix) :] for line in lines]


# --- item 1: a project that declares its registries in its own program ----------------------------


@pytest.mark.slow
def test_validate_checks_an_own_programs_stack_and_leaves_its_registries_to_preview(tmp_path: Path) -> None:
    _project(tmp_path, "my-infra")
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:token": SECURE})

    status, lines = _validate(stack)

    assert (status, lines) == (
        0,
        [
            f"{stack}: provider configuration: no problems; the registries are declared in project "
            f"my-infra's program, not in this file: {PREVIEW_NOTE}"
        ],
    )


@pytest.mark.slow
def test_validate_reports_an_own_programs_plaintext_token_and_says_nothing_of_deleting(
    tmp_path: Path,
) -> None:
    _project(tmp_path, "my-infra")
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:token": "ghp_plainCanary0815"}
    )

    status, lines = _validate(stack)

    assert status == 1
    assert lines == [
        f"{stack}: github:token is in plaintext: remove it with `pulumi config rm --stack dev github:token` "
        "and set it with `pulumi config set --secret --stack dev github:token`",
        f"{stack}: provider configuration: 1 problem; the registries are declared in project my-infra's "
        f"program, not in this file: {PREVIEW_NOTE}",
    ]
    assert "ghp_plainCanary0815" not in "\n".join(lines)


def test_validate_without_a_project_file_takes_a_stack_without_our_keys_for_an_own_program(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme"})

    status, lines = _lines(capsys, stack)

    assert (status, lines) == (
        0,
        [
            f"provider configuration: no problems; the registries are declared in the program, not in this "
            f"file: {PREVIEW_NOTE}"
        ],
    )


def test_validate_keeps_the_delete_warning_for_this_repositorys_stack_program(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, "github-private-registries", main="stacks/")
    stack = _write(tmp_path / "stacks" / "Pulumi.prod.yaml", {"github:owner": "acme"})

    status, lines = _lines(capsys, stack)

    assert (status, lines) == (
        1,
        [
            "github-private-registries:registries is not set, so the stack would declare no registry and "
            "`pulumi up` would delete every one it manages: list the registries under it, or set it to [] "
            "to declare none",
            "0 registries, 1 problem",
        ],
    )


# --- item 2: keys near the ones we read, in pulumi-github's namespace --------------------------------


def test_validate_names_a_base_url_key_in_the_wrong_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", "github:baseurl": "https://github.acme.example", REGISTRIES: []},
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "github:baseurl is no key pulumi-github or this provider reads (config keys are case-sensitive): "
            "did you mean github:baseUrl?",
            "0 registries, 1 problem",
        ],
    )


@pytest.mark.slow
def test_a_misspelt_owner_is_one_problem_not_one_per_registry(tmp_path: Path) -> None:
    entries = [
        {**ENTRY, "registry_type": kind} for kind in ("npm_registry", "maven_repository", "nuget_feed")
    ]
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:ower": "acme", REGISTRIES: entries, **NPM_TOKEN})

    status, lines = _validate(stack)

    assert (status, lines) == (
        1,
        [
            f"{stack}: github:ower is no key pulumi-github or this provider reads: did you mean "
            "github:owner?",
            f"{stack}: 3 registries, 1 problem",
        ],
    )


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("github:tokn", "github:token"),
        ("github:appauth", "github:appAuth"),
        ("github:bseUrl", "github:baseUrl"),
        ("github:writedelayms", "github:writeDelayMs"),
        ("github:maxConcurrency", "github-private-registry:maxConcurrency"),
    ],
)
def test_validate_suggests_the_key_meant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, meant: str
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", key: SECURE, REGISTRIES: []})

    status, lines = _lines(capsys, stack)

    assert status == 1
    assert (
        len(lines) == 2
        and lines[0].startswith(f"{key} is no key")
        and lines[0].endswith(f"did you mean {meant}?")
    )


def test_a_misspelt_token_in_plaintext_says_so_without_quoting_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", "github:tokn": "ghp_canary0815", REGISTRIES: []},
    )

    _, lines = _lines(capsys, stack)

    assert lines[0] == (
        "github:tokn is no key pulumi-github or this provider reads: did you mean github:token?; it is in "
        "plaintext: remove it with `pulumi config rm --stack dev github:tokn` and set github:token with "
        "`pulumi config set --secret --stack dev github:token`"
    )
    assert "ghp_canary0815" not in "\n".join(lines)


def _vars_keys() -> set[str]:
    """The keys the installed pulumi-github reads in its namespace, from its config/vars.py."""
    import pulumi_github

    vars_py = Path(pulumi_github.__file__).parent / "config" / "vars.py"
    return set(re.findall(r"__config__\.get\w*\('([A-Za-z]+)'\)", vars_py.read_text()))


def test_the_pulumi_github_keys_never_flagged_are_those_of_the_installed_pulumi_github() -> None:
    assert _vars_keys() == PULUMI_GITHUB_KEYS


def test_validate_never_flags_a_key_pulumi_github_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    values: dict[str, Any] = {
        f"github:{key}": "1" for key in _vars_keys()
    }  # readDelayMs is as near writeDelayMs as a typo
    values.update(
        {"github:token": SECURE, "github:appAuth": None, "github:baseUrl": "https://github.acme.example"}
    )
    stack = _write(tmp_path / "Pulumi.dev.yaml", {**values, "github:owner": "acme", REGISTRIES: []})

    assert _lines(capsys, stack) == (0, ["0 registries, no problems"])


def _fails(call: Callable[[], Any]) -> str:
    with pytest.raises(ProviderError) as failure:
        call()
    return failure.value.details


def test_the_dynamic_provider_refuses_a_misspelt_base_url_key_before_any_request(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment(**{"github:baseUrl": None, "github:baseurl": emulator.base_url})

    details = _fails(lambda: host.check(declaration("token", "acme")))

    assert (
        "configuration: github:baseurl is no key pulumi-github or this provider reads (config keys are "
        "case-sensitive): did you mean github:baseUrl?"
    ) in details
    assert emulator.requests == []


def test_the_dynamic_provider_names_a_misspelt_owner_once(deployment: Deploy) -> None:
    host = deployment(**{"github:owner": None, "github:ower": "acme"})

    details = _fails(lambda: host.check(declaration("token", "acme")))

    assert (
        "configuration: github:ower is no key pulumi-github or this provider reads: did you mean "
        "github:owner?" in details
    )
    assert details.count("did you mean") == 1


def test_the_dynamic_provider_takes_pulumi_githubs_own_keys(deployment: Deploy) -> None:
    host = deployment(
        **{"github:readDelayMs": "100", "github:insecure": "false", "github:organization": "acme"}
    )

    assert host.check(declaration("token", "acme")).failures == []


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


def test_the_plugin_names_a_misspelt_key_of_its_namespace(plugins: Plugins) -> None:
    # Already so before #19 (its CheckConfig refuses every key that is no setting): kept in step.
    host = plugins.start(configure=False)
    checked = host.check_config({"ower": "acme", "baseurl": "https://github.acme.example"})

    assert sorted(reason for _, reason in checked.failures) == [
        "'github-private-registry:baseurl' is no setting of the provider: did you mean "
        "github-private-registry:baseUrl?",
        "'github-private-registry:ower' is no setting of the provider: did you mean "
        "github-private-registry:owner?",
    ]


# --- item 3: indentation slips that stay valid YAML -------------------------------------------------


def test_a_registries_key_at_the_top_level_says_where_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        f"config:\n  github:owner: acme\n  github-private-registries:npmToken:\n    secure: AAAB\n"
        f"{REGISTRIES}:\n  - registry_type: npm_registry\n    url: https://npm.pkg.github.com/acme\n"
        "    visibility: all\n    secret: npmToken\n",
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "`github-private-registries:registries` is at the top level of the file, not under `config:`: "
            "indent it under `config:`",
            "1 registry, 1 problem",
        ],
    )


def test_an_empty_registries_key_says_it_is_empty(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", f"config:\n  github:owner: acme\n  {REGISTRIES}:\n")

    assert _lines(capsys, stack) == (
        1,
        [
            "github-private-registries:registries is empty (null), so the stack would declare no registry "
            "and `pulumi up` would delete every one it manages: list the registries under it, indented below "
            "it (`    - registry_type: ...`), or set it to [] to declare none",
            "0 registries, 1 problem",
        ],
    )


def test_a_field_dedented_to_the_config_level_says_where_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        f"config:\n  github:owner: acme\n  github-private-registries:npmToken:\n    secure: AAAB\n"
        f"  {REGISTRIES}:\n    - registry_type: npm_registry\n      url: https://npm.pkg.github.com/acme\n"
        "      secret: npmToken\n  visibility: all\n",
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "`visibility` is a key of `config:`, not a field of a registry: indent it to line up with the "
            "fields of its registry under `github-private-registries:registries`",
            "1 registry, 1 problem",
        ],
    )


def test_a_yaml_error_is_one_line_naming_the_line_and_never_the_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", "config:\n  github:token: ghp_canary0815\n  github:owner: [acme\n"
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "not valid YAML at line 3, column 17: a [ list starts here and is never closed",
            "0 registries, 1 problem",
        ],
    )


def test_a_tab_in_the_indentation_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", "config:\n\tgithub:owner: acme\n")

    _, lines = _lines(capsys, stack)

    assert lines[0] == (
        "not valid YAML at line 2, column 1: found character '\\t' that cannot start any token "
        "(YAML indents with spaces, never tabs)"
    )


# --- item 4: one typo, one problem ----------------------------------------------------------------


def test_a_misspelt_visibility_is_one_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    entry = {
        **ENTRY,
        "visiblity": "selected",
        "selected_repository_ids": [1],
        "codespaces_secret": "NPM_TOKEN",
    }
    del entry["visibility"]
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: [entry], **NPM_TOKEN})

    assert _lines(capsys, stack) == (
        1,
        [
            "registry[0] (acme/NPM_REGISTRY_SECRET): visiblity: unknown field 'visiblity'; did you mean "
            "'visibility'?",
            "1 registry, 1 problem",
        ],
    )


def test_a_codespaces_secret_without_any_visibility_never_prints_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    entry = {**ENTRY, "codespaces_secret": {"name": None}}
    del entry["visibility"]
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: [entry], **NPM_TOKEN})

    _, lines = _lines(capsys, stack)

    assert lines == [
        "registry[0] (acme/NPM_REGISTRY_SECRET): codespaces_secret: needs the secret's name: "
        "`codespaces_secret: NAME`, or a mapping with name and visibility",
        "registry[0] (acme/NPM_REGISTRY_SECRET): codespaces_secret: takes the registry's visibility, "
        "which is not set: set the registry's `visibility`, or give the secret its own (`visibility:` all, "
        "private, selected)",
        "registry[0] (acme/NPM_REGISTRY_SECRET): visibility: 'visibility' is required",
        "1 registry, 3 problems",
    ]
    assert "None" not in "\n".join(lines)


def test_registries_of_the_wrong_kind_are_named_in_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: ENTRY})

    _, lines = _lines(capsys, stack)

    assert (
        lines[0]
        == "github-private-registries:registries must be a list of registries (`- ...`), got a mapping"
    )


# --- item 5: a base URL without its scheme, a misspelt secret key, a missing file -------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "github.acme.example",
            "github:baseUrl must be an absolute https:// URL, got 'github.acme.example' without its scheme: "
            "use https://github.acme.example",
        ),
        (
            "127.0.0.1:40619",
            "github:baseUrl must be an absolute https:// URL (or http:// to this machine), got "
            "'127.0.0.1:40619' without its scheme: use http://127.0.0.1:40619",
        ),
        (
            "https:/github.acme.example",
            "github:baseUrl must be an absolute https:// URL, got 'https:/github.acme.example' without its "
            "scheme: use https://github.acme.example",
        ),
    ],
)
def test_a_base_url_without_its_scheme_is_quoted_with_the_url_to_use(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, given: str, message: str
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", "github:baseUrl": given, REGISTRIES: []}
    )

    assert _lines(capsys, stack) == (1, [message, "0 registries, 1 problem"])


def test_a_base_url_path_is_never_quoted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        {"github:owner": "acme", "github:baseUrl": "github.acme.example/ghp_canary0815", REGISTRIES: []},
    )

    _, lines = _lines(capsys, stack)

    assert lines[0] == (
        "github:baseUrl must be an absolute https:// URL, got 'github.acme.example/...' without its scheme: "
        "use https://github.acme.example/..."
    )


def test_the_plugins_base_url_without_its_scheme_gets_the_url_to_use(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config({"baseUrl": "github.acme.example"})

    assert checked.failures == [
        (
            "baseUrl",
            "github-private-registry:baseUrl must be an absolute https:// URL, got "
            "'github.acme.example' without its scheme: use https://github.acme.example",
        )
    ]


def test_a_base_url_variable_without_its_scheme_gets_the_url_to_use(deployment: Deploy) -> None:
    host = deployment(env={"GITHUB_BASE_URL": "localhost:8787"}, **{"github:baseUrl": None})

    details = _fails(lambda: host.check(declaration("token", "acme")))

    assert (
        "configuration: GITHUB_BASE_URL must be an absolute https:// URL (or http:// to this machine), "
        "got 'localhost:8787' without its scheme: use http://localhost:8787"
    ) in details


@pytest.mark.parametrize(("named", "set_key"), [("npmTokn", "npmToken"), ("npmToken", "npmTokn")])
def test_a_misspelt_secret_key_gets_did_you_mean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, named: str, set_key: str
) -> None:
    config = {
        "github:owner": "acme",
        REGISTRIES: [{**ENTRY, "secret": named}],
        f"github-private-registries:{set_key}": SECURE,
    }
    stack = _write(tmp_path / "Pulumi.dev.yaml", config)

    assert _lines(capsys, stack) == (
        1,
        [
            f"registry[0] (acme/NPM_REGISTRY_SECRET): secret: the secret "
            f"github-private-registries:{named} is not set, but github-private-registries:{set_key} is: "
            f"did you mean `secret: {set_key}`?",
            "1 registry, 1 problem",
        ],
    )


def test_a_missing_file_says_no_such_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _lines(capsys, tmp_path / "Pulumi.prod.yaml") == (
        1,
        ["cannot read it: no such file", "0 registries, 1 problem"],
    )


# --- beyond the items: the slips found trying them -------------------------------------------------


def test_a_key_given_twice_is_refused_as_pulumi_refuses_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Pasting discover's block below an existing list: PyYAML would keep the last one silently.
    stack = _write(
        tmp_path / "Pulumi.dev.yaml",
        f"config:\n  github:owner: acme\n  {REGISTRIES}: []\n  {REGISTRIES}:\n"
        "    - registry_type: npm_registry\n",
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "`github-private-registries:registries` is given twice, at lines 3 and 4: Pulumi refuses the "
            "file; keep one",
            "0 registries, 1 problem",
        ],
    )


def test_repository_names_that_are_no_list_are_one_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    entry = {**ENTRY, "visibility": "selected", "selected_repositories": "web"}
    stack = _write(tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: [entry], **NPM_TOKEN})

    assert _lines(capsys, stack) == (
        1,
        [
            "registry[0] (acme/NPM_REGISTRY_SECRET): selected_repositories: must be a list of repository "
            "names",
            "1 registry, 1 problem",
        ],
    )


def test_a_secret_set_in_another_namespace_says_where_the_program_reads_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = _write(
        tmp_path / "Pulumi.dev.yaml", {"github:owner": "acme", REGISTRIES: [ENTRY], "github:npmToken": SECURE}
    )

    assert _lines(capsys, stack) == (
        1,
        [
            "registry[0] (acme/NPM_REGISTRY_SECRET): secret: the secret github-private-registries:npmToken "
            "is not set, but github:npmToken is: the program reads its secrets in the "
            "github-private-registries namespace; move it there (`pulumi config rm --stack dev "
            "github:npmToken`, then `pulumi config set --secret --stack dev "
            "github-private-registries:npmToken`)",
            "1 registry, 1 problem",
        ],
    )


def test_keys_without_a_namespace_are_the_stack_programs_as_pulumi_reads_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _project(tmp_path, "github-private-registries", main="stacks/")
    stack = _write(
        tmp_path / "stacks" / "Pulumi.dev.yaml",
        {"github:owner": "acme", "registries": [ENTRY], "npmToken": SECURE},
    )

    assert _lines(capsys, stack) == (0, ["1 registry, no problems"])
