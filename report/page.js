// The report's diagram, step-through and self-test. DATA comes from
// report/data.go: events [at, kind, proc, peer, call, method, text, op, msg],
// messages and operations are arrays to keep large reports small.
(function () {
  "use strict";
  var D = DATA, E = D.events;
  var end = Math.max(D.end, 1);
  // Messages: [start event, end event, reply, fate, flags, op, attempt,
  // first attempt]; the call, lanes and times are the events'.
  var M = D.msgs.map(function (a) {
    var s = E[a[0]];
    return { e0: a[0], e1: a[1], r: a[2], f: a[3], fl: a[4], o: a[5], a: a[6], p: a[7],
      c: s[4], cl: s[2], sv: s[3], t0: s[0], t1: a[1] >= 0 ? E[a[1]][0] : end };
  });
  // Operations: [lane, call, return, label, outcome, core, first event].
  var OPS = D.ops.map(function (a) { return { l: a[0], c: a[1], r: a[2], t: a[3], o: a[4], x: a[5] === 1, e: a[6] }; });
  var LOCKS = D.locks.map(function (a) { return { l: a[0], c: a[1], r: a[2], t: a[3] }; });
  // Critical sections: [lane, from, to, open, overlap].
  var SECS = D.sections.map(function (a) { return { l: a[0], t0: a[1], t1: a[2], open: a[3] === 1, ov: a[4] === 1 }; });
  var el = function (id) { return document.getElementById(id); };
  var svg = el("svg"), chart = el("chart");

  // The chart: the time axis and the server lane on top (HEAD), always in
  // view; below them the client lanes, which scroll; the axis again at the
  // bottom. A folded lane is a thin row without arrows.
  var GUT = 64, AXIS = 22, SERVER_H = 50, CLIENT_H = D.sections.length ? 64 : 58, FOLD_H = 14, BOTTOM = 20, RIGHT = 12;
  var HEAD = AXIS + SERVER_H;
  var nLanes = Math.max(D.lanes.length, 1);
  var full = end * 1.02;
  var v0 = 0, v1 = full;
  var sel = -1, allMsgs = false;
  // The kinds "next fault" steps to, as the simulator's fault registry says.
  var FAULTS = {};
  D.notable.forEach(function (k) { FAULTS[D.kinds[k]] = 1; });

  function kind(e) { return D.kinds[e[1]]; }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmtMs(ns) { return (ns / 1e6).toFixed(3) + "ms"; }
  function shortMs(ns) { var ms = ns / 1e6; return (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)) + "ms"; }

  // fmtLine formats an event exactly as sim.Record.String does.
  function fmtLine(e) {
    var k = kind(e), s = (e[0] / 1e6).toFixed(6).padStart(12) + "ms " + k.padEnd(12);
    if (e[4] !== 0) s += " #" + e[4];
    var proc = e[2] >= 0 ? D.lanes[e[2]] : "", peer = e[3] >= 0 ? D.lanes[e[3]] : "";
    var reply = k === "reply" || k === "late-reply" || k === "drop-reply";
    if (proc && peer && reply) s += " " + proc + "<-" + peer;
    else if (proc && peer) s += " " + proc + "->" + peer;
    else if (proc) s += " " + proc;
    else if (peer) s += " " + peer;
    if (e[5] >= 0) s += " " + D.methods[e[5]];
    if (e[6]) s += " " + e[6];
    return s;
  }

  var coreSet = {}, whySet = {};
  D.core.forEach(function (i) { coreSet[i] = true; });
  if (D.lock) D.lock.ops.forEach(function (i) { whySet[i] = true; });
  function marked(i) { return coreSet[i] || whySet[i]; }

  // The focus: the operations the page explains, their lanes, and a
  // window of time around them. With more client lanes than FOLD_AT, the
  // focus lanes come first and the others are folded.
  var FOLD_AT = 8;
  var focusOps = D.core.concat(D.lock ? D.lock.ops : []);
  var focusLanes = {};
  focusOps.forEach(function (i) { focusLanes[OPS[i].l] = true; });
  if (D.lock) D.lock.holders.forEach(function (l) { focusLanes[l] = true; });
  var focusWindow = null;
  (function () {
    var a = Infinity, b = -Infinity;
    focusOps.forEach(function (i) { a = Math.min(a, OPS[i].c); b = Math.max(b, OPS[i].r < 0 ? end : OPS[i].r); });
    if (D.lock) { a = Math.min(a, D.lock.t0); b = Math.max(b, D.lock.t1); }
    if (a > b) return;
    var pad = Math.max((b - a) * 0.15, full * 0.01);
    focusWindow = [a - pad, b + pad];
  })();
  var clientLanes = [];
  for (var cl0 = 1; cl0 < nLanes; cl0++) clientLanes.push(cl0);
  var canFold = clientLanes.length > FOLD_AT && Object.keys(focusLanes).length > 0;
  var folded = {}, order = [], tops = {}, contentH = 0, scrollY = 0, bodyH = 0, svgH = 0;
  var focusFirst = canFold;
  function arrange() {
    folded = {};
    if (focusFirst) {
      order = clientLanes.filter(function (l) { return focusLanes[l]; }).concat(clientLanes.filter(function (l) { return !focusLanes[l]; }));
      clientLanes.forEach(function (l) { if (!focusLanes[l]) folded[l] = true; });
    } else {
      order = clientLanes.slice();
    }
    layout();
  }
  function layout() {
    var y = 0;
    tops = {};
    order.forEach(function (l) { tops[l] = y; y += folded[l] ? FOLD_H : CLIENT_H; });
    contentH = y;
    var maxBody = Math.max(160, Math.round((window.innerHeight || 800) * 0.72) - HEAD - BOTTOM);
    bodyH = Math.max(Math.min(contentH, maxBody), 1);
    svgH = HEAD + bodyH + BOTTOM;
    chart.style.height = svgH + "px";
    el("spacer").style.height = Math.max(contentH - bodyH, 0) + "px";
    scrollY = Math.min(Math.max(chart.scrollTop, 0), Math.max(contentH - bodyH, 0));
    var note = el("lane-note"), btn = el("lanes"), nf = Object.keys(folded).length;
    btn.hidden = !canFold;
    btn.textContent = focusFirst ? "show every lane" : "violation's lanes first";
    note.hidden = !nf;
    if (nf) {
      var names = order.filter(function (l) { return !folded[l]; }).map(function (l) { return D.lanes[l]; });
      note.textContent = "The lanes of the violation come first (" + names.join(", ") + "); " + nf + " other lanes are folded: click a lane's name to open it.";
    }
  }

  // Lanes: the server on top, then one row per client with its lane line,
  // its operations, its lock operations and its critical sections.
  function rowTop(l) { return l === 0 ? AXIS : HEAD + tops[l] - scrollY; }
  function rowH(l) { return l === 0 ? SERVER_H : folded[l] ? FOLD_H : CLIENT_H; }
  function laneY(l) { return l === 0 ? AXIS + 30 : rowTop(l) + (folded[l] ? 7 : 12); }
  // inView: the lane's row is at least partly inside the chart's body.
  function inView(l) { if (l === 0) return true; var t = rowTop(l); return t + rowH(l) > HEAD && t < HEAD + bodyH; }
  // open: the lane is drawn in full (arrows and labels) and its lane line is visible.
  function open(l) { if (l === 0) return true; var y = laneY(l); return !folded[l] && y >= HEAD && y <= HEAD + bodyH; }

  // Operations per lane in call order, for label room.
  var nextOnLane = new Array(OPS.length).fill(-1);
  (function () {
    var byLane = {};
    OPS.forEach(function (o, i) { (byLane[o.l] = byLane[o.l] || []).push(i); });
    Object.keys(byLane).forEach(function (l) {
      var ops = byLane[l].sort(function (a, b) { return OPS[a].c - OPS[b].c; });
      for (var j = 0; j + 1 < ops.length; j++) nextOnLane[ops[j]] = ops[j + 1];
    });
  })();
  var endsAt = {}; // event -> the message that ended there
  M.forEach(function (m, i) { if (m.e1 >= 0) endsAt[m.e1] = i; });
  var linPos = D.keys.map(function (k) {
    var pos = {};
    k.ops.forEach(function (o, j) { pos[o] = j; });
    return pos;
  });

  function niceStep(span) {
    var raw = span / 9, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }

  function msgClass(m) {
    var flags = m.fl, c = m.r ? "rep" : "req";
    if (flags.indexOf("retry") >= 0 && !m.r) c = "retry";
    if (flags.indexOf("dup") >= 0) c = "dup";
    if (m.f === "late") c = "late";
    if (m.f === "flight") c = "flight";
    if (m.f === "drop" || m.f === "lost") c += " bad";
    if (flags.indexOf("slow") >= 0) c += " slow";
    return c;
  }
  function marker(c) {
    var first = c.split(" ")[0];
    if (c.indexOf("slow") >= 0) return "slow";
    return first;
  }
  // Messages always drawn one by one: the violating operations', the
  // selected one's and the self-test's probe.
  function mustDraw(m, i) {
    return (m.o >= 0 && marked(m.o)) || (sel >= 0 && E[sel][8] === i) || (D.probe >= 0 && E[D.probe][8] === i);
  }
  function isFault(m) { return m.f === "drop" || m.f === "lost"; }

  // BUNDLE_PX: zoomed out so far that visible messages are on average
  // closer than this, messages are bundled; BUCKET_PX is a bundle's width.
  var BUNDLE_PX = 5, FOCUS_PX = 25, BUCKET_PX = 14;
  var stats = {};

  function render() {
    var W = chart.clientWidth || 1000, PW = Math.max(W - GUT - RIGHT, 100);
    var span = v1 - v0, bodyEnd = HEAD + bodyH;
    var sx = function (t) { return GUT + (t - v0) / span * PW; };
    var out = [], boxes = [], shown = 0;
    // label writes a small label where it overlaps none written before:
    // at (x, y), else a line lower or higher; in busy stretches it is left
    // out (the arrows still show). Labels stay inside the lane area.
    var label = function (x, y, text, fill, cls) {
      var w = String(text).length * 6.1 + 2, tries = [0, 10, -10, 20, -20];
      for (var k = 0; k < tries.length; k++) {
        var ty = y + tries[k], b = [x, ty - 9, x + w, ty + 2];
        if (b[1] < AXIS || b[3] > bodyEnd || b[2] > W) continue;
        var hit = false;
        for (var j = 0; j < boxes.length && !hit; j++) {
          var o = boxes[j];
          hit = b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1];
        }
        if (hit) continue;
        boxes.push(b);
        out.push('<text class="ftext' + (cls ? " " + cls : "") + '" x="' + x + '" y="' + ty + '"' + (fill ? ' style="fill:' + fill + '"' : "") + ">" + esc(text) + "</text>");
        return true;
      }
      return false;
    };
    out.push('<defs>');
    [["req", "#1f6fd1"], ["rep", "#2e9d4a"], ["retry", "#e67e00"], ["dup", "#8e44ad"], ["late", "#999"], ["slow", "#f5a623"], ["flight", "#bbb"]].forEach(function (m) {
      out.push('<marker id="ah-' + m[0] + '" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="' + m[1] + '"/></marker>');
    });
    out.push('<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3d6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e0b050" stroke-width="2"/></pattern>');
    out.push('<clipPath id="clip-body"><rect x="0" y="' + HEAD + '" width="' + W + '" height="' + bodyH + '"/></clipPath>');
    out.push('<clipPath id="clip-bodyplot"><rect x="' + GUT + '" y="' + HEAD + '" width="' + PW + '" height="' + bodyH + '"/></clipPath>');
    out.push('<clipPath id="clip-plot"><rect x="' + GUT + '" y="' + AXIS + '" width="' + PW + '" height="' + (bodyEnd - AXIS) + '"/></clipPath></defs>');

    // Axis and grid, top and bottom: they stay in view.
    var step = niceStep(span), dec = Math.max(0, -Math.floor(Math.log10(step / 1e6)));
    out.push('<g class="axis">');
    for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var x = sx(t);
      out.push('<line x1="' + x + '" y1="' + (AXIS - 4) + '" x2="' + x + '" y2="' + (bodyEnd + 2) + '"/>');
      if (x > W - 60) continue; // no room for the label
      out.push('<text x="' + (x + 2) + '" y="' + (AXIS - 8) + '">' + (t / 1e6).toFixed(dec) + 'ms</text>');
      out.push('<text x="' + (x + 2) + '" y="' + (svgH - 6) + '">' + (t / 1e6).toFixed(dec) + 'ms</text>');
    }
    out.push('</g>');

    // Faults on: a line across every lane and its label, placed first.
    var faultsOff = [];
    for (var fi = 0; fi < E.length; fi++) if (kind(E[fi]) === "faults-off" && E[fi][0] >= v0 && E[fi][0] <= v1) faultsOff.push(fi);
    faultsOff.forEach(function (i) {
      var fx = sx(E[i][0]);
      out.push('<line class="faultsoff" x1="' + fx + '" y1="' + AXIS + '" x2="' + fx + '" y2="' + bodyEnd + '"/>');
      if (label(fx + 3, AXIS + 9, "faults off", "#2e7d32", "mark faultsoff-text")) out[out.length - 1] = out[out.length - 1].replace("<text ", '<text data-e="' + i + '" ');
    });

    // Lasting faults under everything else.
    D.spans.forEach(function (s) {
      if (s.t1 < v0 || s.t0 > v1 || !inView(s.l)) return;
      var x0 = Math.max(sx(s.t0), GUT), x1 = Math.min(sx(s.t1), GUT + PW), top = rowTop(s.l);
      out.push('<rect class="span ' + s.k + '" data-e="' + s.e0 + '"' + (s.l === 0 ? "" : ' clip-path="url(#clip-body)"') + ' x="' + x0 + '" y="' + top + '" width="' + Math.max(x1 - x0, 2) + '" height="' + rowH(s.l) + '"><title>' + esc(s.t + " " + fmtMs(s.t0) + " to " + fmtMs(s.t1)) + '</title></rect>');
      if (open(s.l)) label(x0 + 2, top + 9, s.t, "");
    });

    // The overlap of two critical sections, across both holders' rows.
    if (D.lock && D.lock.t1 >= v0 && D.lock.t0 <= v1) {
      var ox0 = Math.max(sx(D.lock.t0), GUT), ox1 = Math.min(sx(D.lock.t1), GUT + PW);
      D.lock.holders.forEach(function (l) {
        if (!inView(l)) return;
        out.push('<rect class="overlap-band" clip-path="url(#clip-body)" x="' + ox0 + '" y="' + rowTop(l) + '" width="' + Math.max(ox1 - ox0, 3) + '" height="' + rowH(l) + '"><title>' + esc(D.lanes[D.lock.holders[0]] + " and " + D.lanes[D.lock.holders[1]] + " both inside the critical section, " + fmtMs(D.lock.t0) + " to " + fmtMs(D.lock.t1)) + '</title></rect>');
      });
    }

    // Lanes: the server, then the client rows in order.
    out.push('<g clip-path="url(#clip-body)">');
    order.forEach(function (l) {
      if (!inView(l)) return;
      var top = rowTop(l), y = laneY(l);
      out.push('<line class="rowsep" x1="0" y1="' + top + '" x2="' + (GUT + PW) + '" y2="' + top + '"/>');
      if (folded[l]) {
        out.push('<line class="lane folded" x1="' + GUT + '" y1="' + y + '" x2="' + (GUT + PW) + '" y2="' + y + '"/>');
        out.push('<text class="lane-name folded" data-lane="' + l + '" x="4" y="' + (y + 4) + '">\u25b8 ' + esc(D.lanes[l]) + '<title>open this lane</title></text>');
      } else {
        out.push('<line class="lane" x1="' + GUT + '" y1="' + y + '" x2="' + (GUT + PW) + '" y2="' + y + '"/>');
        out.push('<text class="lane-name' + (focusLanes[l] ? " focus" : "") + '" data-lane="' + l + '" x="4" y="' + (y + 4) + '">' + (canFold ? "\u25be " : "") + esc(D.lanes[l]) + (canFold ? "<title>fold this lane</title>" : "") + '</text>');
      }
    });
    out.push('</g>');
    out.push('<rect class="headbg" x="0" y="' + (HEAD - 1) + '" width="' + W + '" height="1"/>');
    out.push('<line class="lane" x1="' + GUT + '" y1="' + laneY(0) + '" x2="' + (GUT + PW) + '" y2="' + laneY(0) + '"/>');
    out.push('<text class="lane-name" x="4" y="' + (laneY(0) + 4) + '">' + esc(D.lanes[0]) + '</text>');

    // Operations, lock operations and critical sections.
    var visibleOps = 0;
    OPS.forEach(function (o) {
      var ret = o.r < 0 ? end : o.r;
      if (ret >= v0 && o.c <= v1 && inView(o.l)) visibleOps++;
    });
    var opsOut = [];
    OPS.forEach(function (o, i) {
      var ret = o.r < 0 ? end : o.r;
      if (ret < v0 || o.c > v1 || !inView(o.l)) return;
      var top = rowTop(o.l), x0 = sx(o.c), x1 = sx(ret), mk = marked(i);
      var w = Math.max(x1 - x0, mk ? 5 : 2);
      var selOp = sel >= 0 && E[sel][7] === i;
      var cls = "op " + o.o + (coreSet[i] ? " core" : "") + (whySet[i] ? " why" : "") + (selOp ? " sel" : "");
      var opTitle = visibleOps > 2000 ? "" : "<title>" + esc(o.t) + "</title>";
      if (folded[o.l]) {
        opsOut.push('<rect class="' + cls + ' thin" data-o="' + i + '" x="' + x0 + '" y="' + (top + 4) + '" width="' + w + '" height="6">' + opTitle + '</rect>');
        return;
      }
      opsOut.push('<rect class="' + cls + '" data-o="' + i + '" x="' + x0 + '" y="' + (top + 17) + '" width="' + w + '" height="18">' + opTitle + '</rect>');
      if (visibleOps > 2000) return;
      var nx = nextOnLane[i] >= 0 ? sx(OPS[nextOnLane[i]].c) : GUT + PW;
      var room = Math.min(nx, GUT + PW) - Math.max(x0, GUT) - 4;
      var text = o.t.slice(o.t.indexOf(" ") + 1), chars = Math.floor(room / 6.7);
      if (chars < 4) return;
      if (text.length > chars) text = text.slice(0, chars - 1) + "\u2026";
      opsOut.push('<text class="oplabel' + (mk ? " core" : "") + '" x="' + (Math.max(x0, GUT) + 3) + '" y="' + (top + 30) + '">' + esc(text) + '</text>');
    });
    LOCKS.forEach(function (o) {
      var ret = o.r < 0 ? end : o.r;
      if (ret < v0 || o.c > v1 || !inView(o.l) || folded[o.l]) return;
      var top = rowTop(o.l), x0 = sx(o.c), w = Math.max(sx(ret) - x0, 2);
      opsOut.push('<rect class="lock" x="' + x0 + '" y="' + (top + 38) + '" width="' + w + '" height="10"><title>' + esc(D.lanes[o.l] + " " + o.t) + '</title></rect>');
      if (w > o.t.length * 6.7 + 4) opsOut.push('<text class="oplabel" x="' + (x0 + 2) + '" y="' + (top + 47) + '" style="font-size:9px">' + esc(o.t) + '</text>');
    });
    SECS.forEach(function (s) {
      if (s.t1 < v0 || s.t0 > v1 || !inView(s.l)) return;
      var top = rowTop(s.l), x0 = sx(s.t0), w = Math.max(sx(s.t1) - x0, 2);
      var y = folded[s.l] ? top + 11 : top + 50, h = folded[s.l] ? 2 : 10;
      opsOut.push('<rect class="cs' + (s.ov ? " overlap" : "") + '" x="' + x0 + '" y="' + y + '" width="' + w + '" height="' + h + '"><title>' + esc(D.lanes[s.l] + " inside the critical section, " + fmtMs(s.t0) + " to " + (s.open ? "the end (never released)" : fmtMs(s.t1))) + '</title></rect>');
      var txt = s.ov ? "holds the lock, as does " + D.lanes[D.lock.holders[0] === s.l ? D.lock.holders[1] : D.lock.holders[0]] : "holds the lock";
      var lx = Math.max(x0, GUT) + 3;
      if (!folded[s.l] && Math.min(sx(s.t1), GUT + PW) - lx > txt.length * 5.6 + 4) opsOut.push('<text class="cslabel" x="' + lx + '" y="' + (y + 8) + '">' + esc(txt) + '</text>');
    });
    out.push('<g clip-path="url(#clip-bodyplot)">' + opsOut.join("") + '</g>');

    // Messages: one by one, or bundled when zoomed out; only for open
    // lanes. Those of folded or scrolled-away lanes are counted by ticks
    // under the server lane.
    var vis = [], away = [];
    M.forEach(function (m, i) {
      if (m.t1 < v0 || m.t0 > v1) return;
      if (open(m.cl)) vis.push(i); else away.push(i);
    });
    // Past FOCUS_PX, the messages of lanes outside the violation are
    // bundled; past BUNDLE_PX, every lane's.
    var focused = Object.keys(focusLanes).length > 0;
    // Arrows cross the lanes between theirs and the server's: the more
    // lanes are open, the fewer arrows it takes to bury the labels.
    var nOpen = order.filter(open).length, crowd = Math.max(1, nOpen / 4);
    var bundleAll = !allMsgs && vis.length > PW / (BUNDLE_PX * crowd);
    var bundleOthers = !allMsgs && focused && vis.length > PW / FOCUS_PX;
    var laneBundled = function (l) { return bundleAll || (bundleOthers && !focusLanes[l]); };
    var bundled = function (m, i) { return !mustDraw(m, i) && laneBundled(m.cl); };
    var buckets = {}, nb = 0, plain = bundleAll || vis.length > 1500;
    var msgOut = [];
    vis.forEach(function (i) {
      var m = M[i];
      if (bundled(m, i)) {
        var key = m.cl + ":" + Math.floor((sx(m.t0) - GUT) / BUCKET_PX);
        var b = buckets[key] || (buckets[key] = { l: m.cl, n: 0, bad: 0, t0: m.t0, t1: m.t1, x: 0 });
        b.n++; b.x += sx(m.t0); if (isFault(m)) b.bad++;
        b.t0 = Math.min(b.t0, m.t0); b.t1 = Math.max(b.t1, m.t1);
        return;
      }
      shown++;
      var from = m.r ? m.sv : m.cl, to = m.r ? m.cl : m.sv;
      var x1 = sx(m.t0), y1 = laneY(from), x2 = sx(m.t1), y2 = laneY(to);
      var c = msgClass(m), fate = m.f, isSel = sel >= 0 && E[sel][8] === i;
      if (fate === "drop") { x2 = x1 + 8; y2 = y1 + (y2 - y1) * (plain ? 8 / Math.abs(y2 - y1) : 0.35); }
      if (fate === "flight") { y2 = y1 + (y2 - y1) * 0.5; }
      var mk = (fate === "drop" || fate === "lost") ? "" : ' marker-end="url(#ah-' + marker(c) + ')"';
      var d = 'x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"';
      msgOut.push('<line class="m ' + c + (isSel ? " sel" : "") + '" ' + d + mk + '/>');
      if (fate === "drop" || fate === "lost") {
        msgOut.push('<path class="x" d="M' + (x2 - 4) + ',' + (y2 - 4) + 'L' + (x2 + 4) + ',' + (y2 + 4) + 'M' + (x2 - 4) + ',' + (y2 + 4) + 'L' + (x2 + 4) + ',' + (y2 - 4) + '"/>');
      }
      if (plain) {
        // Too many to label: the arrow and a click target only.
        msgOut.push('<line class="hit" data-e="' + m.e0 + '" ' + d + '><title>' + esc(fmtLine(E[m.e0])) + '</title></line>');
        return;
      }
      if (fate === "drop" || fate === "lost") label(x2 + 6, y2 + 3, fate, "");
      else if (fate === "held") label(x2 + 3, y2 - 4, "held", "");
      else if (fate === "late") label(x2 + 3, y2 - 4, "late", "#777");
      if (m.fl.indexOf("slow") >= 0) label((x1 + x2) / 2 + 3, (y1 + y2) / 2, "+" + shortMs(m.t1 - m.t0), "#b26a00");
      if (m.fl.indexOf("dup") >= 0) label(x1 + 3, y1 - 14, "dup", "#8e44ad");
      msgOut.push('<line class="hit" data-e="' + m.e0 + '" ' + d + '><title>' + esc(fmtLine(E[m.e0])) + '</title></line>');
      if (m.e1 >= 0) msgOut.push('<circle class="mark" data-e="' + m.e1 + '" cx="' + x2 + '" cy="' + y2 + '" r="3.5" fill="transparent"><title>' + esc(fmtLine(E[m.e1])) + '</title></circle>');
      // A retry links back to its operation's first attempt.
      if (m.p >= 0 && !m.r && m.fl.indexOf("dup") < 0) {
        var fx = sx(M[m.p].t0);
        msgOut.push('<path class="link" d="M' + fx + ',' + y1 + 'Q' + ((fx + x1) / 2) + ',' + (y1 - 18) + ' ' + x1 + ',' + y1 + '"/>');
        label(x1 + 3, y1 - 3, "retry " + m.a, "#b35f00");
      }
    });
    // A bundle: the messages of one lane in BUCKET_PX of time, a short
    // stroke up from the lane as thick as they are many, red-crossed if any
    // was lost. The ticks under the server lane count them too.
    Object.keys(buckets).forEach(function (k) {
      var b = buckets[k], x = b.x / b.n, y1 = laneY(b.l);
      nb++;
      var sw = Math.min(1.5 + 1.6 * Math.log2(b.n), 9);
      var title = b.n + " messages of " + D.lanes[b.l] + " between " + fmtMs(b.t0) + " and " + fmtMs(b.t1) + (b.bad ? ", " + b.bad + " of them dropped or lost" : "") + ": click to zoom in";
      msgOut.push('<line class="bundle' + (b.bad ? " bad" : "") + '" data-z0="' + b.t0 + '" data-z1="' + b.t1 + '" x1="' + x + '" y1="' + y1 + '" x2="' + x + '" y2="' + (y1 - 11) + '" style="stroke-width:' + sw + '"><title>' + esc(title) + '</title></line>');
      if (b.bad) msgOut.push('<path class="x" d="M' + (x - 3) + ',' + (y1 - 11) + 'L' + (x + 3) + ',' + (y1 - 5) + 'M' + (x - 3) + ',' + (y1 - 5) + 'L' + (x + 3) + ',' + (y1 - 11) + '"/>');
    });
    out.push('<g clip-path="url(#clip-plot)">' + msgOut.join("") + '</g>');
    // Ticks under the server lane: messages of lanes not drawn.
    var notDrawn = away.concat(vis.filter(function (i) { return bundled(M[i], i); }));
    if (notDrawn.length) {
      var rug = {}, peak = 1;
      notDrawn.forEach(function (i) { var k = Math.floor((sx(M[i].t0) - GUT) / 3); rug[k] = (rug[k] || 0) + 1; peak = Math.max(peak, rug[k]); });
      var rp = [];
      Object.keys(rug).forEach(function (k) {
        var h = 2 + 9 * rug[k] / peak, x = GUT + k * 3 + 1;
        if (x >= GUT && x <= GUT + PW) rp.push("M" + x + "," + (HEAD - 2) + "v" + (-h));
      });
      out.push('<path class="rug" d="' + rp.join("") + '"><title>' + notDrawn.length + ' messages not drawn one by one (bundled, or of lanes folded or scrolled away) in this stretch</title></path>');
    }
    var lod = [];
    if (nb) {
      lod.push(vis.length - shown + " messages " + (bundleAll ? "" : "of lanes outside the violation ") + "are drawn at this zoom as " + nb + " short strokes on their lanes, thicker for more" +
        (focused ? " (the violation's own are drawn one by one)" : "") + ": zoom in, click a stroke, or tick 'every message'.");
    }
    if (notDrawn.length) {
      lod.push("Grey ticks under the server lane count the " + notDrawn.length + " messages " +
        (away.length === notDrawn.length ? "of folded or scrolled-away lanes." : "not drawn one by one" + (away.length ? ", " + away.length + " of them of folded or scrolled-away lanes." : ".")));
    }
    el("lod").textContent = lod.join(" ");

    // Point events without a message: timeouts, panics.
    var pts = [];
    for (var i = 0; i < E.length; i++) {
      var e = E[i], k;
      if (e[0] < v0 || e[0] > v1) continue;
      k = kind(e);
      if (k === "timeout" && e[2] >= 0 && !plain && open(e[2]) && !laneBundled(e[2])) {
        var tx = sx(e[0]), ty = laneY(e[2]);
        pts.push('<g class="mark" data-e="' + i + '"><circle cx="' + tx + '" cy="' + ty + '" r="4" fill="#fff" stroke="#d32f2f" stroke-width="1.5"/><line x1="' + tx + '" y1="' + ty + '" x2="' + tx + '" y2="' + (ty - 3) + '" stroke="#d32f2f"/><title>' + esc(fmtLine(e)) + '</title></g>');
      } else if (k === "panic") {
        var pl = e[2] >= 0 ? e[2] : Math.max(e[3], 0);
        if (inView(pl)) pts.push('<text class="mark ftext" data-e="' + i + '" x="' + sx(e[0]) + '" y="' + (laneY(pl) + 4) + '" style="font-size:16px">\u2739<title>' + esc(fmtLine(e)) + '</title></text>');
      }
    }
    out.push('<g clip-path="url(#clip-plot)">' + pts.join("") + '</g>');
    if (sel >= 0 && E[sel][0] >= v0 && E[sel][0] <= v1) {
      var nx2 = sx(E[sel][0]);
      out.push('<line class="now" x1="' + nx2 + '" y1="' + AXIS + '" x2="' + nx2 + '" y2="' + bodyEnd + '"/>');
    }
    svg.setAttribute("height", svgH);
    svg.setAttribute("viewBox", "0 0 " + W + " " + svgH);
    svg.innerHTML = out.join("");
    stats = { shown: shown, bundles: nb, away: away.length, folded: Object.keys(folded).length, labels: boxes.length };
    el("range").textContent = "showing " + fmtMs(v0) + " to " + fmtMs(v1) + " of " + fmtMs(end);
    var pan = el("pan");
    pan.disabled = span >= full;
    pan.value = span >= full ? 0 : Math.round(v0 / (full - span) * 1000);
  }

  var queued = false;
  function later() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; render(); });
  }
  chart.addEventListener("scroll", function () { scrollY = chart.scrollTop; later(); });

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
  // scrollTo brings lane l's row into the chart's body.
  function scrollToLane(l) {
    if (l === 0) return;
    var t = tops[l], want = scrollY;
    if (t < scrollY) want = t;
    else if (t + rowH(l) > scrollY + bodyH) want = t + rowH(l) - bodyH;
    if (want !== scrollY) { chart.scrollTop = want; scrollY = chart.scrollTop; }
  }
  function toggleLane(l) {
    if (!canFold && !folded[l]) return;
    if (folded[l]) delete folded[l]; else folded[l] = true;
    layout();
    render();
  }
  // focusOp opens operation o's lane, scrolls it into view and zooms to
  // the operation, then selects its first event.
  function focusOp(o) {
    var op = OPS[o], r = op.r < 0 ? end : op.r, pad = Math.max((r - op.c) * 0.6, 1000);
    if (folded[op.l]) { delete folded[op.l]; layout(); }
    scrollToLane(op.l);
    setView(op.c - pad, r + pad);
    selectOp(o);
  }


  // statesAt says what the model allows each key to hold at instant t:
  // the state after the longest linearization's prefix that holds every
  // operation returned by t.
  function statesAt(t) {
    if (!D.keys.length) return '<span class="hint">the checker\'s linearization is not available for this run</span>';
    var rows = D.keys.map(function (k, ki) {
      var need = -1, stuck = null, pending = 0;
      k.all.forEach(function (o) {
        var op = OPS[o];
        if (op.c > t) return;
        if (op.r < 0 || op.r > t) { pending++; return; }
        var p = linPos[ki][o];
        if (p === undefined) { if (!stuck) stuck = op; } else need = Math.max(need, p);
      });
      var s;
      if (stuck) s = '<span class="core-tag">no order of the operations explains this point:</span> ' + esc(stuck.t) + " has returned but cannot be linearized";
      else s = (need < 0 ? "absent" : esc(k.states[need])) + ' <span class="hint">(after the ' + (need + 1) + " operations linearized up to here" + (pending ? "; " + pending + " in progress may still change it" : "") + ")</span>";
      return "<div><b>" + esc(k.k) + "</b>: " + s + "</div>";
    });
    return rows.join("");
  }

  function describeMsg(i) {
    var m = M[i], from = D.lanes[m.r ? m.sv : m.cl], to = D.lanes[m.r ? m.cl : m.sv];
    var fate = { "": "arrived", drop: "dropped by the network", lost: "lost to a partition", held: "held by the paused server", late: "arrived after its call had ended (discarded)", flight: "still in flight when the run ended" }[m.f];
    var s = (m.r ? "reply" : "request") + " #" + m.c + " " + esc(from) + " \u2192 " + esc(to) + ", sent " + fmtMs(m.t0) + ", " + fate;
    if (m.f !== "flight" && m.f !== "drop") s += " " + fmtMs(m.t1) + " (after " + fmtMs(m.t1 - m.t0) + ")";
    if (m.fl.indexOf("slow") >= 0) s += ', <b>a long delay</b>';
    if (m.fl.indexOf("dup") >= 0) s += ", the network's duplicate copy";
    if (!m.r && m.a > 1) s += '; <b>retry</b>: attempt ' + m.a + ' of its operation, whose first attempt was request #' + M[m.p].c;
    return s;
  }

  function showDetail() {
    var e = E[sel], rows = [];
    rows.push(["event", (sel + 1) + " of " + E.length + " at " + fmtMs(e[0])]);
    var ended = endsAt[sel];
    if (ended !== undefined && ended !== e[8]) rows.push(["arrived", describeMsg(ended)]);
    if (e[8] >= 0) rows.push(["message", describeMsg(e[8])]);
    if (e[7] >= 0) {
      var o = OPS[e[7]];
      rows.push(["operation", esc(o.t) + ' <span class="when">[' + fmtMs(o.c) + ", " + (o.r < 0 ? "?" : fmtMs(o.r)) + "]</span>" + (o.x ? ' <span class="core-tag">in the violating core</span>' : "")]);
    }
    rows.push(["model", statesAt(e[0])]);
    var flight = [];
    for (var i = 0; i < M.length; i++) {
      var m = M[i];
      if (m.e0 <= sel && (m.e1 > sel || m.e1 < 0) && m.e0 !== sel) {
        flight.push('<a href="#" data-e="' + m.e0 + '">#' + m.c + " " + esc(D.lanes[m.r ? m.sv : m.cl]) + "\u2192" + esc(D.lanes[m.r ? m.cl : m.sv]) + (m.r ? " reply" : " request") + "</a>");
      }
    }
    rows.push(["in flight", flight.length ? flight.slice(0, 40).join(", ") + (flight.length > 40 ? ", \u2026 (" + flight.length + ")" : "") : "nothing"]);
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
    var t = E[i][0], l = E[i][2];
    // Bring the event's client lane into view, unless it is folded.
    if (l > 0 && tops[l] !== undefined && !folded[l] && !open(l)) scrollToLane(l);
    if (t < v0 || t > v1) { var span = v1 - v0; setView(t - span / 2, t + span / 2); } else render();
    showDetail();
  }
  function selectOp(o) {
    var op = OPS[o];
    if (op.e >= 0) { select(op.e); return; }
    for (var i = 0; i < E.length; i++) if (E[i][0] >= op.c) { select(i); return; }
  }
  function nextFault() {
    for (var i = sel + 1; i < E.length; i++) {
      var e = E[i];
      if (FAULTS[kind(e)] || (e[8] >= 0 && M[e[8]].fl.indexOf("slow") >= 0 && M[e[8]].e0 === i)) { select(i); return; }
    }
  }

  function onClick(ev) {
    var t = ev.target.closest("[data-e],[data-o],[data-op],[data-lane],[data-z0]");
    if (!t) return;
    ev.preventDefault();
    if (t.hasAttribute("data-e")) select(+t.getAttribute("data-e"));
    else if (t.hasAttribute("data-o")) selectOp(+t.getAttribute("data-o"));
    else if (t.hasAttribute("data-lane")) toggleLane(+t.getAttribute("data-lane"));
    else if (t.hasAttribute("data-z0")) {
      var z0 = +t.getAttribute("data-z0"), z1 = +t.getAttribute("data-z1"), zp = Math.max((z1 - z0) * 0.25, 1e5);
      setView(z0 - zp, z1 + zp);
    } else { chart.scrollIntoView({ block: "nearest" }); focusOp(+t.getAttribute("data-op")); }
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
  ["core", "lock-core"].forEach(function (id) { if (el(id)) el(id).addEventListener("click", onClick); });
  svg.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey && !ev.shiftKey) return;
    ev.preventDefault();
    if (ev.ctrlKey) {
      var r = svg.getBoundingClientRect(), PW = Math.max(r.width - GUT - RIGHT, 100);
      var at = v0 + (ev.clientX - r.left - GUT) / PW * (v1 - v0);
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, at);
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
  el("pan").oninput = function (ev) { var span = v1 - v0, a = ev.target.value / 1000 * (full - span); setView(a, a + span); };
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
  window.addEventListener("resize", function () { layout(); render(); });
  el("lanes").onclick = function () { focusFirst = !focusFirst; arrange(); render(); };
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.onclick = function () {
      var code = b.previousElementSibling, text = code.textContent;
      var selectIt = function () { var r = document.createRange(); r.selectNodeContents(code); var s = window.getSelection(); s.removeAllRanges(); s.addRange(r); };
      try {
        navigator.clipboard.writeText(text).then(function () { b.textContent = "copied"; }, selectIt);
      } catch (err) { selectIt(); }
    };
  });

  var slot = el("porcupine-slot");
  if (D.porcupineLink) {
    slot.innerHTML = '<a href="' + esc(D.porcupineLink) + '">open porcupine\'s visualization</a>';
  } else if (D.porcupine) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = "show porcupine's visualization";
    b.onclick = function () {
      var f = document.createElement("iframe");
      f.srcdoc = D.porcupine;
      f.title = "porcupine";
      slot.replaceChildren(f);
    };
    slot.appendChild(b);
  } else {
    slot.innerHTML = '<span class="hint">not available for this run</span>';
  }

  // First the violation: its lanes and a window of time around it.
  // #lanes=all shows every lane in its place, none folded.
  if (/(?:^#|[#&])lanes=all/.test(location.hash)) focusFirst = false;
  arrange();
  if (focusWindow) setView(focusWindow[0], focusWindow[1]); else render();
  // #e=N opens event N as the panel numbers it, from 1; #o=N zooms to
  // operation N (as data-op numbers it) as a click on it in the why box does.
  var pre = /(?:^#|[#&])e=(\d+)/.exec(location.hash);
  if (pre) select(+pre[1] - 1);
  var preOp = /(?:^#|[#&])o=(\d+)/.exec(location.hash);
  if (preOp && +preOp[1] < OPS.length) focusOp(+preOp[1]);
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  // Load fires once the page is laid out: the report's open time.
  window.addEventListener("load", function () { document.body.setAttribute("data-load-ms", String(Math.round(performance.now()))); });

  // The self-test, run under #selftest by the browser test.
  if (location.hash.indexOf("selftest") >= 0) {
    var fails = [];
    var want = function (ok, what) { if (!ok) fails.push(what); };
    want(el("seed").textContent.trim() === D.seed, "the seed is shown");
    want(el("verdict").textContent.trim() === D.verdict, "the verdict is shown");
    D.checks.forEach(function (c) {
      want(fmtLine(E[c.i]) === c.line, "event " + c.i + " reads " + JSON.stringify(fmtLine(E[c.i])) + ", sim says " + JSON.stringify(c.line));
    });
    // What the page shows first: the violation's operations, in view and
    // wide enough to read, on lanes that are open.
    var inBody = function (r) { var y = +r.getAttribute("y"); return y >= HEAD && y + (+r.getAttribute("height")) <= HEAD + bodyH + 0.5; };
    focusOps.forEach(function (o) {
      var r = svg.querySelector('rect.op[data-o="' + o + '"]');
      want(r && r.classList.contains(coreSet[o] ? "core" : "why"), "violating op " + o + " is drawn, marked");
      want(r && inBody(r) && !folded[OPS[o].l], "violating op " + o + " is in view at first, on an open lane");
      want(r && +r.getAttribute("width") >= 5, "violating op " + o + " is at least 5px wide");
    });
    var first = { lanes: order.filter(function (l) { return !folded[l] && inView(l); }).map(function (l) { return D.lanes[l]; }), v0: v0, v1: v1, stats: stats };
    // No two labels overlap.
    var overlaps = function () {
      var bs = Array.prototype.map.call(svg.querySelectorAll("text.ftext"), function (t) { var b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; });
      for (var i = 0; i < bs.length && i < 600; i++) for (var j = i + 1; j < bs.length && j < 600; j++) {
        var a = bs[i], b = bs[j];
        if (a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5) return a[4] + " / " + b[4];
      }
      return "";
    };
    var ov = overlaps();
    want(!ov, "labels overlap: " + ov);
    if (D.lock) {
      want(el("lock-violation") && el("lock-reason"), "the lock's why box is shown");
      D.lock.holders.forEach(function (l) { want(el("lock-reason") && el("lock-reason").textContent.indexOf(D.lanes[l]) >= 0, "the why box names " + D.lanes[l]); });
      want(svg.querySelectorAll("rect.cs.overlap").length >= 2, "both critical sections are drawn, marked");
      want(svg.querySelector("rect.overlap-band"), "their overlap is drawn");
    }
    if (D.probe >= 0) {
      scrollToLane(M[E[D.probe][8]].cl);
      render();
      var hit = svg.querySelector('.hit[data-e="' + D.probe + '"]');
      want(hit, "the probe's message is drawn");
      if (hit) hit.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      want(sel === D.probe, "a click selects its event");
      var line = D.checks.filter(function (c) { return c.i === D.probe; })[0];
      want(el("traceline") && line && el("traceline").textContent === line.line, "a click shows its trace line");
    }
    // Scrolled to the last lane, the server lane and the axis stay.
    if (contentH > bodyH) {
      chart.scrollTop = contentH;
      scrollY = chart.scrollTop;
      render();
      var last = order[order.length - 1], sname = svg.querySelector("text.lane-name:not([data-lane])");
      want(scrollY > 0 && inView(last), "the chart scrolls to its last lane");
      want(sname && sname.textContent === D.lanes[0] && +sname.getAttribute("y") === laneY(0) + 4, "the server lane stays in view while scrolling");
      want(Array.prototype.some.call(svg.querySelectorAll(".axis text"), function (t) { return +t.getAttribute("y") < AXIS; }), "the time axis stays in view while scrolling");
      want(!overlaps(), "labels overlap after scrolling: " + overlaps());
    }
    // A click on a violating operation in the why box opens its lane,
    // scrolls it into view and zooms to it.
    var link = document.querySelector("#core a[data-op], #lock-core a[data-op]");
    if (link) {
      var lo = +link.getAttribute("data-op"), lop = OPS[lo];
      if (canFold && !folded[lop.l]) { folded[lop.l] = true; layout(); render(); } // it must open it
      link.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      var lr = svg.querySelector('rect.op[data-o="' + lo + '"]');
      want(!folded[lop.l] && lr && inBody(lr), "a click on a violating op in the why box brings its lane into view");
      want(lr && +lr.getAttribute("width") >= 0.3 * (chart.clientWidth - GUT - RIGHT), "a click on a violating op in the why box zooms to it");
      want(sel >= 0 && E[sel][7] === lo, "a click on a violating op in the why box selects it");
    }
    var before = sel;
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    want(E.length === 0 || sel === Math.min(before + 1, E.length - 1), "the right arrow steps to the next event");
    if (D.probe >= 0) select(D.probe); // the DOM the browser test reads shows the probe
    var res = { ok: fails.length === 0 && window.kvsimErrors.length === 0, failures: fails, errors: window.kvsimErrors, events: E.length, renderMs: +document.body.getAttribute("data-render-ms"),
      first: first, lanes: D.lanes.length, bodyH: bodyH, contentH: contentH };
    var pre = document.createElement("pre");
    pre.id = "selftest";
    pre.setAttribute("data-ok", String(res.ok));
    pre.textContent = JSON.stringify(res);
    document.body.appendChild(pre);
  }
})();
