"""Which problem ``code`` values an operation can produce, read from the code itself.

A route's function, its dependencies and every tiffin function they name are read (their
source, once) for constructions of ``TiffinError`` subclasses: ``Conflict(..., code="x")`` is
code ``x`` at 409, ``NotFound(...)`` is ``not_found`` at 404. Calls through objects
(``uow.orders.get``) are not followed; ``HANDLER_CODES`` adds what the app's exception handlers
give any route. A new route is covered without declaring anything.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Iterator
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

from tiffin.errors import TiffinError

# What ``tiffin.api.problems``'s handlers answer, by status, and when.
HANDLER_CODES: dict[int, tuple[str, ...]] = {
    400: ("malformed_json",),
    401: ("missing_token", "invalid_token", "token_expired"),
    413: ("body_too_large",),
    415: ("unsupported_media_type",),
    422: ("validation_error",),
    503: ("database_unavailable",),
}

# A status a route declares but whose codes cannot be read: the base classes' codes.
DEFAULT_CODES: dict[int, set[str]] = {c.status: {c.code} for c in TiffinError.__subclasses__()}


def codes_by_status(route: Any) -> dict[int, set[str]]:
    """Every code the route can answer with, by HTTP status."""
    found: dict[int, set[str]] = {}
    for fn in _route_callables(route):
        for status, code in _raised(fn):
            found.setdefault(status, set()).add(code)
    for status, codes in HANDLER_CODES.items():
        if status in found or _handler_applies(route, status):
            found.setdefault(status, set()).update(codes)
    return found


def _handler_applies(route: Any, status: int) -> bool:
    has_body = getattr(route, "body_field", None) is not None
    if status in (400, 413, 415):
        return has_body
    if status == 422:
        dependant = route.dependant
        return has_body or bool(dependant.query_params or dependant.path_params)
    if status == 401:
        return _authenticated(route)
    return status == 503 and route.path_format.startswith("/v1/")


def _authenticated(route: Any) -> bool:
    return any(
        d.call is not None and "principal" in d.call.__name__ for d in _deps(route.dependant)
    )


def _deps(dependant: Any) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep
        yield from _deps(dep)


def _route_callables(route: Any) -> Iterator[Any]:
    yield route.endpoint
    for dep in _deps(route.dependant):
        if dep.call is not None:
            yield dep.call


@cache
def _raised(fn: Any) -> frozenset[tuple[int, str]]:
    """(status, code) of every TiffinError ``fn`` or the tiffin functions it names construct."""
    found: set[tuple[int, str]] = set()
    seen: set[Any] = set()
    todo = [fn]
    while todo:
        current = inspect.unwrap(todo.pop())
        if current in seen or not _ours(current):
            continue
        seen.add(current)
        tree = _tree(current)
        if tree is None:
            continue
        scope = current.__globals__
        caught = _caught(tree, scope)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                target = _resolve(node.func, scope)
                if isinstance(target, type) and issubclass(target, TiffinError):
                    passed_on = _passed_on(node, caught)
                    if passed_on is None:
                        found.add((target.status, _code(node, target)))
                    else:
                        found |= {(target.status, code) for code in _domain_codes(passed_on)}
            elif isinstance(node, ast.Name | ast.Attribute):
                target = _resolve(node, scope)
                if isinstance(target, FunctionType):
                    todo.append(target)
    return frozenset(found)


def _ours(fn: Any) -> bool:
    return isinstance(fn, FunctionType) and fn.__module__.startswith("tiffin.")


def _tree(fn: FunctionType) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, scope)
        if isinstance(owner, ModuleType | type):
            return getattr(owner, node.attr, None)
    return None


def _caught(tree: ast.AST, scope: dict[str, Any]) -> dict[str, type]:
    """``except IllegalTransition as exc``: the names bound to caught exception classes."""
    return {
        node.name: kind
        for node in ast.walk(tree)
        if isinstance(node, ast.ExceptHandler) and node.name and node.type is not None
        if isinstance(kind := _resolve(node.type, scope), type)
    }


def _passed_on(call: ast.Call, caught: dict[str, type]) -> type | None:
    """``Conflict(exc.detail, code=exc.code)``: a domain error's code passed on as it is."""
    for keyword in call.keywords:
        value = keyword.value
        if (
            keyword.arg == "code"
            and isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
        ):
            return caught.get(value.value.id)
    return None


@cache
def _domain_codes(kind: type) -> frozenset[str]:
    """Every code a pure-domain exception class is raised with, in the package defining it."""
    package = kind.__module__.rpartition(".")[0]
    default = inspect.signature(kind).parameters.get("code")
    codes = {default.default} if default is not None and isinstance(default.default, str) else set()
    for name, module in list(sys.modules.items()):
        if not name.startswith(package + ".") or module is None:
            continue
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == kind.__name__
            ):
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        codes.add(str(keyword.value.value))
    return frozenset(codes)


def _code(call: ast.Call, cls: type[TiffinError]) -> str:
    for keyword in call.keywords:
        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return cls.code
