"""Reading a stack file as Pulumi would, and nothing more: its ``config:`` mapping and the document
around it, or why it cannot be used (worded for ``validate`` and ``drift``); and the name of the
project a stack file belongs to.

Whatever the file holds, reading it is bounded (:data:`MAX_STACK_FILE` bytes, :data:`MAX_STACK_NODES`
values once its aliases are expanded) and no reason quotes the file's text, which may hold a token.
What the configuration means is :mod:`.stackconfig`'s; what is wrong with it, :mod:`.stackchecks`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from ..audiences.keys import PACKAGE
from ..audiences.misspelt_keys import edit_distance
from ..core import schema

__all__ = [
    "MAX_STACK_FILE",
    "MAX_STACK_NODES",
    "Project",
    "StackFile",
    "load_stack_file",
    "project_name",
    "read_project",
    "read_stack_file",
    "stack_name",
    "stack_of",
]

MAX_STACK_FILE: Final = 1024 * 1024
"""The largest stack file read: a real one is a few kilobytes."""


MAX_STACK_NODES: Final = 100_000
"""The most values a stack file may stand for once its aliases are expanded (a real one: hundreds)."""


def _expanded_size(value: Any, sizes: dict[int, int], limit: int) -> int:
    """How many values ``value`` stands for with its aliases expanded, counting each shared one
    once per use but computing it once: ten nested ``*a`` of a 600-byte file stand for billions
    (a "billion laughs"), which any code walking them would take hours over."""
    known = sizes.get(id(value))
    if known is not None:
        return known
    size = 1
    children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    for child in children:
        size += _expanded_size(child, sizes, limit)
        if size > limit:
            break
    sizes[id(value)] = size
    return size


@dataclass(frozen=True)
class StackFile:
    """A stack file as read: its ``config:`` mapping, the document around it, or why it is unusable."""

    config: Mapping[str, Any]
    document: Mapping[Any, Any] = field(default_factory=dict)
    unusable: tuple[str, ...] = ()


# What PyYAML's reason quotes of the file beyond a character or two (a tag, an alias, an anchor) is
# not shown: the file may hold a token there. Python's repr quotes in '...', or in "..." when the text
# holds a ' (and escapes the quote inside either way); PyYAML's own token names are '<block end>'.
_QUOTED_TEXT: Final = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
_TOKEN_NAME: Final = re.compile(r"'<[a-z ]{1,30}>'")
_QUOTES: Final = re.compile("['\"]")
_MAX_REASON: Final = 200


def _hidden(quoted: re.Match[str]) -> str:
    text = quoted[0]
    # One character, or one escaped ('\t'), is the character at fault; a token's are never one.
    return text if len(text) <= 4 or _TOKEN_NAME.fullmatch(text) else "'...'"


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """PyYAML's reason for refusing a file, as one line that quotes nothing longer than a character."""
    problem = getattr(exc, "problem", None)
    if not isinstance(problem, str) or not problem:
        return ""
    # Hidden before it is cut, as a cut could leave a quote open; a quote PyYAML left open (never
    # seen, but the reason is its to word) ends the reason.
    reason = _QUOTED_TEXT.sub(_hidden, problem)
    if _QUOTES.search(_QUOTED_TEXT.sub("", reason)):
        first = _QUOTES.search(reason)
        reason = reason[: first.start() if first else 0].rstrip(" :,") or "the file is not valid YAML there"
    reason = reason[:_MAX_REASON]
    if "'\\t'" in reason:
        reason += " (YAML indents with spaces, never tabs)"
    return f": {reason}"


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


# What was left open when the file ended, by PyYAML's context: a quoted value, a [list] or a {map}.
_UNCLOSED: Final = {
    "while scanning a quoted scalar": "a quoted value",
    "while parsing a flow sequence": "a [ list",
    "while parsing a flow mapping": "a { mapping",
}


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """Why PyYAML refused the file, where: one line that quotes nothing of it (PyYAML's message
    quotes the file around the error, which may be a token)."""
    context, problem = getattr(exc, "context", None), getattr(exc, "problem", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = getattr(exc, "problem_mark", None) or context_mark
    ended = isinstance(problem, str) and ("end of stream" in problem or "<stream end>" in problem)
    if context_mark is not None and ended and context in _UNCLOSED:
        # PyYAML points at the end of the file; the mistake is where the value opened.
        return f"not valid YAML at {_at(context_mark)}: {_UNCLOSED[context]} starts here and is never closed"
    if context_mark is not None and isinstance(context, str) and context.startswith("found duplicate anchor"):
        return (
            f"not valid YAML at {_at(mark)}: an anchor (&name) is defined a second time here, first at "
            f"{_at(context_mark)}: give each anchor its own name"
        )
    if mark is not None:
        where = _at(mark)
    else:  # a character YAML refuses (a control): the reader counts characters only
        position = min(getattr(exc, "position", 0), len(text))
        line = text.count("\n", 0, position) + 1
        where = f"line {line}, column {position - text.rfind(chr(10), 0, position)}"
    reason = _yaml_reason(exc)
    if problem == "expected <block end>, but found '-'":
        reason += " (a list item is indented differently from the one above it)"
    return f"not valid YAML at {where}{reason}"


class _DuplicateKey(yaml.YAMLError):
    """A key given twice in one mapping, which Pulumi's YAML reader refuses (PyYAML keeps the last)."""

    def __init__(self, key: str, first: int, second: int) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


# What PyYAML's constructors raise for a value that does not fit its tag, rather than a YAMLError.
_CONSTRUCTOR_ERRORS: Final = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


class _UnfitTag(yaml.YAMLError):
    """A value that does not fit its tag (``!!int abc``), where it is; the value is never kept."""

    def __init__(self, tag: str, line: int, column: int) -> None:
        super().__init__(tag)
        name = tag.removeprefix("tag:yaml.org,2002:")
        self.tag = f"!!{name}" if name != tag and name.isalpha() and len(name) <= 12 else "!!..."
        self.line, self.column = line, column

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}"
        return f"not valid YAML at {where}: a tagged value ({self.tag}) does not fit its tag"


