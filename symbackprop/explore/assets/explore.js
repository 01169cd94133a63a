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
  var SVG = "http://www.w3.org/2000/svg";
  var ROWS = 200; // path rows listed; every path is still drawn

  function explorer(root) {
    var data = JSON.parse(root.querySelector("script.sbp-data").textContent);
    var svg = root.querySelector("svg.sbp-svg");
    var overlays = svg.querySelector(".sbp-overlays");
    var select = root.querySelector(".sbp-choice");
    var panel = root.querySelector(".sbp-panel");
    var info = root.querySelector(".sbp-edge-info");
    var answer = root.querySelector("#answer") || root.querySelector("input");
    var verdict = root.querySelector("#verdict") || root.querySelector("[role=status]");
    var updateForm = root.querySelector(".sbp-update-check");
    var updateAnswer = root.querySelector("#update-answer");
    var updateVerdict = root.querySelector("#update-verdict");
    var choices = {};
    var current = null;
    var number = new RegExp("^[ \\t\\r\\n]*([+-]?)([0-9]+\\.?[0-9]*|\\.[0-9]+)" +
                            "(?:[eE]([+-]?[0-9]{1," + data.answer.exponent + "}))?" +
                            "[ \\t\\r\\n]*$");
    data.choices.forEach(function (choice) { choices[choice.name] = choice; });

    function part(kind, index) {
      var math = root.querySelector(".sbp-parts [data-" + kind + '="' + index + '"] math');
      return math.cloneNode(true);
    }
    function text(content) { return document.createTextNode(content); }
    function element(tag, className, content) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (content !== undefined) node.textContent = content;
      return node;
    }
    function style(k) { // path k (1-based): the colours of the pictures, then dashes
      var n = data.palette.length;
      return { colour: data.palette[(k - 1) % n],
               dash: data.dashes[Math.floor((k - 1) / n) % data.dashes.length] };
    }
    function dashArray(dash) {
      return { dashed: "6 4", dotted: "1.5 3", dashdot: "6 3 1.5 3" }[dash] || "";
    }

    // -- the answer check: one unit in the last typed digit, as `symbackprop check` ---------
    function readAnswer(typed) {
      if (typed.length > data.answer.max) return null;
      var m = number.exec(typed);
      if (!m) return null;
      var point = m[2].indexOf(".");
      var decimals = point < 0 ? 0 : m[2].length - point - 1;
      var exponent = m[3] === undefined ? 0 : parseInt(m[3], 10);
      var value = Number(m[1] + m[2] + (m[3] === undefined ? "" : "e" + m[3]));
      if (!isFinite(value)) return null;
      return { value: value, tolerance: Number("1e" + (exponent - decimals)) };
    }
    // target: a choice (the derivative) or a choice's .updated (the parameter after the step),
    // each with its value, tolerance, mistakes and printed total
    function judge(typed, target) {
      var read = readAnswer(typed);
      if (read === null) return { kind: "unreadable" };
      var allowed = target.tolerance === null ? read.tolerance : target.tolerance;
      if (target.value === null) return { kind: "unknown", tolerance: allowed };
      var close = function (v) { return Math.abs(read.value - v) <= allowed * data.slack; };
      var also = null;
      for (var i = 0; i < target.mistakes.length && also === null; i++) {
        if (close(target.mistakes[i].value)) also = target.mistakes[i];
      }
      if (close(target.value)) return { kind: "right", mistake: also, tolerance: allowed };
      if (also !== null) return { kind: "mistake", mistake: also, tolerance: allowed };
      return { kind: "wrong", mistake: null, tolerance: allowed };
    }
    function explain(result, target, what) {
      var judged = result.tolerance === undefined ? "" : "judged to ±" + result.tolerance +
        (target.tolerance === null ? ", one unit in the last digit you typed" :
         ", the problem file's tolerance");
      var within = judged && " (" + judged + ")";
      switch (result.kind) {
        case "right": return "Right: " + what + " = " + target.total + within + "." +
          (result.mistake ? " But with " + result.mistake.description + " (mistake “" +
           result.mistake.name + "”) you would get the same to these digits: type more " +
           "digits to tell the two apart." : "");
        case "mistake": return "Not right: that is what you get with " +
          result.mistake.description + ". (Mistake “" + result.mistake.name + "”; " + judged +
          ".)";
        case "wrong": return "Not right, and not one of the common mistakes this page knows" +
          within + ".";
        case "unknown": return "The problem file gives no values: there is no number to check.";
        default: return "Type a number, such as -0.029 or 2.5e-3.";
      }
    }
    root.sbpJudge = function (typed, name, updated) { // for tests: a verdict without the page
      var choice = choices[name || current.name];
      var result = judge(typed, updated ? choice.updated : choice);
      return { kind: result.kind, mistake: result.mistake ? result.mistake.name : null,
               tolerance: result.tolerance === undefined ? null : result.tolerance };
    };

    // -- the picture -------------------------------------------------------------------------
    function stroke(group, edge, offset, width) {
      var g = data.edges[edge].geometry;
      var dx = g[2] - g[0], dy = g[3] - g[1], length = Math.hypot(dx, dy) || 1;
      var nx = -dy / length * offset, ny = dx / length * offset;
      var line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", g[0] + nx); line.setAttribute("y1", g[1] + ny);
      line.setAttribute("x2", g[2] + nx); line.setAttribute("y2", g[3] + ny);
      line.setAttribute("stroke-width", width);
      group.appendChild(line);
    }
    function draw(choice) {
      overlays.textContent = "";
      if (choice.paths === null) { // above the path limit: the union, one colour
        var union = document.createElementNS(SVG, "g");
        union.setAttribute("class", "sbp-union highlighted");
        union.setAttribute("stroke", data.palette[0]);
        choice.edges.forEach(function (e) { stroke(union, e, 0, 2.4); });
        overlays.appendChild(union);
        return;
      }
      var through = {};
      choice.paths.forEach(function (path) {
        path.edges.forEach(function (e) { (through[e] = through[e] || []).push(path); });
      });
      choice.paths.forEach(function (path, i) {
        var k = i + 1, look = style(k);
        var group = document.createElementNS(SVG, "g");
        group.setAttribute("class", "sbp-path highlighted");
        group.setAttribute("data-path", String(k));
        group.setAttribute("stroke", look.colour);
        if (dashArray(look.dash)) group.setAttribute("stroke-dasharray", dashArray(look.dash));
        path.edges.forEach(function (e) {
          var users = through[e], n = users.length, at = users.indexOf(path);
          var room = data.edges[e].geometry[4];
          var gap = n > 1 ? Math.min(2.45, room / (n - 1)) : 0;
          var width = n > 1 ? Math.min(2.4, Math.max(gap * 0.8, 0.6)) : 2.4;
          stroke(group, e, (at - (n - 1) / 2) * gap, width);
        });
        overlays.appendChild(group);
      });
    }
    function mark(choice) {
      var nodes = {}, edges = {};
      choice.nodes.forEach(function (n) { nodes[n] = true; });
      choice.edges.forEach(function (e) { edges[e] = true; });
      svg.querySelectorAll(".sbp-node").forEach(function (node) {
        var name = node.getAttribute("data-name");
        node.classList.toggle("sbp-dim", !nodes[name]);
        node.classList.toggle("sbp-chosen", name === choice.name);
        if (node.hasAttribute("data-node")) {
          node.setAttribute("aria-pressed", String(name === choice.name));
        }
      });
      svg.querySelectorAll(".sbp-edge").forEach(function (edge) {
        edge.classList.toggle("sbp-dim", !edges[edge.getAttribute("data-edge")]);
      });
    }
    function focusPath(k) {
      root.classList.toggle("sbp-focusing", k !== null);
      overlays.querySelectorAll(".sbp-path").forEach(function (g) {
        g.classList.toggle("sbp-focus", g.getAttribute("data-path") === String(k));
      });
    }

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
      var row = element("li", "sbp-row");
      row.setAttribute("data-row", String(k));
      row.tabIndex = 0;
      row.style.borderLeftColor = style(k).colour;
      row.appendChild(element("div", "sbp-route", path.nodes.join(" → ")));
      factors(row, path, "chain");
      factors(row, path, "formulas");
      var numbers = path.edges.slice().reverse().map(function (e) {
        return data.edges[e].factor;
      });
      if (path.value !== "?") {
        row.appendChild(element("div", "sbp-values",
                                "= " + numbers.join(" · ") + " = " + path.value));
      }
      ["mouseenter", "focus"].forEach(function (type) {
        row.addEventListener(type, function () { focusPath(k); });
      });
      ["mouseleave", "blur"].forEach(function (type) {
        row.addEventListener(type, function () { focusPath(null); });
      });
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
      [verdict, updateVerdict].forEach(function (v) {
        if (!v) return;
        v.textContent = "";
        v.removeAttribute("data-kind");
        v.removeAttribute("data-mistake");
      });
      if (updateForm) updateForm.hidden = !choice.updated;
    }
    function report(target, box, where, what) {
      var result = judge(box.value, target);
      where.textContent = explain(result, target, what);
      where.setAttribute("data-kind", result.kind);
      if (result.mistake) where.setAttribute("data-mistake", result.mistake.name);
      else where.removeAttribute("data-mistake");
    }
    function choose(name) {
      var choice = choices[name];
      if (!choice) return;
      current = choice;
      select.value = name;
      mark(choice);
      draw(choice);
      show(choice);
    }

    // -- events ------------------------------------------------------------------------------
    select.addEventListener("change", function () { choose(select.value); });
    svg.querySelectorAll(".sbp-node[data-node]").forEach(function (node) {
      var name = node.getAttribute("data-node");
      node.addEventListener("click", function () { choose(name); });
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          choose(name);
        }
      });
    });
    svg.querySelectorAll(".sbp-edge").forEach(function (g) {
      g.addEventListener("mouseenter", function () {
        var e = Number(g.getAttribute("data-edge")), edge = data.edges[e];
        info.textContent = "";
        info.appendChild(part("leibniz", e));
        info.appendChild(text(" = "));
        info.appendChild(part("partial", e));
        if (edge.value !== "?") info.appendChild(text(" = " + edge.value));
        info.setAttribute("data-edge", String(e));
      });
    });
    root.querySelector(".sbp-check").addEventListener("submit", function (event) {
      event.preventDefault();
      report(current, answer, verdict, "∂" + current.of + "/∂" + current.name);
    });
    if (updateForm) {
      updateForm.addEventListener("submit", function (event) {
        event.preventDefault();
        if (current.updated) {
          report(current.updated, updateAnswer, updateVerdict, current.name + "+");
        }
      });
    }
    choose(choices[data.selected] ? data.selected : data.choices[0].name);
    root.setAttribute("data-ready", String(Math.round(performance.now())));
  }

  document.querySelectorAll(".sbp-explore").forEach(explorer);
})();
