/// The style sheet and script inlined into every report, so that a page needs nothing
/// but itself (no network, no fonts, works from `file://`).
///
/// The script renders recorded text only through `textContent` and attribute-free
/// elements it creates; it never assigns `innerHTML`.
enum ReportAssets {
    /// Content-Security-Policy of the pages: nothing is ever fetched.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

    static let css = """
    :root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#fff;--panel:#f8f9fb;--ok:#12805c;--fail:#c4320a;
    --ind:#b54708;--llm:#7a5af8;--tool:#1570ef;--action:#667085;--command:#0e9384;--error:#d92d20;
    --stdout:#98a2b3;--stderr:#f04438;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    *{box-sizing:border-box}body{margin:0;color:var(--fg);background:var(--bg);font-size:14px;line-height:1.45}
    main{max-width:1280px;margin:0 auto;padding:16px 24px 48px}
    h1{font-size:18px;margin:0 0 6px;word-break:break-all}h1 code{font-size:inherit}
    h1.clamped code{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden;cursor:pointer}
    h2{font-size:16px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
    code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
    pre{white-space:pre-wrap;word-break:break-word;margin:0}
    .state{margin:0 0 12px;font-weight:600}.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff}
    .state-Success .badge{background:var(--ok)}.state-Fail .badge{background:var(--fail)}
    .state-Indeterminate .badge{background:var(--ind)}.state-Success{color:var(--ok)}.state-Fail{color:var(--fail)}
    .state-Indeterminate{color:var(--ind)}
    .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:6px 20px;margin:0}
    .facts div{min-width:0}.facts dt{color:var(--muted);font-size:12px}.facts dd{margin:0;overflow-wrap:anywhere}
    .tag{display:inline-block;background:var(--panel);border:1px solid var(--line);border-radius:4px;
    padding:0 6px;margin:0 4px 2px 0;font-size:12px}
    .note{color:var(--muted);font-size:12.5px;margin:6px 0}.warn{color:var(--ind)}
    nav{margin:14px 0 0;font-size:13px}nav a{margin-right:14px;color:var(--tool);text-decoration:none}
    table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;
    border-bottom:1px solid var(--line);vertical-align:top}th{color:var(--muted);font-weight:600}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    .share{display:inline-block;height:8px;background:var(--llm);border-radius:2px;vertical-align:middle;
    margin-right:6px}
    svg.waterfall{width:100%;height:auto;display:block;background:var(--panel);border:1px solid var(--line);
    border-radius:6px}svg text{font-size:11px;fill:var(--muted)}svg .grid{stroke:var(--line)}
    .bar{cursor:pointer}.bar:hover,.bar.selected,.mark:hover,.mark.selected{stroke:var(--fg);stroke-width:1.5}
    .bar.llm{fill:var(--llm)}.bar.tool{fill:var(--tool)}.bar.action{fill:var(--action)}
    .bar.command{fill:var(--command)}.mark.error{fill:var(--error);cursor:pointer}.tick.stdout{fill:var(--stdout)}
    .tick.stderr{fill:var(--stderr)}
    .details{margin-top:10px;padding:10px 12px;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
    .details h3{margin:0 0 6px;font-size:14px}.details dl{margin:0;display:grid;grid-template-columns:120px 1fr;
    gap:4px 12px}.details dt{color:var(--muted)}.details dd{margin:0;min-width:0}
    .call{border:1px solid var(--line);border-radius:6px;margin:10px 0;overflow:hidden}
    .call header{background:var(--panel);padding:6px 10px;display:flex;gap:14px;flex-wrap:wrap;font-size:13px}
    .call header b{color:var(--llm)}.msg{padding:6px 10px;border-top:1px solid var(--line)}
    .msg .role{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
    .msg.assistant{background:#f4f3ff}.msg.system{background:#fcfcfd}
    .controls{display:flex;gap:14px;flex-wrap:wrap;align-items:center;margin:6px 0}
    .controls input[type=search]{padding:4px 8px;border:1px solid var(--line);border-radius:4px;min-width:260px}
    .log{border:1px solid var(--line);border-radius:6px;max-height:70vh;overflow:auto;background:#0f1420;
    color:#d0d5dd;padding:6px 0}
    .line{display:grid;grid-template-columns:90px 64px 1fr;gap:8px;padding:0 10px;
    font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;
    word-break:break-word}.line .t,.line .src{color:#667085}.line.s1 .x{color:#fda29b}.line.s1 .src{color:#f97066}
    .line.s2,.line.gap{color:#fec84b}.line.gap{display:block;padding:2px 10px;font-style:italic}
    .chart{display:inline-block;vertical-align:top;margin:0 24px 8px 0}.chart svg{display:block}
    .chart .bar{fill:var(--tool)}.chart .bar.fail{fill:var(--fail)}
    a{color:var(--tool)}
    """

