"""Tokenizer and parser for the runner's expression language (the text inside `${{ }}`).

Written by hand because the semantics we test against are GitHub's, not Python's or
JavaScript's: property names may contain `-`, `!` binds tighter than `<`, `-1` is a literal
(there is no unary minus), and `a.*.b` is an object filter. The AST is plain tuples so the
evaluator stays a single small function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.support.action_runner.values import to_number


class ExpressionError(ValueError):
    """The text is not a valid expression (the runner fails the step, as GitHub does)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "str", "ident", "op", "eof"
    text: str
    value: Any = None


_OPS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ".", ",", "*")
_NUM = re.compile(r"-?(0x[0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            j, out = i + 1, []
            while True:
                if j >= len(text):
                    raise ExpressionError(f"unterminated string in {text!r}")
                if text[j] == "'":
                    if text[j + 1 : j + 2] == "'":
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(text[j])
                j += 1
            tokens.append(Token("str", text[i : j + 1], "".join(out)))
            i = j + 1
            continue
        prev_is_operand = bool(tokens) and (tokens[-1].kind in ("num", "str", "ident")
                                            or tokens[-1].text in (")", "]"))
        m = _NUM.match(text, i)
        if m and (ch != "-" or not prev_is_operand) and not (tokens and tokens[-1].text == "."):
            tokens.append(Token("num", m.group(0), to_number(m.group(0))))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            tokens.append(Token("ident", m.group(0)))
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                tokens.append(Token("op", op))
                i += len(op)
                break
        else:
            raise ExpressionError(f"unexpected character {ch!r} at {i} in {text!r}")
    tokens.append(Token("eof", ""))
    return tokens


class _Parser:
    """Precedence climbing: || < && < == != < < <= > >= < ! < . [] (postfix) < primary."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self, text: str | None = None) -> Token:
        tok = self.tokens[self.pos]
        if text is not None and tok.text != text:
            raise ExpressionError(f"expected {text!r} but found {tok.text or 'end'!r} in {self.text!r}")
        self.pos += 1
        return tok

    def parse(self) -> tuple[Any, ...]:
        node = self.binary(0)
        if self.peek().kind != "eof":
            raise ExpressionError(f"unexpected {self.peek().text!r} in {self.text!r}")
        return node

    _LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))

    def binary(self, level: int) -> tuple[Any, ...]:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().text in self._LEVELS[level]:
            op = self.take().text
            node = ("op", op, node, self.binary(level + 1))
        return node

    def unary(self) -> tuple[Any, ...]:
        if self.peek().text == "!" and self.peek().kind == "op":
            self.take()
            return ("not", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: tuple[Any, ...]) -> tuple[Any, ...]:
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text == ".":
                self.take()
                name = self.take()
                if name.text == "*":
                    node = ("filter", node)
                elif name.kind == "ident":
                    node = ("index", node, ("lit", name.text))
                else:
                    raise ExpressionError(f"expected a property name after '.' in {self.text!r}")
            elif tok.kind == "op" and tok.text == "[":
                self.take()
                if self.peek().text == "*":
                    self.take()
                    node = ("filter", node)
                else:
                    node = ("index", node, self.binary(0))
                self.take("]")
            else:
                return node

    def primary(self) -> tuple[Any, ...]:
        tok = self.take()
        if tok.kind in ("num", "str"):
            return ("lit", tok.value)
        if tok.kind == "op" and tok.text == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if tok.kind == "ident":
            if tok.text in ("true", "false"):
                return ("lit", tok.text == "true")
            if tok.text == "null":
                return ("lit", None)
            if tok.text in ("NaN", "Infinity"):
                return ("lit", float(tok.text.lower().replace("infinity", "inf")))
            if self.peek().text == "(":
                self.take()
                args: list[tuple[Any, ...]] = []
                if self.peek().text != ")":
                    args.append(self.binary(0))
                    while self.peek().text == ",":
                        self.take()
                        args.append(self.binary(0))
                self.take(")")
                return ("call", tok.text.lower(), tuple(args))
            return ("context", tok.text.lower())
        raise ExpressionError(f"unexpected {tok.text or 'end'!r} in {self.text!r}")


def parse(text: str) -> tuple[Any, ...]:
    """Parse an expression (without `${{ }}`) into a tuple AST."""
    return _Parser(text).parse()


def calls(node: tuple[Any, ...]) -> set[str]:
    """Names of the functions an AST calls: decides whether `if:` gets an implicit `success() &&`."""
    found: set[str] = set()
    if node[0] == "call":
        found.add(node[1])
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str):
            found |= calls(child)
        elif isinstance(child, tuple):
            for arg in child:
                if isinstance(arg, tuple):
                    found |= calls(arg)
    return found
