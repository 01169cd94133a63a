"""What Moodle's and Canvas's importers require of a question bank, as checks on parsed XML.

Moodle XML has no schema: :func:`moodle_problems` checks the rules of Moodle 4.2's importer,
``question/format/xml/format.php`` (class ``qformat_xml``), and of the calculated question type
(``question/type/calculated/questiontype.php`` and ``question.php``), citing their lines.  Canvas
has one (QTI 1.2, checked with the vendored schemas in tests/data/lms) and importer habits on
top: :func:`canvas_problems` checks those, citing canvas-lms and Instructure's QTIMigrationTool.
Each function returns the problems it finds (empty when the bank passes), so that a test shows
them all at once.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lxml import etree

# question/type/calculated/questiontype.php, lines 44-54: a wildcard is a letter, then no
# >} <`{"'; a formula in a text is {=...}.
PLACEHOLDER = r"[A-Za-z][^>} <`{\"']*"
WILDCARD = re.compile(r"\{(" + PLACEHOLDER + r")\}")
FORMULA_IN_TEXT = re.compile(r"\{=([^{}]*(?:\{" + PLACEHOLDER + r"\}[^{}]*)*)\}")
# format.php, trans_format (line 88): the text formats it knows (others are read as html).
FORMATS = ("moodle_auto_format", "html", "plain_text", "wiki_like", "markdown")
# format.php, import_question (line 1019): the types it imports itself.
MOODLE_TYPES = ("multichoice", "truefalse", "shortanswer", "numerical", "description",
                "matching", "match", "cloze", "multianswer", "essay", "calculated",
                "calculatedsimple", "calculatedmulti", "category")
MAX_DATASET_ITEMS = 100  # qtype_calculated::MAX_DATASET_ITEMS (questiontype.php line 56)
_PHP_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*\Z")  # PHP is_numeric


def is_numeric(text: str | None) -> bool:
    """PHP's ``is_numeric`` for the decimal strings a bank writes."""
    return text is not None and bool(_PHP_NUMBER.match(text))


def formula_errors(formula: str) -> str | None:
    """``qtype_calculated_find_formula_errors`` (questiontype.php line 1946), for the
    formulas a bank writes: comments refused, wildcards replaced by ``1.0``, the functions
    Moodle allows replaced by ``1``, and then only operators and numbers may remain."""
    for start in ("//", "/*", "#", "<?", "?>"):
        if start in formula:
            return f"illegal {start!r}"
    formula = WILDCARD.sub("1.0", formula).replace(" ", "").lower()
    functions = ("abs|acos|acosh|asin|asinh|atan|atanh|ceil|cos|cosh|deg2rad|exp|expm1|floor|"
                 "log10|log1p|rad2deg|sin|sinh|sqrt|tan|tanh|log|round|atan2|fmod|pow|min|max|"
                 "pi")
    call = re.compile(r"(?:" + functions + r")?\([-+/*%>:^~<?=&|!.0-9eE,]*\)")
    while call.search(formula):
        formula = call.sub("1", formula)
    left = re.sub(r"[-+/*%>:^~<?=&|!.0-9eE]", "", formula)
    return f"illegal {left!r}" if left else None


def _text(element: etree._Element | None, path: str) -> str | None:
    """``getpath($xml, [..., 0, '#', 'text', 0, '#'])``: the text of ``path``/text."""
    if element is None:
        return None
    found = element.find(path + "/text") if path else element.find("text")
    return None if found is None else (found.text or "")


def moodle_problems(root: etree._Element) -> list[str]:
    """Every rule of Moodle's importer the bank under ``root`` breaks."""
    problems: list[str] = []
    if root.tag != "quiz":  # readquestions, line 993: $xml['quiz']['#']['question']
        return [f"the root is <{root.tag}>, not <quiz>"]
    for number, question in enumerate(root.findall("question"), start=1):
        kind = question.get("type")
        where = f"question {number} ({kind})"
        if kind not in MOODLE_TYPES:
            problems.append(f"{where}: a type import_question does not know")
            continue
        if kind == "category":  # import_category, line 957: category/text
            if not _text(question, "category"):
                problems.append(f"{where}: no category/text")
            continue
        problems += [f"{where}: {p}" for p in _moodle_question(question, kind)]
    return problems


