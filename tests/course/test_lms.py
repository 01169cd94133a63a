"""Question banks for Moodle and Canvas: valid for their importers, and the answer keys' numbers.

The checks of the importers' rules are in lms_rules.py (each citing its source); the schemas
in tests/data/lms (README there).  Every value and right answer is compared with the answer
keys ``symbackprop variants`` writes with the same seed and students.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lms_rules import (
    FORMULA_IN_TEXT,
    QTI,
    canvas_manifest_problems,
    canvas_problems,
    moodle_problems,
)
from lxml import etree, html

from symbackprop.cli import main
from symbackprop.course.banks import load_bank, one_tolerance
from symbackprop.course.files import assignment_files
from symbackprop.course.moodle import moodle_xml
from symbackprop.course.qti import canvas_files, canvas_zip
from symbackprop.course.roster import Student, numbered
from symbackprop.errors import SpecError

TEMPLATE = "assignment_2_2_2"
DATA = Path(__file__).resolve().parents[1] / "data" / "lms"
ROSTER = (Student("ada", "Ada Lovelace"), Student("alan"), Student("grace"), Student("s-04"))


def _keys(students: tuple[Student, ...], seed: int) -> dict[str, dict]:
    """The answer keys ``symbackprop variants`` writes, by student id."""
    files = assignment_files(TEMPLATE, students, seed=seed)
    return {s.id: json.loads(files[f"key/{s.id}.json"]) for s in students}


def _parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


class _Local(etree.Resolver):
    """The IMS CP schema imports xml.xsd from the web: the vendored copy instead."""

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url.endswith("xml.xsd"):
            return self.resolve_filename(str(DATA / "xml.xsd"), context)
        return None


def _schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser()
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.parse(str(path), parser))


def _without_namespaces(text: str, drop_extensions: bool) -> etree._Element:
    """The document as the 1.2.1 DTD sees it: no namespace declarations, and (for a
    calculated bank, README) no itemproc_extension."""
    text = re.sub(r' (xmlns(:xsi)?|xsi:schemaLocation)="[^"]*"', "", text)
    root = etree.fromstring(text.encode("utf-8"))
    if drop_extensions:
        for extension in root.iter("itemproc_extension"):
            extension.getparent().remove(extension)
    return root


# -- Moodle ------------------------------------------------------------------------------------

@pytest.mark.parametrize("per_variant", [False, True], ids=["calculated", "per-variant"])
def test_moodle_banks_follow_the_importers_rules(per_variant: bool) -> None:
    root = _parse(moodle_xml(TEMPLATE, numbered(6), seed=4, per_variant=per_variant))
    assert moodle_problems(root) == []
    kinds = [q.get("type") for q in root.findall("question")]
    if per_variant:  # a category per template question, then its 6 variants
        assert kinds == (["category"] + ["numerical"] * 6) * 4
    else:
        assert kinds == ["category"] + ["calculated"] * 4


def test_the_rules_catch_what_moodle_refuses() -> None:
    """The checks are not vacuous: a bank broken in the ways the importer minds fails them."""
    root = _parse(moodle_xml(TEMPLATE, numbered(3), seed=4))
    question = root.findall("question")[1]
    question.find("answer/tolerancetype").getparent().remove(question.find("answer/tolerancetype"))
    question.find("answer/text").text = "{answer} + system(1)"
    question.find("dataset_definitions/dataset_definition/dataset_items/dataset_item/value") \
        .text = "1,5"
    question.find("name/text").text = " "
    problems = "\n".join(moodle_problems(root))
    for expected in ("no <tolerancetype>", "answer formula", "is not a number",
                     "xmlimportnoname"):
        assert expected in problems


def test_moodle_calculated_bank_holds_the_answer_keys_numbers() -> None:
    keys = _keys(ROSTER, seed=9)
    root = _parse(moodle_xml(TEMPLATE, ROSTER, seed=9))
    questions = root.findall("question[@type='calculated']")
    assert len(questions) == 4
    for index, question in enumerate(questions):
        items = {}
        for definition in question.findall("dataset_definitions/dataset_definition"):
            name = definition.findtext("name/text")
            items[name] = [float(v.text) for v in definition.iter("value")]
        formula = question.findtext("answer/text")
        assert formula == "{answer}"
        for k, student in enumerate(ROSTER):  # dataset item k + 1 is the roster's k-th student
            key = keys[student.id]
            assert {n: items[n][k] for n in key["values"]} == key["values"]
            assert items["answer"][k] == key["questions"][index]["value"]


def test_moodle_per_variant_bank_holds_the_answers_and_the_mistakes() -> None:
    keys = _keys(ROSTER, seed=9)
    root = _parse(moodle_xml(TEMPLATE, ROSTER, seed=9, per_variant=True))
    questions = root.findall("question[@type='numerical']")
    assert len(questions) == 4 * len(ROSTER)
    for number, question in enumerate(questions):
        index, k = divmod(number, len(ROSTER))
        key = keys[ROSTER[k].id]["questions"][index]
        assert question.findtext("name/text").endswith(f"({ROSTER[k].id})")
        answers = question.findall("answer")
        assert [(a.get("fraction"), float(a.findtext("text")), float(a.findtext("tolerance")))
                for a in answers] == (
            [("100", key["value"], key["tolerance"])]
            + [("0", m["value"], key["tolerance"]) for m in key["mistakes"]])
        for answer, mistake in zip(answers[1:], key["mistakes"], strict=True):
            feedback = html.fromstring(answer.findtext("feedback/text")).text_content()
            assert mistake["description"][1:] in feedback
        listed = html.fragment_fromstring(question.findtext("questiontext/text"),
                                          create_parent="div").iter("li")
        shown = dict(li.text_content().split(" = ") for li in listed)
        assert {n: float(v) for n, v in shown.items()} == keys[ROSTER[k].id]["values"]


def test_a_calculated_moodle_question_holds_at_most_100_variants() -> None:
    with pytest.raises(SpecError, match="at most 100"):
        moodle_xml(TEMPLATE, numbered(101))


# -- the one tolerance -------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_lms_tolerance_accepts_nothing_the_key_rejects(seed: int) -> None:
    """Each variant's right value is accepted; no mistake of any variant is; and the LMS's
    tolerance is never wider than the variant's own."""
    bank = load_bank(TEMPLATE, numbered(25), seed=seed)
    for index in range(len(bank.questions)):
        answers = bank.answers(index)
        tolerance = one_tolerance(answers)
        for answer in answers:
            assert tolerance.accepts(answer.value, answer.value)
            assert tolerance.width(answer.value) <= answer.tolerance * (1 + 1e-9)
            assert not any(tolerance.accepts(m.value, answer.value) for m in answer.mistakes)


