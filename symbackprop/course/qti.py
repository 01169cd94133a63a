"""Canvas: a template's variants as a QTI 1.2 question bank, zipped as Canvas imports it.

:func:`canvas_files` writes the files of a "QTI .zip file" (Canvas's course import): an IMS
Content Packaging ``imsmanifest.xml`` listing each QTI file as a resource of type
``imsqti_xmlv1p2`` (as Canvas's own QTI export, ``lib/cc/qti/qti_manifest.rb``, lists them),
and QTI 1.2 ``questestinterop`` files, each an ``objectbank`` with a ``bank_title``, which
Canvas imports as a question bank.  :func:`canvas_zip` zips them, byte for byte the same for the
same files.  The variants are those ``symbackprop variants`` draws with the same seed
(:func:`~symbackprop.course.banks.load_bank`).  Two banks:

- **calculated** (the default): ``bank.xml``, a ``calculated_question`` per template question:
  the values are variables (``[w1]`` in the text), each variant a ``var_set`` with the values
  and the right ``answer``; the ``formula`` is symbackprop's, for the instructor to read (it
  names the hidden nodes, so Canvas cannot recompute the sets: do not regenerate them).  Canvas
  picks a set per student and grades with the one ``answer_tolerance`` of
  :func:`~symbackprop.course.banks.one_tolerance` (a percentage when relative), which the
  question text states.
- **per variant** (``per_variant=True``): ``bank_<question id>.xml`` for each template question,
  a ``numerical_question`` per variant with its right value and its own tolerance (a
  ``varequal`` or ``vargte``/``varlte`` pair, as Canvas's export writes one).  Every answer of
  a Canvas numerical question counts as right, so the mistakes cannot be answers at 0 %: their
  values are in the feedback shown for a wrong answer (``general_incorrect_fb``).

The elements follow what Canvas writes and reads: the exporter ``lib/cc/qti/qti_items.rb``
(``calculated_extension``, ``calculated_resprocessing``, ``numerical_resprocessing``,
``item_feedback``) and the importer, which first converts QTI 1.2 to 2.1 with Instructure's
QTIMigrationTool (``lib/imsqtiv1.py``: ``question_type`` and ``points_possible`` metadata,
``objectbank`` with ``bank_title``, ``itemproc_extension/calculated`` with ``answer_tolerance``,
``formulas``, ``vars`` and ``var_sets``; it copies a ``formula`` into its output without
escaping it, so a formula holding ``<`` or ``&`` is replaced by the question) and then reads
it in ``gems/plugins/qti_exporter/lib/qti/`` (``calculated_interaction.rb``,
``numeric_interaction.rb``, ``assessment_item_converter.rb``).  Canvas shows a variable with as
many decimals as its ``scale`` (``answer_parsers/calculated.rb``): each variable's scale is the
most decimals its values have.

Examples
--------
>>> from symbackprop.course.roster import numbered
>>> files = canvas_files("assignment_2_2_2", numbered(3), seed=1)
>>> sorted(files)
['bank.xml', 'imsmanifest.xml']
>>> files["bank.xml"].count("<item "), files["bank.xml"].count("<var_set ")
(4, 12)
"""

from __future__ import annotations

import io
import math
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from decimal import Decimal

from .banks import (
    Bank,
    decimal_text,
    load_bank,
    mistake_html,
    number_text,
    one_tolerance,
    question_html,
    sub_element,
)
from .keys import Answer
from .roster import Student

__all__ = ["QTI_NAMESPACE", "canvas_files", "canvas_zip"]

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
"""The namespace of QTI 1.2 and 1.2.1 (``ims_qtiasiv1p2p1.xsd`` is the 1.2.1 schema's file)."""
_CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
_MAX_DECIMALS = 10


def _ident(bank: Bank, *parts: str) -> str:
    """A stable identifier: the same export gives the same ids, so a second import of it
    updates the questions of the first instead of adding copies."""
    seed = bank.variants[0].seed
    name = ":".join(["symbackprop", "canvas", bank.name, str(seed), *parts])
    return "i" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex


def _field(metadata: ET.Element, label: str, entry: str) -> None:
    field = sub_element(metadata, "qtimetadatafield")
    sub_element(field, "fieldlabel", label)
    sub_element(field, "fieldentry", entry)


def _material(parent: ET.Element, html: str) -> None:
    material = sub_element(parent, "material")
    sub_element(material, "mattext", f"<div>{html}</div>", texttype="text/html")


