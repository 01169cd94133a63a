"""Moodle XML: a question bank of a template's variants, for Moodle's "Moodle XML format" import.

:func:`moodle_xml` writes one of two banks, both from the variants ``symbackprop variants``
draws with the same seed (:func:`~symbackprop.course.banks.load_bank`):

- **calculated** (the default): a ``calculated`` question per template question.  Each value
  of the problem is a *wildcard* (``{w1}``) whose dataset items are the variants' values;
  the right value is no Moodle formula of them (it is a chain of sigmoids and sums), so it is
  one more wildcard, holding each variant's right value, and the answer's formula is that
  wildcard alone.  Moodle picks an item per attempt and grades with the one tolerance of
  :func:`~symbackprop.course.banks.one_tolerance` (``tolerancetype`` 1, relative, or 2,
  nominal), which the question text states.  At most 100 variants: Moodle's
  ``qtype_calculated::MAX_DATASET_ITEMS``.
- **per variant** (``per_variant=True``): a ``numerical`` question per variant and template
  question, with the variant's own tolerance, and every common mistake's value as one more
  answer at 0 % whose feedback names the mistake (Moodle grades with the first answer within
  its tolerance, the right one first).  Each template question's variants are in a category
  of their own, for a quiz's "random question from this category".

What Moodle's importer reads, and this module writes, follows Moodle 4.2's
``question/format/xml/format.php`` (``qformat_xml``): ``readquestions`` (line 980) reads
``<quiz>``'s ``<question>`` elements; ``import_headers`` (line 219) requires ``name/text``
(the error ``xmlimportnoname``) and reads ``questiontext``'s ``format`` and ``text``,
``defaultgrade`` and ``penalty``; ``import_numerical`` (line 676) each answer's ``text``,
``tolerance`` (absolute) and ``fraction``; ``import_calculated`` (line 819) each answer's
``tolerance``, ``tolerancetype``, ``correctanswerformat`` and ``correctanswerlength`` without a
default (lines 866-875), then ``dataset_definitions`` (line 902): each definition's
``status/text``, ``name/text``, ``type``, ``distribution/text``, ``maximum/text``,
``minimum/text``, ``decimals/text``, ``itemcount`` and its ``dataset_items`` (``number``,
``value``; lines 909-940).  The calculated question type
(``question/type/calculated/questiontype.php``) finds wildcards with ``PLACEHOLDER_REGEX_PART``
(a letter, then no ``>} <`{"'``), refuses at save a question whose answer formula or any
``{=...}`` in its text is not a valid formula (``validate_question_data``), and
``qtype_calculated_variable_substituter`` (``question.php``) requires every item value to be a
number (``is_numeric``).

Examples
--------
>>> from symbackprop.course.roster import numbered
>>> text = moodle_xml("assignment_2_2_2", numbered(3), seed=1)
>>> print(text.splitlines()[0])
<?xml version="1.0" encoding="UTF-8"?>
>>> text.count('<question type="calculated">'), text.count("<dataset_item>")
(4, 180)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from ..errors import SpecError
from .banks import (
    Bank,
    Tolerance,
    decimal_text,
    load_bank,
    mistake_html,
    number_text,
    one_tolerance,
    question_html,
    sub_element,
)
from .roster import Student

__all__ = ["MAX_ITEMS", "moodle_xml"]

MAX_ITEMS = 100
"""The most dataset items a calculated question holds (``qtype_calculated::MAX_DATASET_ITEMS``)."""

_TOLERANCE_TYPE = {"relative": "1", "absolute": "2"}  # Moodle's 1 relative, 2 nominal, 3 geometric
_MAX_DECIMALS = 10


def _text(parent: ET.Element, tag: str, text: str, html: bool = False) -> ET.Element:
    """``<tag [format="html"]><text>text</text></tag>``, the shape ``getpath`` reads."""
    element = sub_element(parent, tag, **({"format": "html"} if html else {}))
    sub_element(element, "text", text)
    return element


def _category(root: ET.Element, *names: str) -> None:
    """A category question: ``$course$/top/...``; a ``/`` in a name would split it
    (``qformat_default::split_category_path``), so it becomes ``-``."""
    question = sub_element(root, "question", type="category")
    path = "/".join(["$course$", "top", *(n.replace("/", "-") for n in names)])
    _text(question, "category", path)


def _header(question: ET.Element, name: str, html: str, points: float) -> None:
    _text(question, "name", name)
    _text(question, "questiontext", html, html=True)
    _text(question, "generalfeedback", "", html=True)
    sub_element(question, "defaultgrade", f"{points:g}")
    sub_element(question, "penalty", "0.3333333")
    sub_element(question, "hidden", "0")


def _units(question: ET.Element) -> None:
    """No units: the answer is a plain number (``showunits`` 3 is ``qtype_numerical::UNITNONE``)."""
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"),
                       ("showunits", "3"), ("unitsleft", "0")):
        sub_element(question, tag, value)


def _decimals(numbers: list[Decimal]) -> str:
    """The most decimal places of ``numbers`` (metadata: the places Moodle's own generator
    would give new items), at most 10."""
    places = max(max(0, -int(n.as_tuple().exponent)) for n in numbers)
    return str(min(places, _MAX_DECIMALS))


def _dataset(definitions: ET.Element, name: str, values: list[str]) -> None:
    numbers = [Decimal(v) for v in values]
    definition = sub_element(definitions, "dataset_definition")
    _text(definition, "status", "private")
    _text(definition, "name", name)
    sub_element(definition, "type", "calculated")
    _text(definition, "distribution", "uniform")
    _text(definition, "minimum", decimal_text(min(numbers)))
    _text(definition, "maximum", decimal_text(max(numbers)))
    _text(definition, "decimals", _decimals(numbers))
    sub_element(definition, "itemcount", str(len(values)))
    items = sub_element(definition, "dataset_items")
    for number, value in enumerate(values, start=1):
        item = sub_element(items, "dataset_item")
        sub_element(item, "number", str(number))
        sub_element(item, "value", value)
    sub_element(definition, "number_of_items", str(len(values)))


def _answer_wildcard(leaves: list[str]) -> str:
    name = "answer"
    while name in leaves:
        name += "_"
    return name


def _calculated(root: ET.Element, bank: Bank) -> None:
    leaves = bank.leaves
    wildcard = _answer_wildcard(leaves)
    _category(root, bank.title)
    for index, question in enumerate(bank.questions):
        answers = bank.answers(index)
        tolerance = one_tolerance(answers)
        element = sub_element(root, "question", type="calculated")
        html = question_html(bank, question, {leaf: "{" + leaf + "}" for leaf in leaves},
                             tolerance.text())
        _header(element, f"{question.id}: {question.of}", html, question.points)
        for tag, value in (("synchronize", "0"), ("single", "0"), ("answernumbering", "abc"),
                           ("shuffleanswers", "0")):
            sub_element(element, tag, value)
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(element, tag, "", html=True)
        _right_answer(element, wildcard, tolerance, question.digits)
        _units(element)
        definitions = sub_element(element, "dataset_definitions")
        for leaf in leaves:
            _dataset(definitions, leaf, [decimal_text(v.values[leaf]) for v in bank.variants])
        _dataset(definitions, wildcard, [number_text(a.value) for a in answers])


def _right_answer(question: ET.Element, wildcard: str, tolerance: Tolerance,
                  digits: int) -> None:
    answer = sub_element(question, "answer", fraction="100")
    sub_element(answer, "text", "{" + wildcard + "}")
    sub_element(answer, "tolerance", repr(tolerance.size))
    sub_element(answer, "tolerancetype", _TOLERANCE_TYPE[tolerance.kind])
    sub_element(answer, "correctanswerformat", "2")  # 2: significant figures
    sub_element(answer, "correctanswerlength", str(digits))
    _text(answer, "feedback", "", html=True)


def _numerical_answer(question: ET.Element, value: float, tolerance: float, fraction: str,
                      feedback: str) -> None:
    answer = sub_element(question, "answer", fraction=fraction)
    sub_element(answer, "text", number_text(value))
    sub_element(answer, "tolerance", number_text(tolerance))
    _text(answer, "feedback", feedback, html=True)


def _per_variant(root: ET.Element, bank: Bank) -> None:
    for index, question in enumerate(bank.questions):
        _category(root, bank.title, f"{question.id} {question.of}")
        for variant, answer in zip(bank.variants, bank.answers(index), strict=True):
            element = sub_element(root, "question", type="numerical")
            shown = {leaf: decimal_text(value) for leaf, value in variant.values.items()}
            asked = f"within ±{answer.tolerance:g} of the right value"
            _header(element, f"{question.id} {question.of} ({variant.student.id})",
                    question_html(bank, question, shown, asked), question.points)
            _numerical_answer(element, answer.value, answer.tolerance, "100", "")
            for mistake in answer.mistakes:
                _numerical_answer(element, mistake.value, answer.tolerance, "0",
                                  mistake_html(mistake))
            _units(element)


def moodle_xml(template: str, students: tuple[Student, ...], *, seed: int | None = None,
               per_variant: bool = False) -> str:
    """The Moodle XML question bank of ``template``'s variants for ``students``.

    Raises
    ------
    SpecError
        For a template that is not one, a formula question, draws that stay degenerate, or
        more than :data:`MAX_ITEMS` variants in a calculated question.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> text = moodle_xml("assignment_2_2_2", numbered(2), per_variant=True)
    >>> text.count('<question type="numerical">'), text.count('fraction="0"')
    (8, 48)
    """
    if not per_variant and len(students) > MAX_ITEMS:
        raise SpecError(f"{template}: {len(students)} variants, and a Moodle calculated "
                        f"question holds at most {MAX_ITEMS} (qtype_calculated::"
                        "MAX_DATASET_ITEMS); export fewer, or one question a variant with "
                        "--per-variant")
    bank = load_bank(template, students, seed)
    root = ET.Element("quiz")
    if per_variant:
        _per_variant(root, bank)
    else:
        _calculated(root, bank)
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode", short_empty_elements=False) + "\n")
