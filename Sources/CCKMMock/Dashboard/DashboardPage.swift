import CCKMCore
import CCKMEngine
import CCKMStore
import Foundation

/// The live dashboard at `/__admin/ui`: one self-contained page (no external assets, so it works
/// offline) that polls the control API and calls the real CCKM API for starts and cancels.
enum DashboardPage {
    static let families: String = {
        let items = JobFamily.all.map { family in
            JSONValue.object([
                ("name", .string(family.name)), ("label", .string(family.label)),
                ("path", .string("/api/v1/cckm/" + family.basePath)), ("cloud", .string(family.cloud)),
            ]).jsonText
        }
        return "[" + items.joined(separator: ",") + "]"
    }()

    static let html = template.replacingOccurrences(of: "__FAMILIES__", with: families)

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>cckm-mock dashboard</title>
        <style>
          :root { --bg:#0f1419; --panel:#1a2129; --line:#2c3640; --text:#e8edf2; --dim:#93a1ad; --ok:#3fb950; --fail:#f85149;
                  --run:#e3b341; --cancel:#8b949e; --accent:#58a6ff; }
          * { box-sizing: border-box; }
          body { margin:0; background:var(--bg); color:var(--text); font:clamp(14px, 1.05vw, 19px)/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
          header { position:sticky; top:0; z-index:2; display:flex; flex-wrap:wrap; gap:.6em 1.2em; align-items:center; padding:.7em 1.2em;
                   background:#0b0f13; border-bottom:1px solid var(--line); }
          h1 { font-size:1.25em; margin:0; letter-spacing:.02em; } h1 span { color:var(--accent); }
          .group { display:flex; gap:.4em; align-items:center; } .label { color:var(--dim); font-size:.85em; }
          #clock { font-variant-numeric:tabular-nums; }
          button, select, input { font:inherit; color:var(--text); background:#243040; border:1px solid var(--line); border-radius:6px; padding:.2em .6em; }
          button { cursor:pointer; } button:hover:enabled { border-color:var(--accent); } button:disabled { opacity:.4; cursor:default; }
          button.danger { background:#3a1d1f; } #status { color:var(--dim); font-size:.85em; margin-left:auto; }
          main { display:grid; grid-template-columns:repeat(auto-fill, minmax(22em, 1fr)); gap:.9em; padding:1em 1.2em; }
          .card { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:.7em .8em; min-height:6em; }
          .card h2 { display:flex; justify-content:space-between; align-items:center; font-size:1em; margin:0 0 .5em; }
          .card h2 small { color:var(--dim); font-weight:normal; margin-left:.4em; }
          .empty { color:var(--dim); font-size:.85em; }
          .schedule { color:var(--dim); font-size:.8em; margin:-2px 0 6px; }
          .job { border-top:1px solid var(--line); padding:.45em 0; } .job:first-of-type { border-top:none; }
          .job .head { display:flex; gap:.5em; align-items:center; font-size:.9em; }
          .job code { color:var(--dim); } .job time { color:var(--dim); margin-left:auto; font-variant-numeric:tabular-nums; }
          .badge { border-radius:999px; padding:0 .55em; font-size:.8em; font-weight:600; color:#0b0f13; }
          .in_progress { background:var(--run); } .completed { background:var(--ok); } .failed { background:var(--fail); }
          .abort { color:var(--cancel); font-size:.8em; }
          .targets { display:flex; flex-wrap:wrap; gap:.3em; margin-top:.35em; }
          .chip { border-radius:5px; padding:.05em .45em; font-size:.78em; border:1px solid var(--line); max-width:100%; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
          .chip.run { border-color:var(--run); color:var(--run); } .chip.ok { border-color:var(--ok); color:var(--ok); }
          .chip.fail { border-color:var(--fail); color:var(--fail); } .chip.cancel { border-color:var(--cancel); color:var(--cancel); }
          section.wide { grid-column:1 / -1; display:grid; grid-template-columns:repeat(auto-fit, minmax(26em, 1fr)); gap:.9em; }
          table { width:100%; border-collapse:collapse; font-size:.85em; } td, th { text-align:left; padding:.2em .4em; border-top:1px solid var(--line); }
          th { color:var(--dim); font-weight:normal; } td.num { font-variant-numeric:tabular-nums; }
          .s2 { color:var(--ok); } .s4, .s5, .s0 { color:var(--fail); }
          form { display:flex; flex-wrap:wrap; gap:.4em; margin-top:.5em; } form input { width:6em; }
        </style>
        </head>
        <body>
        <header>
          <h1><span>cckm</span>-mock</h1>
          <div class="group"><span class="label">Tenant</span><select id="domain" aria-label="Tenant"></select></div>
          <div class="group"><span class="label">Clock</span><span id="clock">…</span></div>
          <div class="group" id="advance">
            <button data-seconds="1">+1 s</button><button data-seconds="10">+10 s</button><button data-seconds="60">+1 min</button>
            <button id="settle">Settle all</button>
          </div>
          <div class="group"><span class="label">Speed</span>
            <select id="scale" aria-label="Time scale"><option>1</option><option>2</option><option>5</option><option>10</option><option>60</option></select>
          </div>
          <span id="status">connecting…</span>
        </header>
        <main id="families"></main>
        <main><section class="wide">
          <div class="card"><h2>Fault rules</h2><div id="faults"></div>
            <form id="fault-form"><select id="fault-family"></select><input id="fault-status" value="503" aria-label="Status">
              <button>Add fault</button></form></div>
          <div class="card"><h2>Recent requests</h2><div id="requests"></div></div>
        </section></main>
        <script>
        "use strict";
        const FAMILIES = __FAMILIES__;
        const $ = (id) => document.getElementById(id);
        const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
        let domain = localStorage.getItem("cckm-mock-domain") || "root";
        let token = null;
        let clockMode = "system";

        // With --admin-token the control API wants it: asked for once, kept for this tab.
        let adminToken = sessionStorage.getItem("cckm-mock-admin-token");
        async function call(method, path, body, withToken) {
          const headers = {"Content-Type": "application/json"};
          if (withToken) { headers.Authorization = "Bearer " + await bearer(); }
          else if (adminToken && path.startsWith("/__admin")) { headers.Authorization = "Bearer " + adminToken; }
          const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
          if (response.status === 401 && !withToken && path.startsWith("/__admin")) {
            const entered = window.prompt("This mock needs its admin token (--admin-token):");
            if (entered) { adminToken = entered; sessionStorage.setItem("cckm-mock-admin-token", entered); return call(method, path, body, withToken); }
          }
          const text = await response.text();
          const data = text ? JSON.parse(text) : null;
          if (!response.ok) { throw new Error((data && data.message) || response.status); }
          return data;
        }
        async function bearer() {
          if (!token) { token = (await call("POST", "/__admin/tokens", {domain})).jwt; }
          return token;
        }
        const time = (iso) => iso ? iso.slice(11, 19) : "";
        // AWS keys read "…9012/eu-west-1" (account and region); Azure's drop location and id suffix.
        function chipLabel(target) {
          const aws = /^(\d{12})\/(.+)$/.exec(target);
          if (aws) return "…" + aws[1].slice(-4) + "/" + aws[2];
          return target.split("/").pop().split("::")[0];
        }
        function chipClass(message) {
          if (message === "in_progress" || message === "in progress") return "run";
          if (/cancelled/.test(message)) return "cancel";
          if (/successfully/.test(message)) return "ok";
          return "fail";
        }

        function renderFamilies(pages, schedules) {
          // One page per family: a family with hundreds of recent jobs cannot push the others' out.
          const byFamily = {};
          FAMILIES.forEach((family, index) => { byFamily[family.name] = pages[index].resources.map((item) => item.job); });
          // Scheduler configurations of this domain, per family, with when each runs next.
          const scheduled = {};
          for (const s of schedules.filter((s) => s.domain === domain)) { (scheduled[s.family] = scheduled[s.family] || []).push(s); }
          $("families").innerHTML = FAMILIES.map((family) => {
            const jobs = byFamily[family.name] || [];
            const rows = jobs.map((job) => {
              const chips = Object.entries(job.detailed_status || {}).map(([target, message]) =>
                `<span class="chip ${chipClass(message)}" title="${esc(target)}: ${esc(message)}">${esc(chipLabel(target))}</span>`).join("");
              const cancel = job.overall_status === "in_progress" && !job.abort
                ? `<button class="danger" data-cancel="${esc(family.path + "/" + job.id)}">Cancel</button>` : "";
              return `<div class="job" data-id="${esc(job.id)}" data-status="${esc(job.overall_status)}">
                <div class="head"><span class="badge ${esc(job.overall_status)}">${esc(job.overall_status.replace("_", " "))}</span>
                <code title="${esc(job.id)}">…${esc(job.id.slice(-8))}</code>${job.abort ? '<span class="abort">cancel asked</span>' : ""}${cancel}
                <time>${esc(time(job.createdAt))}</time></div><div class="targets">${chips}</div></div>`;
            }).join("");
            const plans = (scheduled[family.name] || []).map((s) =>
              `<div class="schedule" title="${esc(s.run_at)}">scheduled: ${esc(s.name)} · ${s.next_due ? "next " + esc(s.next_due.slice(0, 10)) + " " + esc(time(s.next_due)) : "not due"}${s.last_run ? " · last run " + esc(s.last_run.status) + " " + esc(time(s.last_run.createdAt)) : ""}</div>`).join("");
            return `<div class="card" data-family="${esc(family.name)}"><h2><span>${esc(family.label)}<small>${esc(family.cloud)}</small></span>
              <button data-start="${esc(family.path)}">Sync all</button></h2>${plans}${rows || '<div class="empty">no jobs yet</div>'}</div>`;
          }).join("");
        }

        function renderFaults(faults) {
          $("faults").innerHTML = faults.length ? `<table><tr><th>match</th><th>effect</th><th>hits</th><th></th></tr>${faults.map((f) =>
            `<tr><td>${esc([f.method, f.family, f.path].filter(Boolean).join(" ") || "everything")}</td>
             <td>${esc([f.status, f.latencyMs ? f.latencyMs + " ms" : "", f.drop ? "drop" : "", f.probability < 1 ? "p=" + f.probability : ""].filter(Boolean).join(", "))}</td>
             <td class="num">${f.hits}</td><td><button class="danger" data-fault="${esc(f.id)}">Remove</button></td></tr>`).join("")}</table>`
            : '<div class="empty">none: every request is answered normally</div>';
        }

        function renderRequests(requests) {
          $("requests").innerHTML = requests.length ? `<table><tr><th>time</th><th>request</th><th>status</th></tr>${requests.slice(-12).reverse().map((r) =>
            `<tr><td class="num">${esc(time(r.at))}</td><td>${esc(r.method)} ${esc(r.path)}</td><td class="num s${String(r.status)[0]}">${r.status}</td></tr>`).join("")}</table>`
            : '<div class="empty">no requests yet</div>';
        }

        async function refresh() {
          try {
            const [pages, clock, faults, requests, domains, schedules] = await Promise.all([
              Promise.all(FAMILIES.map((family) =>
                call("GET", `/__admin/jobs?domain=${encodeURIComponent(domain)}&family=${encodeURIComponent(family.name)}&limit=4`))),
              call("GET", "/__admin/clock"),
              call("GET", "/__admin/faults"), call("GET", "/__admin/requests?limit=12"), call("GET", "/__admin/domains"),
              call("GET", "/__admin/schedules")]);
            clockMode = clock.mode;
            $("clock").textContent = `${clock.now.slice(0, 10)} ${time(clock.now)} (${clock.mode})`;
            for (const button of $("advance").querySelectorAll("[data-seconds]")) { button.disabled = clock.mode !== "manual"; }
            $("scale").value = String(clock.timeScale);
            const select = $("domain");
            if (select.options.length !== domains.domains.length) {
              select.innerHTML = domains.domains.map((d) => `<option>${esc(d)}</option>`).join("");
            }
            select.value = domain;
            renderFamilies(pages, schedules.schedules);
            renderFaults(faults.faults);
            renderRequests(requests.requests);
            $("status").textContent = `live · ${pages.reduce((sum, page) => sum + page.total, 0)} jobs in ${domain}`;
          } catch (error) {
            $("status").textContent = "disconnected: " + error.message;
          }
        }

        document.addEventListener("click", async (event) => {
          const button = event.target.closest("button");
          if (!button) return;
          try {
            if (button.dataset.start) { await call("POST", button.dataset.start, {synchronize_all: true}, true); }
            else if (button.dataset.cancel) { await call("POST", button.dataset.cancel + "/cancel", undefined, true); }
            else if (button.dataset.seconds) { await call("POST", "/__admin/clock/advance", {seconds: Number(button.dataset.seconds)}); }
            else if (button.id === "settle") { await call("POST", "/__admin/jobs/settle"); }
            else if (button.dataset.fault) { await call("DELETE", "/__admin/faults/" + button.dataset.fault); }
            else { return; }
            refresh();
          } catch (error) { $("status").textContent = error.message; }
        });
        $("fault-form").addEventListener("submit", async (event) => {
          event.preventDefault();
          await call("POST", "/__admin/faults", {family: $("fault-family").value, status: Number($("fault-status").value)}).catch((e) => $("status").textContent = e.message);
          refresh();
        });
        $("fault-family").innerHTML = FAMILIES.map((f) => `<option value="${esc(f.name)}">${esc(f.label)}</option>`).join("");
        $("domain").addEventListener("change", (event) => { domain = event.target.value; token = null; localStorage.setItem("cckm-mock-domain", domain); refresh(); });
        $("scale").addEventListener("change", (event) => call("POST", "/__admin/clock", {timeScale: Number(event.target.value)}).then(refresh));
        refresh();
        setInterval(refresh, 500);
        </script>
        </body>
        </html>
        """#
}
