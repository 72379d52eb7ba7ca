"""Read YAML into plain Python values while remembering where every key and value was written.

`yaml.safe_load` forgets positions and silently keeps the last of two duplicate keys, so we
compose the node graph (which carries marks) and build the values ourselves: that is where
duplicate keys, non-string keys (`on:` reads as `true` in YAML 1.1), unsupported tags and
alias bombs are caught, each with its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ai_deploy_ci.spec.bounded import depth_error, expanded_size
from ai_deploy_ci.spec.problems import Path, Severity

try:  # libyaml is ~10x faster; the pure-Python parser gives the same marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Pos = tuple[int, int]  # 1-based line, column

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("null", "bool", "int", "float")}
_STRING_TAGS = {f"{_TAG}str", f"{_TAG}timestamp"}  # a date stays the text the user wrote
_MAX_NODES = 100_000  # an alias bomb ("billion laughs") expands far beyond this
_MAX_DEPTH = 64
_TAB_INDENT = re.compile(r"^[ ]*\t")


@dataclass(frozen=True)
class RawProblem:
    """A problem before it knows its file: the reader is pure and file-agnostic."""

    line: int
    col: int
    path: Path
    message: str
    fix: str | None = None
    severity: Severity = "error"


@dataclass
class Document:
    data: object = None
    values: dict[Path, Pos] = field(default_factory=dict)  # where each value starts
    keys: dict[Path, Pos] = field(default_factory=dict)  # where each mapping key starts
    problems: list[RawProblem] = field(default_factory=list)

    def where(self, path: Path, *, key: bool = False) -> Pos:
        """Best position for `path`: the key (or value), else the nearest ancestor's."""
        probe = path
        while True:
            table = (self.keys, self.values) if key else (self.values, self.keys)
            for t in table:
                if probe in t:
                    return t[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]