def _moodle_question(question: etree._Element, kind: str) -> list[str]:
    problems: list[str] = []
    # import_headers, lines 226-228: name/text, or the error xmlimportnoname.
    if not (_text(question, "name") or "").strip():
        problems.append("no name/text (xmlimportnoname)")
    text = question.find("questiontext")
    if text is None or text.find("text") is None:
        problems.append("no questiontext/text")
    elif text.get("format", "html") not in FORMATS:
        problems.append(f"questiontext format {text.get('format')!r}")
    for tag in ("defaultgrade", "penalty"):  # import_headers: numbers
        value = question.findtext(tag)
        if value is not None and not is_numeric(value):
            problems.append(f"{tag} {value!r} is not a number")
    answers = question.findall("answer")
    if not answers:  # import_numerical line 685, import_calculated: $question['#']['answer']
        return [*problems, "no answer"]
    if not any(a.get("fraction") == "100" for a in answers):
        problems.append("no answer at 100 %")
    for answer in answers:
        if not is_numeric(answer.get("fraction", "0")):
            problems.append(f"answer fraction {answer.get('fraction')!r}")
    if kind == "numerical":
        problems += _moodle_numerical(answers)
    else:
        problems += _moodle_calculated(question, answers, text)
    return problems


def _moodle_numerical(answers: list[etree._Element]) -> list[str]:
    problems = []
    for answer in answers:
        # import_numerical, lines 693-697: text (a number, or * for any other answer) and an
        # absolute tolerance (qtype_numerical_answer, tolerancetype 2, nominal).
        value = _text(answer, "")
        if value != "*" and not is_numeric(value):
            problems.append(f"answer {value!r} is not a number")
        if not is_numeric(answer.findtext("tolerance", "0")):
            problems.append(f"answer {value!r}: tolerance is not a number")
    return problems


def _moodle_calculated(question: etree._Element, answers: list[etree._Element],
                       text: etree._Element | None) -> list[str]:
    problems = []
    for answer in answers:
        formula = _text(answer, "") or "*"
        # import_calculated, lines 866-875: read without a default, so required.
        for tag in ("tolerance", "tolerancetype", "correctanswerformat",
                    "correctanswerlength"):
            if answer.find(tag) is None:
                problems.append(f"answer {formula!r}: no <{tag}>")
        if not is_numeric(answer.findtext("tolerance")):
            problems.append(f"answer {formula!r}: tolerance is not a number")
        if answer.findtext("tolerancetype") not in ("1", "2", "3"):  # relative, nominal, geometric
            problems.append(f"answer {formula!r}: tolerancetype not 1, 2 or 3")
        if answer.findtext("correctanswerformat") not in ("1", "2"):  # decimals, significant
            problems.append(f"answer {formula!r}: correctanswerformat not 1 or 2")
        if not (answer.findtext("correctanswerlength") or "").isdigit():
            problems.append(f"answer {formula!r}: correctanswerlength not a whole number")
        # validate_question_data (questiontype.php line 503): the formula must be valid.
        error = formula_errors(formula) if formula != "*" else None
        if error:
            problems.append(f"answer formula {formula!r}: {error}")
    # validate_text: every {=...} in the question text must be a valid formula too.
    html = _text(text, "") or ""
    problems += [f"formula {{={f}}} in the text: {e}" for f in FORMULA_IN_TEXT.findall(html)
                 if (e := formula_errors(f))]
    # import_calculated, line 902: dataset_definitions/dataset_definition, required.
    definitions = question.findall("dataset_definitions/dataset_definition")
    if not definitions:
        return [*problems, "no dataset_definitions/dataset_definition"]
    counts = set()
    names = set()
    for definition in definitions:
        name = _text(definition, "name")
        names.add(name)
        problems += [f"dataset {name!r}: {p}" for p in _moodle_dataset(definition)]
        counts.add(definition.findtext("itemcount"))
    # qtype_calculated_dataset_loader::get_number_of_items (question.php line 203): the
    # question has MIN(itemcount) variants; a bank gives every dataset the same count.
    if len(counts) != 1:
        problems.append(f"datasets of different item counts {sorted(counts)}")
    used = set(WILDCARD.findall(html))
    for answer in answers:
        used |= set(WILDCARD.findall(_text(answer, "") or ""))
    if used - names:
        problems.append(f"wildcards without a dataset: {sorted(used - names)}")
    return problems


def _moodle_dataset(definition: etree._Element) -> list[str]:
    problems = []
    # import_calculated, lines 909-924: each of these, read without a default.
    for path in ("status/text", "name/text", "type", "distribution/text", "maximum/text",
                 "minimum/text", "decimals/text", "itemcount"):
        if definition.find(path) is None:
            problems.append(f"no <{path}>")
    if _text(definition, "status") not in ("private", "shared"):  # import_datasets, line 279
        problems.append(f"status {_text(definition, 'status')!r}")
    if not WILDCARD.fullmatch("{" + (_text(definition, "name") or "") + "}"):
        problems.append("a name that is not a wildcard")
    count = definition.findtext("itemcount") or ""
    if not count.isdigit() or not 1 <= int(count) <= MAX_DATASET_ITEMS:
        problems.append(f"itemcount {count!r} not in 1..{MAX_DATASET_ITEMS}")
    # lines 930-940: dataset_items/dataset_item with number and value.
    items = definition.findall("dataset_items/dataset_item")
    numbers = [item.findtext("number") for item in items]
    if count.isdigit() and numbers != [str(k) for k in range(1, int(count) + 1)]:
        problems.append(f"item numbers {numbers[:5]}... not 1..{count}")
    # qtype_calculated_variable_substituter (question.php line 315): is_numeric or an error.
    problems += [f"item value {item.findtext('value')!r} is not a number" for item in items
                 if not is_numeric(item.findtext("value"))]
    return problems