class _StackLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key given twice in a mapping, as Pulumi does: pasting a
    second `github-private-registries:registries:` block would otherwise leave only the last one."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A value its tag does not fit (`!!int ghp_...`, `!!bool maybe`) makes PyYAML's constructors
        # raise Python's own errors, which quote the value: only where it is goes on.
        try:
            return super().construct_object(node, deep=deep)
        except _CONSTRUCTOR_ERRORS:
            raise _UnfitTag(node.tag, node.start_mark.line + 1, node.start_mark.column + 1) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        # Not a mapping (`!!map [a]`): SafeLoader's own check names it.
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault(key_node.value, key_node.start_mark.line + 1)
                if first != key_node.start_mark.line + 1:
                    raise _DuplicateKey(key_node.value, first, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)


def load_stack_file(path: Path) -> tuple[Mapping[str, Any], list[str]]:
    """A stack file's ``config:`` mapping, or why it cannot be used: a regular file of at most
    :data:`MAX_STACK_FILE` bytes, YAML standing for at most :data:`MAX_STACK_NODES` values, a
    mapping with a ``config:`` mapping."""
    read = read_stack_file(path)
    return read.config, list(read.unusable)


def read_stack_file(path: Path) -> StackFile:
    """:func:`load_stack_file`, with the document around ``config:`` (keys indented wrongly end
    up there)."""
    config, document, unusable = _read(path)
    return StackFile(config, document, tuple(unusable))


_PROJECT_FILE: Final = "this is the project file; give a stack file, Pulumi.<stack>.yaml"


def _read(path: Path) -> tuple[Mapping[str, Any], Mapping[Any, Any], list[str]]:
    try:
        if not path.is_file():
            if not path.exists():
                return {}, {}, ["cannot read it: no such file"]
            what = "a directory" if path.is_dir() else "not a regular file"
            return {}, {}, [f"cannot read it: {what}"]
        if path.name in _PROJECT_FILES:
            # Its `config:` declares the project's settings, not a stack's values.
            return {}, {}, [_PROJECT_FILE]
        with path.open("rb") as stream:
            raw = stream.read(MAX_STACK_FILE + 1)
        if len(raw) > MAX_STACK_FILE:
            return (
                {},
                {},
                [f"cannot read it: larger than {MAX_STACK_FILE // 1024} KiB, which no stack file is"],
            )
        text = raw.decode("utf-8")
        data = yaml.load(text, Loader=_StackLoader)  # a safe loader: SafeLoader's constructors only
        if _expanded_size(data, {}, MAX_STACK_NODES) > MAX_STACK_NODES:
            return (
                {},
                {},
                [f"not a stack file: its aliases (*name) stand for more than {MAX_STACK_NODES} values"],
            )
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return {}, {}, [f"cannot read it: not UTF-8 text (line {line})"]
    except OSError as exc:
        # The reason alone: str(exc) quotes the path again, with Python's "[Errno 13]".
        return {}, {}, [f"cannot read it: {(exc.strerror or type(exc).__name__).lower()}"]
    except RecursionError:
        return {}, {}, ["not valid YAML: nested too deeply"]
    except _UnfitTag as exc:
        return {}, {}, [str(exc)]
    except _CONSTRUCTOR_ERRORS:  # one a constructor raised outside a value of its own (none known)
        return {}, {}, ["not valid YAML: a tagged value (!!...) does not fit its tag"]
    except _DuplicateKey as exc:
        key = schema.plain(exc.key, 100)
        return (
            {},
            {},
            [
                f"`{key}` is given twice, at lines {exc.first} and {exc.second}: Pulumi refuses the file; "
                "keep one"
            ],
        )
    except yaml.YAMLError as exc:
        return {}, {}, [_yaml_problem(exc, text)]
    if data is None:
        data = {}
    if isinstance(data, Mapping) and "name" in data and "runtime" in data:  # no stack file has either
        return {}, {}, [_PROJECT_FILE]
    near = _near_config_key(data) if isinstance(data, Mapping) and "config" not in data else None
    if near is not None:
        return {}, {}, [f"`{schema.plain(near, 40)}` is no key of a stack file: did you mean `config:`?"]
    if not isinstance(data, Mapping) or not isinstance(data.get("config") or {}, Mapping):
        return {}, {}, ["not a Pulumi stack file: expected a mapping with a `config:` mapping"]
    return data.get("config") or {}, data, []


