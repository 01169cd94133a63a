"""The tokenizer and errors the two formula grammars share: one fault, one message.

Each fault both grammars can meet is given to the scalar parser and to the matrix grammar; the
problem each reports (the text after the column) must be the same, word for word, except
where the grammars differ on purpose (what formulas may contain, the example, the nesting).
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest
import sympy

from symbackprop.errors import FormulaError
from symbackprop.rules import lexing
from symbackprop.rules.formula import free_names, parse_formula
from symbackprop.rules.lexing import FORBIDDEN, Alphabet, Token
from symbackprop.rules.lexing import tokenize as lex
from symbackprop.rules.tensor import syntax
from symbackprop.rules.tensor.expr import Ref
from symbackprop.rules.tensor.grammar import parse_tensor_formula
from symbackprop.rules.tensor.syntax import parse_syntax

WHERE = "f.toml: [graph.nodes] h"
SCALAR_NAMES = {name: sympy.Symbol(name) for name in ("a", "b", "x")}
TENSOR_NAMES = {"a": Ref("a", ()), "b": Ref("b", ()), "x": Ref("x", ())}
PLAIN = Alphabet(symbols="+-*/^(),", allowed="numbers and names", example="a + b",
                 call="max(a, b)", nesting="parentheses")


def scalar(text: str) -> str:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, SCALAR_NAMES, where=WHERE)
    return str(info.value)


def tensor(text: str) -> str:
    with pytest.raises(FormulaError) as info:
        parse_tensor_formula(text, TENSOR_NAMES, where=WHERE)
    return str(info.value)


def problem(message: str) -> str:
    """The problem a message states: its first line after the column (or after the quote)."""
    first = message.split("\n")[0]
    return re.sub(r"^.*?(, column \d+|in formula '.*?'): ", "", first, count=1)


SHARED_FAULTS = [
    "a + (b", "a + b)", "(a + b", "a + ()", "a +", "a + * b", "a ; b", "a # b", "a \\ b",
    "a + __b", "a + " + "b" * 40 + "__", "1e400 + a", "1" * 151, "2" * 40 + "1" * 140,
    "a + " + "x" * 45, "exp", "sigmod(a)", "a(b)", "a b", "a + 2 b", "a + 2b", "(a)(b)",
    "a + 1 2", "9^9^9^9", "a +\t\n(b", "a + \u00e9",
]


@pytest.mark.parametrize("text", SHARED_FAULTS)
def test_both_grammars_state_a_shared_fault_alike(text: str) -> None:
    from_scalar, from_tensor = scalar(text), tensor(text)
    assert from_scalar.startswith(WHERE)
    # the two differ only where the grammars do: what is allowed, and the matrix product
    normal = [re.sub(r" or, for a matrix product, '[^']*'", "", problem(m))
              .split("; formulas may contain")[0]
              .split("; tensor formulas may contain")[0]
              .replace(" or '@' for a matrix product", "") for m in (from_scalar, from_tensor)]
    if "unknown function" in normal[0]:  # the lists of functions differ; the start does not
        assert normal[0].split(";")[0] == normal[1].split(";")[0]
        return
    assert normal[0] == normal[1]


@pytest.mark.parametrize("text", SHARED_FAULTS)
def test_both_grammars_point_at_the_same_column(text: str) -> None:
    column = re.compile(r"column (\d+)")
    assert column.findall(scalar(text)) == column.findall(tensor(text))


def test_a_long_name_or_number_is_clipped_with_an_ellipsis_in_both() -> None:
    name = "q" * 40
    for message in (scalar(f"a + {name}__"), tensor(f"a + {name}__"), scalar(name),
                    tensor(name), scalar("1" * 200), tensor("1" * 200)):
        quoted = re.findall(r"(?:name|number) '([^']*)'", problem(message))[0]
        assert quoted.endswith("...")
        assert len(quoted) == 33


def test_the_tensor_grammar_suggests_both_products_for_implicit_multiplication() -> None:
    assert problem(scalar("a + 2 b")) == ("missing operator before 'b'; to multiply, write "
                                          "'a + 2*b' (implicit multiplication is not allowed)")
    assert problem(tensor("a + 2 b")) == (
        "missing operator before 'b'; to multiply, write 'a + 2*b' or, for a matrix product, "
        "'a + 2 @ b' (implicit multiplication is not allowed)")


def test_a_stray_dot_is_attribute_access_in_both_grammars() -> None:
    assert problem(scalar("a + .b")) == (
        "attribute access with '.' is not allowed; '.' may only appear in a number")
    assert problem(tensor("a + .b")) == (
        "attribute access with '.' is not allowed; '.' may only appear in a number or in the "
        "transpose .T of an operand")
    assert problem(scalar("a.T")) == "attribute access with '.' is not allowed"
    assert problem(tensor("a.b")) == (
        "attribute access with '.' is not allowed; the only postfix is .T (the transpose)")


def test_a_power_too_large_states_the_limit_in_both_grammars() -> None:
    for message in (scalar("2^2^2^2^2^2"), tensor("2**2**2**2**2**2")):
        assert problem(message).startswith("power too large to compute exactly; exact numbers "
                                           "are limited to 512 bits")
        assert "SYMBACKPROP_MAX_NUMBER_BITS" in message


@pytest.mark.parametrize("text", ["(a + 1e400", ", 1e400", "a) + 1" + "0" * 200])
def test_the_first_fault_of_the_tokens_is_reported_before_any_of_the_grammar(text: str) -> None:
    for message in (scalar(text), tensor(text)):
        assert "is too large" in message
    with pytest.raises(FormulaError, match="is too large"):
        free_names(text)
    with pytest.raises(FormulaError, match="is too large"):
        parse_syntax(text)


def test_tokens_carry_their_kind_text_and_column() -> None:
    assert lex(" 2 ** x1,(y)", WHERE, PLAIN) == [
        Token("number", "2", 1), Token("^", "**", 3), Token("name", "x1", 6),
        Token(",", ",", 8), Token("(", "(", 9), Token("name", "y", 10), Token(")", ")", 11),
        Token("end", "", 12)]


def test_an_alphabet_without_a_symbol_refuses_it_with_what_is_allowed() -> None:
    with pytest.raises(FormulaError, match="character '@' is not allowed; numbers and names"):
        lex("a @ b", WHERE, PLAIN)
    with pytest.raises(FormulaError, match=r"the only postfix is \.T"):
        lex("a.b", WHERE, Alphabet(symbols="+", allowed="", example="", call="", nesting="",
                                   transpose=True))


def test_the_shared_refusals_are_in_both_alphabets() -> None:
    for character, message in FORBIDDEN.items():
        assert problem(scalar(f"a {character} b")) == message
        assert problem(tensor(f"a {character} b")) == message


@pytest.mark.parametrize("module", [lexing, syntax])
def test_the_shared_tokenizer_and_the_matrix_grammar_never_call_an_evaluator(
        module: object) -> None:
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    used = {token.string for token in tokens if token.type == tokenize.NAME}
    assert not used & {"eval", "exec", "sympify", "parse_expr", "lambdify", "__import__", "ast",
                       "getattr", "globals", "locals", "vars", "open"}