# -- Canvas ------------------------------------------------------------------------------------

def _unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.mark.parametrize("per_variant", [False, True], ids=["calculated", "per-variant"])
def test_canvas_package_is_valid_qti_and_content_packaging(per_variant: bool) -> None:
    files = _unzip(canvas_zip(canvas_files(TEMPLATE, numbered(5), seed=4,
                                           per_variant=per_variant)))
    assert next(iter(files)) == "imsmanifest.xml"
    manifest = _parse(files["imsmanifest.xml"])
    cp = _schema(DATA / "imscp_v1p1.xsd")
    assert cp.validate(manifest), cp.error_log
    assert canvas_manifest_problems(manifest, set(files) - {"imsmanifest.xml"}) == []
    qti = _schema(DATA / "qti" / "ims_qtiasiv1p2.xsd")
    dtd = etree.DTD(str(DATA / "qti" / "ims_qtiasiv1p2p1.dtd"))
    banks = sorted(set(files) - {"imsmanifest.xml"})
    assert banks == ([f"bank_q{k}.xml" for k in range(1, 5)] if per_variant else ["bank.xml"])
    for path in banks:
        root = _parse(files[path])
        assert qti.validate(root), (path, qti.error_log)
        assert dtd.validate(_without_namespaces(files[path], not per_variant)), (path,
                                                                                dtd.error_log)
        assert canvas_problems(root) == []


def test_the_rules_catch_what_canvas_mistakes() -> None:
    root = _parse(canvas_files(TEMPLATE, numbered(2), seed=4, per_variant=True)["bank_q1.xml"])
    item = root.find(f".//{QTI}item")
    processing = item.find(f"{QTI}resprocessing")
    processing.append(etree.fromstring(  # a mistake as an answer: Canvas would count it right
        f'<respcondition xmlns="{QTI[1:-1]}"><conditionvar><or><varequal respident="r">1'
        "</varequal></or></conditionvar></respcondition>"))
    assert "2 answer conditions" in "".join(canvas_problems(root))
    calculated = _parse(canvas_files(TEMPLATE, numbered(2), seed=4)["bank.xml"])
    calculated.find(f".//{QTI}var").set("scale", "0")
    calculated.find(f".//{QTI}answer_tolerance").text = "about 1"
    problems = "\n".join(canvas_problems(calculated))
    assert "more decimals than its scale" in problems and "answer_tolerance" in problems


def test_canvas_calculated_bank_holds_the_answer_keys_numbers() -> None:
    keys = _keys(ROSTER, seed=9)
    bank = _parse(canvas_files(TEMPLATE, ROSTER, seed=9)["bank.xml"])
    assert bank.findtext(f".//{QTI}fieldentry") == load_bank(TEMPLATE, ROSTER[:1]).title
    items = bank.findall(f".//{QTI}item")
    assert len(items) == 4
    for index, item in enumerate(items):
        sets = item.findall(f".//{QTI}var_set")
        assert len(sets) == len(ROSTER)
        for var_set, student in zip(sets, ROSTER, strict=True):
            key = keys[student.id]
            assert {v.get("name"): float(v.text) for v in var_set.findall(f"{QTI}var")} \
                == key["values"]
            assert float(var_set.findtext(f"{QTI}answer")) == key["questions"][index]["value"]
        tolerance = item.findtext(f".//{QTI}answer_tolerance")
        expected = one_tolerance(load_bank(TEMPLATE, ROSTER, seed=9).answers(index))
        if tolerance.endswith("%"):
            assert expected.kind == "relative" and float(tolerance[:-1]) / 100 == pytest.approx(
                expected.size)
        else:
            assert expected.kind == "absolute" and float(tolerance) == expected.size