def _pos(node: Node) -> Pos:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _TooBig(Exception):
    pass


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()
        self.constructor = SafeConstructor()

    def build(self, node: Node, path: Path, depth: int = 0) -> object:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooBig(f"more than {_MAX_NODES} values (aliases expanding without bound?)")
        if depth > _MAX_DEPTH:
            raise _TooBig(f"nested deeper than {_MAX_DEPTH} levels")
        self.doc.values.setdefault(path, _pos(node))
        if id(node) in self.active:
            self._problem(node, path, "recursive alias: a node contains itself", "remove the alias")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, path, f"{_TAG}seq")
                return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            self._check_tag(node, path, f"{_TAG}map")
            return self._mapping(node, path, depth)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: Path) -> object:
        if node.tag in _STRING_TAGS:
            return node.value
        if node.tag in _SCALAR_TAGS:
            return self._construct(node, path)
        self._problem(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")
        return node.value

    def _construct(self, node: ScalarNode, path: Path) -> object:
        """`!!int three`, `!!float sentiment`, a 4,301-digit integer: a located problem, not a crash."""
        try:
            value = self.constructor.construct_object(node)
            if isinstance(value, int) and value.bit_length() > 14_000:  # 0x… has no digit limit; str() does
                raise ValueError("more than 4,300 digits")
            return value
        except (ValueError, TypeError, OverflowError, AttributeError, yaml.YAMLError) as exc:
            kind = node.tag.removeprefix(_TAG)
            reason = "more than 4,300 digits" if "digits" in str(exc) else f"not a valid {kind}"
            self._problem(node, path, f"'{node.value[:40]}' cannot be read as {kind}: {reason}",
                          "remove the `!!` tag, quote the value, or write a smaller number")
            return None

    def _check_tag(self, node: Node, path: Path, expected: str) -> None:
        if node.tag != expected:
            self._problem(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, object]:
        out: dict[str, object] = {}
        first_seen: dict[str, Node] = {}
        merged: list[Node] = []
        for knode, vnode in node.value:
            if knode.tag == f"{_TAG}merge":
                merged.extend(vnode.value if isinstance(vnode, SequenceNode) else [vnode])
                continue
            key = self._key(knode, path)
            if key is None:
                continue
            if key in first_seen:
                line = first_seen[key].start_mark.line + 1
                self._problem(
                    knode,
                    (*path, key),
                    f"duplicate key '{key}' (first defined on line {line})",
                    "keep one of them: YAML would silently use the last",
                )
                continue
            first_seen[key] = knode
            self.doc.keys.setdefault((*path, key), _pos(knode))
            out[key] = self.build(vnode, (*path, key), depth + 1)
        for source in merged:  # `<<: *defaults`: explicit keys win, as in YAML's merge spec
            value = self.build(source, path, depth + 1)
            if not isinstance(value, dict):
                self._problem(source, path, "`<<` must merge a mapping", "merge an anchored mapping")
                continue
            for k, v in value.items():
                out.setdefault(k, v)
        return out

    def _key(self, knode: Node, path: Path) -> str | None:
        if not isinstance(knode, ScalarNode):
            self._problem(
                knode, path, "a key must be a plain string, not a list or mapping", "use a string key"
            )
            return None
        if knode.tag not in _STRING_TAGS:
            value = self._construct(knode, path) if knode.tag in _SCALAR_TAGS else knode.value
            self._problem(
                knode,
                (*path, knode.value),
                f"key '{knode.value}' is read as {type(value).__name__} {value!r}, not a string",
                f'quote it: "{knode.value}"',
            )
            return None
        return str(knode.value)

    def _problem(self, node: Node, path: Path, message: str, fix: str | None = None) -> None:
        line, col = _pos(node)
        self.doc.problems.append(RawProblem(line, col, path, message, fix))


def read_yaml(text: str) -> Document:
    """Parse one YAML document. Problems (never exceptions) for anything malformed."""
    doc = Document()
    deep = depth_error(text)  # before composing: the composer recurses (50,000 `[` crash it)
    if deep is not None:
        doc.problems.append(RawProblem(deep[0], deep[1], (), deep[2], "simplify the document"))
        return doc
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        doc.problems.extend(_syntax_problems(text, exc))
        return doc
    if root is None:
        doc.problems.append(
            RawProblem(1, 1, (), "the file is empty", "start with `apiVersion: ai-deploy-ci/v1`")
        )
        return doc
    try:
        too_big = expanded_size(root) > _MAX_NODES  # counted without expanding: a bomb costs nothing
    except RecursionError:
        too_big = True
    if too_big:
        doc.problems.append(RawProblem(1, 1, (), f"more than {_MAX_NODES} values (aliases expanding without "
                                       "bound?)", "simplify the document"))
        return doc
    builder = _Builder(doc)
    try:
        doc.data = builder.build(root, ())
    except (_TooBig, RecursionError) as exc:
        doc.data = None
        doc.problems.append(
            RawProblem(
                1,
                1,
                (),
                str(exc) if isinstance(exc, _TooBig) else "nested too deeply",
                "simplify the document",
            )
        )
    except yaml.YAMLError as exc:  # a bad scalar, e.g. an int too large for the constructor
        doc.data = None
        doc.problems.extend(_syntax_problems(text, exc))
    return doc


def _syntax_problems(text: str, exc: yaml.YAMLError) -> list[RawProblem]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    tabs = [i + 1 for i, ln in enumerate(text.splitlines()[:line]) if _TAB_INDENT.match(ln)]
    if tabs:  # the parser's own message ("cannot start any token") hides the cause
        out = []
        for n in tabs:
            tab_col = text.splitlines()[n - 1].index("\t") + 1
            out.append(
                RawProblem(
                    n,
                    tab_col,
                    (),
                    "tab character in indentation",
                    "indent with spaces: YAML forbids tabs for indentation",
                )
            )
        return out
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    opened = getattr(exc, "context_mark", None)
    if context and opened is not None and (opened.line + 1, opened.column + 1) != (line, col):
        context += (
            f" opened on line {opened.line + 1}, column {opened.column + 1}"  # where the cause usually is
        )
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    fix = (
        "one document per file: remove the `---` separator"
        if "single document" in message
        else ("check indentation, quotes and `key: value` spacing on this line or the one before")
    )
    return [RawProblem(line, col, (), message, fix)]
