/*
 * The partner trace page: one identifier's values, lifecycle and trace
 * graph, read from the node's own API (docs/trace.md).  Plain DOM, no
 * framework; text goes in with textContent only, so nothing a record
 * holds can become markup.  The URL hash (#/88.123.1/PUMP-1) names the
 * identifier, so a view can be shared and the back button works.
 */
"use strict";

(function () {
  var SVGNS = "http://www.w3.org/2000/svg";
  var TOKEN_KEY = "idnode.trace.token";
  var DEPTH = 3;
  var MAX_EVENTS = 5000;

  /* docs/trace.md: stages and their Chinese names. */
  var STAGES = {
    design: "研发设计",
    production: "生产制造",
    installation: "安装调试",
    delivery: "交付使用",
    warning: "状态预警",
    fault: "故障诊断",
    maintenance: "维修保养",
    recycling: "回收"
  };
  /* Which way each link type points (B is A's ...). */
  var UPSTREAM = { madeOf: 1, fromBatch: 1, producedBy: 1 };
  var LINK_NAMES = {
    madeOf: "由…组成 made of",
    fromBatch: "来自批次 from batch",
    producedBy: "生产设备 produced by",
    partOf: "属于 part of",
    shippedIn: "装运于 shipped in",
    replacedBy: "替换为 replaced by",
    recycledInto: "回收为 recycled into"
  };

  var $ = function (id) { return document.getElementById(id); };
  var current = null;   /* the handle on screen */
  var generation = 0;   /* answers for an older selection are dropped */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, attrs[k]);
    });
    return e;
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
  }

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  /* The handle in a path: its '/' plain, everything else encoded. */
  function pathOf(h) {
    return encodeURIComponent(h).replace(/%2F/gi, "/");
  }

  /*
   * GET an API path: resolves to {ok, status, body, error}; never
   * rejects, so each part of the page reports its own trouble.
   */
  function get(path) {
    var headers = { Accept: "application/json" };
    var t = token();
    if (t) headers.Authorization = "Bearer " + t;
    return fetch(path, { headers: headers, cache: "no-store" }).then(
      function (r) {
        return r.text().then(function (text) {
          var body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch (e) {
            body = null;
          }
          return { ok: r.ok, status: r.status, body: body,
                   error: r.ok ? null : explain(r.status, body) };
        });
      },
      function () {
        return { ok: false, status: 0, body: null,
                 error: "the node did not answer (unreachable or offline)" };
      });
  }

  function explain(status, body) {
    var msg = body && body.message ? body.message : "";
    var what = {
      300: "served by another node (a referral)",
      400: "bad request",
      401: "the token was refused (expired or revoked?); use another or forget it",
      403: "not allowed with this token",
      404: "not found",
      405: "not supported by this node",
      503: "the node is busy or its database is unavailable; retry"
    }[status] || "error";
    return "HTTP " + status + ": " + what + (msg ? " (" + msg + ")" : "");
  }

  function stageLabel(code) {
    return STAGES[code] ? STAGES[code] + " " + code : code;
  }

  function show(id, on) {
    $(id).hidden = !on;
  }

  function message(id, text) {
    var m = $(id);
    m.textContent = text || "";
    m.hidden = !text;
  }

  function setStatus(state, text) {
    var s = $("status");
    s.dataset.state = state;
    s.textContent = text;
  }

  /* ------------------------------------------------------------ values */

  function valueText(v) {
    var d = v.data || {};
    if (d.format === "string") return String(d.value);
    if (d.format === "admin" && d.value)
      return "HS_ADMIN " + d.value.handle + " #" + d.value.index +
        " perms " + d.value.permissions;
    if (d.format === "base64")
      return "(binary, " + Math.floor(String(d.value).length * 3 / 4) +
        " bytes)";
    return JSON.stringify(d.value);
  }

  function renderValues(handles, trace) {
    var tbody = $("values").querySelector("tbody");
    var rows = [];
    var seen = {};
    clear(tbody);
    show("values-section", true);
    /* Not public: permissions "AR AW PR PW", PUBLIC_READ the third. */
    function restricted(v) {
      return String(v.permissions || "").charAt(2) === "0";
    }
    if (handles.ok && handles.body && handles.body.values) {
      handles.body.values.forEach(function (v) {
        seen[v.index] = true;
        rows.push({ v: v, restricted: restricted(v) });
      });
    }
    /* The node answers both with the caller's rights; the trace's root
       may still add what a failed resolution left out. */
    var root = trace.ok && trace.body && trace.body.data &&
      (trace.body.data.nodes || [])[0];
    if (root && root.values) {
      root.values.forEach(function (v) {
        if (!seen[v.index]) rows.push({ v: v, restricted: restricted(v) });
      });
    }
    rows.sort(function (a, b) { return a.v.index - b.v.index; });
    rows.forEach(function (r) {
      var tr = el("tr", r.restricted ? "restricted" : "");
      var type = String(r.v.type || "");
      var td = el("td", "value");
      tr.appendChild(el("td", "num", r.v.index));
      tr.appendChild(el("td", "type", type));
      if (type.indexOf("TRACE.") === 0 && r.v.data &&
          r.v.data.format === "string") {
        td.appendChild(handleLink(String(r.v.data.value)));
      } else {
        td.textContent = valueText(r.v);
      }
      if (r.restricted)
        td.appendChild(el("span", "tag lock", "restricted · 授权可见"));
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
    if (!handles.ok)
      message("values-msg", handles.error);
    else if (!rows.length)
      message("values-msg", "no public values");
    else
      message("values-msg", "");
    $("values").hidden = !rows.length;
  }

  function handleLink(h) {
    var a = el("a", "handle", h);
    a.href = "#/" + h;
    return a;
  }

  /* --------------------------------------------------------- lifecycle */

  function fetchEvents(h) {
    var all = [];
    function page(after) {
      var q = "/api/events/" + pathOf(h) + "?limit=1000" +
        (after ? "&after=" + encodeURIComponent(after) : "");
      return get(q).then(function (r) {
        if (!r.ok) return r;
        var d = (r.body && r.body.data) || {};
        all = all.concat(d.events || []);
        if (d.next && all.length < MAX_EVENTS) return page(d.next);
        return { ok: true, events: all, more: !!d.next };
      });
    }
    return page(null);
  }

  function summaryItem(dl, term, value) {
    dl.appendChild(el("dt", null, term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value;
    dl.appendChild(dd);
  }

  function renderLifecycle(events, life) {
    var dl = $("summary");
    var ol = $("timeline");
    clear(dl);
    clear(ol);
    show("life-section", true);
    if (!events.ok) {
      message("life-msg", events.error);
      ol.dataset.count = "0";
      return;
    }
    var lc = life.ok && life.body ? life.body.data || {} : null;
    var open = {};
    var correctedBy = {};
    var closedBy = {};
    var list = events.events;
    if (lc) {
      (lc.openWarnings || []).forEach(function (e) { open[e.id] = true; });
      summaryItem(dl, "状态 Status", lc.status ? stageLabel(lc.status) : "—");
      summaryItem(dl, "持有方 Holder", lc.holder || "—");
      summaryItem(dl, "事件 Events", String(lc.events));
      summaryItem(dl, "未关闭预警 Open warnings",
                  String((lc.openWarnings || []).length));
      summaryItem(dl, "更正 Corrections", String(lc.corrections || 0));
    }
    var byId = {};
    list.forEach(function (e) {
      byId[e.id] = e;
      if (e.corrects) correctedBy[e.corrects] = e.id;
      (e.closes || []).forEach(function (id) { closedBy[id] = e.id; });
    });
    message("life-msg", !life.ok ? "summary: " + life.error
            : !list.length ? "no events visible to you"
            : events.more ? "showing the first " + list.length + " events"
            : "");
    /* By when it happened; recording order breaks ties. */
    var order = list.map(function (e, i) { return [e, i]; });
    order.sort(function (a, b) {
      var ta = Date.parse(a[0].time) || 0;
      var tb = Date.parse(b[0].time) || 0;
      return ta - tb || a[1] - b[1];
    });
    order.forEach(function (p) {
      ol.appendChild(eventItem(p[0], open, correctedBy, closedBy, byId));
    });
    ol.dataset.count = String(list.length);
  }

  /* "2024-05-21 09:00 UTC": the stored time, shorter. */
  function when(t) {
    var m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?(\.\d+)?Z$/.exec(t || "");
    return m ? m[1] + " " + m[2] + (m[3] && m[3] !== ":00" ? m[3] : "") +
      " UTC" : String(t);
  }

  /* Another event of the list, named for a reader: "warning 2024-11-17". */
  function eventName(byId, id) {
    var e = byId[id];
    return e ? e.stage + " " + String(e.time).slice(0, 10) : id;
  }

  function eventItem(e, open, correctedBy, closedBy, byId) {
    var li = el("li", "event stage-" + (STAGES[e.stage] ? e.stage : "custom"));
    li.dataset.id = e.id;
    li.dataset.stage = e.stage;
    var head = el("div", "ev-head");
    head.appendChild(el("span", "stage", stageLabel(e.stage)));
    var t = el("time", "when", when(e.time));
    t.dateTime = e.time;
    t.title = "recorded " + (e.recorded || "?") + ", id " + e.id;
    head.appendChild(t);
    if (open[e.id]) {
      li.classList.add("open");
      head.appendChild(el("span", "tag warn", "open · 未关闭"));
    } else if (closedBy[e.id]) {
      head.appendChild(el("span", "tag", "resolved · 已处理"));
    }
    if (correctedBy[e.id]) {
      li.classList.add("corrected");
      head.appendChild(el("span", "tag", "corrected · 已更正"));
    }
    if (e.corrects) {
      li.classList.add("correction");
      head.appendChild(el("span", "tag fix", "corrects · 更正 " +
                          eventName(byId, e.corrects)));
    }
    if (e.public === false)
      head.appendChild(el("span", "tag lock", "restricted · 授权可见"));
    li.appendChild(head);
    var meta = el("div", "ev-meta");
    meta.appendChild(el("span", null, "by " + (e.enterprise || "?") +
                        (e.by ? " (" + e.by + ")" : "")));
    if (e.location) meta.appendChild(el("span", null, "at " + e.location));
    if (e.holder) meta.appendChild(el("span", null, "holder " + e.holder));
    li.appendChild(meta);
    var attrs = e.attrs || {};
    var keys = Object.keys(attrs);
    if (keys.length) {
      var ul = el("ul", "attrs");
      keys.forEach(function (k) {
        var item = el("li");
        item.appendChild(el("b", null, k + ": "));
        var v = attrs[k];
        if (typeof v === "string" && /^[0-9][0-9.]*\/\S+$/.test(v))
          item.appendChild(handleLink(v));
        else
          item.appendChild(document.createTextNode(String(v)));
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    if (e.closes && e.closes.length)
      li.appendChild(el("div", "ev-meta", "resolves · 处理 " + e.closes.map(
        function (id) { return eventName(byId, id); }).join(", ")));
    return li;
  }

  /* ------------------------------------------------------------- graph */

  /*
   * Upstream and downstream are asked for separately: "both" may also
   * follow a batch down to its other products, or a pallet back to the
   * rest of its load, which are neither where this identifier came from
   * nor where it went.
   */
  function mergeTraces(up, down) {
    if (!up.ok || !down.ok) {
      var bad = !up.ok ? up : down;
      var good = !up.ok ? down : up;
      if (!good.ok) return bad;
      good.partial = "only " + (good === up ? "upstream" : "downstream") +
        " shown: " + bad.error;
      return good;
    }
    var a = (up.body && up.body.data) || {};
    var b = (down.body && down.body.data) || {};
    var seen = {};
    var nodes = [];
    var edges = [];
    var keys = {};
    (a.nodes || []).concat(b.nodes || []).forEach(function (n) {
      if (!seen[n.handle]) {
        seen[n.handle] = true;
        nodes.push(n);
      }
    });
    (a.edges || []).concat(b.edges || []).forEach(function (e) {
      var k = e.from + "\n" + e.to + "\n" + e.type;
      if (!keys[k]) {
        keys[k] = true;
        edges.push(e);
      }
    });
    var stops = [];
    if (a.truncated) stops.push("upstream: " + a.truncated);
    if (b.truncated) stops.push("downstream: " + b.truncated);
    return { ok: true, status: 200, error: null, body: { data: {
      root: a.root, nodes: nodes, edges: edges,
      truncated: stops.join(", ") || null,
      elapsedMs: (a.elapsedMs || 0) + (b.elapsedMs || 0) } } };
  }

  /*
   * Columns: the identifier at 0, what it came from at -1, -2, ...,
   * where it went at +1, +2, ...  Found by walking the edges from the
   * root, so each node sits one column beyond the node that led to it.
   */
  function columns(root, nodes, edges) {
    var col = {};
    var adj = {};
    nodes.forEach(function (n) { adj[n.handle] = []; });
    edges.forEach(function (e) {
      if (!adj[e.from] || !adj[e.to]) return;
      /* Moving from -> to goes upstream for an upstream type. */
      var step = UPSTREAM[e.type] ? -1 : 1;
      adj[e.from].push({ to: e.to, step: step });
      adj[e.to].push({ to: e.from, step: -step });
    });
    col[root] = 0;
    adj[root] = adj[root] || [];
    var queue = [root];
    while (queue.length) {
      var h = queue.shift();
      adj[h].forEach(function (a) {
        if (a.to in col) return;
        var c = col[h] + a.step;
        /* A branch that turns back stays on its side of the root. */
        if (col[h] < 0 && c >= 0) c = col[h] - 1;
        if (col[h] > 0 && c <= 0) c = col[h] + 1;
        col[a.to] = c;
        queue.push(a.to);
      });
    }
    nodes.forEach(function (n) {
      if (!(n.handle in col)) col[n.handle] = n.depth || 1;
    });
    return col;
  }

  function nodeClass(n, root) {
    if (n.handle === root) return "node root";
    if (n.status === "not_found") return "node missing";
    if (n.status === "unreachable" || n.status === "unknown")
      return "node unreachable";
    if (n.node && n.node !== "local") return "node foreign";
    return "node local";
  }

  function fit(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function renderGraph(trace) {
    var box = $("graph-box");
    clear(box);
    show("graph-section", true);
    if (!trace.ok) {
      message("graph-msg", trace.error);
      return;
    }
    var d = (trace.body && trace.body.data) || {};
    var nodes = d.nodes || [];
    var edges = d.edges || [];
    var root = d.root;
    var col = columns(root, nodes, edges);
    var byCol = {};
    var lo = 0;
    var hi = 0;
    nodes.forEach(function (n) {
      var c = col[n.handle];
      (byCol[c] = byCol[c] || []).push(n);
      lo = Math.min(lo, c);
      hi = Math.max(hi, c);
    });
    var ncols = hi - lo + 1;
    var tallest = 0;
    Object.keys(byCol).forEach(function (c) {
      byCol[c].sort(function (a, b) {
        return a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0;
      });
      tallest = Math.max(tallest, byCol[c].length);
    });
    var width = Math.max(box.clientWidth || 1200, 600);
    var colW = width / Math.max(ncols, 1);
    var nodeW = Math.min(200, colW - 56);
    var nodeH = 42;
    var rowH = 56;
    var top = 28;
    var height = Math.max(200, top + tallest * rowH + 12);
    var s = svg("svg", { width: width, height: height,
                         viewBox: "0 0 " + width + " " + height,
                         role: "img", "aria-label": "trace graph of " + root });
    var defs = svg("defs");
    var marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10",
                                 refX: 10, refY: 5, markerWidth: 7,
                                 markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z",
                                     "class": "arrowhead" }));
    defs.appendChild(marker);
    s.appendChild(defs);
    var pos = {};
    for (var c = lo; c <= hi; c++) {
      var x = (c - lo) * colW + (colW - nodeW) / 2;
      var label = c === 0 ? "this" : c < 0 ? "upstream " + -c : "downstream " + c;
      var t = svg("text", { x: x + nodeW / 2, y: 16, "class": "col-label" });
      t.textContent = label;
      s.appendChild(t);
      var list = byCol[c] || [];
      var y0 = top + (height - top - list.length * rowH) / 2;
      list.forEach(function (n, i) {
        pos[n.handle] = { x: x, y: y0 + i * rowH, col: c };
      });
    }
    var edgeLayer = svg("g", { "class": "edges" });
    var nodeLayer = svg("g", { "class": "nodes" });
    s.appendChild(edgeLayer);
    s.appendChild(nodeLayer);
    edges.forEach(function (e) {
      var a = pos[e.from];
      var b = pos[e.to];
      if (!a || !b) return;
      edgeLayer.appendChild(edgeShape(e, a, b, nodeW, nodeH));
    });
    nodes.forEach(function (n) {
      nodeLayer.appendChild(nodeShape(n, pos[n.handle], root, nodeW, nodeH));
    });
    box.appendChild(s);
    var msg = nodes.length + " identifiers, " + edges.length + " links";
    if (d.truncated) msg += "; stopped early (" + d.truncated + ")";
    if (trace.partial) msg += "; " + trace.partial;
    if (typeof d.elapsedMs === "number") msg += "; " + d.elapsedMs + " ms";
    message("graph-msg", msg);
  }

  function edgeShape(e, a, b, w, h) {
    var g = svg("g", { "class": "edge", "data-type": e.type,
                       "data-from": e.from, "data-to": e.to });
    var x1, x2, y1 = a.y + h / 2, y2 = b.y + h / 2, dpath;
    if (a.col === b.col) {
      /* Round the outer side, away from the root's fan of links. */
      var out = a.col < 0 ? -1 : 1;
      x1 = out < 0 ? a.x : a.x + w;
      x2 = out < 0 ? b.x : b.x + w;
      var bulge = x1 + out * (30 + Math.abs(y2 - y1) / 4);
      dpath = "M" + x1 + "," + y1 + " C" + bulge + "," + y1 + " " + bulge +
        "," + y2 + " " + x2 + "," + y2;
    } else {
      x1 = a.col < b.col ? a.x + w : a.x;
      x2 = a.col < b.col ? b.x : b.x + w;
      var mx = (x1 + x2) / 2;
      dpath = "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," +
        y2 + " " + x2 + "," + y2;
    }
    g.appendChild(svg("path", { d: dpath, "class": "edge-line",
                                "marker-end": "url(#arrow)" }));
    var t = svg("text", { x: (x1 + x2) / 2 +
                            (a.col === b.col ? (a.col < 0 ? -34 : 34) : 0),
                          y: (y1 + y2) / 2 - 4, "class": "edge-label" });
    t.textContent = e.type;
    g.appendChild(t);
    var tip = svg("title");
    tip.textContent = e.from + " " + (LINK_NAMES[e.type] || e.type) + " " +
      e.to;
    g.appendChild(tip);
    return g;
  }

  function nodeShape(n, p, root, w, h) {
    var slash = n.handle.indexOf("/");
    var prefix = slash > 0 ? n.handle.slice(0, slash) : n.handle;
    var suffix = slash > 0 ? n.handle.slice(slash + 1) : "";
    var g = svg("g", { "class": nodeClass(n, root), tabindex: 0,
                       role: "link", "data-handle": n.handle,
                       "data-col": p.col, "data-status": n.status || "",
                       transform: "translate(" + p.x + "," + p.y + ")" });
    g.appendChild(svg("rect", { width: w, height: h, rx: 6, ry: 6 }));
    var chars = Math.max(6, Math.floor((w - 16) / 7));
    var t1 = svg("text", { x: 8, y: 17, "class": "n-suffix" });
    t1.textContent = fit(suffix || prefix, chars);
    var t2 = svg("text", { x: 8, y: 33, "class": "n-prefix" });
    var note = n.status && n.status !== "ok" ? " · " + n.status.replace("_", " ")
      : n.node && n.node !== "local" ? " · " + n.node : "";
    t2.textContent = fit(prefix + note, chars + 4);
    g.appendChild(t1);
    g.appendChild(t2);
    var tip = svg("title");
    tip.textContent = n.handle + "\nstatus " + n.status + ", node " +
      (n.node || "?") + (n.owner ? "\nowner " + n.owner : "") +
      "\ndepth " + n.depth;
    g.appendChild(tip);
    g.addEventListener("click", function () { select(n.handle); });
    g.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        select(n.handle);
      }
    });
    return g;
  }

  /* -------------------------------------------------------------- flow */

  function select(h) {
    h = h.trim();
    if (!h) return;
    if (decodeHash() === h) {
      load(h);
      return;
    }
    location.hash = "#/" + pathOf(h);
  }

  function decodeHash() {
    var s = location.hash;
    if (s.indexOf("#/") !== 0) return "";
    try {
      return decodeURIComponent(s.slice(2));
    } catch (e) {
      return s.slice(2);
    }
  }

  function load(h) {
    var mine = ++generation;
    current = h;
    $("handle").value = h;
    document.title = h + " · 标识追溯 Trace";
    setStatus("loading", "Loading " + h + " …");
    var p = pathOf(h);
    Promise.all([
      get("/api/handles/" + p),
      fetchEvents(h),
      get("/api/lifecycle/" + p),
      get("/api/trace/" + p + "?direction=up&depth=" + DEPTH),
      get("/api/trace/" + p + "?direction=down&depth=" + DEPTH)
    ]).then(function (r) {
      if (mine !== generation) return;
      r = [r[0], r[1], r[2], mergeTraces(r[3], r[4])];
      renderValues(r[0], r[3]);
      renderLifecycle(r[1], r[2]);
      renderGraph(r[3]);
      var bad = r.filter(function (x) { return !x.ok; });
      if (r[0].status === 404) {
        setStatus("error", h + ": no such identifier (HTTP 404)");
      } else if (bad.length === r.length) {
        setStatus("error", h + ": " + bad[0].error);
      } else {
        setStatus("ready", h + (bad.length ? " (some parts failed; see below)"
                                : ""));
      }
    }).catch(function (err) {
      if (mine !== generation) return;
      setStatus("error", "the page failed: " + err);
    });
  }

  function showToken() {
    var has = !!token();
    $("auth-state").textContent = has ? "已授权 token in use"
      : "仅公开 public only";
    $("auth-state").title = has
      ? "requests carry the token: you see what it is granted"
      : "anonymous: public values and events only";
    $("forget").hidden = !has;
  }

  function init() {
    $("lookup").addEventListener("submit", function (ev) {
      ev.preventDefault();
      select($("handle").value);
    });
    $("auth").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = $("token").value.trim();
      try {
        if (t) sessionStorage.setItem(TOKEN_KEY, t);
      } catch (e) { /* storage refused: the token stays unused */ }
      $("token").value = "";
      showToken();
      if (current) load(current);
    });
    $("forget").addEventListener("click", function () {
      try {
        sessionStorage.removeItem(TOKEN_KEY);
      } catch (e) { /* nothing stored */ }
      showToken();
      if (current) load(current);
    });
    window.addEventListener("hashchange", function () {
      var h = decodeHash();
      if (h) load(h);
    });
    showToken();
    var h = decodeHash();
    if (h) load(h);
  }

  init();
})();
