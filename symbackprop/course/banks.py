"""What the Moodle and Canvas question banks share: the variants, one tolerance, the question text.

A question bank (:mod:`~symbackprop.course.moodle`, :mod:`~symbackprop.course.qti`) carries the
variants ``symbackprop variants`` draws: :func:`load_bank` reads the template and calls
:func:`~symbackprop.course.variants.template_variants` exactly as
:func:`~symbackprop.course.files.assignment_files` does, so the same seed and students give the
same numbers, answers and mistakes as the answer keys.

In a calculated question the LMS grades every variant with **one** tolerance, where an answer
key has one a variant.  :func:`one_tolerance` chooses it so that the LMS never accepts an answer
the key would reject: the tightest of the variants' own tolerances (relative for a derivative
or a forward value, rounded down to one significant digit; absolute for an update, whose key
tolerance is one of the step, and for a question that sets ``tolerance``).  The question text
says which tolerance applies, so a student knows how precise to be.

Text from the template (title, description, a question's text) is untrusted: :func:`html_text`
escapes it for HTML and writes ``{`` ``}`` ``[`` ``]`` as character references, so that
neither Moodle's wildcards (``{x}``, ``{=...}``) nor Canvas's variables (``[x]``) can appear in
it; :func:`xml_safe` replaces the characters XML 1.0 cannot hold (control characters other
than tab and newlines, U+FFFE, U+FFFF, lone surrogates) by U+FFFD.  The XML itself is written
by :mod:`xml.etree.ElementTree`, the one layer that escapes for XML.

Examples
--------
>>> from symbackprop.course.roster import numbered
>>> bank = load_bank("assignment_2_2_2", numbered(3), seed=1)
>>> bank
Bank('assignment_2_2_2', 4 questions, 3 variants)
>>> one_tolerance(bank.answers(0))
Tolerance(relative 0.001)
>>> html_text("<b>{x}</b> & [y]")
'&lt;b&gt;&#123;x&#125;&lt;/b&gt; &amp; &#91;y&#93;'
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from ..check.predict import MistakenValue
from ..errors import SpecError
from ..render.numbers import text_number
from ..spec.problems import problem_from_dict, read_problem_data
from ..spec.variants import Question
from .keys import Answer
from .roster import Student
from .tensor_files import scalar_bank
from .variants import Variant, leaves, rounded, template_variants

__all__ = ["WILDCARD", "Bank", "Tolerance", "decimal_text", "html_text", "load_bank",
           "mistake_html", "number_text", "one_tolerance", "question_html", "sub_element",
           "xml_safe"]

WILDCARD = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
"""The leaf names a bank can use as a Moodle wildcard (``{w1}``) and a Canvas variable
(``[w1]``): a letter first (Moodle's ``qtype_calculated::PLACEHOLDER_REGEX_PART`` asks for one)."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REFERENCES = str.maketrans({"{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;"})


@dataclass(frozen=True)
class Bank:
    """A template's variants, ready for an LMS: its name, title, description and learning rate.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> bank = load_bank("assignment_2_2_2", numbered(2))
    >>> [q.id for q in bank.questions], bank.leaves[:3]
    (['q1', 'q2', 'q3', 'q4'], ['b1', 'b2', 'w1'])
    """

    name: str
    title: str
    description: str
    learning_rate: float | None
    variants: tuple[Variant, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions every variant asks."""
        return tuple(answer.question for answer in self.variants[0].key)

    @property
    def leaves(self) -> list[str]:
        """The names that take values, in the graph's order."""
        return list(self.variants[0].values)

    def answers(self, index: int) -> list[Answer]:
        """Question ``index`` answered in every variant, in the variants' order."""
        return [variant.key[index] for variant in self.variants]

    def __repr__(self) -> str:
        return (f"Bank({self.name!r}, {len(self.questions)} questions, "
                f"{len(self.variants)} variants)")


def load_bank(template: str, students: tuple[Student, ...], seed: int | None = None) -> Bank:
    """The variants of ``template`` for ``students``: those ``symbackprop variants`` writes.

    Raises
    ------
    SpecError
        For a template that is not one, a formula question (an LMS number field cannot take
        one), a leaf whose name cannot be a wildcard, or draws that stay degenerate.

    Examples
    --------
    >>> from symbackprop.course.roster import Student
    >>> bank = load_bank("assignment_2_2_2", (Student("ada"),), seed=1)
    >>> bank.variants[0].values["w5"]
    Decimal('-0.55')
    """
    name, data = read_problem_data(template)
    scalar_bank(name, data)
    problem = problem_from_dict(data, name=name)
    short = name.removesuffix(" (bundled example)")
    if problem.variants is not None:
        formula = [q.id for q in problem.variants.questions if q.answer == "formula"]
        if formula:
            raise SpecError(f"{name}: question {formula[0]} asks for a formula; an LMS number "
                            "field cannot take one: export a template with number questions")
    bad = [leaf for leaf in leaves(problem) if not WILDCARD.match(leaf)]
    if bad:
        raise SpecError(f"{name}: the value {bad[0]!r} cannot be an LMS variable (Moodle's "
                        "wildcards and Canvas's variables start with a letter); rename it")
    variants = template_variants(problem, students, seed)
    return Bank(short, problem.title or short, " ".join(problem.description.split()),
                problem.learning_rate, tuple(variants))


@dataclass(frozen=True)
class Tolerance:
    """The one tolerance an LMS grades a calculated question with.

    Attributes
    ----------
    kind : {"relative", "absolute"}
    size : float
        A fraction of the right value (relative), or a distance from it (absolute).

    Examples
    --------
    >>> Tolerance("relative", 0.001).text(), Tolerance("absolute", 1e-06).text()
    ('within ±0.1% of the right value', 'within ±1e-06 of the right value')
    >>> Tolerance("relative", 0.001).accepts(0.0821, 0.08216704056)
    True
    """

    kind: str
    size: float

    def width(self, right: float) -> float:
        """How far from ``right`` an answer may be."""
        return self.size * abs(right) if self.kind == "relative" else self.size

    def accepts(self, answer: float, right: float) -> bool:
        """Whether the LMS accepts ``answer`` for the right value ``right``."""
        return abs(answer - right) <= self.width(right) * (1 + 1e-12)

    def text(self) -> str:
        """The tolerance in words, for the question text."""
        if self.kind == "relative":
            return f"within ±{self.size * 100:g}% of the right value"
        return f"within ±{self.size:g} of the right value"

    def __repr__(self) -> str:
        return f"Tolerance({self.kind} {self.size:g})"


def _floor_one_digit(value: float) -> float:
    number = Decimal(repr(value))
    exponent = number.adjusted()
    return float(number.scaleb(-exponent).to_integral_value(ROUND_FLOOR).scaleb(exponent))


def one_tolerance(answers: Sequence[Answer]) -> Tolerance:
    """The tolerance one calculated question applies to every variant of ``answers``.

    Never wider than a variant's own (:attr:`Answer.tolerance`): a question's ``tolerance``
    as it is; an update, or a right value of 0, the smallest absolute tolerance; otherwise
    the smallest relative one, rounded down to one significant digit.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> bank = load_bank("assignment_2_2_2", numbered(5), seed=2)
    >>> [one_tolerance(bank.answers(i)) for i in range(4)]
    [Tolerance(relative 0.001), Tolerance(relative 0.003), Tolerance(absolute 1e-05), \
Tolerance(relative 0.002)]
    """
    question = answers[0].question
    if question.tolerance is not None:
        return Tolerance("absolute", question.tolerance)
    if question.kind == "update" or any(a.value == 0 for a in answers):
        return Tolerance("absolute", min(a.tolerance for a in answers))
    return Tolerance("relative",
                     _floor_one_digit(min(a.tolerance / abs(a.value) for a in answers)))


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD.

    Examples
    --------
    >>> xml_safe("a\\x00b\\x1bc\\td")
    'a\\ufffdb\\ufffdc\\td'
    """
    return _NOT_XML.sub("\ufffd", text)


def sub_element(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    """A child of ``parent`` holding ``text`` (made :func:`xml_safe`; ElementTree escapes it
    when it writes the document).

    Examples
    --------
    >>> root = ET.Element("quiz")
    >>> _ = sub_element(root, "name", "a < b \\x00", kind="x")
    >>> ET.tostring(root, encoding="unicode")
    '<quiz><name kind="x">a &lt; b \ufffd</name></quiz>'
    """
    element = ET.SubElement(parent, tag, attributes)
    if text:
        element.text = xml_safe(text)
    return element


def html_text(text: str) -> str:
    """Untrusted ``text`` as HTML text (not for an attribute's value): ``&``, ``<`` and ``>``
    escaped, braces and brackets as character references.

    Examples
    --------
    >>> html_text("{=system('ls')} ]]> \\x07")
    "&#123;=system('ls')&#125; &#93;&#93;&gt; \\ufffd"
    """
    return html.escape(xml_safe(text), quote=False).translate(_REFERENCES)


def decimal_text(value: Decimal) -> str:
    """A drawn value as it is written: its digits, never an exponent.

    Examples
    --------
    >>> decimal_text(Decimal("-0.70")), decimal_text(Decimal("1E+1")), decimal_text(Decimal("0E-8"))
    ('-0.70', '10', '0.00000000')
    """
    return format(value, "f")


def number_text(value: float) -> str:
    """A computed value as a bank writes it: :data:`~symbackprop.course.variants.KEY_DIGITS`
    significant digits, as in the answer keys.

    Examples
    --------
    >>> number_text(0.1 + 0.2), number_text(-1.234567890123456e-07)
    ('0.3', '-1.23456789012e-07')
    """
    return repr(rounded(value))


def question_html(bank: Bank, question: Question, values: Mapping[str, str], asked: str) -> str:
    """The text of a question as HTML: the problem, the student's numbers, what is asked.

    ``values`` maps each leaf to the HTML shown for it (a number, or a wildcard the LMS
    replaces by one); ``asked`` says how precise the answer must be.  Everything else is
    escaped with :func:`html_text`.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> bank = load_bank("assignment_2_2_2", numbered(1))
    >>> text = question_html(bank, bank.questions[0], {k: "{" + k + "}" for k in bank.leaves},
    ...                      "within ±0.1% of the right value")
    >>> print(text.splitlines()[-1])
    <p>Give <code>dL/dw5</code> within ±0.1% of the right value.</p>
    """
    lines = [f"<p><strong>{html_text(bank.title)}</strong></p>"]
    if bank.description:
        lines.append(f"<p>{html_text(bank.description)}</p>")
    if bank.learning_rate is not None:
        lines.append(f"<p>Learning rate: {bank.learning_rate:g}.</p>")
    lines.append("<p>Your numbers:</p>")
    lines.append("<ul>" + "".join(f"<li>{html_text(name)} = {shown}</li>"
                                  for name, shown in values.items()) + "</ul>")
    lines.append(f"<p>{html_text(question.text or question.of)}</p>")
    lines.append(f"<p>Give <code>{html_text(question.of)}</code> {html_text(asked)}.</p>")
    return "\n".join(lines)


def mistake_html(mistake: MistakenValue) -> str:
    """A common mistake as feedback: what it is and the value it gives, as ``grade`` says it.

    Examples
    --------
    >>> mistake_html(MistakenValue("sign", "the sign flipped", -0.0821670405642))
    '<p>The sign flipped: that gives -0.08216704056.</p>'
    """
    text = mistake.description[:1].upper() + mistake.description[1:]
    return f"<p>{html_text(text)}: that gives {text_number(mistake.value)}.</p>"
