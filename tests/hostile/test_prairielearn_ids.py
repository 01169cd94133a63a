"""A question id with a ``.`` (allowed in templates) is no nested Mustache lookup in the
PrairieLearn question (issue 27, item 6): every ``{{params...}}`` of question.html resolves, in
the data the server's ``generate`` sets, to the question's tolerance."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from symbackprop.course.prairielearn import answer_names, prairielearn_files
from symbackprop.spec.problems import read_problem_data


def _template(tmp_path: Path) -> str:
    _, data = read_problem_data("assignment_2_2_2")
    text = (Path(__file__).resolve().parents[2] / "symbackprop" / "spec" / "examples" /
            "assignment_2_2_2.toml").read_text(encoding="utf-8")
    ids = ["q.1", "q_1", "part.2.a", "q4"]
    assert text.count("[[questions]]\n") == len(data["questions"]) == len(ids)
    for qid in ids:
        text = text.replace("[[questions]]\nof", f'[[questions]]\nid = "{qid}"\nof', 1)
    path = tmp_path / "dotted.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    """Mustache's name resolution: a ``.`` walks into a nested table."""
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def test_every_tolerance_tag_resolves(tmp_path: Path) -> None:
    files = prairielearn_files(_template(tmp_path), count=3, seed=5, picture=False)
    html = str(files["question.html"])
    server: dict[str, Any] = {}
    exec(compile(str(files["server.py"]), "server.py", "exec"), server)
    data: dict[str, Any] = {"variant_seed": 1, "params": {}, "correct_answers": {}}
    server["generate"](data)
    tags = re.findall(r"\{\{(params\.tolerance\.[^}]*)\}\}", html)
    names = re.findall(r'answers-name="([^"]*)"', html)
    assert len(tags) == len(names) == 4
    for tag, name in zip(tags, names, strict=True):
        assert isinstance(_lookup(data, tag), float), tag
        assert name in data["correct_answers"]
        assert "." not in name


def test_the_names_are_unique_and_keep_safe_ids() -> None:
    names = answer_names(["q1", "q.1", "q_1", "q_1_2", "a.b"])
    assert len(set(names.values())) == 5
    assert names["q1"] == "q1" and names["q_1"] == "q_1" and names["q_1_2"] == "q_1_2"
