"""Courses: seeded problem variants, answer keys, handouts, grading and gradebook exports.

An instructor writes a template (a problem file with ``[variants]`` and ``[[questions]]``);
this package draws each student's numbers, computes the answer key with the values the common
mistakes give, writes handouts, grades answers-only submissions and exports to Gradescope and
PrairieLearn.

May import :mod:`symbackprop.check`, :mod:`symbackprop.draw`, :mod:`symbackprop.render`,
:mod:`symbackprop.calculus` and :mod:`symbackprop.spec`.
"""
