"""The rule language: a tiny, total expression language over named features, never ``eval``.

Grammar (lowest binding first)::

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | "true" | "false" | FEATURE | "(" expr ")"

Two types, number and bool, checked on save against the declared feature types; a rule must be
a bool. Every error names the position of the offending token. Compiled rules are closures over
a feature dict: evaluation cannot raise (x / 0 is 0, features are read with a default) and
cannot reach anything but the features it was given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tiffin.errors import Invalid

MAX_LENGTH = 1000
MAX_DEPTH = 40
MAX_OPERATORS = 100  # bounds the compiled closures' call depth


class Type(StrEnum):
    NUMBER = "number"
    BOOL = "bool"


Features = Mapping[str, float | bool]
Compiled = Callable[[Features], Any]


class ExpressionError(Invalid):
    """A rule that does not parse or type-check; ``position`` is the offending token's offset."""

    code = "bad_expression"
    exposed = ("position",)  # shown in the problem body beside ``code``

    def __init__(self, detail: str, position: int) -> None:
        super().__init__(f"{detail} (at position {position})", position=position)
        self.position = position


_TOKEN = re.compile(
    r"\s*(?:(?P<num>[0-9]{1,15}(?:\.[0-9]{1,15})?)|(?P<name>[A-Za-z_][A-Za-z0-9_]{0,79})"
    r"|(?P<op><=|>=|==|!=|[<>()+\-*/]))"
)
_WORDS = {"and", "or", "not", "true", "false"}
_COMPARE = {"<", "<=", ">", ">=", "==", "!="}


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, word, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, refusing anything the grammar does not know."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"a rule is at most {MAX_LENGTH} characters", MAX_LENGTH)
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            start = at + len(text[at:]) - len(text[at:].lstrip())
            raise ExpressionError(f"unexpected character {text[start]!r}", start)
        kind = match.lastgroup or "op"
        value = match.group(kind)
        start = match.start(kind)
        if kind == "name" and value in _WORDS:
            kind = "word"
        tokens.append(Token(kind, value, start))
        at = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


@dataclass(frozen=True)
class Node:
    """A typed, compiled sub-expression."""

    type: Type
    run: Compiled
    position: int