    static let script = #"""
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("report-data").textContent);
      function el(tag, cls, text) {
        var node = document.createElement(tag);
        if (cls) node.className = cls;
        if (text !== undefined && text !== null) node.textContent = String(text);
        return node;
      }
      function seconds(ms) {
        if (ms < 1000) return ms + "ms";
        if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 3 : 1) + "s";
        var s = Math.round(ms / 1000);
        return (s >= 3600 ? Math.floor(s / 3600) + "h " : "") + Math.floor(s % 3600 / 60) + "m " + (s % 60) + "s";
      }
      function messages(parent, list, fallbackClass) {
        list.forEach(function (m) {
          var box = el("div", "msg " + (/^[a-z]+$/.test(m[0]) ? m[0] : fallbackClass));
          box.appendChild(el("div", "role", m[0]));
          box.appendChild(el("pre", null, m[1]));
          parent.appendChild(box);
        });
      }

      // Details of a timeline event, on hover or click.
      var details = document.getElementById("details");
      var selected = null;
      function show(index, pin) {
        var e = data.events[index];
        if (!e) return;
        details.replaceChildren();
        details.hidden = false;
        details.appendChild(el("h3", null, e.k + ": " + e.l));
        var list = el("dl");
        function row(name, value) {
          list.appendChild(el("dt", null, name));
          var dd = el("dd");
          dd.appendChild(el("pre", null, value));
          list.appendChild(dd);
        }
        row("start", "+" + seconds(e.s));
        row("duration", seconds(e.d));
        e.f.forEach(function (f) { row(f[0], f[1]); });
        details.appendChild(list);
        if (e.p || e.c) {
          var convo = el("div", "call");
          messages(convo, e.p || [], "user");
          messages(convo, e.c || [], "assistant");
          details.appendChild(convo);
        }
        if (pin) {
          if (selected) selected.classList.remove("selected");
          selected = document.querySelector('[data-e="' + index + '"]');
          if (selected) selected.classList.add("selected");
        }
      }
      document.querySelectorAll("[data-e]").forEach(function (node) {
        var index = Number(node.getAttribute("data-e"));
        node.addEventListener("mouseenter", function () { show(index, false); });
        node.addEventListener("click", function () { show(index, true); });
      });

      // A long command line shows three lines until clicked.
      var command = document.getElementById("command");
      command.addEventListener("click", function () { command.classList.remove("clamped"); });

      // LLM calls as a conversation.
      var calls = document.getElementById("conversation-list");
      if (calls) {
        var number = 0;
        data.events.forEach(function (e, index) {
          if (e.k !== "llm") return;
          number += 1;
          var call = el("article", "call");
          call.id = "call-" + index;
          var head = el("header");
          head.appendChild(el("b", null, "#" + number + " " + e.l));
          e.f.forEach(function (f) { if (f[0] !== "model") head.appendChild(el("span", null, f[1])); });
          head.appendChild(el("span", null, "at +" + seconds(e.s) + ", " + seconds(e.d)));
          call.appendChild(head);
          messages(call, e.p || [], "user");
          messages(call, e.c || [], "assistant");
          if (!(e.p || []).length && !(e.c || []).length) {
            call.appendChild(el("div", "msg note", "(no prompt or completion recorded)"));
          }
          calls.appendChild(call);
        });
      }

      // The output log: a text filter, errors only, per stream.
      var log = data.log;
      var box = document.getElementById("log-lines");
      var filter = document.getElementById("log-filter");
      var errorsOnly = document.getElementById("log-errors");
      var status = document.getElementById("log-status");
      var names = ["stdout", "stderr", "agentops-run"];
      function render() {
        var needle = filter.value.toLowerCase();
        var errors = errorsOnly.checked;
        var fragment = document.createDocumentFragment();
        var shown = 0;
        for (var i = 0; i <= log.lines.length; i++) {
          if (i === log.gap.at && log.gap.count > 0 && !needle) {
            fragment.appendChild(el("div", "line gap", log.gap.text));
          }
          if (i === log.lines.length) break;
          var line = log.lines[i];
          if (errors && line[1] === 0) continue;
          if (needle && line[2].toLowerCase().indexOf(needle) < 0) continue;
          var row = el("div", "line s" + line[1]);
          row.appendChild(el("span", "t", "+" + seconds(line[0])));
          row.appendChild(el("span", "src", names[line[1]]));
          row.appendChild(el("span", "x", line[2]));
          fragment.appendChild(row);
          shown += 1;
        }
        box.replaceChildren(fragment);
        status.textContent = shown.toLocaleString("en-US") + " of " + log.lines.length.toLocaleString("en-US")
          + " kept lines shown";
      }
      var pending = 0;
      filter.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(render, 120); });
      errorsOnly.addEventListener("change", render);
      render();
      // #e<N> links to a timeline event: its details open on load.
      var linked = /^#e([0-9]+)$/.exec(location.hash);
      if (linked) show(Number(linked[1]), true);
      document.body.setAttribute("data-rendered", "true");
    })();
    """#
}
