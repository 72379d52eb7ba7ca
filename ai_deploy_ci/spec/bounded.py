"""Reading files a pull request author controls, with bounds that hold whatever the file is.

- Size is counted in bytes actually read, never trusted from `stat`: `/dev/zero`, `/proc` files
  and pipes report 0. Only regular files are opened at all: a FIFO would block `open()` forever.
- Nesting depth is checked on libyaml's event stream (an iterative state machine) before any
  node graph is built: the composer recurses, and 50,000 `[` segfault it well under 1 MB.
- Aliases are counted as they would expand (memoised per node, so the count itself is cheap):
  a "billion laughs" is refused before anything walks it.
- Scalars with explicit tags are constructed under guard: `!!int three`, `!!float sentiment` or a
  4,301-digit integer are located input errors, not crashes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode

from ai_deploy_ci.errors import InputError, Location

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_NODES = 100_000
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def read_bounded(path: Path, max_bytes: int, *, what: str = "file") -> bytes:
    """At most `max_bytes` bytes of a regular file, else InputError (exit 2) naming the file."""
    where = Location(str(path))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory", fix=f"pass a {what}", location=where)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a device, FIFO or socket)", fix=f"pass a {what}",
                             location=where)
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file", fix="check the path (relative to the working directory)",
                         location=where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", location=where) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than {max_bytes} bytes", fix=f"is this really a {what}?", location=where)
    return data


def depth_error(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of the first collection nested deeper than MAX_DEPTH, or None.
    YAML syntax errors are left to the real parse, which reports them with context."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    return line, col, f"nested deeper than {MAX_DEPTH} levels"
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def expanded_size(node: Node, memo: dict[int, int] | None = None) -> int:
    """How many values `node` stands for once every alias is expanded (depth already bounded)."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_NODES + 1  # a node reached again while being counted: a recursive alias
    total = 1
    if isinstance(node, SequenceNode):
        total += sum(expanded_size(n, memo) for n in node.value)
    elif isinstance(node, MappingNode):
        total += sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in node.value)
    memo[key] = min(total, 10 * MAX_NODES)
    return memo[key]


def load_yaml_documents(path: Path, *, max_bytes: int = 1_000_000, what: str = "YAML file") -> list[Any]:
    """Every document of a YAML file as plain values, bounded (module docstring); InputError with
    file, line and column for anything malformed or oversized."""
    data = read_bounded(path, max_bytes, what=what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", location=Location(str(path))) from None
    return parse_yaml_documents(text, str(path))


def parse_yaml_documents(text: str, file: str) -> list[Any]:
    """`load_yaml_documents` for text already read; `file` names it in errors."""
    deep = depth_error(text)
    if deep is not None:
        raise InputError(deep[2], fix="simplify the document", location=Location(file, deep[0], deep[1]))
    try:
        return [_construct(node, file) for node in _compose_all(text)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"YAML error: {problem}", fix="fix the YAML at this line", location=where) from None


def _compose_all(text: str) -> Iterator[Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def _construct(node: Node, file: str) -> Any:
    where = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    try:
        size = expanded_size(node)
    except RecursionError:  # aliases chained thousands deep
        size = MAX_NODES + 1
    if size > MAX_NODES:
        raise InputError(f"more than {MAX_NODES} values once aliases expand (an alias bomb?)",
                         fix="remove the anchors and aliases", location=where)
    try:
        return _BoundedConstructor().construct_document(node)
    except (ValueError, TypeError, OverflowError, AttributeError, yaml.YAMLError) as exc:
        raise InputError(f"a value does not match its YAML tag: {str(exc).splitlines()[0][:200]}",
                         fix="remove the `!!` tag or fix the value", location=where) from None


def read_json_object(path: Path, *, what: str, max_bytes: int = 50_000_000) -> dict[str, Any]:
    """A JSON artifact (summary.json, verdict.json, rollout.json) that must be one object:
    bounded by bytes read; InputError (exit 2) naming the file and the line otherwise."""
    import json

    data = read_bounded(path, max_bytes, what=what)
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", location=Location(str(path))) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", fix=f"re-create the {what}",
                         location=Location(str(path), exc.lineno, exc.colno)) from None
    except (ValueError, RecursionError) as exc:  # an integer past 4,300 digits, 100,000 nested [
        raise InputError(f"not readable JSON: {str(exc)[:120]}", fix=f"re-create the {what}",
                         location=Location(str(path))) from None
    if not isinstance(value, dict):
        raise InputError(f"expected a JSON object, got {type(value).__name__}", fix=f"re-create the {what}",
                         location=Location(str(path), 1, 1))
    return value


class _BoundedConstructor(SafeConstructor):
    """SafeConstructor whose integers stay printable: `0x` + 5,000 digits has no parse limit, but
    every later str() of it (messages, JSON) raises."""

    def construct_yaml_int(self, node: Any) -> int:
        value = int(super().construct_yaml_int(node))
        if value.bit_length() > 14_000:
            raise ValueError("an integer of more than 4,300 digits")
        return value


_BoundedConstructor.add_constructor("tag:yaml.org,2002:int", _BoundedConstructor.construct_yaml_int)  # type: ignore[type-var]
