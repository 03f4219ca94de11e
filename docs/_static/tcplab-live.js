/* tcplab live explorers on the static course site.
 *
 * 1. Honesty: every widget output on a page is a *static snapshot* (the state stored
 *    when the notebook was executed). Its controls are disabled here and the output is
 *    labelled, so nothing pretends to respond.
 * 2. Live: an explorer cell (marked at build time by docs/_ext/tcplab_live.py with
 *    data-explorer / data-args / data-parts) offers "Run live". That loads, from this
 *    site only, Pyodide (CPython in WebAssembly, its standard library byte-compiled at
 *    build time), tcplab's wheel (put on sys.path as a zip) and — only for an explorer
 *    that draws DOT — Viz.js (Graphviz in WebAssembly), opens
 *    tcplab.explore.open_json(name, args) and draws its views. Nothing loads with the
 *    page: the files are preloaded when an explorer scrolls near, Python starts when the
 *    pointer rests on "Run live", and the bar shows progress.
 *    Every number, the DOT text and the SVG plots come from tcplab; this file only
 *    turns the view's "controls" into inputs and inserts its "parts".
 */
(function () {
  "use strict";

  const CFG = window.TCPLAB_LIVE || {};
  const ROOT = document.documentElement.dataset.content_root || "./";
  const url = (p) => new URL(ROOT + p, document.baseURI).href;
  const VIEW_SEL = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const CONTROL_SEL = "input, button, select, textarea";
  const timings = { start: null, firstResponse: null, updates: [], steps: {} };
  const mark = (name) => {
    performance.mark("tcplab-live:" + name); // visible in the browser's performance panel
    timings.steps[name] = Math.round(performance.now());
  };
  const live = { timings, sessions: [], runtime: null };
  window.tcplabLive = live;

  // The Python exception line of an error from Pyodide (its message ends with a hint).
  function pyError(e) {
    const lines = String(e.message || e).split("\n").filter(Boolean);
    return lines.filter((l) => /^\w*(Error|Exception)\b/.test(l)).pop() || lines.pop();
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // --- 1. honesty ---------------------------------------------------------------------
  function freeze(output) {
    for (const c of output.querySelectorAll(CONTROL_SEL)) {
      if (c.closest(".tcplab-live, .tcplab-live-bar")) continue;
      c.disabled = true;
      c.setAttribute("tabindex", "-1");
      c.setAttribute("aria-disabled", "true");
    }
  }

  function label(output) {
    let bar = output.querySelector(":scope > .tcplab-live-bar");
    if (!bar) {
      bar = el("div", { class: "tcplab-live-bar" });
      output.prepend(bar);
    }
    bar.classList.add("tcplab-snapshot-note");
    const name = bar.dataset.explorer;
    const msg = el("span", { class: "tcplab-live-msg" });
    msg.innerHTML =
      "<b>Static snapshot</b> — these controls do not run here. " +
      (name ? "Run this explorer live in your browser, or open" : "Open") +
      " the notebook in JupyterLab or Binder to use them.";
    bar.append(msg);
    if (name) {
      const btn = el("button", { type: "button", class: "tcplab-run-live", text: "▶ Run live" });
      btn.addEventListener("click", () => startLive(bar));
      // A click on the (disabled) snapshot is a first interaction too: go live.
      output.addEventListener("click", (ev) => {
        if (!output.classList.contains("tcplab-live-on") && !bar.contains(ev.target) && !btn.disabled)
          startLive(bar);
      });
      bar.prepend(btn);
      bar.append(el("span", { class: "tcplab-live-progress", role: "status" }));
      // Intent: the pointer on (or keyboard focus at) the button starts Python already.
      const warm = () => runtime(progressAll, needsViz(bar)).catch(() => (live.runtime = null));
      btn.addEventListener("pointerenter", warm, { once: true });
      btn.addEventListener("focus", warm, { once: true });
      // Only after the page has loaded: preloads added earlier would hold up its load event.
      if (document.readyState === "complete") nearby.observe(bar);
      else window.addEventListener("load", () => nearby.observe(bar), { once: true });
    }
    return bar;
  }

  // An explorer within a screen of the viewport: fetch the runtime's files (no CPU spent),
  // unless the reader asked the browser to save data.
  const nearby = new IntersectionObserver(
    (entries) => {
      if (navigator.connection && navigator.connection.saveData) return;
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        preload(needsViz(e.target));
        nearby.unobserve(e.target);
      }
    },
    { rootMargin: "100% 0px" },
  );

  function progressAll(text) {
    for (const p of document.querySelectorAll(".tcplab-live-progress")) p.textContent = text;
  }

  function markSnapshots() {
    for (const script of document.querySelectorAll(VIEW_SEL)) {
      const output = script.closest(".cell_output") || script.parentElement;
      if (output.classList.contains("tcplab-static")) continue;
      output.classList.add("tcplab-static");
      label(output);
      freeze(output);
      // embed-amd.js renders the widgets after load: freeze whatever it adds.
      new MutationObserver(() => freeze(output)).observe(output, {
        childList: true,
        subtree: true,
      });
    }
  }

  // --- 2. the runtime -----------------------------------------------------------------
  function classicScript(src) {
    // The page has require.js (for the widget snapshots): a UMD bundle would register
    // itself as an AMD module instead of setting its global, so hide `define` meanwhile.
    return new Promise((resolve, reject) => {
      const saved = window.define;
      window.define = undefined;
      const s = el("script", { src });
      s.onload = () => {
        window.define = saved;
        resolve();
      };
      s.onerror = () => {
        window.define = saved;
        reject(new Error("could not load " + src));
      };
      document.head.append(s);
    });
  }

  // The files the runtime needs, fetched at once when a reader shows intent (an explorer
  // scrolls near, the pointer rests on one): <link rel=preload> fills the HTTP cache, so
  // Pyodide's own requests for them find them there and nothing is downloaded twice.
  const RUNTIME_FILES = () => [
    [CFG.pyodide + "pyodide.asm.wasm", "fetch"],
    [CFG.pyodide + "python_stdlib.zip", "fetch"],
    [CFG.pyodide + "pyodide-lock.json", "fetch"],
    [CFG.pyodide + "pyodide.js", "script"],
    [CFG.pyodide + "pyodide.asm.mjs", "modulepreload"],
    [CFG.wheel, "fetch"],
  ];
  let preloaded = false;
  function preload(withViz) {
    const files = preloaded ? [] : RUNTIME_FILES();
    if (withViz && !live.vizPreloaded) files.push([CFG.viz, "script"]);
    live.vizPreloaded = live.vizPreloaded || withViz;
    preloaded = true;
    for (const [path, as] of files) {
      const link = el("link", { href: url(path) });
      if (as === "modulepreload") link.rel = "modulepreload";
      else {
        link.rel = "preload";
        link.as = as;
      }
      if (as === "fetch") link.crossOrigin = "anonymous"; // matches fetch()'s request mode
      document.head.append(link);
    }
  }

  const needsViz = (bar) => (bar.dataset.parts || "dot").split(" ").includes("dot");

  // Graphviz (Viz.js, ~1.3 MB) only for explorers that draw DOT: started in parallel with
  // Python when the page has one, else only if a view ever asks for it.
  function vizInstance() {
    if (!live.viz) {
      live.viz = classicScript(url(CFG.viz))
        .then(() => window.Viz.instance())
        .then((v) => (mark("viz"), (live.vizValue = v)));
    }
    return live.viz;
  }

  async function loadRuntime(progress, withViz) {
    timings.start = timings.start ?? performance.now();
    mark("start");
    preload(withViz);
    progress("loading Python (Pyodide)" + (withViz ? " and Graphviz" : "") + " from this site…");
    if (withViz) vizInstance();
    // Fetch the wheel while Python boots.
    const wheel = fetch(url(CFG.wheel)).then((r) => {
      if (!r.ok) throw new Error("could not fetch " + CFG.wheel + ": " + r.status);
      return r.arrayBuffer();
    });
    await classicScript(url(CFG.pyodide + "pyodide.js"));
    mark("pyodide.js");
    const pyodide = await window.loadPyodide({ indexURL: url(CFG.pyodide), packages: [] });
    mark("pyodide");
    progress("installing tcplab…");
    // A pure wheel is an importable zip: put it on sys.path as it is (nothing unpacked).
    pyodide.FS.writeFile(CFG.wheelPath, new Uint8Array(await wheel));
    pyodide.pyimport("sys").path.insert(0, CFG.wheelPath);
    mark("installed");
    const explore = pyodide.pyimport("tcplab.explore");
    mark("tcplab");
    return { pyodide, explore };
  }

  function runtime(progress, withViz) {
    if (!live.runtime) live.runtime = loadRuntime(progress, withViz);
    else if (withViz) vizInstance(); // started without Graphviz by an explorer that needs none
    return live.runtime;
  }

  // --- drawing --------------------------------------------------------------------------
  const layouts = new Map(); // DOT text -> laid-out SVG (Graphviz runs once per arc set)

  function dotSvg(viz, dot, style) {
    let svg = layouts.get(dot);
    if (!svg) {
      svg = viz.renderString(dot, { format: "svg" });
      svg = svg.slice(svg.indexOf("<svg"));
      svg = svg.replace(/<svg width="[^"]+" height="[^"]+"/, '<svg style="max-width:100%;height:auto"');
      layouts.set(dot, svg);
    }
    if (!style) return svg;
    const head = svg.indexOf(">") + 1; // right after the opening <svg ...>
    return svg.slice(0, head) + style + svg.slice(head);
  }

  function controlRow(c, send) {
    const row = el("div", { class: "tcplab-control tcplab-control-" + c.kind });
    if (c.label) row.append(el("span", { class: "tcplab-control-label", text: c.label }));
    if (c.kind === "buttons") {
      for (const it of c.items) {
        const b = el("button", { type: "button", text: it.label, title: it.title || "" });
        b.dataset.value = JSON.stringify(it.value);
        if (it.primary) b.classList.add("tcplab-primary");
        b.addEventListener("click", () => send(c.name, it.value));
        row.append(b);
      }
    } else if (c.kind === "select" || c.kind === "multiselect") {
      const s = el("select", { name: c.name });
      if (c.kind === "multiselect") {
        s.multiple = true;
        s.size = Math.min(c.options.length, 9);
      }
      const chosen = c.kind === "multiselect" ? c.value.map(String) : [String(c.value)];
      c.options.forEach(([lab, v], i) => {
        const o = el("option", { value: String(i), text: lab });
        o.selected = chosen.includes(String(v));
        s.append(o);
      });
      s.addEventListener("change", () => {
        const picked = [...s.selectedOptions].map((o) => c.options[+o.value][1]);
        send(c.name, c.kind === "multiselect" ? picked : picked[0]);
      });
      row.append(s);
    } else if (c.kind === "checkbox") {
      const box = el("input", { type: "checkbox", name: c.name });
      box.checked = c.value;
      box.addEventListener("change", () => send(c.name, box.checked));
      row.append(box);
    } else if (c.kind === "slider") {
      const r = el("input", { type: "range", name: c.name, min: c.min, max: c.max, step: c.step });
      r.value = c.value;
      const out = el("output", { text: c.value + (c.unit ? " " + c.unit : "") });
      r.addEventListener("input", () => (out.textContent = r.value + (c.unit ? " " + c.unit : "")));
      r.addEventListener("change", () => send(c.name, Number(r.value)));
      row.append(r, out);
    }
    for (const input of row.querySelectorAll("input, select")) input.setAttribute("aria-label", c.label || c.name);
    return row;
  }

  // Draw a view; a DOT part waits for Graphviz only if it is not loaded yet.
  function show(box, view, send) {
    if (live.vizValue || !view.parts.some((p) => p.kind === "dot")) return draw(box, live.vizValue, view, send);
    return vizInstance().then((viz) => draw(box, viz, view, send));
  }

  function draw(box, viz, view, send) {
    const controls = JSON.stringify(view.controls);
    if (box.dataset.controls !== controls) {
      box.dataset.controls = controls;
      const panel = box.querySelector(".tcplab-live-controls");
      panel.replaceChildren(...view.controls.map((c) => controlRow(c, send)));
    }
    const parts = box.querySelector(".tcplab-live-parts");
    const html = view.parts.map((p) => {
      if (p.kind === "dot") return dotSvg(viz, p.dot, p.style);
      return p.kind === "svg" ? p.svg : p.html;
    });
    while (parts.children.length < html.length) parts.append(el("div", { class: "tcplab-live-part tcplab-view" }));
    html.forEach((h, i) => {
      // "area": "side" parts go in a column beside the others (tcplab.explore's view).
      parts.children[i].classList.toggle("tcplab-side", view.parts[i].area === "side");
      if (parts.children[i].innerHTML !== h) parts.children[i].innerHTML = h;
    });
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
    box.dataset.pending = String(view.pending || 0); // runs still being made (flood)
  }

  // A session that can work ahead (the flood explorer: one simulation per step) paints a
  // click at once with what it has, and finishes in idle time: the missing runs of the
  // view first (redrawn as they come), then, ahead of the reader, the other choices.
  const RUNS_PER_VIEW = 1;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 1));
  function workAhead(box, session, send) {
    if (typeof session.step !== "function" || box.dataset.working) return;
    box.dataset.working = "1";
    const tick = () => {
      try {
        const lacking = session.pending();
        if (!session.step()) return delete box.dataset.working;
        if (lacking) {
          session.runs_per_view = 0; // this redraw only shows the runs made so far
          const view = session.view_json();
          session.runs_per_view = RUNS_PER_VIEW;
          show(box, JSON.parse(view), send);
        }
      } catch (e) {
        box.querySelector(".tcplab-live-error").textContent = pyError(e);
        return delete box.dataset.working;
      }
      idle(tick, { timeout: 100 });
    };
    idle(tick, { timeout: 100 });
  }

  async function startLive(bar) {
    const output = bar.parentElement;
    const btn = bar.querySelector(".tcplab-run-live");
    const progress = progressAll;
    btn.disabled = true;
    bar.classList.add("tcplab-loading");
    let rt;
    try {
      rt = await runtime(progress, needsViz(bar));
    } catch (err) {
      bar.classList.remove("tcplab-loading");
      btn.disabled = false;
      progress(
        location.protocol === "file:"
          ? "This browser does not let a page opened from a file start the live runtime: " +
              "serve the site folder (python3 -m http.server) and open it from there."
          : "could not start: " + err.message,
      );
      live.runtime = null;
      return;
    }
    let session;
    const box = el(
      "div",
      { class: "tcplab-live", "data-explorer": bar.dataset.explorer },
      el("div", { class: "tcplab-live-controls" }),
      el("div", { class: "tcplab-live-parts" }),
      el("div", { class: "tcplab-live-error", role: "alert" }),
    );
    const send = (name, value) => {
      const t0 = performance.now();
      const err = box.querySelector(".tcplab-live-error");
      try {
        show(box, JSON.parse(session.update_json(name, JSON.stringify(value))), send);
        err.textContent = "";
        workAhead(box, session, send);
      } catch (e) {
        err.textContent = pyError(e);
      }
      // The browser paints after this task; the bench reads paint-inclusive times itself.
      timings.updates.push(performance.now() - t0);
    };
    try {
      const args = JSON.parse(bar.dataset.args || "{}");
      session = rt.explore.open_json(bar.dataset.explorer, JSON.stringify(args));
      if (typeof session.step === "function") session.runs_per_view = RUNS_PER_VIEW;
      bar.after(box);
      progress("computing…");
      const first = JSON.parse(session.view_json());
      mark("view");
      if (!live.vizValue && first.parts.some((p) => p.kind === "dot")) progress("laying out…");
      await show(box, first, send);
      mark("drawn");
      workAhead(box, session, send);
    } catch (e) {
      box.remove();
      progress("the explorer failed: " + pyError(e));
      console.error(e);
      return;
    }
    live.sessions.push(session);
    timings.firstResponse = timings.firstResponse ?? performance.now();
    output.classList.add("tcplab-live-on");
    bar.classList.remove("tcplab-loading", "tcplab-snapshot-note");
    btn.remove();
    bar.querySelector(".tcplab-live-msg").innerHTML =
      "<b>Live</b> — running tcplab's own model in your browser (Pyodide); nothing is sent anywhere." +
      (JSON.parse(bar.dataset.args || "{}")._unparsed
        ? " It starts from the explorer's defaults: the notebook's arguments are not plain values."
        : "");
    bar.querySelector(".tcplab-live-progress").textContent = "";
  }

  // "#live" (or ?live) in the address starts every explorer on the page at once.
  const LIVE_NOW = /(^|[?&#])live\b/.test(location.search + location.hash);

  function init() {
    markSnapshots();
    if (LIVE_NOW) {
      for (const bar of document.querySelectorAll(".tcplab-live-bar[data-explorer]")) startLive(bar);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
