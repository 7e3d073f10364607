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
  var el = function (id) { return document.getElementById(id); };
  var svg = el("svg"), chart = el("chart");

  var GUT = 64, AXIS = 22, SERVER_H = 46, CLIENT_H = 58, RIGHT = 12;
  var nLanes = Math.max(D.lanes.length, 1);
  var full = end * 1.02;
  var v0 = 0, v1 = full;
  var sel = -1, allMsgs = false;
  var FAULTS = { "drop-request": 1, "duplicate": 1, "lost": 1, "held": 1, "drop-reply": 1, "late-reply": 1, "timeout": 1, "cut": 1, "pause": 1, "panic": 1,
    "tail": 1, "nemesis-drop": 1, "nemesis-dup": 1, "nemesis-delay": 1, "nemesis-hold": 1 };

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

  // Lanes: the server on top, then one row per client with its lane line,
  // its operations and its lock operations.
  function rowTop(l) { return l === 0 ? AXIS : AXIS + SERVER_H + (l - 1) * CLIENT_H; }
  function rowH(l) { return l === 0 ? SERVER_H : CLIENT_H; }
  function laneY(l) { return l === 0 ? AXIS + 32 : rowTop(l) + 12; }
  var height = AXIS + SERVER_H + (nLanes - 1) * CLIENT_H + 24;

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
  var coreSet = {};
  D.core.forEach(function (i) { coreSet[i] = true; });
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
  // At a zoom that shows too many messages to read, only these are drawn:
  // the core's, the selected one's, and (unless even those are too many)
  // those the network dropped or lost.
  function mustDraw(m, i) {
    return (m.o >= 0 && coreSet[m.o]) || (sel >= 0 && E[sel][8] === i) || (D.probe >= 0 && E[D.probe][8] === i);
  }
  function isFault(m) { return m.f === "drop" || m.f === "lost"; }

  function render() {
    var W = chart.clientWidth || 1000, PW = Math.max(W - GUT - RIGHT, 100);
    var span = v1 - v0;
    var sx = function (t) { return GUT + (t - v0) / span * PW; };
    var out = [], placed = {};
    // label writes a small fault label unless it would overlap one already
    // written on the same line: in busy stretches the arrows still show.
    var label = function (x, y, text, fill) {
      var row = Math.round(y / 10), w = String(text).length * 6 + 4;
      var taken = placed[row] || (placed[row] = []);
      for (var j = 0; j < taken.length; j++) if (x < taken[j][1] && x + w > taken[j][0]) return;
      taken.push([x, x + w]);
      out.push('<text class="ftext" x="' + x + '" y="' + y + '"' + (fill ? ' style="fill:' + fill + '"' : "") + ">" + esc(text) + "</text>");
    };
    out.push('<defs>');
    [["req", "#1f6fd1"], ["rep", "#2e9d4a"], ["retry", "#e67e00"], ["dup", "#8e44ad"], ["late", "#999"], ["slow", "#f5a623"], ["flight", "#bbb"]].forEach(function (m) {
      out.push('<marker id="ah-' + m[0] + '" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="' + m[1] + '"/></marker>');
    });
    out.push('<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3d6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e0b050" stroke-width="2"/></pattern></defs>');

    // Axis and grid.
    var step = niceStep(span), dec = Math.max(0, -Math.floor(Math.log10(step / 1e6)));
    out.push('<g class="axis">');
    for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var x = sx(t);
      out.push('<line x1="' + x + '" y1="' + (AXIS - 4) + '" x2="' + x + '" y2="' + (height - 18) + '"/>');
      if (x > W - 60) continue; // no room for the label
      out.push('<text x="' + (x + 2) + '" y="' + (AXIS - 8) + '">' + (t / 1e6).toFixed(dec) + 'ms</text>');
      out.push('<text x="' + (x + 2) + '" y="' + (height - 6) + '">' + (t / 1e6).toFixed(dec) + 'ms</text>');
    }
    out.push('</g>');

    // Lasting faults under everything else.
    D.spans.forEach(function (s) {
      if (s.t1 < v0 || s.t0 > v1) return;
      var x0 = Math.max(sx(s.t0), GUT), x1 = Math.min(sx(s.t1), GUT + PW), top = rowTop(s.l);
      out.push('<rect class="span ' + s.k + '" data-e="' + s.e0 + '" x="' + x0 + '" y="' + top + '" width="' + Math.max(x1 - x0, 2) + '" height="' + rowH(s.l) + '"><title>' + esc(s.t + " " + fmtMs(s.t0) + " to " + fmtMs(s.t1)) + '</title></rect>');
      label(x0 + 2, top + 9, s.t, "");
    });

    // Lanes.
    for (var l = 0; l < nLanes; l++) {
      var y = laneY(l);
      out.push('<line class="lane" x1="' + GUT + '" y1="' + y + '" x2="' + (GUT + PW) + '" y2="' + y + '"/>');
      out.push('<text class="lane-name" x="4" y="' + (y + 4) + '">' + esc(D.lanes[l]) + '</text>');
      if (l > 0) out.push('<line class="axis" x1="0" y1="' + rowTop(l) + '" x2="' + (GUT + PW) + '" y2="' + rowTop(l) + '" stroke="#eee"/>');
    }

    // Operations.
    var visibleOps = 0;
    OPS.forEach(function (o, i) {
      var ret = o.r < 0 ? end : o.r;
      if (ret < v0 || o.c > v1) return;
      visibleOps++;
    });
    OPS.forEach(function (o, i) {
      var ret = o.r < 0 ? end : o.r;
      if (ret < v0 || o.c > v1) return;
      var top = rowTop(o.l), x0 = sx(o.c), x1 = sx(ret), w = Math.max(x1 - x0, 2);
      var selOp = sel >= 0 && E[sel][7] === i;
      var opTitle = visibleOps > 2000 ? "" : "<title>" + esc(o.t) + "</title>";
      out.push('<rect class="op ' + o.o + (o.x ? " core" : "") + (selOp ? " sel" : "") + '" data-o="' + i + '" x="' + x0 + '" y="' + (top + 17) + '" width="' + w + '" height="18">' + opTitle + '</rect>');
      if (visibleOps > 2000) return;
      var nx = nextOnLane[i] >= 0 ? sx(OPS[nextOnLane[i]].c) : GUT + PW;
      var room = Math.min(nx, GUT + PW) - Math.max(x0, GUT) - 4;
      var text = o.t.slice(o.t.indexOf(" ") + 1), chars = Math.floor(room / 6.7);
      if (chars < 4) return;
      if (text.length > chars) text = text.slice(0, chars - 1) + "\u2026";
      out.push('<text class="oplabel' + (o.x ? " core" : "") + '" x="' + (Math.max(x0, GUT) + 3) + '" y="' + (top + 30) + '">' + esc(text) + '</text>');
    });
    D.locks.map(function (a) { return { l: a[0], c: a[1], r: a[2], t: a[3] }; }).forEach(function (o) {
      var ret = o.r < 0 ? end : o.r;
      if (ret < v0 || o.c > v1) return;
      var top = rowTop(o.l), x0 = sx(o.c), w = Math.max(sx(ret) - x0, 2);
      out.push('<rect class="lock" x="' + x0 + '" y="' + (top + 39) + '" width="' + w + '" height="10"><title>' + esc(D.lanes[o.l] + " " + o.t) + '</title></rect>');
      if (w > o.t.length * 6.7 + 4) out.push('<text class="oplabel" x="' + (x0 + 2) + '" y="' + (top + 48) + '" style="font-size:9px">' + esc(o.t) + '</text>');
    });

    // Messages.
    var vis = [];
    M.forEach(function (m, i) { if (m.t1 >= v0 && m.t0 <= v1) vis.push(i); });
    var dense = vis.length > 1500 && !allMsgs, faults = 0;
    if (dense) vis.forEach(function (i) { if (isFault(M[i])) faults++; });
    var hidden = 0, plain = dense || vis.length > 1500;
    vis.forEach(function (i) {
      var m = M[i];
      if (dense && !mustDraw(m, i) && (faults > 1500 || !isFault(m))) { hidden++; return; }
      var from = m.r ? m.sv : m.cl, to = m.r ? m.cl : m.sv;
      var x1 = sx(m.t0), y1 = laneY(from), x2 = sx(m.t1), y2 = laneY(to);
      var c = msgClass(m), fate = m.f, isSel = sel >= 0 && E[sel][8] === i;
      if (fate === "drop") { x2 = x1 + 8; y2 = y1 + (y2 - y1) * (plain ? 8 / Math.abs(y2 - y1) : 0.35); }
      if (fate === "flight") { y2 = y1 + (y2 - y1) * 0.5; }
      var mk = (fate === "drop" || fate === "lost") ? "" : ' marker-end="url(#ah-' + marker(c) + ')"';
      var d = 'x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"';
      out.push('<line class="m ' + c + (isSel ? " sel" : "") + '" ' + d + mk + '/>');
      if (fate === "drop" || fate === "lost") {
        out.push('<path class="x" d="M' + (x2 - 4) + ',' + (y2 - 4) + 'L' + (x2 + 4) + ',' + (y2 + 4) + 'M' + (x2 - 4) + ',' + (y2 + 4) + 'L' + (x2 + 4) + ',' + (y2 - 4) + '"/>');
      }
      if (plain) {
        // Too many to label: the arrow and a click target only.
        out.push('<line class="hit" data-e="' + m.e0 + '" ' + d + '/>');
        return;
      }
      if (fate === "drop" || fate === "lost") {
        label((x2 + 6), (y2 + 3), fate, "");
      } else if (fate === "held") {
        label((x2 + 3), (y2 - 4), "held", "");
      } else if (fate === "late") {
        label(x2 + 3, y2 - 4, "late", "#777");
      }
      if (m.fl.indexOf("slow") >= 0) {
        label(((x1 + x2) / 2 + 3), ((y1 + y2) / 2), "+" + shortMs(m.t1 - m.t0), "#b26a00");
      }
      if (m.fl.indexOf("dup") >= 0) {
        label((x1 + 3), (y1 - 14), "dup", "#8e44ad");
      }
      out.push('<line class="hit" data-e="' + m.e0 + '" ' + d + '><title>' + esc(fmtLine(E[m.e0])) + '</title></line>');
      if (m.e1 >= 0) out.push('<circle class="mark" data-e="' + m.e1 + '" cx="' + x2 + '" cy="' + y2 + '" r="3.5" fill="transparent"><title>' + esc(fmtLine(E[m.e1])) + '</title></circle>');
      // A retry links back to its operation's first attempt.
      if (m.p >= 0 && !m.r && m.fl.indexOf("dup") < 0) {
        var fx = sx(M[m.p].t0);
        out.push('<path class="link" d="M' + fx + ',' + y1 + 'Q' + ((fx + x1) / 2) + ',' + (y1 - 18) + ' ' + x1 + ',' + y1 + '"/>');
        label((x1 + 3), (y1 - 3), "retry " + m.a, "#b35f00");
      }
    });
    el("lod").textContent = hidden ? hidden + " messages are hidden at this zoom (only the violating operations' and " + (faults > 1500 ? "the selected one" : "dropped or lost ones") + " are drawn): zoom in, or tick 'every message'." : "";

    // Point events without a message: timeouts, panics, the end of faults.
    for (var i = 0; i < E.length; i++) {
      var e = E[i], k;
      if (e[0] < v0 || e[0] > v1) continue;
      k = kind(e);
      if (k === "timeout" && e[2] >= 0 && !plain) {
        var tx = sx(e[0]), ty = laneY(e[2]);
        out.push('<g class="mark" data-e="' + i + '"><circle cx="' + tx + '" cy="' + ty + '" r="4" fill="#fff" stroke="#d32f2f" stroke-width="1.5"/><line x1="' + tx + '" y1="' + ty + '" x2="' + tx + '" y2="' + (ty - 3) + '" stroke="#d32f2f"/><title>' + esc(fmtLine(e)) + '</title></g>');
      } else if (k === "panic") {
        var pl = e[2] >= 0 ? e[2] : Math.max(e[3], 0);
        out.push('<text class="mark ftext" data-e="' + i + '" x="' + sx(e[0]) + '" y="' + (laneY(pl) + 4) + '" style="font-size:16px">\u2739<title>' + esc(fmtLine(e)) + '</title></text>');
      } else if (k === "faults-off") {
        var fx2 = sx(e[0]);
        out.push('<line class="faultsoff" x1="' + fx2 + '" y1="' + AXIS + '" x2="' + fx2 + '" y2="' + (height - 18) + '"/><text class="faultsoff-text mark" data-e="' + i + '" x="' + (fx2 + 3) + '" y="' + (AXIS + 9) + '">faults off</text>');
      }
    }
    if (sel >= 0 && E[sel][0] >= v0 && E[sel][0] <= v1) {
      var nx2 = sx(E[sel][0]);
      out.push('<line class="now" x1="' + nx2 + '" y1="' + AXIS + '" x2="' + nx2 + '" y2="' + (height - 18) + '"/>');
    }
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + W + " " + height);
    svg.innerHTML = out.join("");
    el("range").textContent = "showing " + fmtMs(v0) + " to " + fmtMs(v1) + " of " + fmtMs(end);
    var pan = el("pan");
    pan.disabled = span >= full;
    pan.value = span >= full ? 0 : Math.round(v0 / (full - span) * 1000);
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
    var t = E[i][0];
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
    var t = ev.target.closest("[data-e],[data-o],[data-op]");
    if (!t) return;
    ev.preventDefault();
    if (t.hasAttribute("data-e")) select(+t.getAttribute("data-e"));
    else if (t.hasAttribute("data-o")) selectOp(+t.getAttribute("data-o"));
    else { selectOp(+t.getAttribute("data-op")); chart.scrollIntoView({ block: "nearest" }); }
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
  var core = el("core");
  if (core) core.addEventListener("click", onClick);
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

  render();
  var pre = /(?:^#|[#&])e=(\d+)/.exec(location.hash);
  if (pre) select(+pre[1]);
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
    D.core.forEach(function (o) { want(svg.querySelector('rect.op.core[data-o="' + o + '"]'), "core op " + o + " is drawn"); });
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    want(sel === 0 || E.length === 0, "the right arrow steps to the first event");
    if (D.probe >= 0) {
      var hit = svg.querySelector('.hit[data-e="' + D.probe + '"]');
      want(hit, "the probe's message is drawn");
      if (hit) hit.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      want(sel === D.probe, "a click selects its event");
      var line = D.checks.filter(function (c) { return c.i === D.probe; })[0];
      want(el("traceline") && line && el("traceline").textContent === line.line, "a click shows its trace line");
    }
    var res = { ok: fails.length === 0 && window.kvsimErrors.length === 0, failures: fails, errors: window.kvsimErrors, events: E.length, renderMs: +document.body.getAttribute("data-render-ms") };
    var pre = document.createElement("pre");
    pre.id = "selftest";
    pre.setAttribute("data-ok", String(res.ok));
    pre.textContent = JSON.stringify(res);
    document.body.appendChild(pre);
  }
})();