# The keys of a stack file besides `config` (Pulumi's ProjectStack, sdk/go/common/workspace/project.go).
_STACK_FILE_KEYS: Final = frozenset({"secretsprovider", "encryptedkey", "encryptionsalt", "environment"})


def _near_config_key(document: Mapping[Any, Any]) -> str | None:
    """A top-level key that misspells ``config`` (``Config``, ``confg``, ``configs``), or None."""
    for key in document:
        if (
            isinstance(key, str)
            and ":" not in key  # a config key written at the top level: said where it is
            and key not in _STACK_FILE_KEYS
            and edit_distance(key.lower(), "config", 2) <= 2
        ):
            return key
    return None


# A stack's name has letters, digits, '-', '_' and '.' only: it goes into the commands suggested,
# which a shell would read (a file named `Pulumi.$(...).yaml` names no stack).
_STACK_FILE_RE: Final = re.compile(r"Pulumi\.(?P<stack>[A-Za-z0-9_.\-]{1,100})\.ya?ml")


def stack_of(name: str) -> str | None:
    """The stack a stack file is of, by its name (``stacks/Pulumi.prod.yaml`` -> ``prod``), or None."""
    match = _STACK_FILE_RE.fullmatch(name.replace("\\", "/").rpartition("/")[2])
    return match["stack"] if match else None


def stack_name(given: str) -> str:
    """A stack's name as ``--stack`` takes it (``prod``), also when its stack file is given instead
    (``Pulumi.prod.yaml``, ``stacks/Pulumi.prod.yaml``): the commands suggested name the stack."""
    return stack_of(given) or given


_PROJECT_FILES: Final = ("Pulumi.yaml", "Pulumi.yml")
_MAX_PROJECT_FILE: Final = 64 * 1024
# How far up from a stack file its project file is looked for: Pulumi's `stackConfigDir` puts stack
# files below the project (this repository's in stacks/), never many levels down.
_PROJECT_LEVELS: Final = 6


@dataclass(frozen=True)
class Project:
    """What a stack file's project file says of its program: its name, and which of this
    provider's doors it uses."""

    name: str | None
    dynamic: bool
    """Whether its program uses the dynamic provider: a Python program that does not name the
    plugin's package (under ``packages:`` or ``plugins: providers:``)."""


def project_name(stack_file: Path) -> str | None:
    """The name of the Pulumi project a stack file belongs to (:func:`read_project`), or None."""
    project = read_project(stack_file)
    return project.name if project is not None else None


def read_project(stack_file: Path) -> Project | None:
    """The Pulumi project a stack file belongs to, as Pulumi places stack files: the nearest
    ``Pulumi.yaml`` in the stack file's folder or up to five folders above, if its stack files are
    in that folder (beside it, or in its ``stackConfigDir``); else None. The nearest project file
    decides, so that one further up (a stray ``/tmp/Pulumi.yaml``) never does; None also when it
    cannot be read."""
    try:
        folder = stack_file.resolve().parent
    except (OSError, RuntimeError):
        return None
    for candidate in [folder, *folder.parents][:_PROJECT_LEVELS]:
        for name in _PROJECT_FILES:
            path = candidate / name
            try:
                if not path.is_file():
                    continue
                with path.open("rb") as stream:
                    data = yaml.safe_load(stream.read(_MAX_PROJECT_FILE).decode("utf-8"))
                if not isinstance(data, Mapping):
                    return None
                # `config:` is the older name of `stackConfigDir`, when it names a folder.
                stacks = data.get("stackConfigDir") or data.get("config")
                home = (candidate / stacks).resolve() if isinstance(stacks, str) and stacks else candidate
            except (OSError, RuntimeError, yaml.YAMLError, *_CONSTRUCTOR_ERRORS, RecursionError):
                return None  # UnicodeDecodeError is a ValueError; a path with NUL one too
            if home != folder:
                return None
            found = data.get("name")
            return Project(found if isinstance(found, str) and found else None, _uses_dynamic(data))
    return None


def _uses_dynamic(project: Mapping[Any, Any]) -> bool:
    """Whether a project file's program uses the dynamic provider: Python, without the plugin."""
    runtime = project.get("runtime")
    if isinstance(runtime, Mapping):
        runtime = runtime.get("name")
    if runtime != "python":
        return False
    packages = project.get("packages")
    # `pulumi package add` from a repository names the package OWNER-github-private-registry.
    if isinstance(packages, Mapping) and any(str(name).endswith(PACKAGE) for name in packages):
        return False
    plugins = project.get("plugins")
    providers = plugins.get("providers") if isinstance(plugins, Mapping) else None
    return not (
        isinstance(providers, list)
        and any(isinstance(p, Mapping) and p.get("name") == PACKAGE for p in providers)
    )
