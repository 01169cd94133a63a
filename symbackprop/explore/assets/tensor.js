/* symbackprop explore, a tensor problem: choose a parameter, see its tensor paths and its
 * derivation, check a typed gradient (nested lists) entry by entry.
 *
 * Reads the page's data (JSON in <script type="application/json" class="sbp-data">) with
 * JSON.parse and writes every text with textContent; nothing from the data or from the answer
 * box is parsed as markup or code.  The answer check is the rule of
 * symbackprop/check/tensor_check.py's judge_tensor (a browser test compares the two).
 */
(function () {
  "use strict";
  // a JSON number, as typed: its digits after the point and its exponent set its tolerance
  var NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/g;
  var DEPTH = 8;

  function explorer(root, data) {
    var picture = sbpPaths.picture(root, data); // assets/paths.js
    var select = root.querySelector(".sbp-choice");
    var panel = root.querySelector(".sbp-panel");
    var info = root.querySelector(".sbp-edge-info");
    var answer = root.querySelector("#answer");
    var verdict = root.querySelector("#verdict");

    function dimensions(shape) { // check.tensor_check.dimensions
      return shape.length ? shape.join("\u00d7") : "a scalar";
    }
    function sameShape(a, b) {
      return a.length === b.length && a.every(function (n, i) { return n === b[i]; });
    }
    function shapeNote(given, right, what) { // check.tensor_check.shape_note
      var text = "you gave " + dimensions(given) + "; " + what + " is " + dimensions(right);
      var g = given.length, r = right.length;
      if (g === 2 && given[0] === right[1] && given[1] === right[0] && r === 2) {
        return text + ": a transpose?";
      }
      if (g > r && sameShape(given.slice(g - r), right)) {
        return text + ": a sum over the batch axis left out?";
      }
      if (g === r + 1 && !sameShape(given.slice(1), right)) {
        return text + ": summed over the wrong axis?";
      }
      var sorted = function (s) { return s.slice().sort(function (a, b) { return a - b; }); };
      if (g === r && sameShape(sorted(given), sorted(right))) {
        return text + ": the axes in the wrong order?";
      }
      return text;
    }

    // -- reading a typed matrix: JSON nested lists of numbers ------------------------------
    function readMatrix(typed) {
      if (typed.length > data.characters) {
        return { problem: "longer than " + data.characters + " characters" };
      }
      var body = typed.trim();
      if (!body) return { problem: "" };
      if (!/^[\[\-0-9]/.test(body)) {
        return { formula: true };
      }
      var parsed;
      try { parsed = JSON.parse(body); } catch (err) {
        if (/[A-Za-z_]/.test(body.replace(NUMBER, ""))) return { formula: true }; // -X.T @ ...
        return { problem: "not nested lists of numbers (JSON), such as [[1, 2], [3, 4]]" };
      }
      var flat = [], problem = null;
      function shapeOf(item, depth) {
        if (problem !== null) return [];
        if (depth > DEPTH) { problem = "nested more than " + DEPTH + " deep"; return []; }
        if (Array.isArray(item)) {
          var shapes = item.map(function (entry) { return shapeOf(entry, depth + 1); });
          var inner = shapes.length ? shapes[0] : [];
          if (shapes.some(function (s) { return !sameShape(s, inner); })) {
            if (problem === null) problem = "the nested lists are ragged (rows of different " +
              "lengths)";
            return [];
          }
          return [item.length].concat(inner);
        }
        if (typeof item !== "number") {
          problem = "every entry must be a number (no text, true, false or null)";
          return [];
        }
        flat.push(item);
        return [];
      }
      var shape = shapeOf(parsed, 0);
      if (problem !== null) return { problem: problem };
      var tokens = [], units = [], m;
      NUMBER.lastIndex = 0;
      while ((m = NUMBER.exec(body)) !== null) {
        var digits = m[1] ? m[1].length : 0;
        var exponent = m[2] === undefined ? 0 : parseInt(m[2], 10);
        tokens.push(Number(m[0]));
        units.push(Number("1e" + (exponent - digits))); // spec.claims.printed_unit
      }
      if (tokens.length !== flat.length) return { problem: "" };
      return { shape: shape, numbers: tokens, units: units };
    }

    // -- the judge: check.tensor_check.judge_tensor, numbers only --------------------------
    var within = sbpPaths.within(data.slack);
    function g4(x) { return String(Number(x.toPrecision(4))); }
    function judge(typed, choice) {
      var read = readMatrix(typed);
      var what = "d" + choice.of + "/d" + choice.name;
      if (read.formula) return { kind: "formula" };
      if (read.numbers === undefined) return { kind: "unreadable", problem: read.problem };
      if (choice.value === null) return { kind: "unknown" };
      var numbers = read.numbers;
      var tolerances = choice.tolerance === null ? read.units : numbers.map(function () {
        return choice.tolerance;
      });
      var head, off, largest = null;
      function matches(shape, value) {
        return sameShape(shape, read.shape) && value.every(function (v, i) {
          return within(numbers[i], v, tolerances[i]);
        });
      }
      if (sameShape(read.shape, choice.shape)) {
        off = 0;
        largest = 0;
        numbers.forEach(function (n, i) {
          if (!within(n, choice.value[i], tolerances[i])) off += 1;
          largest = Math.max(largest, Math.abs(n - choice.value[i]));
        });
        if (off === 0) return { kind: "right", shape: read.shape };
        head = off + " of " + numbers.length + " entries are off (the largest error " +
          g4(largest) + ").";
      } else {
        head = shapeNote(read.shape, choice.shape, what);
        head += /[?.]$/.test(head) ? "" : ".";
      }
      var fitting = choice.mistakes.filter(function (m) { return matches(m[2], m[3]); });
      if (fitting.length) {
        var first = fitting[0], also = [];
        fitting.slice(1).forEach(function (m) {
          if (m[0].length === 1 && first[0].indexOf(m[0][0]) < 0 && also.indexOf(m[1]) < 0) {
            also.push(m[1]);
          }
        });
        return { kind: "mistake", names: first[0], head: head, text: first[1], also: also };
      }
      return { kind: sameShape(read.shape, choice.shape) ? "wrong" : "shape", head: head };
    }
    function explain(result, choice) {
      var what = "d" + choice.of + "/d" + choice.name;
      var judged = choice.tolerance === null ?
        "each entry judged to one unit in its last typed digit" :
        "each entry judged to \u00b1" + choice.tolerance + ", the problem file's tolerance";
      switch (result.kind) {
        case "right": return "Right: " + what + " (" + dimensions(choice.shape) +
          "), every entry within its tolerance (" + judged + ").";
        case "mistake": return "Not right: " + result.head + " It is what this mistake " +
          "gives: " + result.text + (result.also.length ? " (as does: " +
          result.also.join("; ") + ")" : "") + ". (Mistake \u201c" +
          result.names.join("\u201d and \u201c") + "\u201d; " + judged + ".)";
        case "wrong": return "Not right: " + result.head + " No mistake this page knows " +
          "gives these numbers (" + judged + ").";
        case "shape": return "Not right: " + result.head + " No mistake this page knows " +
          "gives a matrix of that shape with these numbers.";
        case "formula": return "This box judges numbers only. Check a formula such as " +
          "X.T @ grad(Z1) with `symbackprop check`: write it as a claim with of = \"" + what +
          "\" and expression = \"...\" in the problem file.";
        case "unknown": return choice.entries > data.typed ? what + " has " +
          choice.entries.toLocaleString("en-US") + " entries: too many to check on this " +
          "page (at most " + data.typed.toLocaleString("en-US") + "); write it as a claim " +
          "and run `symbackprop check`." :
          "The problem file gives no values: there is no number to check.";
        default: return (result.problem ? "Not read: " + result.problem + ". " : "") +
          "Type the gradient as nested lists, such as [[0.1, -2], [3e-3, 4]].";
      }
    }
    root.sbpData = data; // for tests: the data as the script reads it
    root.sbpJudge = function (typed, name) { // for tests: a verdict without the page
      var choice = chosen.named(name);
      var result = judge(typed, choice);
      return { kind: result.kind, mistake: result.names ? result.names.join("+") : null,
               said: explain(result, choice) };
    };

    // -- the panel ---------------------------------------------------------------------------
    function show(choice) {
      var what = "\u2202" + choice.of + "/\u2202" + choice.name;
      panel.querySelector(".sbp-heading").textContent = "The gradient " + what + " (" +
        dimensions(choice.shape) + ")";
      root.querySelectorAll(".sbp-what").forEach(function (n) { n.textContent = what; });
      var count = choice.count.toLocaleString("en-US") +
        (choice.count === 1 ? " tensor path" : " tensor paths") + " from " + choice.name +
        " to " + choice.of;
      if (choice.paths === null) {
        count += ": too many to list (more than " + data.limit.toLocaleString("en-US") +
          "); the factored form holds them all";
      }
      panel.querySelector(".sbp-count").textContent = count;
      var list = panel.querySelector(".sbp-paths");
      list.textContent = "";
      (choice.routes || []).forEach(function (route, i) {
        list.appendChild(picture.row(route, i + 1));
      });
      root.querySelector("#total").textContent = choice.total === null ? "?" : choice.total;
      panel.querySelector(".sbp-text").textContent = choice.derivation;
      sbpPaths.clear(verdict);
    }
    var chosen = picture.chooser(select, show, function (choice) { return choice.paths; });
    function check() {
      var current = chosen.current(), result = judge(answer.value, current);
      verdict.textContent = explain(result, current);
      verdict.setAttribute("data-kind", result.kind);
      if (result.names) verdict.setAttribute("data-mistake", result.names.join("+"));
      else verdict.removeAttribute("data-mistake");
    }

    // -- events ------------------------------------------------------------------------------
    picture.pointing(function (e, g) {
      info.textContent = g.querySelector("title").textContent;
      info.setAttribute("data-edge", String(e));
    });
    root.querySelector(".sbp-check").addEventListener("submit", function (event) {
      event.preventDefault();
      check();
    });
    answer.addEventListener("keydown", function (event) { // Enter checks; Shift+Enter: a line
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        check();
      }
    });
    chosen.start();
  }

  sbpPaths.each(explorer);
})();
