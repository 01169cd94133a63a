/* symbackprop explore, what both pages share (inlined before the page's own script, in the
 * same script element): the picture's lit paths, the nodes and edges of the chosen
 * parameter, a path's row in the panel, choosing a parameter (in the list or the picture)
 * and starting the page; the answer check's tolerance and clearing a verdict.
 *
 * sbpPaths.each(explorer) calls explorer(root, data) for each page of the document with its
 * data (the JSON in <script type="application/json" class="sbp-data">).
 * sbpPaths.picture(root, data) reads data.palette, data.dashes and data.edges[e].geometry
 * ([x1, y1, x2, y2, room]: the edge's SVG segment and the room beside it for parallel paths).
 */
var sbpPaths = (function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }
  function each(explorer) { // explorer(root, data) for each page on the document
    document.querySelectorAll(".sbp-explore").forEach(function (root) {
      explorer(root, JSON.parse(root.querySelector("script.sbp-data").textContent));
    });
  }
  function within(slack) { // check.judge's rule: |a - b| <= tolerance, widened by slack
    return function (a, b, tolerance) { return Math.abs(a - b) <= tolerance * slack; };
  }
  function clear(verdict) {
    verdict.textContent = "";
    verdict.removeAttribute("data-kind");
    verdict.removeAttribute("data-mistake");
  }
  function dashArray(dash) {
    return { dashed: "6 4", dotted: "1.5 3", dashdot: "6 3 1.5 3" }[dash] || "";
  }

  function picture(root, data) {
    var svg = root.querySelector("svg.sbp-svg");
    var overlays = svg.querySelector(".sbp-overlays");

    function style(k) { // path k (1-based): the colours of the pictures, then dashes
      var n = data.palette.length;
      return { colour: data.palette[(k - 1) % n],
               dash: data.dashes[Math.floor((k - 1) / n) % data.dashes.length] };
    }
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
    // paths: each path's edge indices, or null above the path limit (then the union of
    // choice.edges is drawn in one colour)
    function draw(choice, paths) {
      overlays.textContent = "";
      if (paths === null) {
        var union = document.createElementNS(SVG, "g");
        union.setAttribute("class", "sbp-union highlighted");
        union.setAttribute("stroke", data.palette[0]);
        choice.edges.forEach(function (e) { stroke(union, e, 0, 2.4); });
        overlays.appendChild(union);
        return;
      }
      var through = {};
      paths.forEach(function (path, i) {
        path.forEach(function (e) { (through[e] = through[e] || []).push(i); });
      });
      paths.forEach(function (path, i) {
        var k = i + 1, look = style(k);
        var group = document.createElementNS(SVG, "g");
        group.setAttribute("class", "sbp-path highlighted");
        group.setAttribute("data-path", String(k));
        group.setAttribute("stroke", look.colour);
        if (dashArray(look.dash)) group.setAttribute("stroke-dasharray", dashArray(look.dash));
        path.forEach(function (e) {
          var users = through[e], n = users.length, at = users.indexOf(i);
          var room = data.edges[e].geometry[4];
          var gap = n > 1 ? Math.min(2.45, room / (n - 1)) : 0;
          var width = n > 1 ? Math.min(2.4, Math.max(gap * 0.8, 0.6)) : 2.4;
          stroke(group, e, (at - (n - 1) / 2) * gap, width);
        });
        overlays.appendChild(group);
      });
    }
    function mark(choice) { // dim what the chosen parameter's paths do not pass
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
    function row(route, k) { // path k's row in the panel: pointing at it lights the path
      var item = element("li", "sbp-row");
      item.setAttribute("data-row", String(k));
      item.tabIndex = 0;
      item.style.borderLeftColor = style(k).colour;
      item.appendChild(element("div", "sbp-route", route));
      ["mouseenter", "focus"].forEach(function (type) {
        item.addEventListener(type, function () { focusPath(k); });
      });
      ["mouseleave", "blur"].forEach(function (type) {
        item.addEventListener(type, function () { focusPath(null); });
      });
      return item;
    }
    // choosing a parameter (the list, a click or Enter on its box) marks it, draws
    // lit(choice) (its paths' edge indices, or null) and calls show(choice); start() chooses
    // data.selected and marks the page ready
    function chooser(select, show, lit) {
      var choices = {}, current = null;
      data.choices.forEach(function (choice) { choices[choice.name] = choice; });
      function choose(name) {
        var choice = choices[name];
        if (!choice) return;
        current = choice;
        select.value = name;
        mark(choice);
        draw(choice, lit(choice));
        show(choice);
      }
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
      return {
        named: function (name) { return choices[name || current.name]; }, // default: chosen
        current: function () { return current; },
        start: function () {
          choose(choices[data.selected] ? data.selected : data.choices[0].name);
          root.setAttribute("data-ready", String(Math.round(performance.now())));
        }
      };
    }
    function pointing(show) { // show(edge index, its <g>) when an edge is pointed at
      svg.querySelectorAll(".sbp-edge").forEach(function (g) {
        g.addEventListener("mouseenter", function () {
          show(Number(g.getAttribute("data-edge")), g);
        });
      });
    }
    return { svg: svg, row: row, chooser: chooser, pointing: pointing };
  }

  return { each: each, element: element, within: within, clear: clear, picture: picture };
})();
