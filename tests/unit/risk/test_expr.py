"""The rule language: what it accepts, where it points when it refuses, and that no input can
do anything but compile or raise the validation error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiffin.risk.expr import MAX_LENGTH, ExpressionError, Type, compile_rule
from tiffin.risk.model import FEATURES

F = {"claims": Type.NUMBER, "age": Type.NUMBER, "new": Type.BOOL}


def test_precedence_and_arithmetic_follow_the_grammar() -> None:
    rule = compile_rule("claims / age > 0.3 and not new or claims - 1 >= 2 * 2", F)
    assert rule.holds({"claims": 5, "age": 10, "new": True})  # 4 >= 4
    assert not rule.holds({"claims": 1, "age": 10, "new": False})
    assert rule.holds({"claims": 4, "age": 10, "new": False})
    assert rule.features == {"claims", "age", "new"}


def test_division_by_zero_is_zero_and_missing_features_read_as_zero() -> None:
    assert compile_rule("claims / age == 0", F).holds({"claims": 3, "age": 0})
    assert compile_rule("claims == 0 and not new", F).holds({})


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("claims >", 8, "ends too early"),
        ("claimz > 1", 0, "no feature named 'claimz'"),
        ("claims + new > 1", 9, "'+' needs a number"),
        ("claims", 0, "must be true or false"),
        ("claims > 1 1", 11, "unexpected '1'"),
        ("(claims > 1", 11, "missing ')'"),
        ("claims > 1 and age", 15, "'and' needs a bool"),
        ("new == 1", 4, "compares a bool with a number"),
        ("__import__('os')", 11, "unexpected character"),
        ("claims > 1; x", 10, "unexpected character ';'"),
    ],
)
def test_errors_name_the_offending_token(text: str, position: int, words: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_rule(text, F)
    assert caught.value.position == position
    assert words in caught.value.detail
    assert caught.value.code == "bad_expression"


def test_size_depth_and_operator_count_are_bounded() -> None:
    with pytest.raises(ExpressionError, match="at most"):
        compile_rule("claims > 1 or " * 100 + "new", F)
    with pytest.raises(ExpressionError, match="nested"):
        compile_rule("(" * 60 + "new" + ")" * 60, F)
    with pytest.raises(ExpressionError, match="characters"):
        compile_rule("new " + " " * MAX_LENGTH, F)


ALPHABET = st.sampled_from(
    [*"0123456789.()<>=!+-*/ _abcnotrfuel\"';[]{}\\$@\n\t", "and", "or", "not", "claims", "new"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=120), st.lists(ALPHABET, max_size=60).map(" ".join)))
def test_no_input_does_anything_but_compile_or_raise_the_validation_error(text: str) -> None:
    try:
        rule = compile_rule(text, F)
    except ExpressionError as error:
        assert 0 <= error.position <= max(len(text), MAX_LENGTH)
        return
    for features in ({}, {"claims": 1e308, "age": 0.0, "new": True}, {"claims": -3, "age": 7}):
        assert rule.holds(features) in (True, False)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.sampled_from(["claims", "age", "1", "2.5", "0"]),
        lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        max_leaves=20,
    ),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_well_typed_arithmetic_never_raises_at_evaluation(
    term: str, claims: float, age: float
) -> None:
    rule = compile_rule(f"{term} > 0 or {term} <= 0", F)
    assert rule.holds({"claims": claims, "age": age}) in (True, False)


def test_the_default_rules_compile_against_the_feature_catalogue() -> None:
    from tiffin.risk.defaults import default_rules

    assert {r.rule_id for r in default_rules()} >= {"claim_rate", "shared_device"}
    assert all(r.expression.features <= set(FEATURES) for r in default_rules())
