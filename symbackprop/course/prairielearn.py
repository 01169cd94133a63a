"""PrairieLearn: a question folder made from a template, its variants precomputed.

:func:`prairielearn_files` writes what a PrairieLearn course's ``questions/<name>/`` holds
(PrairieLearn's documented question format, ``type`` ``v3``):

- ``info.json``: ``uuid``, ``title``, ``topic``, ``tags``, ``type``;
- ``question.html``: the problem, the student's numbers (``{{params.values}}``), the graph
  picture (``pl-figure``) and a ``pl-number-input`` per question, its ``atol`` the variant's
  tolerance (a question whose id holds a ``.`` is named otherwise there:
  :func:`answer_names`);
- ``server.py``: :mod:`symbackprop.course.pl_server` with the variants in it (standard library
  only): ``generate(data)`` picks a variant by ``variant_seed``, ``parse(data)`` reads each
  answer as ``symbackprop grade`` does (a Unicode minus, a decimal comma), ``grade(data)``
  judges it by ``grade``'s rule (the digits asked; whatever ``pl-number-input``'s tolerance
  said) and names the common mistake of a wrong answer in ``feedback``;
- ``clientFilesQuestion/graph.svg``: the network, no path highlighted (which paths a question
  needs is for the student to find), its parameters named on it
  (:func:`symbackprop.draw.figure.render_network`; the ``draw`` extra, matplotlib;
  ``picture=False`` leaves it out).

The variants are those ``symbackprop variants`` would give students ``v001``, ``v002``, ...
with the same seed.  The UUID is derived from the template's name and the seed (``uuid5``), so
the same command writes the same folder byte for byte; export with another seed (or edit
``info.json``) for a second question from the same template.

Examples
--------
>>> files = prairielearn_files("assignment_2_2_2", count=2, picture=False)
>>> sorted(files)
['info.json', 'question.html', 'server.py']
>>> 'answers-name="q1"' in files["question.html"]
True
"""

from __future__ import annotations

import html
import json
import uuid
from importlib import resources
from typing import Any

from ..render.jsontext import to_json
from ..spec.problems import problem_from_dict, read_problem_data
from .roster import Student
from .tensor_files import scalar_bank
from .variants import Variant, rounded, template_variants

__all__ = ["answer_names", "prairielearn_files"]

_PLACEHOLDER = "VARIANTS: list[dict[str, Any]] = []  # filled in by symbackprop export prairielearn"


def answer_names(ids: list[str]) -> dict[str, str]:
    """Each question id's name in PrairieLearn (``answers-name``, ``params.tolerance.<name>``):
    the id where Mustache reads it as one name, else (a ``.`` in it, which Mustache reads as a
    nested lookup) the id with ``_`` for ``.``, made unique with a number.

    Examples
    --------
    >>> answer_names(["q1", "q.1", "q_1", "q-2"])
    {'q1': 'q1', 'q.1': 'q_1_2', 'q_1': 'q_1', 'q-2': 'q-2'}
    """
    names = {i: i for i in ids if "." not in i}
    for i in ids:
        if "." in i:
            base, number = i.replace(".", "_"), 2
            while f"{base}_{number}" in names.values() or f"{base}_{number}" in ids:
                number += 1
            names[i] = f"{base}_{number}"
    return {i: names[i] for i in ids}


def _variant_data(variant: Variant) -> dict[str, Any]:
    names = answer_names([a.question.id for a in variant.key])
    return {
        "values": [{"name": k, "value": str(v)} for k, v in variant.values.items()],
        "answers": {names[a.question.id]: {
            "value": rounded(a.value), "tolerance": rounded(a.tolerance),
            "digits": a.question.digits if a.question.tolerance is None else None,
            "mistakes": [{"name": m.name, "value": rounded(m.value),
                          "description": m.description} for m in a.mistakes]}
            for a in variant.key},
    }