def _item(section: ET.Element, ident: str, title: str, kind: str, points: float,
          html: str, answer_ids: Sequence[str]) -> tuple[ET.Element, ET.Element]:
    """An item with its metadata, its text and answer box, and the ``resprocessing`` that
    the caller fills in."""
    item = sub_element(section, "item", ident=ident, title=title)
    metadata = sub_element(sub_element(item, "itemmetadata"), "qtimetadata")
    _field(metadata, "question_type", kind)
    _field(metadata, "points_possible", f"{points:g}")
    _field(metadata, "original_answer_ids", ",".join(answer_ids))
    presentation = sub_element(item, "presentation")
    _material(presentation, html)
    response = sub_element(presentation, "response_str", ident="response1", rcardinality="Single")
    fib = sub_element(response, "render_fib", fibtype="Decimal")
    sub_element(fib, "response_label", ident="answer1")
    processing = sub_element(item, "resprocessing")
    sub_element(sub_element(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0",
             varname="SCORE", vartype="Decimal")
    return item, processing


def _setvar(condition: ET.Element, score: str) -> None:
    sub_element(condition, "setvar", score, varname="SCORE", action="Set")


def _places(number: Decimal) -> int:
    return max(0, -int(number.as_tuple().exponent))


def _formula(answer: Answer) -> str:
    formula = answer.formula or answer.question.of
    return answer.question.of if "<" in formula or "&" in formula else formula


def _calculated_item(bank: Bank, section: ET.Element, index: int) -> None:
    question = bank.questions[index]
    answers = bank.answers(index)
    tolerance = one_tolerance(answers)
    leaves = bank.leaves
    html = question_html(bank, question, {leaf: f"[{leaf}]" for leaf in leaves},
                         tolerance.text())
    sets = [str(k) for k in range(1, len(answers) + 1)]
    item, processing = _item(section, _ident(bank, question.id),
                             f"{question.id}: {question.of}", "calculated_question",
                             question.points, html, sets)
    for title, condition in (("correct", "other"), ("incorrect", "not")):
        respcondition = sub_element(processing, "respcondition", title=title)
        test = sub_element(respcondition, "conditionvar")
        if condition == "not":
            test = sub_element(test, "not")
        sub_element(test, "other")
        _setvar(respcondition, "100" if title == "correct" else "0")
    calculated = sub_element(sub_element(item, "itemproc_extension"), "calculated")
    size = (f"{tolerance.size * 100:g}%" if tolerance.kind == "relative"
            else decimal_text(Decimal(repr(tolerance.size))))
    sub_element(calculated, "answer_tolerance", size)
    widths = [tolerance.width(a.value) for a in answers]
    places = min(_MAX_DECIMALS, max((max(0, -math.floor(math.log10(w))) for w in widths
                                     if w > 0), default=0))
    formulas = sub_element(calculated, "formulas", decimal_places=str(places))
    sub_element(formulas, "formula", _formula(answers[0]))
    variables = sub_element(calculated, "vars")
    for leaf in leaves:
        numbers = [v.values[leaf] for v in bank.variants]
        variable = sub_element(variables, "var", name=leaf,
                            scale=str(max(_places(n) for n in numbers)))
        sub_element(variable, "min", decimal_text(min(numbers)))
        sub_element(variable, "max", decimal_text(max(numbers)))
    var_sets = sub_element(calculated, "var_sets")
    for ident, variant, answer in zip(sets, bank.variants, answers, strict=True):
        var_set = sub_element(var_sets, "var_set", ident=ident)
        for leaf in leaves:
            sub_element(var_set, "var", decimal_text(variant.values[leaf]), name=leaf)
        sub_element(var_set, "answer", number_text(answer.value))


def _numerical_item(bank: Bank, section: ET.Element, index: int, variant_index: int) -> None:
    variant = bank.variants[variant_index]
    answer = variant.key[index]
    question = answer.question
    shown = {leaf: decimal_text(value) for leaf, value in variant.values.items()}
    html = question_html(bank, question, shown,
                         f"within ±{answer.tolerance:g} of the right value")
    item, processing = _item(section, _ident(bank, question.id, variant.student.id),
                             f"{question.id} {question.of} ({variant.student.id})",
                             "numerical_question", question.points, html, ["1"])
    right = Decimal(number_text(answer.value))
    margin = Decimal(number_text(answer.tolerance))
    respcondition = sub_element(processing, "respcondition", **{"continue": "No"})
    either = sub_element(sub_element(respcondition, "conditionvar"), "or")
    sub_element(either, "varequal", decimal_text(right), respident="response1")
    between = sub_element(either, "and")
    sub_element(between, "vargte", decimal_text(right - margin), respident="response1")
    sub_element(between, "varlte", decimal_text(right + margin), respident="response1")
    _setvar(respcondition, "100")
    if answer.mistakes:
        otherwise = sub_element(processing, "respcondition", **{"continue": "Yes"})
        sub_element(sub_element(otherwise, "conditionvar"), "other")
        sub_element(otherwise, "displayfeedback", feedbacktype="Response",
                 linkrefid="general_incorrect_fb")
        feedback = sub_element(item, "itemfeedback", ident="general_incorrect_fb")
        text = ("<p>Not the right value. The common mistakes give:</p>"
                + "".join(mistake_html(m) for m in answer.mistakes))
        _material(sub_element(feedback, "flow_mat"), text)


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
            + "\n")