def test_canvas_per_variant_bank_holds_the_answers_and_their_tolerances() -> None:
    keys = _keys(ROSTER, seed=9)
    files = canvas_files(TEMPLATE, ROSTER, seed=9, per_variant=True)
    for index in range(4):
        items = _parse(files[f"bank_q{index + 1}.xml"]).findall(f".//{QTI}item")
        assert len(items) == len(ROSTER)
        for item, student in zip(items, ROSTER, strict=True):
            key = keys[student.id]["questions"][index]
            exact = Decimal(item.findtext(f".//{QTI}varequal"))
            assert float(exact) == key["value"]
            assert float(Decimal(item.findtext(f".//{QTI}varlte")) - exact) == key["tolerance"]
            feedback = html.fromstring(item.findtext(
                f"{QTI}itemfeedback/{QTI}flow_mat/{QTI}material/{QTI}mattext")).text_content()
            for mistake in key["mistakes"]:
                assert mistake["description"][1:] in feedback


def test_canvas_zip_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    for run in ("one", "two"):
        assert main(["export", "canvas", TEMPLATE, "-o", str(tmp_path / f"{run}.zip"),
                     "--count", "3", "--seed", "5"]) == 0
        assert main(["export", "moodle", TEMPLATE, "-o", str(tmp_path / f"{run}.xml"),
                     "--count", "3", "--seed", "5", "--per-variant"]) == 0
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert (tmp_path / "one.xml").read_bytes() == (tmp_path / "two.xml").read_bytes()


# -- the command line --------------------------------------------------------------------------

def test_export_with_a_roster_gives_the_roster_students_variants(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s.id},{s.name}\n" for s in ROSTER))
    out = tmp_path / "bank.xml"
    assert main(["export", "moodle", TEMPLATE, "-o", str(out), "--roster", str(roster),
                 "--seed", "9", "--per-variant"]) == 0
    assert out.read_text(encoding="utf-8") == moodle_xml(TEMPLATE, ROSTER, seed=9,
                                                         per_variant=True)


def test_export_refuses_count_and_roster_together_and_a_formula_question(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nada\n")
    assert main(["export", "canvas", TEMPLATE, "-o", str(tmp_path / "b.zip"), "--count", "2",
                 "--roster", str(roster)]) == 2
    assert "not both" in capsys.readouterr().err
    text = (Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"
            / f"{TEMPLATE}.toml").read_text(encoding="utf-8")
    formula = tmp_path / "formula.toml"
    formula.write_text(text.replace('of = "dL/dw5"', 'of = "dL/dw5"\nanswer = "formula"', 1))
    assert main(["export", "moodle", str(formula), "-o", str(tmp_path / "b.xml")]) == 2
    assert "asks for a formula" in capsys.readouterr().err
    assert not (tmp_path / "b.xml").exists() and not (tmp_path / "b.zip").exists()


# -- hostile text ------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> ]]> & {=system('x')} {w1} [w1] \u0007\u0000 end"


@pytest.fixture
def hostile_template(tmp_path: Path) -> Path:
    text = (Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples"
            / f"{TEMPLATE}.toml").read_text(encoding="utf-8")
    escaped = json.dumps(HOSTILE)  # a TOML basic string: the control characters as \\u escapes
    text = re.sub(r'^title = ".*"$', lambda _: f"title = {escaped}", text, count=1, flags=re.M)
    text = text.replace('text = "The first output of the forward pass."', f"text = {escaped}")
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _shown(fragment: str) -> tuple[str, list[str]]:
    """The text a browser shows for an HTML fragment, and the tags in it."""
    tree = html.fragment_fromstring(fragment, create_parent="div")
    return tree.text_content(), [e.tag for e in tree.iter()]


def test_hostile_text_stays_text_in_both_banks(hostile_template: Path) -> None:
    shown_title = HOSTILE.replace("\u0007", "\ufffd").replace("\u0000", "\ufffd")
    students = numbered(2)
    moodle = _parse(moodle_xml(str(hostile_template), students))  # well-formed XML
    assert moodle.findtext("question/category/text").startswith("$course$/top/<script>")
    assert moodle_problems(moodle) == []
    canvas = canvas_files(str(hostile_template), students)
    qti = _parse(canvas["bank.xml"])
    assert qti.findtext(f".//{QTI}fieldentry") == shown_title
    texts = [q.findtext("questiontext/text") for q in moodle.findall("question[@type]")
             if q.get("type") != "category"]
    texts += [m.text for m in qti.iter(f"{QTI}mattext")]
    for fragment in texts:
        shown, tags = _shown(fragment)
        assert shown_title in shown and "script" not in tags
        assert not FORMULA_IN_TEXT.search(fragment)  # no {=...} for Moodle to evaluate
        assert "{w1}" not in fragment.replace("w1 = {w1}", "")  # only the bank's own wildcard
        assert "[w1]" not in fragment.replace("w1 = [w1]", "")  # and Canvas variable
    assert canvas_problems(qti) == []