def _server(variants: list[Variant]) -> str:
    source = resources.files("symbackprop.course").joinpath("pl_server.py").read_text(
        encoding="utf-8")
    if _PLACEHOLDER not in source:
        raise RuntimeError("pl_server.py: the VARIANTS line to fill in is missing")
    payload = json.dumps([_variant_data(v) for v in variants], sort_keys=True,
                         ensure_ascii=True)
    filled = f"VARIANTS: list[dict[str, Any]] = json.loads({payload!r})"
    head = ("# Written by symbackprop export prairielearn: the question's variants are in\n"
            "# VARIANTS below; only the Python standard library is used.\n")
    return head + source.replace(_PLACEHOLDER, filled).replace(
        "from typing import Any\n", "import json\nfrom typing import Any\n", 1)


def _html(text: str) -> str:
    """Text for question.html: HTML-escaped, and its braces written as character references so
    that PrairieLearn's Mustache pass does not read ``{{...}}`` in a title as a tag."""
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _question_html(variants: list[Variant], title: str, description: str,
                   picture: bool) -> str:
    lines = ["<pl-question-panel>", f"  <p><strong>{_html(title)}</strong></p>"]
    if description:
        lines.append(f"  <p>{_html(' '.join(description.split()))}</p>")
    rate = variants[0].problem.learning_rate
    if rate is not None:
        lines.append(f"  <p>Learning rate: {rate:g}.</p>")
    lines += ["  <p>Your numbers:</p>", "  <ul>",
              "  {{#params.values}}<li><code>{{name}} = {{value}}</code></li>"
              "{{/params.values}}", "  </ul>"]
    if picture:
        lines.append('  <pl-figure file-name="graph.svg" directory="clientFilesQuestion">'
                     "</pl-figure>")
    lines.append("</pl-question-panel>")
    names = answer_names([a.question.id for a in variants[0].key])
    for answer in variants[0].key:
        q = answer.question
        name = names[q.id]
        lines += [f"<p>{_html(q.text or q.of)}</p>",
                  f'<pl-number-input answers-name="{name}" label="{_html(q.of)} ="'
                  f' comparison="relabs" rtol="0" atol="{{{{params.tolerance.{name}}}}}"'
                  f' weight="{q.points:g}"></pl-number-input>']
    return "\n".join(lines) + "\n"


def prairielearn_files(template: str, *, count: int = 20, seed: int | None = None,
                       picture: bool = True) -> dict[str, str | bytes]:
    """The files of a PrairieLearn question from ``template``, by relative path.

    Raises
    ------
    SpecError
        For a template that is not one, a formula question (PrairieLearn's number input
        cannot take one), or draws that stay degenerate.
    MissingExtraError
        For the picture without matplotlib (the ``draw`` extra).

    Examples
    --------
    >>> info = json.loads(prairielearn_files("assignment_2_2_2", count=1, picture=False)
    ...                   ["info.json"])
    >>> info["type"], info["topic"], len(info["uuid"])
    ('v3', 'Backpropagation', 36)
    """
    from ..errors import SpecError

    name, data = read_problem_data(template)
    scalar_bank(name, data)
    problem = problem_from_dict(data, name=name)
    if problem.variants is not None and any(
            q.answer == "formula" for q in problem.variants.questions):
        raise SpecError(f"{name}: a formula question cannot be a pl-number-input; export a "
                        "template with number questions only")
    students = tuple(Student(f"v{k:03d}") for k in range(1, count + 1))
    if not 1 <= count <= 1000:
        raise SpecError(f"--count must be between 1 and 1,000, got {count}")
    variants = template_variants(problem, students, seed)
    short = name.removesuffix(" (bundled example)")
    used_seed = variants[0].seed
    info = {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                   f"symbackprop:prairielearn:{short}:{used_seed}")),
            "title": problem.title or short, "topic": "Backpropagation",
            "tags": ["symbackprop", "backpropagation"], "type": "v3"}
    files: dict[str, str | bytes] = {
        "info.json": to_json(info) + "\n",
        "question.html": _question_html(variants, problem.title or short,
                                        problem.description, picture),
        "server.py": _server(variants),
    }
    if picture:
        from ..draw.figure import render_network

        files["clientFilesQuestion/graph.svg"] = render_network(problem.graph, "svg")
    return files
