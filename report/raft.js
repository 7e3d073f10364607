// The Raft report's diagram, step-through and self-test. DATA comes from
// report/raftdata.go: events [at, kind, proc, peer, call, method, text, -,
// msg] with proc and peer indices into DATA.names; messages, roles, spans
// and marks are arrays to keep large reports small.
(function () {
  "use strict";
  var D = DATA, E = D.events;
  var end = Math.max(D.end, 1);
  // Messages: [start event, end event, from lane, to lane, method, reply,
  // fate, term, duplicate, empty AppendEntries].
  var M = D.msgs.map(function (a) {
    return { e0: a[0], e1: a[1], from: a[2], to: a[3], m: a[4], r: a[5] === 1, f: a[6], term: a[7], dup: a[8] === 1, empty: a[9] === 1,
      c: E[a[0]][4], t0: E[a[0]][0], t1: a[1] >= 0 ? E[a[1]][0] : end };
  });
  var ROLES = D.roles.map(function (a) { return { l: a[0], t0: a[1], t1: a[2], r: a[3], term: a[4] }; });
  var SPANS = D.spans.map(function (a) { return { l: a[0], t0: a[1], t1: a[2], k: a[3], t: a[4], e: a[5] }; });
  var MARKS = D.marks.map(function (a) { return { l: a[0], t: a[1], k: a[2], i: a[3], s: a[4], e: a[5] }; });
  var WHY = D.why || null;
  var el = function (id) { return document.getElementById(id); };
  var svg = el("svg"), chart = el("chart");

  var GUT = 48, AXIS = 22, LANE_H = 62, RIGHT = 12, BOTTOM = 22;
  var nL = Math.max(D.lanes.length, 1);
  var H = AXIS + nL * LANE_H + BOTTOM;
  var full = end * 1.03;
  var v0 = 0, v1 = full;
  var sel = -1, allMsgs = false, heartbeats = true;
  var FAULTS = {};
  D.notable.forEach(function (k) { FAULTS[D.kinds[k]] = 1; });
  var ROLE_NAME = { F: "follower", C: "candidate", L: "leader", D: "down" };

  function kind(e) { return D.kinds[e[1]]; }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmtMs(ns) { return (ns / 1e6).toFixed(3) + "ms"; }
  function shortMs(ns) { var ms = ns / 1e6; return (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)) + "ms"; }
  function laneOf(name) { return name >= 0 ? D.nameLane[name] : -1; }

  // fmtLine formats an event exactly as sim.Record.String does.
  function fmtLine(e) {
    var k = kind(e), s = (e[0] / 1e6).toFixed(6).padStart(12) + "ms " + k.padEnd(12);
    if (e[4] !== 0) s += " #" + e[4];
    var proc = e[2] >= 0 ? D.names[e[2]] : "", peer = e[3] >= 0 ? D.names[e[3]] : "";
    var reply = k === "reply" || k === "late-reply" || k === "drop-reply";
    if (proc && peer && reply) s += " " + proc + "<-" + peer;
    else if (proc && peer) s += " " + proc + "->" + peer;
    else if (proc) s += " " + proc;
    else if (peer) s += " " + peer;
    if (e[5] >= 0) s += " " + D.methods[e[5]];
    if (e[6]) s += " " + e[6];
    return s;
  }

  function laneY(l) { return AXIS + l * LANE_H + 26; }
  function methodClass(m) {
    var name = m.m >= 0 ? D.methods[m.m] : "";
    if (name.indexOf("RequestVote") >= 0) return "vote";
    if (name.indexOf("AppendEntries") >= 0) return "append";
    if (name.indexOf("InstallSnapshot") >= 0) return "snap";
    return "other";
  }
  function isBad(m) { return m.f === "drop" || m.f === "lost"; }
  function msgClass(m) {
    var c = "m " + methodClass(m) + (m.r ? " rep" : "");
    if (m.empty) c += " empty";
    if (isBad(m)) c += " bad";
    else if (m.f === "held" || m.f === "late") c += " held";
    else if (m.f === "flight") c += " flight";
    if (m.dup) c += " dup";
    return c;
  }
  function niceStep(span) {
    var raw = span / 9, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  // roleAt is lane l's role segment at t, or null.
  var rolesByLane = {};
  ROLES.forEach(function (s) { (rolesByLane[s.l] = rolesByLane[s.l] || []).push(s); });
  function roleAt(l, t) {
    var rs = rolesByLane[l] || [], found = null;
    for (var i = 0; i < rs.length; i++) { if (rs[i].t0 <= t) found = rs[i]; else break; }
    return found && t <= found.t1 ? found : null;
  }
  function roleText(s) { return s ? ROLE_NAME[s.r] + (s.term >= 0 ? " of term " + s.term : "") : "not seen yet"; }

  // Past LIMIT messages in view, they are bundled: those between the same
  // two servers, of one method and direction, starting within BUCKET_PX
  // of each other, are one stroke whose width counts them.
  var LIMIT = 600, BUCKET_PX = 10, HEADS = 150;
  var stats = {};

  function render() {
    var W = chart.clientWidth || 1000, PW = Math.max(W - GUT - RIGHT, 100);
    var span = v1 - v0;
    var sx = function (t) { return GUT + (t - v0) / span * PW; };
    var clampX = function (x) { return Math.max(GUT - 4, Math.min(W - RIGHT + 4, x)); };
    var out = [];
    out.push('<defs><marker id="ah" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="4" markerHeight="4" orient="auto"><path d="M0,0L8,4L0,8z" fill="#444"/></marker></defs>');
    // The axis.
    var step = niceStep(span);
    out.push('<g class="axis">');
    for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var x = sx(t);
      out.push('<line x1="' + x + '" y1="' + AXIS + '" x2="' + x + '" y2="' + (H - BOTTOM) + '"/><text x="' + (x + 2) + '" y="14">' + shortMs(t) + "</text>");
    }
    out.push("</g>");
    // Lanes: the role band, the cuts, the name.
    for (var l = 0; l < D.lanes.length; l++) {
      var y = laneY(l);
      out.push('<line class="lane" x1="' + GUT + '" y1="' + y + '" x2="' + (W - RIGHT) + '" y2="' + y + '"/>');
      out.push('<text class="lane-name" x="4" y="' + (y + 4) + '">' + esc(D.lanes[l]) + "</text>");
    }
    SPANS.forEach(function (s) {
      if (s.t1 < v0 || s.t0 > v1) return;
      var x0 = clampX(sx(s.t0)), x1 = clampX(sx(s.t1)), y = laneY(s.l);
      out.push('<rect class="span ' + esc(s.k) + '" data-e="' + s.e + '" x="' + x0 + '" y="' + (y - 24) + '" width="' + Math.max(x1 - x0, 1) + '" height="14"><title>' + esc(D.lanes[s.l] + " " + s.t + " " + fmtMs(s.t0) + "\u2013" + fmtMs(s.t1)) + "</title></rect>");
      if (x1 - x0 > s.t.length * 6 + 6) out.push('<text class="spantext" x="' + (x0 + 3) + '" y="' + (y - 14) + '">' + esc(s.t) + "</text>");
    });
    var roleShown = 0;
    ROLES.forEach(function (s) {
      if (s.t1 < v0 || s.t0 > v1) return;
      var x0 = clampX(sx(s.t0)), x1 = clampX(sx(s.t1)), y = laneY(s.l);
      roleShown++;
      var label = s.r === "D" ? "down" : s.r + (s.term >= 0 ? " t" + s.term : "");
      out.push('<rect class="role r-' + s.r + '" x="' + x0 + '" y="' + (y - 7) + '" width="' + Math.max(x1 - x0, 0.5) + '" height="14"><title>' + esc(D.lanes[s.l] + " " + roleText(s) + " from " + fmtMs(s.t0)) + "</title></rect>");
      if (x1 - x0 > label.length * 6.2 + 4) out.push('<text class="roletext" x="' + (Math.max(x0, GUT) + 2) + '" y="' + (y + 4) + '">' + esc(label) + "</text>");
    });
    // Messages: one by one, or bundled when there are too many.
    var vis = [];
    for (var i = 0; i < M.length; i++) {
      var m = M[i];
      if (m.t1 < v0 || m.t0 > v1 || m.from < 0 || m.to < 0) continue;
      if (!heartbeats && m.empty && !(sel >= 0 && E[sel][8] === i)) continue;
      vis.push(i);
    }
    var bundle = !allMsgs && vis.length > LIMIT;
    // Arrowheads only where there is room for them.
    var heads = vis.length <= HEADS;
    var buckets = {}, drawn = 0, groups = {}, nGroups = 0;
    if (bundle) vis.forEach(function (i) { var m = M[i], g = m.from + "," + m.to + "," + methodClass(m) + "," + m.r; if (!groups[g]) { groups[g] = 1; nGroups++; } });
    // Buckets wide enough that the bundles number about LIMIT.
    var bucketPx = Math.max(BUCKET_PX, PW * nGroups / LIMIT);
    var one = function (i) {
      var m = M[i], x0 = sx(m.t0), x1 = sx(m.t1), y0 = laneY(m.from), y1 = laneY(m.to);
      var c = msgClass(m) + (sel >= 0 && (E[sel][8] === i) ? " sel" : "");
      var d = "M" + x0 + "," + y0 + "L" + x1 + "," + y1;
      out.push('<path class="' + c + '" d="' + d + '"' + (isBad(m) || !heads ? "" : ' marker-end="url(#ah)"') + "/>");
      out.push('<path class="hit" data-e="' + m.e0 + '" d="' + d + '"><title>' + esc(describePlain(i)) + "</title></path>");
      if (isBad(m)) out.push('<path class="x" d="M' + (x1 - 4) + "," + (y1 - 4) + "l8,8m0,-8l-8,8" + '"/>');
      drawn++;
    };
    vis.forEach(function (i) {
      var m = M[i];
      if (!bundle || (sel >= 0 && E[sel][8] === i) || (D.probe >= 0 && E[D.probe][8] === i)) { one(i); return; }
      var k = m.from + "," + m.to + "," + methodClass(m) + "," + (m.r ? 1 : 0) + "," + Math.floor((sx(m.t0) - GUT) / bucketPx);
      var b = buckets[k] || (buckets[k] = { n: 0, bad: 0, x0: 0, x1: 0, t0: Infinity, t1: -Infinity, m: m });
      b.n++; if (isBad(m)) b.bad++;
      b.x0 += sx(m.t0); b.x1 += sx(m.t1); b.t0 = Math.min(b.t0, m.t0); b.t1 = Math.max(b.t1, m.t1);
    });
    var nb = 0;
    Object.keys(buckets).forEach(function (k) {
      var b = buckets[k], m = b.m, x0 = b.x0 / b.n, x1 = b.x1 / b.n;
      var w = Math.min(1 + Math.log2(b.n) * 1.3, 8);
      out.push('<path class="bundle ' + methodClass(m) + (m.r ? " rep" : "") + (b.bad * 2 > b.n ? " bad" : "") + '" data-z0="' + b.t0 + '" data-z1="' + b.t1 + '" d="M' + x0 + "," + laneY(m.from) + "L" + x1 + "," + laneY(m.to) + '" style="stroke-width:' + w + '"><title>' + b.n + " " + esc((m.m >= 0 ? D.methods[m.m] : "") + (m.r ? " replies " : " requests ") + D.lanes[m.from] + "\u2192" + D.lanes[m.to]) + (b.bad ? ", " + b.bad + " lost" : "") + " (click to zoom in)</title></path>");
      nb++;
    });
    // Marks: crashes, restarts, applied indexes, snapshots.
    var lastLabel = {};
    MARKS.forEach(function (k) {
      if (k.t < v0 || k.t > v1 || k.l < 0) return;
      var x = sx(k.t), y = laneY(k.l), attr = k.e >= 0 ? ' data-e="' + k.e + '"' : "";
      if (k.k === "crash") out.push('<path class="mark crash"' + attr + ' d="M' + (x - 6) + "," + (y - 6) + "l12,12m0,-12l-12,12" + '"><title>' + esc(D.lanes[k.l] + " crashed at " + fmtMs(k.t)) + "</title></path>");
      else if (k.k === "restart") out.push('<path class="mark restart"' + attr + ' d="M' + x + "," + (y - 8) + "l7,13h-14z" + '"><title>' + esc(D.lanes[k.l] + " " + k.s + " at " + fmtMs(k.t)) + "</title></path>");
      else if (k.k === "vote") {
        out.push('<text class="mark vote"' + attr + ' x="' + (x - 3) + '" y="' + (y - 9) + '"><title>' + esc(D.lanes[k.l] + " " + k.s + " at " + fmtMs(k.t)) + "</title>\u2713" + (span < 2e9 ? esc(D.lanes[k.i]) : "") + "</text>");
      } else {
        // The violation's index, applied (or snapshotted) on any server,
        // is marked in red and always numbered.
        var hot = WHY && WHY.index >= 0 && k.i === WHY.index;
        out.push('<line class="mark ' + k.k + (hot ? " why" : "") + '" x1="' + x + '" y1="' + (y + 9) + '" x2="' + x + '" y2="' + (y + 16) + '"><title>' + esc(D.lanes[k.l] + " " + k.s + " at " + fmtMs(k.t)) + "</title></line>");
        var lx = lastLabel[k.l] === undefined ? -1e9 : lastLabel[k.l], txt = String(k.i);
        if (hot) { out.push('<text class="applytext why" x="' + (x - txt.length * 3) + '" y="' + (y + 26) + '">' + txt + "</text>"); lastLabel[k.l] = x; }
        else if (x - lx > txt.length * 6 + 6) { out.push('<text class="applytext" x="' + (x - txt.length * 3) + '" y="' + (y + 26) + '">' + txt + "</text>"); lastLabel[k.l] = x; }
      }
    });
    // The violation.
    if (WHY && WHY.at >= v0 && WHY.at <= v1) {
      var vx = sx(WHY.at);
      out.push('<line class="violation" id="violation-line" x1="' + vx + '" y1="' + AXIS + '" x2="' + vx + '" y2="' + (H - BOTTOM) + '"' + (WHY.event >= 0 ? ' data-e="' + WHY.event + '"' : "") + "><title>" + esc(WHY.check + ": " + WHY.what) + "</title></line>");
      if (WHY.lane >= 0) out.push('<circle class="violation-dot"' + (WHY.event >= 0 ? ' data-e="' + WHY.event + '"' : "") + ' cx="' + vx + '" cy="' + laneY(WHY.lane) + '" r="7"><title>' + esc(WHY.check + ": " + WHY.what) + "</title></circle>");
      var right = vx + WHY.check.length * 7 + 8 > W - RIGHT;
      out.push('<text class="violation-text" x="' + (right ? vx - 4 : vx + 4) + '" y="' + (H - 6) + '"' + (right ? ' text-anchor="end"' : "") + ">" + esc(WHY.check) + "</text>");
    }
    if (sel >= 0) { var sxx = sx(E[sel][0]); out.push('<line class="now" x1="' + sxx + '" y1="' + AXIS + '" x2="' + sxx + '" y2="' + (H - BOTTOM) + '"/>'); }
    svg.setAttribute("height", H);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.innerHTML = out.join("");
    stats = { visible: vis.length, drawn: drawn, bundles: nb, roles: roleShown };
    el("range").textContent = fmtMs(v0) + " \u2013 " + fmtMs(v1);
    el("lod").textContent = bundle ? vis.length + " messages in view: bundled into " + nb + " strokes (" + drawn + " drawn one by one); zoom in, or tick \u201cevery message\u201d" : vis.length + " messages in view";
    var pan = el("pan");
    pan.value = full - span > 0 ? Math.round(v0 / (full - span) * 1000) : 0;
  }

  // describePlain is message i in words, with its arguments or its reply
  // as the trace prints them.
  function describePlain(i) {
    var m = M[i], text = E[m.e0][6], fate = { "": "arrived", drop: "dropped as it was sent", lost: "lost (cut off or crashed)", held: "held", late: "came after its call had ended", flight: "still in flight at the end" }[m.f];
    return "#" + m.c + " " + (m.m >= 0 ? D.methods[m.m] : "") + (m.r ? " reply " : " ") + D.lanes[m.from] + "\u2192" + D.lanes[m.to] +
      (m.term >= 0 ? " term " + m.term : "") + (m.empty ? " (no entries)" : "") + ", " + fate + (m.f !== "drop" && m.f !== "flight" ? " after " + fmtMs(m.t1 - m.t0) : "") +
      (text ? ": " + (text.length > 240 ? text.slice(0, 240) + "\u2026" : text) : "");
  }

  function setView(a, b) {
    var span = Math.min(Math.max(b - a, 1000), full);
    a = Math.min(Math.max(a, 0), full - span);
    v0 = a; v1 = a + span;
    render();
  }
  function zoom(f, center) {
    if (center === undefined) center = sel >= 0 && E[sel][0] >= v0 && E[sel][0] <= v1 ? E[sel][0] : (v0 + v1) / 2;
    setView(center - (center - v0) / f, center + (v1 - center) / f);
  }
  function fit() { setView(0, full); }

  var endsAt = {};
  M.forEach(function (m, i) { if (m.e1 >= 0) endsAt[m.e1] = i; });
  function showDetail() {
    var e = E[sel], rows = [];
    rows.push(["event", (sel + 1) + " of " + E.length + " at " + fmtMs(e[0]) + (D.skipped ? ' <span class="hint">(' + D.skipped + " scheduler records left out)</span>" : "")]);
    var ended = endsAt[sel];
    if (ended !== undefined && ended !== e[8]) rows.push(["arrived", esc(describePlain(ended))]);
    if (e[8] >= 0) rows.push(["message", esc(describePlain(e[8]))]);
    if (WHY && WHY.event === sel) rows.push(["violation", '<span class="core-tag">' + esc(WHY.check) + "</span>: " + esc(WHY.what)]);
    var roles = D.lanes.map(function (name, l) { return "<b>" + esc(name) + "</b> " + esc(roleText(roleAt(l, e[0]))); });
    rows.push(["servers", roles.join(", ")]);
    var ctx = [];
    for (var j = Math.max(0, sel - 5); j <= Math.min(E.length - 1, sel + 5); j++) {
      ctx.push('<li data-e="' + j + '"' + (j === sel ? ' class="cur"' : "") + ">" + esc(fmtLine(E[j])) + "</li>");
    }
    el("detail").innerHTML = '<pre id="traceline">' + esc(fmtLine(e)) + "</pre><table>" +
      rows.map(function (r) { return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>"; }).join("") +
      '</table><ul class="ctx">' + ctx.join("") + "</ul>";
  }
  function select(i) {
    if (i < 0 || i >= E.length) return;
    sel = i;
    var t = E[i][0];
    if (t < v0 || t > v1) { var span = v1 - v0; setView(t - span / 2, t + span / 2); } else render();
    showDetail();
  }
  function nextFault() {
    for (var i = sel + 1; i < E.length; i++) if (FAULTS[kind(E[i])]) { select(i); return; }
  }
  function gotoViolation() {
    if (!WHY) return;
    if (D.focus) setView(D.focus[0], D.focus[1]);
    if (WHY.event >= 0) select(WHY.event);
  }

  function onClick(ev) {
    var t = ev.target.closest("[data-e],[data-z0]");
    if (!t) return;
    ev.preventDefault();
    if (t.hasAttribute("data-e")) select(+t.getAttribute("data-e"));
    else {
      var z0 = +t.getAttribute("data-z0"), z1 = +t.getAttribute("data-z1"), zp = Math.max((z1 - z0) * 0.25, 1e5);
      setView(z0 - zp, z1 + zp);
    }
  }
  var drag = null, dragged = false;
  svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, v0: v0, v1: v1 }; dragged = false; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) dragged = true;
    if (!dragged) return;
    var per = (drag.v1 - drag.v0) / Math.max(chart.clientWidth - GUT - RIGHT, 100);
    setView(drag.v0 - dx * per, drag.v1 - dx * per);
  });
  window.addEventListener("mouseup", function () { drag = null; });
  svg.addEventListener("click", function (ev) { if (dragged) { dragged = false; return; } onClick(ev); });
  el("detail").addEventListener("click", onClick);
  svg.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey && !ev.shiftKey) return;
    ev.preventDefault();
    if (ev.ctrlKey) {
      var r = svg.getBoundingClientRect(), PW = Math.max(r.width - GUT - RIGHT, 100);
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, v0 + (ev.clientX - r.left - GUT) / PW * (v1 - v0));
    } else {
      var d = (v1 - v0) * 0.1 * Math.sign(ev.deltaY || ev.deltaX);
      setView(v0 + d, v1 + d);
    }
  }, { passive: false });
  el("fit").onclick = fit;
  el("zoom-in").onclick = function () { zoom(2); };
  el("zoom-out").onclick = function () { zoom(0.5); };
  el("prev").onclick = function () { select(sel <= 0 ? 0 : sel - 1); };
  el("next").onclick = function () { select(sel + 1); };
  el("next-fault").onclick = nextFault;
  el("all-msgs").onchange = function (ev) { allMsgs = ev.target.checked; render(); };
  el("heartbeats").onchange = function (ev) { heartbeats = ev.target.checked; render(); };
  el("pan").oninput = function (ev) { var span = v1 - v0, a = ev.target.value / 1000 * (full - span); setView(a, a + span); };
  if (el("goto-violation")) el("goto-violation").onclick = function (ev) { ev.preventDefault(); gotoViolation(); chart.scrollIntoView({ block: "nearest" }); };
  document.addEventListener("keydown", function (ev) {
    if (ev.target.tagName === "INPUT" || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    var k = ev.key;
    if (k === "ArrowRight" || k === "j" || k === "n") select(sel + 1);
    else if (k === "ArrowLeft" || k === "k" || k === "p") select(sel <= 0 ? 0 : sel - 1);
    else if (k === "+" || k === "=") zoom(2);
    else if (k === "-") zoom(0.5);
    else if (k === "0") fit();
    else if (k === "f") nextFault();
    else if (k === "Home") select(0);
    else if (k === "End") select(E.length - 1);
    else return;
    ev.preventDefault();
  });
  window.addEventListener("resize", render);
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.onclick = function () {
      var code = b.previousElementSibling, text = code.textContent;
      var selectIt = function () { var r = document.createRange(); r.selectNodeContents(code); var s = window.getSelection(); s.removeAllRanges(); s.addRange(r); };
      try {
        navigator.clipboard.writeText(text).then(function () { b.textContent = "copied"; }, selectIt);
      } catch (err) { selectIt(); }
    };
  });

  // First the violation, with the seconds before it; else the whole run.
  // The violation's record is selected, its trace line in the panel.
  if (D.focus) setView(D.focus[0], D.focus[1]); else render();
  if (WHY && WHY.event >= 0) select(WHY.event);
  var pre = /(?:^#|[#&])e=(\d+)/.exec(location.hash);
  if (pre) select(+pre[1] - 1);
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));

  // The self-test, run under #selftest by the browser test.
  if (location.hash.indexOf("selftest") >= 0) {
    var fails = [];
    var want = function (ok, what) { if (!ok) fails.push(what); };
    want(el("seed").textContent.trim() === D.seed, "the seed is shown");
    want(el("verdict").textContent.trim() === D.verdict, "the verdict is shown");
    D.checks.forEach(function (c) {
      want(fmtLine(E[c.i]) === c.line, "event " + c.i + " reads " + JSON.stringify(fmtLine(E[c.i])) + ", sim says " + JSON.stringify(c.line));
    });
    D.lanes.forEach(function (name) {
      want(Array.prototype.some.call(svg.querySelectorAll("text.lane-name"), function (t) { return t.textContent === name; }), "lane " + name + " is drawn");
    });
    var first = { v0: v0, v1: v1, stats: stats };
    want(ROLES.length === 0 || svg.querySelectorAll("rect.role").length > 0, "the roles are drawn");
    if (WHY) {
      want(el("check") && el("check").textContent === WHY.check, "the header names the violated check");
      want(el("what") && el("what").textContent === WHY.what, "the header explains the violation");
      want(svg.querySelector("#violation-line"), "the violation is drawn at first");
      if (WHY.lane >= 0) want(svg.querySelector("circle.violation-dot"), "the violation's server is marked");
      fit();
      el("goto-violation").dispatchEvent(new MouseEvent("click", { bubbles: true }));
      want(svg.querySelector("#violation-line"), "a click on the header's violation brings it into view");
      want(WHY.event < 0 || sel === WHY.event, "a click on the header's violation selects its trace record");
    }
    if (D.probe >= 0 && E[D.probe][8] >= 0) {
      select(D.probe);
      var hit = svg.querySelector('.hit[data-e="' + D.probe + '"]');
      want(hit, "the probe's message is drawn");
      sel = -1;
      if (hit) hit.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      want(sel === D.probe, "a click selects its event");
      var line = D.checks.filter(function (c) { return c.i === D.probe; })[0];
      want(el("traceline") && line && el("traceline").textContent === line.line, "a click shows its trace line");
    }
    // Fitted, a large run is bundled and stays quick to draw.
    var t0 = performance.now();
    fit();
    var fitMs = performance.now() - t0, fitStats = stats;
    want(stats.drawn + stats.bundles <= 2 * LIMIT + 50, "fitted, at most about " + LIMIT + " strokes are drawn (" + JSON.stringify(stats) + ")");
    var before = sel;
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    want(E.length === 0 || sel === Math.min(before + 1, E.length - 1), "the right arrow steps to the next event");
    if (D.probe >= 0) select(D.probe);
    var res = { ok: fails.length === 0 && window.kvsimErrors.length === 0, failures: fails, errors: window.kvsimErrors, events: E.length,
      renderMs: +document.body.getAttribute("data-render-ms"), fitMs: Math.round(fitMs), fit: fitStats, first: first, lanes: D.lanes.length, messages: M.length };
    var out = document.createElement("pre");
    out.id = "selftest";
    out.setAttribute("data-ok", String(res.ok));
    out.textContent = JSON.stringify(res);
    document.body.appendChild(out);
  }
})();
