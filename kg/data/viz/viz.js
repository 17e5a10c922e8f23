/* policykg graph page: data (JSON in #kg-data) -> vis-network, legend/filters, search, tooltips.
 * Every piece of text from the graph goes into the DOM as textContent, never as HTML. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var S = DATA.strings;
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", ' +
             '"Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif';
  var kg = window.kg = { ready: false, readyMs: null, data: DATA, timings: { start: performance.now() } };
  var statusEl = document.getElementById("kg-status");

  var typeInfo = {}, relInfo = {};
  DATA.types.forEach(function (t) { typeInfo[t.name] = t; });
  DATA.relations.forEach(function (r) { relInfo[r.name] = r; });
  var byId = DATA.nodes;          // node and edge ids are their index
  DATA.edges.forEach(function (e, i) { e.id = i; });
  function clip(text, limit) {
    var chars = Array.from(String(text).split(/\s+/).filter(Boolean).join(" "));
    return chars.length <= limit ? chars.join("") : chars.slice(0, limit - 1).join("") + "…";
  }
  DATA.nodes.forEach(function (n, i) {
    n.id = i;
    n.l = clip(n.n, DATA.maxLabel) + (n.en ? "\n" + clip(n.en, DATA.maxLabel) : "");
    if (n.dg === undefined) n.dg = n.d;        // degree in the whole graph, when it differs
    if (n.iri === undefined) n.iri = DATA.base + n.r;
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function line(parent, cls, text) { parent.appendChild(el("div", cls, text)); }
  function darker(hex, f) {
    var n = parseInt(hex.slice(1), 16);
    var r = Math.round(((n >> 16) & 255) * f), g = Math.round(((n >> 8) & 255) * f), b = Math.round((n & 255) * f);
    return "rgb(" + r + "," + g + "," + b + ")";
  }
  function fmtConf(c) { return c === null || c === undefined ? "" : "confidence " + c.toFixed(2); }

  /* ---- tooltips: DOM elements built on first hover, so 15,000 items cost nothing at load ---- */
  function nodeTip(n) {
    var root = el("div", "kg-tip"), t = typeInfo[n.t];
    root.appendChild(el("b", null, n.n));
    if (n.en) line(root, null, n.en);
    line(root, "kg-sub", n.t + " · " + t.zh + " · " + n.dg + " relation" + (n.dg === 1 ? "" : "s"));
    if (n.a) line(root, null, "Aliases 别名: " + n.a.join(", ") + (n.na ? " … (" + n.na + ")" : ""));
    if (n.kb) line(root, "kg-sub", "KB: " + n.kb);
    if (n.docs) {
      var docs = n.docs.map(function (i) { return S[i]; }).join(", ");
      line(root, null, "Mentioned in 出现于 " + n.nd + " document" + (n.nd === 1 ? "" : "s") + ": " +
           docs + (n.nd > n.docs.length ? ", …" : ""));
    }
    if (n.ev) {
      line(root, null, "Evidence 证据 (" + n.ev.length + (n.ne > n.ev.length ? " of " + n.ne : "") + "):");
      var ul = el("ul");
      n.ev.forEach(function (row) {
        var li = el("li", null, S[row[0]]);
        var rel = DATA.relations[row[2]];
        li.appendChild(el("div", "kg-src", (S[row[1]] || "?") + " · " + rel.name + " " + rel.zh));
        ul.appendChild(li);
      });
      root.appendChild(ul);
    }
    line(root, "kg-src", n.iri);
    return root;
  }
  function edgeTip(e) {
    var root = el("div", "kg-tip"), r = relInfo[e.p];
    root.appendChild(el("b", null, byId[e.s].n + " → " + e.p + " (" + r.zh + ") → " + byId[e.o].n));
    var titles = {};
    e.ev.forEach(function (row) { if (row[4]) titles[row[4]] = 1; });
    if (Object.keys(titles).length) line(root, null, "Post 职务: " + Object.keys(titles).join(", "));
    line(root, "kg-sub", e.n + " statement" + (e.n === 1 ? "" : "s") + (e.c !== undefined ? " · max " + fmtConf(e.c) : ""));
    var rows = e.ev.filter(function (row) { return S[row[0]]; });
    if (rows.length) {
      var ul = el("ul");
      rows.forEach(function (row) {
        var li = el("li", null, S[row[0]]);
        var src = [S[row[1]] || "?", fmtConf(row[2]), row[3] || ""].filter(Boolean).join(" · ");
        li.appendChild(el("div", "kg-src", src));
        ul.appendChild(li);
      });
      root.appendChild(ul);
      if (e.n > e.ev.length) line(root, "kg-sub", "… and " + (e.n - e.ev.length) + " more");
    }
    return root;
  }
  function lazyTip(build, item) {
    var box = el("div");
    box.kgFill = function () { if (!box.firstChild) box.appendChild(build(item)); };
    return box;
  }

  /* ---- data sets and filtered views ---- */
  var typeOn = {}, relOn = {};
  DATA.types.forEach(function (t) { typeOn[t.name] = true; });
  DATA.relations.forEach(function (r) { relOn[r.name] = true; });

  var groups = {};
  DATA.types.forEach(function (t) {
    var border = darker(t.color, 0.7);
    groups[t.name] = { color: { background: t.color, border: border,
                                highlight: { background: t.color, border: "#111" },
                                hover: { background: t.color, border: "#111" } } };
  });
  var nodes = new vis.DataSet(DATA.nodes.map(function (n) {
    // Size by degree, on an absolute scale so that a 3-node page does not blow one node up.
    var item = { id: n.id, label: n.l, group: n.t, size: Math.min(8 + 4 * Math.sqrt(n.d), 48),
                 title: lazyTip(nodeTip, n) };
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    if (n.f) { item.borderWidth = 4; item.font = { size: 16, bold: true }; }
    return item;
  }));
  var edges = new vis.DataSet(DATA.edges.map(function (e) {
    var c = relInfo[e.p].color;
    return { id: e.id, from: e.s, to: e.o, label: e.p, pred: e.p, width: Math.min(1 + 1.5 * Math.log2(e.n), 8),
             color: { color: c, highlight: c, hover: c, opacity: 0.75 }, title: lazyTip(edgeTip, e) };
  }));
  var nodesView = new vis.DataView(nodes, { filter: function (n) { return typeOn[n.group]; } });
  var edgesView = new vis.DataView(edges, { filter: function (e) {
    return relOn[e.pred] && typeOn[byId[e.from].t] && typeOn[byId[e.to].t];
  } });
  kg.timings.datasets = performance.now();
  kg.nodes = nodes; kg.edges = edges; kg.nodesView = nodesView; kg.edgesView = edgesView;

  /* ---- the network ---- */
  var big = !DATA.physics;
  var options = {
    groups: groups,
    nodes: { shape: "dot", borderWidth: 1,
             font: { face: FONT, size: 14, color: "#222", strokeWidth: 3, strokeColor: "#ffffff" } },
    edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, selectionWidth: 2,
             font: { face: FONT, size: 10, color: "#555", strokeWidth: 2, strokeColor: "#ffffff", align: "middle" },
             smooth: big ? false : { enabled: true, type: "continuous", roundness: 0.3 } },
    interaction: { hover: true, tooltipDelay: 200, hideEdgesOnDrag: big, hideEdgesOnZoom: big, keyboard: false },
    layout: { randomSeed: 0, improvedLayout: DATA.nodes.length <= 300 },
    physics: big ? { enabled: false } : {
      enabled: true, solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -60, centralGravity: 0.01, springLength: 120,
                          springConstant: 0.08, avoidOverlap: 0.4 },
      stabilization: { enabled: true, iterations: 200, updateInterval: 20, fit: true },
      maxVelocity: 50, minVelocity: 0.75
    }
  };
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, options);
  kg.network = network;
  kg.timings.network = performance.now();

  function markReady() {
    if (kg.ready) return;
    kg.ready = true;
    kg.readyMs = performance.now();
    document.body.setAttribute("data-ready", "1");
    statusEl.textContent = "";
  }
  if (!big && DATA.nodes.length) {
    statusEl.textContent = "Laying out… 布局中";
    network.on("stabilizationProgress", function (p) {
      statusEl.textContent = "Laying out… " + Math.round(100 * p.iterations / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.fit();
      network.once("afterDrawing", markReady);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", markReady);
    network.redraw();
  }
  // The first hover fills the popup; vis reads the element when the tooltip delay ends.
  network.on("hoverNode", function (p) { var it = nodes.get(p.node); if (it) it.title.kgFill(); });
  network.on("hoverEdge", function (p) { var it = edges.get(p.edge); if (it) it.title.kgFill(); });

  /* ---- legend = filters ---- */
  function stats() {
    document.getElementById("kg-stats").textContent =
      nodesView.length + " entities · " + edgesView.length + " relations shown" +
      (DATA.total > DATA.nodes.length ? " (graph: " + DATA.total + " entities)" : "");
  }
  function legendRow(parent, info, swatchCls, on, key) {
    var row = el("label", "kg-row" + (info.count ? "" : " kg-empty"));
    var box = el("input"); box.type = "checkbox"; box.checked = true;
    box.setAttribute("data-" + key, info.name);
    box.id = "kg-" + key + "-" + info.name;
    box.addEventListener("change", function () {
      on[info.name] = box.checked;
      // Nodes that come back through the view keep the place they had, not a random new one.
      // (network.storePositions() fails while the view hides some nodes, hence by hand.)
      var pos = network.getPositions(), moved = [];
      Object.keys(pos).forEach(function (id) { moved.push({ id: +id, x: pos[id].x, y: pos[id].y }); });
      nodes.update(moved);
      nodesView.refresh(); edgesView.refresh(); stats();
    });
    var sw = el("span", swatchCls); sw.style.background = info.color;
    row.appendChild(box); row.appendChild(sw);
    row.appendChild(el("span", null, info.name + " " + info.zh));
    row.appendChild(el("span", "kg-count", info.count));
    parent.appendChild(row);
  }
  var typesEl = document.getElementById("kg-types"), relsEl = document.getElementById("kg-relations");
  DATA.types.forEach(function (t) { legendRow(typesEl, t, "kg-dot", typeOn, "type"); });
  DATA.relations.forEach(function (r) { legendRow(relsEl, r, "kg-line", relOn, "relation"); });
  var notesEl = document.getElementById("kg-notes");
  DATA.notes.forEach(function (n) { notesEl.appendChild(el("p", null, n)); });
  if (!DATA.nodes.length) notesEl.appendChild(el("p", null, "The graph has no entities. 图中没有实体。"));
  stats();

  var physicsBox = document.getElementById("kg-physics");
  physicsBox.addEventListener("change", function () {
    network.setOptions({ physics: physicsBox.checked ? {
      enabled: true, solver: big ? "barnesHut" : "forceAtlas2Based", stabilization: false } : { enabled: false } });
  });

  /* ---- details of the selection ---- */
  var details = document.getElementById("kg-details");
  function showDetails(tip) {
    details.textContent = "";
    if (tip) { details.className = ""; details.appendChild(tip); }
    else { details.className = "kg-muted"; details.textContent = "Click a node or an edge."; }
  }
  network.on("select", function (p) {
    if (p.nodes.length) showDetails(nodeTip(byId[p.nodes[0]]));
    else if (p.edges.length) showDetails(edgeTip(DATA.edges[p.edges[0]]));
    else showDetails(null);
  });

  /* ---- search: exact label first, then prefix, then substring; ties by degree ---- */
  function norm(s) { return String(s).normalize("NFKC").toLowerCase().replace(/\s+/g, ""); }
  var keys = DATA.nodes.map(function (n) {
    return [n.n, n.en].concat(n.a || []).filter(Boolean).map(norm);
  });
  var searchInput = document.getElementById("kg-search"), searchStatus = document.getElementById("kg-search-status");
  var hits = [], hitAt = 0;
  function focusNode(id) {
    network.selectNodes([id]);
    showDetails(nodeTip(byId[id]));
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300, easingFunction: "easeInOutQuad" } });
  }
  function search() {
    var q = norm(searchInput.value);
    hits = []; hitAt = 0;
    if (!q) { searchStatus.textContent = ""; network.unselectAll(); showDetails(null); return; }
    for (var i = 0; i < keys.length; i++) {
      if (!typeOn[byId[i].t]) continue;
      var best = 0, k = keys[i];
      for (var j = 0; j < k.length; j++) {
        if (k[j] === q) { best = 3; break; }
        if (k[j].indexOf(q) === 0) best = Math.max(best, 2);
        else if (k[j].indexOf(q) > 0) best = Math.max(best, 1);
      }
      if (best) hits.push([best, byId[i].dg, i]);
    }
    hits.sort(function (a, b) { return b[0] - a[0] || b[1] - a[1] || a[2] - b[2]; });
    if (!hits.length) { searchStatus.textContent = "No match 无结果"; network.unselectAll(); return; }
    searchStatus.textContent = "1 / " + hits.length + (hits.length > 1 ? " (Enter: next)" : "");
    focusNode(hits[0][2]);
  }
  searchInput.addEventListener("input", search);
  searchInput.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || !hits.length) return;
    ev.preventDefault();
    hitAt = (hitAt + 1) % hits.length;
    searchStatus.textContent = (hitAt + 1) + " / " + hits.length + " (Enter: next)";
    focusNode(hits[hitAt][2]);
  });
  kg.search = function (text) { searchInput.value = text; search(); return network.getSelectedNodes(); };

  // Ego pages start with the focus entity selected.
  var focused = DATA.nodes.filter(function (n) { return n.f; });
  if (focused.length) {
    network.selectNodes(focused.map(function (n) { return n.id; }));
    showDetails(nodeTip(focused[0]));
  }
})();