# -- Canvas ------------------------------------------------------------------------------------

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
# canvas-lms gems/plugins/qti_exporter/lib/qti/converter.rb, is_qti_2: a manifest with one of
# these namespaces, or a metadata schema matching /QTIv2\./, is read as QTI 2 (no conversion).
QTI_2_NAMESPACES = ("http://www.imsglobal.org/xsd/imsqti_v2p0",
                    "http://www.imsglobal.org/xsd/imsqti_v2p1",
                    "http://www.imsglobal.org/xsd/qti/qtiv2p0",
                    "http://www.imsglobal.org/xsd/qti/qtiv2p1")


def _decimals(text: str) -> int:
    return max(0, -int(Decimal(text).as_tuple().exponent))


def _fields(item: etree._Element) -> dict[str, str]:
    return {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") or ""
            for f in item.iter(f"{QTI}qtimetadatafield")}


def canvas_manifest_problems(manifest: etree._Element, paths: set[str]) -> list[str]:
    """What Canvas's converter needs of ``imsmanifest.xml`` in a zip holding ``paths``."""
    problems = []
    namespaces = {ns for element in manifest.iter() for ns in element.nsmap.values()}
    if any(ns.startswith(q2) for ns in namespaces for q2 in QTI_2_NAMESPACES):
        problems.append("a QTI 2 namespace: Canvas would skip the QTI 1.2 conversion")
    schema = manifest.findtext(".//{*}metadata/{*}schema") or ""
    if re.search(r"QTIv2\.", schema, re.IGNORECASE):
        problems.append(f"metadata schema {schema!r} reads as QTI 2")
    for resource in manifest.iter("{*}resource"):
        # lib/cc/qti/qti_manifest.rb lists a QTI file as type imsqti_xmlv1p2 (QTI_ASSESSMENT_TYPE)
        if resource.get("type") != "imsqti_xmlv1p2":
            problems.append(f"resource type {resource.get('type')!r}")
        for file in resource.iter("{*}file"):
            if file.get("href") not in paths:
                problems.append(f"file {file.get('href')!r} is not in the zip")
    # QTIMigrationTool lib/imsqtiv1.py ProcessFiles: it converts every .xml, .dat, .qti file.
    problems += [f"{p}: converted as QTI only with .xml" for p in paths if not p.endswith(".xml")]
    return problems


def canvas_problems(root: etree._Element) -> list[str]:
    """Every habit of Canvas's QTI 1.2 import the ``questestinterop`` under ``root`` breaks."""
    problems = []
    bank = root.find(f"{QTI}objectbank")
    # QTIMigrationTool lib/imsqtiv1.py: an objectbank's items go to a question bank named by
    # its bank_title metadata (BankTitle), else by its ident.
    if bank is None or not bank.get("ident"):
        return ["no objectbank with an ident"]
    if "bank_title" not in {f.findtext(f"{QTI}fieldlabel")
                            for f in bank.findall(f"{QTI}qtimetadata/{QTI}qtimetadatafield")}:
        problems.append("the objectbank has no bank_title")
    for item in bank.findall(f"{QTI}item"):
        where = f"item {item.get('title')!r}"
        fields = _fields(item)
        kind = fields.get("question_type")
        # assessment_item_converter.rb: points_possible read as a float, 1 when missing.
        if not is_numeric(fields.get("points_possible")):
            problems.append(f"{where}: points_possible {fields.get('points_possible')!r}")
        if item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext[@texttype='text/html']") \
                is None:
            problems.append(f"{where}: no HTML mattext in the presentation")
        if item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib") is None:
            problems.append(f"{where}: no response_str/render_fib (qti_items.rb, "
                            "calculated_response_str)")
        if kind == "calculated_question":
            problems += [f"{where}: {p}" for p in _canvas_calculated(item)]
        elif kind == "numerical_question":
            problems += [f"{where}: {p}" for p in _canvas_numerical(item)]
        else:
            problems.append(f"{where}: question_type {kind!r}")
    return problems