def _questestinterop(bank: Bank, title: str, ident: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NAMESPACE,
        _XSI: f"{QTI_NAMESPACE} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    objectbank = sub_element(root, "objectbank", ident=ident)
    _field(sub_element(objectbank, "qtimetadata"), "bank_title", title)
    return root, objectbank


def _manifest(bank: Bank, paths: Sequence[str]) -> str:
    root = ET.Element("manifest", {
        "identifier": _ident(bank, "manifest"), "xmlns": _CP_NAMESPACE,
        _XSI: f"{_CP_NAMESPACE} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"})
    metadata = sub_element(root, "metadata")
    sub_element(metadata, "schema", "IMS Content")
    sub_element(metadata, "schemaversion", "1.1.3")
    sub_element(root, "organizations")
    resources = sub_element(root, "resources")
    for path in paths:
        resource = sub_element(resources, "resource", identifier=_ident(bank, "resource", path),
                            type="imsqti_xmlv1p2", href=path)
        sub_element(resource, "file", href=path)
    return _document(root)


def canvas_files(template: str, students: tuple[Student, ...], *, seed: int | None = None,
                 per_variant: bool = False) -> dict[str, str]:
    """The files of the Canvas QTI package of ``template``'s variants, by path in the zip.

    Raises
    ------
    SpecError
        For a template that is not one, a formula question, or draws that stay degenerate.

    Examples
    --------
    >>> from symbackprop.course.roster import numbered
    >>> files = canvas_files("assignment_2_2_2", numbered(2), per_variant=True)
    >>> sorted(files)
    ['bank_q1.xml', 'bank_q2.xml', 'bank_q3.xml', 'bank_q4.xml', 'imsmanifest.xml']
    >>> files["bank_q1.xml"].count("numerical_question")
    2
    """
    bank = load_bank(template, students, seed)
    files: dict[str, str] = {}
    if per_variant:
        for index, question in enumerate(bank.questions):
            root, objectbank = _questestinterop(
                bank, f"{bank.title}: {question.id} {question.of}",
                _ident(bank, "bank", question.id))
            for variant_index in range(len(bank.variants)):
                _numerical_item(bank, objectbank, index, variant_index)
            files[f"bank_{question.id}.xml"] = _document(root)
    else:
        root, objectbank = _questestinterop(bank, bank.title, _ident(bank, "bank"))
        for index in range(len(bank.questions)):
            _calculated_item(bank, objectbank, index)
        files["bank.xml"] = _document(root)
    return {"imsmanifest.xml": _manifest(bank, sorted(files)), **files}


def canvas_zip(files: dict[str, str]) -> bytes:
    """``files`` zipped (the manifest first, then by path), dated 1980-01-01: the same files
    give the same bytes.

    Examples
    --------
    >>> data = canvas_zip({"imsmanifest.xml": "<manifest/>", "bank.xml": "<q/>"})
    >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
    ['imsmanifest.xml', 'bank.xml']
    >>> data == canvas_zip({"bank.xml": "<q/>", "imsmanifest.xml": "<manifest/>"})
    True
    """
    buffer = io.BytesIO()
    order = sorted(files, key=lambda path: (path != "imsmanifest.xml", path))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in order:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path].encode("utf-8"))
    return buffer.getvalue()