class _Parser:
    def __init__(self, tokens: list[Token], features: Mapping[str, Type]) -> None:
        self.tokens = tokens
        self.at = 0
        self.features = features
        self.depth = 0
        self.used: set[str] = set()
        self.operators = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        if token.kind in ("op", "word") and token.text not in ("(", ")", "true", "false"):
            self.operators += 1
            if self.operators > MAX_OPERATORS:
                raise ExpressionError(
                    f"a rule has at most {MAX_OPERATORS} operators", token.position
                )
        return token

    def nested(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} deep", position)

    def expect(self, node: Node, wanted: Type, what: str) -> None:
        if node.type is not wanted:
            raise ExpressionError(
                f"{what} needs a {wanted.value}, not a {node.type.value}", node.position
            )

    def parse(self) -> Node:
        node = self.or_()
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {self.token.text!r}", self.token.position)
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.token.text == "or" and self.token.kind == "word":
            op = self.take()
            right = self.and_()
            self.expect(left, Type.BOOL, "'or'")
            self.expect(right, Type.BOOL, "'or'")
            left = Node(Type.BOOL, _or(left.run, right.run), op.position)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.token.text == "and" and self.token.kind == "word":
            op = self.take()
            right = self.not_()
            self.expect(left, Type.BOOL, "'and'")
            self.expect(right, Type.BOOL, "'and'")
            left = Node(Type.BOOL, _and(left.run, right.run), op.position)
        return left

    def not_(self) -> Node:
        if self.token.text == "not" and self.token.kind == "word":
            op = self.take()
            self.nested(op.position)
            inner = self.not_()
            self.depth -= 1
            self.expect(inner, Type.BOOL, "'not'")
            run = inner.run
            return Node(Type.BOOL, lambda f: not run(f), op.position)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        if self.token.kind == "op" and self.token.text in _COMPARE:
            op = self.take()
            right = self.sum()
            if op.text in ("==", "!="):
                if left.type is not right.type:
                    raise ExpressionError(
                        f"'{op.text}' compares a {left.type.value} with a {right.type.value}",
                        op.position,
                    )
            else:
                self.expect(left, Type.NUMBER, f"'{op.text}'")
                self.expect(right, Type.NUMBER, f"'{op.text}'")
            return Node(Type.BOOL, _COMPARERS[op.text](left.run, right.run), op.position)
        return left

    def sum(self) -> Node:
        left = self.product()
        while self.token.kind == "op" and self.token.text in ("+", "-"):
            op = self.take()
            right = self.product()
            self.expect(left, Type.NUMBER, f"'{op.text}'")
            self.expect(right, Type.NUMBER, f"'{op.text}'")
            left = Node(Type.NUMBER, _ARITHMETIC[op.text](left.run, right.run), op.position)
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/"):
            op = self.take()
            right = self.unary()
            self.expect(left, Type.NUMBER, f"'{op.text}'")
            self.expect(right, Type.NUMBER, f"'{op.text}'")
            left = Node(Type.NUMBER, _ARITHMETIC[op.text](left.run, right.run), op.position)
        return left

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            op = self.take()
            self.nested(op.position)
            inner = self.unary()
            self.depth -= 1
            self.expect(inner, Type.NUMBER, "'-'")
            run = inner.run
            return Node(Type.NUMBER, lambda f: -run(f), op.position)
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "num":
            value = float(token.text)
            return Node(Type.NUMBER, lambda f: value, token.position)
        if token.kind == "word" and token.text in ("true", "false"):
            flag = token.text == "true"
            return Node(Type.BOOL, lambda f: flag, token.position)
        if token.kind == "name":
            declared = self.features.get(token.text)
            if declared is None:
                raise ExpressionError(f"no feature named {token.text!r}", token.position)
            self.used.add(token.text)
            return Node(declared, _feature(token.text, declared), token.position)
        if token.kind == "op" and token.text == "(":
            self.nested(token.position)
            inner = self.or_()
            self.depth -= 1
            if self.token.text != ")" or self.token.kind != "op":
                raise ExpressionError("missing ')'", self.token.position)
            self.take()
            return inner
        if token.kind == "end":
            raise ExpressionError("the rule ends too early", token.position)
        raise ExpressionError(f"unexpected {token.text!r}", token.position)


def _feature(name: str, declared: Type) -> Compiled:
    if declared is Type.BOOL:
        return lambda f: bool(f.get(name, False))
    return lambda f: float(f.get(name, 0.0))


def _and(a: Compiled, b: Compiled) -> Compiled:
    return lambda f: a(f) and b(f)


def _or(a: Compiled, b: Compiled) -> Compiled:
    return lambda f: a(f) or b(f)


def _divide(a: float, b: float) -> float:
    return a / b if b else 0.0


_ARITHMETIC: dict[str, Callable[[Compiled, Compiled], Compiled]] = {
    "+": lambda a, b: lambda f: a(f) + b(f),
    "-": lambda a, b: lambda f: a(f) - b(f),
    "*": lambda a, b: lambda f: a(f) * b(f),
    "/": lambda a, b: lambda f: _divide(a(f), b(f)),
}
_COMPARERS: dict[str, Callable[[Compiled, Compiled], Compiled]] = {
    "<": lambda a, b: lambda f: a(f) < b(f),
    "<=": lambda a, b: lambda f: a(f) <= b(f),
    ">": lambda a, b: lambda f: a(f) > b(f),
    ">=": lambda a, b: lambda f: a(f) >= b(f),
    "==": lambda a, b: lambda f: a(f) == b(f),
    "!=": lambda a, b: lambda f: a(f) != b(f),
}


@dataclass(frozen=True)
class Expression:
    """A checked rule: its text, the features it reads, and the compiled predicate."""

    text: str
    features: frozenset[str]
    run: Compiled

    def holds(self, features: Features) -> bool:
        """Whether the rule fires; a value that is not finite never fires (nan compares false)."""
        result = self.run(features)
        return bool(result) and not (isinstance(result, float) and math.isnan(result))


def compile_rule(text: str, features: Mapping[str, Type]) -> Expression:
    """Parse and type-check ``text`` against the declared ``features``; raise ExpressionError."""
    parser = _Parser(tokenize(text), features)
    node = parser.parse()
    if node.type is not Type.BOOL:
        raise ExpressionError("a rule must be true or false, not a number", 0)
    return Expression(text, frozenset(parser.used), node.run)