def _canvas_calculated(item: etree._Element) -> list[str]:
    problems = []
    # QTIMigrationTool lib/imsqtiv1.py, CalculatedNode: <calculated> only in itemproc_extension.
    calculated = item.find(f"{QTI}itemproc_extension/{QTI}calculated")
    if calculated is None:
        return ["no itemproc_extension/calculated"]
    # calculated_interaction.rb, parse_question_data: a plain number, or a percentage
    # (numerical_question.rb: a margin ending in % is that share of the right value).
    tolerance = calculated.findtext(f"{QTI}answer_tolerance") or ""
    if not re.fullmatch(r"\d+(\.\d+)?%?", tolerance):
        problems.append(f"answer_tolerance {tolerance!r}")
    formula = calculated.findtext(f"{QTI}formulas/{QTI}formula")
    # QTIMigrationTool lib/imsqti.py, Calculated.WriteXML: formulas are copied unescaped.
    if formula is None or "<" in formula or "&" in formula:
        problems.append(f"formula {formula!r}")
    scales = {}
    for var in calculated.findall(f"{QTI}vars/{QTI}var"):
        scales[var.get("name")] = int(var.get("scale", "0"))
        for bound in ("min", "max"):
            if not is_numeric(var.findtext(f"{QTI}{bound}")):
                problems.append(f"var {var.get('name')!r}: {bound} is not a number")
    sets = calculated.findall(f"{QTI}var_sets/{QTI}var_set")
    if not sets:
        problems.append("no var_sets/var_set")
    idents = [s.get("ident") for s in sets]
    if len(set(idents)) != len(idents) or None in idents:
        problems.append("var_set idents missing or repeated")
    for var_set in sets:
        values = {v.get("name"): v.text for v in var_set.findall(f"{QTI}var")}
        if set(values) != set(scales):
            problems.append(f"var_set {var_set.get('ident')}: vars {sorted(values)}")
        for name, value in values.items():
            try:  # answer_parsers/calculated.rb shows a value with %.{scale}f
                if _decimals(value or "x") > scales.get(name, 0):
                    problems.append(f"var_set {var_set.get('ident')}: {name} = {value} has "
                                    f"more decimals than its scale {scales.get(name)}")
            except InvalidOperation:
                problems.append(f"var_set {var_set.get('ident')}: {name} = {value!r}")
        if not is_numeric(var_set.findtext(f"{QTI}answer")):
            problems.append(f"var_set {var_set.get('ident')}: no numeric answer")
    text = item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext") or ""
    unknown = set(re.findall(r"\[([A-Za-z][A-Za-z0-9_]*)\]", text)) - set(scales)
    if unknown:
        problems.append(f"[variables] in the text without a var: {sorted(unknown)}")
    return problems


def _canvas_numerical(item: etree._Element) -> list[str]:
    problems = []
    # numeric_interaction.rb, get_canvas_answers: every condition holding an <or> or an <and>
    # becomes an answer of weight 100, so only the right answer may have one.
    scoring = [c for c in item.iter(f"{QTI}respcondition")
               if c.find(f"{QTI}conditionvar/{QTI}or") is not None
               or c.find(f"{QTI}conditionvar/{QTI}and") is not None]
    if len(scoring) != 1:
        return [f"{len(scoring)} answer conditions, not 1"]
    either = scoring[0].find(f"{QTI}conditionvar/{QTI}or")
    exact = None if either is None else either.findtext(f"{QTI}varequal")
    low = None if either is None else either.findtext(f"{QTI}and/{QTI}vargte")
    high = None if either is None else either.findtext(f"{QTI}and/{QTI}varlte")
    if not (is_numeric(exact) and is_numeric(low) and is_numeric(high)):
        return ["not the or(varequal, and(vargte, varlte)) of qti_items.rb's "
                "numerical_resprocessing"]
    assert exact is not None and low is not None and high is not None
    if Decimal(exact) - Decimal(low) != Decimal(high) - Decimal(exact):
        problems.append("the margin is not the same on both sides")
    if scoring[0].findtext(f"{QTI}setvar") != "100":
        problems.append("the right answer does not set SCORE to 100")
    for shown in item.iter(f"{QTI}displayfeedback"):
        ident = shown.get("linkrefid")
        if item.find(f"{QTI}itemfeedback[@ident='{ident}']") is None:
            problems.append(f"displayfeedback of a missing itemfeedback {ident!r}")
        # assessment_item_converter.rb, get_feedback: an ident matching /incorrect/ is the
        # feedback for a wrong answer.
        if "incorrect" not in (ident or ""):
            problems.append(f"feedback {ident!r} is not read as the incorrect feedback")
    return problems
