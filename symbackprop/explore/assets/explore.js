/* symbackprop explore: choose a parameter, see its paths, check an answer (the derivative,
 * and with a learning rate the updated parameter).
 *
 * Reads the page's data (JSON in <script type="application/json" class="sbp-data">) with
 * JSON.parse, writes every text with textContent, and copies only the MathML that the page
 * itself carries (the hidden .sbp-parts); nothing from the data is parsed as markup or code.
 * The answer check is the rule of symbackprop/check/judge.py (a test compares the two).
 */
(function () {
  "use strict";
  var element = sbpPaths.element;

  // The data's compact rows as objects (symbackprop/explore/data.py's expand_page_data):
  // a path [edges shared with the path before, its other edges..., [nodes]?] with the values
  // of the first data.rows paths in choice.values, a mistake [name, description, value,
  // path, templated] with names and descriptions in data.texts and "{path}" standing for
  // the path's route.
  function expand(data) {
    var texts = data.texts, edges = data.edges;
    function path(row, before, value) {
      var routed = row.length > 0 && Array.isArray(row[row.length - 1]);
      var on = before.slice(0, row[0]).concat(row.slice(1, routed ? -1 : undefined));
      var nodes = routed ? row[row.length - 1] : on.length ? [edges[on[0]].from].concat(
        on.map(function (e) { return edges[e].to; })) : [];
      return { value: value, edges: on, nodes: nodes };
    }
    data.choices.forEach(function (choice) {
      var values = choice.values;
      delete choice.values;
      if (choice.paths !== null) {
        var before = [];
        choice.paths = choice.paths.map(function (row, k) {
          var made = path(row, before, k < values.length ? values[k] : null);
          before = made.edges;
          return made;
        });
      }
      function mistake(row) {
        var description = texts[row[1]];
        if (row[4]) {
          description = description.split("{path}").join(
            choice.paths[row[3]].nodes.join(" -> "));
        }
        return { name: texts[row[0]], description: description, value: row[2], path: row[3] };
      }
      choice.mistakes = choice.mistakes.map(mistake);
      if (choice.updated) choice.updated.mistakes = choice.updated.mistakes.map(mistake);
    });
    return data;
  }

  function explorer(root, read) {
    var data = expand(read);
    var ROWS = data.rows; // path rows listed, with their values; every path is still drawn
    var picture = sbpPaths.picture(root, data); // assets/paths.js
    var select = root.querySelector(".sbp-choice");
    var panel = root.querySelector(".sbp-panel");
    var info = root.querySelector(".sbp-edge-info");
    var answer = root.querySelector("#answer") || root.querySelector("input");
    var verdict = root.querySelector("#verdict") || root.querySelector("[role=status]");
    var updateForm = root.querySelector(".sbp-update-check");
    var updateAnswer = root.querySelector("#update-answer");
    var updateVerdict = root.querySelector("#update-verdict");

    function part(kind, index) {
      var math = root.querySelector(".sbp-parts [data-" + kind + '="' + index + '"] math');
      return math.cloneNode(true);
    }
    function text(content) { return document.createTextNode(content); }
    // -- the answer check: the rules of symbackprop/check/reading.py and judge.py --------
    var AROUND = /^[ \t\r\n\u00a0\u2009\u202f]+|[ \t\r\n\u00a0\u2009\u202f]+$/g;
    var NUMBER = new RegExp("^([+\\-\u2212\u2013]?)([0-9][0-9.,\u0020\u00a0\u2009\u202f]*|" +
                            "[.,][0-9][0-9\u0020\u00a0\u2009\u202f]*)(?:([eE])" +
                            "([+\\-\u2212\u2013]?)([0-9]{1," + data.answer.exponent + "}))?$");
    var POWER = /[x\u00d7*\u00b7][ \u00a0\u2009\u202f]*10[ \u00a0\u2009\u202f]*\^/;
    var SPACE = /[\u0020\u00a0\u2009\u202f]/;
    var MINUS = "-\u2212\u2013";
    var EXACT = ["update_not_applied"]; // check.judge.EXACT_MISTAKES
    var PROBLEMS = {
      both: "both a decimal point and a comma: write one decimal point and no thousands " +
        "separator, like 1234.5",
      twice: "more than one decimal mark",
      noDecimals: "a decimal comma needs a digit after it",
      groups: "a space may only separate groups of three digits, like 0.853 542",
      power: "write a power of ten as an exponent: 2.5e-3 for 2.5 \u00d7 10^-3",
      long: "longer than " + data.answer.max + " characters"
    };
    function ambiguous(a, b) {
      return "ambiguous: a decimal comma (" + a + "." + b + ") or a thousands separator (" +
        a + b + ")? Write " + a + "." + b + " or " + a + b;
    }
    function sign(s) { return s && MINUS.indexOf(s) >= 0 ? "-" : s; }
    function grouped(part, leading) {
      var groups = part.split(SPACE);
      if (groups.length === 1) return part;
      var inner = leading ? groups.slice(1) : groups.slice(0, -1);
      var edge = leading ? groups[0] : groups[groups.length - 1];
      if (edge.length < 1 || edge.length > 3 ||
          inner.some(function (g) { return g.length !== 3; })) return null;
      return groups.join("");
    }
    function mantissa(m) {
      var points = m.split(".").length - 1, commas = m.split(",").length - 1;
      if (points && commas) return { problem: PROBLEMS.both };
      if (points > 1 || commas > 1) return { problem: PROBLEMS.twice };
      var mark = points ? "." : commas ? "," : "";
      var at = mark ? m.indexOf(mark) : m.length;
      var whole = m.slice(0, at), fraction = mark ? m.slice(at + 1) : "";
      var integer = whole ? grouped(whole, true) : "";
      var decimals = fraction ? grouped(fraction, false) : "";
      if (integer === null || decimals === null) return { problem: PROBLEMS.groups };
      if (mark === ",") {
        if (!decimals) return { problem: PROBLEMS.noDecimals };
        if (decimals.length === 3 && /[1-9]/.test(integer) && !SPACE.test(m)) {
          return { problem: ambiguous(integer, decimals) };
        }
      }
      return { text: integer + (mark ? "." + decimals : "") };
    }
    function decimal(text) { // an ASCII number as a coefficient and an exponent (exact)
      var m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
      var fraction = m[3] || "";
      var coef = BigInt((m[2] || "") + fraction || "0");
      return { coef: m[1] === "-" ? -coef : coef,
               exp: (m[4] === undefined ? 0 : parseInt(m[4], 10)) - fraction.length,
               value: Number(text) };
    }
    function readAnswer(typed) { // check.reading.read_answer
      if (Array.from(typed).length > data.answer.max) return { problem: PROBLEMS.long };
      var body = typed.replace(AROUND, "");
      if (POWER.test(body)) return { problem: PROBLEMS.power };
      var m = NUMBER.exec(body);
      if (!m) return { problem: "" };
      var mant = mantissa(m[2]);
      if (mant.problem !== undefined) return { problem: mant.problem };
      var text = sign(m[1]) + mant.text + (m[3] === undefined ? "" : m[3] + sign(m[4]) + m[5]);
      return { text: text, number: decimal(text), changed: text !== body };
    }
    function digitCount(coef) { // significant digits of a coefficient
      var s = (coef < 0n ? -coef : coef).toString();
      return s === "0" ? 0 : s.length;
    }
    function unit(number) { return Number("1e" + number.exp); }
    var within = sbpPaths.within(data.slack);
    function half(number, value) { return within(number.value, value, 0.5 * unit(number)); }
    function exponentOf(value, digits) { // the exponent of the last asked digit of value
      if (value === 0) return -digits;
      var d = decimal(String(Math.abs(value)));
      return d.exp + digitCount(d.coef) - 1 - digits + 1;
    }
    function rounded(number, exp) { // half up (away from 0) to a multiple of 10^exp
      if (number.exp >= exp) return number.coef * 10n ** BigInt(number.exp - exp);
      var size = number.coef < 0n ? -number.coef : number.coef;
      var needed = Math.max(1, number.exp + digitCount(size) - 1 - exp + 2);
      if (needed > 100000) return null;
      var p = 10n ** BigInt(exp - number.exp), q = size / p;
      if (2n * (size % p) >= p) q += 1n;
      return number.coef < 0n ? -q : q;
    }
    function roundedAlike(number, value, digits) {
      var exp = exponentOf(value, digits), mine = rounded(number, exp);
      return mine !== null && mine === rounded(decimal(String(value)), exp);
    }
    function agrees(number, value, digits) {
      return roundedAlike(number, value, digits) ||
        (digitCount(number.coef) >= digits && half(number, value));
    }
    function first(mistakes, match) {
      for (var i = 0; i < mistakes.length; i++) if (match(mistakes[i])) return mistakes[i];
      return null;
    }
    // target: {value, tolerance, mistakes: [{name, value, description}]}: a choice (the
    // derivative), a choice's .updated (the parameter after the step), or, with the digits a
    // question asks for, an answer of a key; the verdict of check.judge.judge_number
    function judge(typed, target, digits) {
      var read = readAnswer(typed);
      if (read.number === undefined || !isFinite(read.number.value)) {
        return { kind: "unreadable", problem: read.problem || "" };
      }
      var number = read.number, mistakes = target.mistakes, result;
      var verdict = function (kind, mistake, tolerance) {
        return { kind: kind, mistake: mistake, tolerance: tolerance, read: read.text,
                 changed: read.changed };
      };
      if (digits !== null && digits !== undefined && target.value !== null) {
        var scale = Number("1e" + exponentOf(target.value, digits));
        var like = first(mistakes, function (m) { return half(number, m.value); }) ||
          first(mistakes, function (m) { return roundedAlike(number, m.value, digits); });
        if (agrees(number, target.value, digits)) return verdict("right", like, scale);
        if (digitCount(number.coef) < digits && half(number, target.value)) {
          result = verdict("digits", like, scale);
          result.given = digitCount(number.coef);
          return result;
        }
        return verdict(like ? "mistake" : "wrong", like, scale);
      }
      var allowed = target.tolerance === null ? unit(number) : target.tolerance;
      if (target.value === null) return verdict("unknown", null, allowed);
      var exact = half(number, target.value) ? null : first(mistakes, function (m) {
        return EXACT.indexOf(m.name) >= 0 && half(number, m.value);
      });
      var also = exact || first(mistakes, function (m) {
        return within(number.value, m.value, allowed);
      });
      if (exact === null && within(number.value, target.value, allowed)) {
        return verdict("right", also, allowed);
      }
      return verdict(also ? "mistake" : "wrong", also, allowed);
    }
    function explain(result, target, what, digits) {
      var judged = result.tolerance === undefined ? "" : digits ?
        "judged to " + digits + " significant digits" : "judged to ±" + result.tolerance +
        (target.tolerance === null ? ", one unit in the last digit you typed" :
         ", the problem file's tolerance");
      var within = judged && " (" + judged + ")";
      var read = result.changed ? "Read as " + result.read + ". " : "";
      switch (result.kind) {
        case "right": return read + "Right: " + what + " = " + target.total + within + "." +
          (result.mistake ? " But with " + result.mistake.description + " (mistake “" +
           result.mistake.name + "”) you would get the same to these digits: type more " +
           "digits to tell the two apart." : "");
        case "digits": return read + "Give more digits: the question asks for " + digits +
          " significant digits; " + result.read + " agrees with the right value to " +
          result.given + ".";
        case "mistake": return read + "Not right: that is what you get with " +
          result.mistake.description + ". (Mistake “" + result.mistake.name + "”; " + judged +
          ".)";
        case "wrong": return read + "Not right, and not one of the common mistakes this " +
          "page knows" + within + ".";
        case "unknown": return "The problem file gives no values: there is no number to check.";
        default: return (result.problem ? "Not read as a number: " + result.problem + ". " :
          "") + "Type a number, such as -0.029 or 2.5e-3.";
      }
    }
    function plain(result) { // a verdict as data, for tests
      return { kind: result.kind, mistake: result.mistake ? result.mistake.name : null,
               tolerance: result.tolerance === undefined ? null : result.tolerance,
               read: result.read === undefined ? null : result.read,
               problem: result.problem || "" };
    }
    root.sbpData = data; // for tests: the data as the script reads it
    root.sbpJudge = function (typed, name, updated) { // for tests: a verdict without the page
      var choice = chosen.named(name);
      return plain(judge(typed, updated ? choice.updated : choice));
    };
    root.sbpJudgeValue = function (typed, target, digits) { // for tests: any target, digits
      var result = judge(typed, target, digits);
      var out = plain(result);
      out.said = explain(result, target, "the answer", digits);
      return out;
    };

    // -- the panel ---------------------------------------------------------------------------
    function factors(row, path, kind) {
      var box = element("div", "sbp-" + kind);
      box.appendChild(text(kind === "chain" ? "" : "= "));
      path.edges.slice().reverse().forEach(function (e, i) { // chain-rule order: output first
        if (i > 0) box.appendChild(text(" · "));
        box.appendChild(part(kind === "chain" ? "leibniz" : "partial", e));
      });
      row.appendChild(box);
    }
    function pathRow(path, k) {
      var row = picture.row(path.nodes.join(" → "), k);
      factors(row, path, "chain");
      factors(row, path, "formulas");
      var numbers = path.edges.slice().reverse().map(function (e) {
        return data.edges[e].factor;
      });
      if (path.value !== "?") {
        row.appendChild(element("div", "sbp-values",
                                "= " + numbers.join(" · ") + " = " + path.value));
      }
      return row;
    }
    function show(choice) {
      var what = "∂" + choice.of + "/∂" + choice.name;
      var plural = choice.count === 1 ? " path" : " paths";
      var list = panel.querySelector(".sbp-paths");
      panel.querySelector(".sbp-heading").textContent = "The derivative " + what;
      panel.querySelectorAll(".sbp-what").forEach(function (n) { n.textContent = what; });
      var count = choice.count.toLocaleString("en-US") + plural + " from " + choice.name +
        " to " + choice.of;
      if (choice.paths === null) {
        count += ": too many to list (more than " + data.limit.toLocaleString("en-US") +
          "); the delta form below holds them all, grouped";
      }
      panel.querySelector(".sbp-count").textContent = count;
      list.textContent = "";
      (choice.paths || []).slice(0, ROWS).forEach(function (path, i) {
        list.appendChild(pathRow(path, i + 1));
      });
      var more = choice.paths !== null && choice.paths.length > ROWS ?
        "… and " + (choice.paths.length - ROWS).toLocaleString("en-US") +
        " more paths, all drawn in the picture" : "";
      panel.querySelector(".sbp-more").textContent = more;
      var deltas = panel.querySelector(".sbp-deltas");
      deltas.textContent = "";
      choice.deltas.forEach(function (node) {
        deltas.appendChild(element("li", null, data.deltas[node]));
      });
      root.querySelector("#total").textContent = choice.total === null ? "?" : choice.total;
      panel.querySelector(".sbp-update").textContent =
        choice.update === null ? "" : "Update: " + choice.update;
      panel.querySelectorAll(".sbp-what-updated").forEach(function (n) {
        n.textContent = choice.name + "+";
      });
      [verdict, updateVerdict].forEach(function (v) { if (v) sbpPaths.clear(v); });
      if (updateForm) updateForm.hidden = !choice.updated;
    }
    function report(target, box, where, what) {
      var result = judge(box.value, target);
      where.textContent = explain(result, target, what);
      where.setAttribute("data-kind", result.kind);
      if (result.mistake) where.setAttribute("data-mistake", result.mistake.name);
      else where.removeAttribute("data-mistake");
    }
    var chosen = picture.chooser(select, show, function (choice) {
      return choice.paths === null ? null : choice.paths.map(function (path) {
        return path.edges;
      });
    });

    // -- events ------------------------------------------------------------------------------
    picture.pointing(function (e) {
      var edge = data.edges[e];
      info.textContent = "";
      info.appendChild(part("leibniz", e));
      info.appendChild(text(" = "));
      info.appendChild(part("partial", e));
      if (edge.value !== "?") info.appendChild(text(" = " + edge.value));
      info.setAttribute("data-edge", String(e));
    });
    root.querySelector(".sbp-check").addEventListener("submit", function (event) {
      event.preventDefault();
      var current = chosen.current();
      report(current, answer, verdict, "∂" + current.of + "/∂" + current.name);
    });
    if (updateForm) {
      updateForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var current = chosen.current();
        if (current.updated) {
          report(current.updated, updateAnswer, updateVerdict, current.name + "+");
        }
      });
    }
    chosen.start();
  }

  sbpPaths.each(explorer);
})();
