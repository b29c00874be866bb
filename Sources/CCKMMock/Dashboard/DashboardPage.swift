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

    /// Where the served page carries its first state (`DashboardFirstState`).
    static let firstStateMarker = "__FIRST_STATE__"

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
          /* The board beside the feed of what happened, so that both are in view (on a narrow window the feed goes below). */
          .board { display:flex; align-items:flex-start; } .board > main { flex:1; padding-right:.5em; }
          .board > aside { width:25em; flex:none; position:sticky; top:4em; margin:1em 1.2em 1em 0; max-height:calc(100vh - 5em); display:flex; flex-direction:column; }
          .board > aside > .card { margin-bottom:.9em; min-height:0; } .board > aside > .card:first-child { flex:none; }
          .board > aside > .card:last-child { flex:1; display:flex; flex-direction:column; margin-bottom:0; }
                    @media (max-width: 70em) { .board { flex-direction:column; align-items:stretch; } .board > aside { width:auto; position:static; margin:0 1.2em; } }
          .card { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:.7em .8em; min-height:6em; }
          .card h2 { display:flex; justify-content:space-between; align-items:center; font-size:1em; margin:0 0 .5em; }
          .card h2 small { color:var(--dim); font-weight:normal; margin-left:.4em; }
          .empty { color:var(--dim); font-size:.85em; }
          .schedule { color:var(--dim); font-size:.8em; margin:-2px 0 6px; }
          .job { border-top:1px solid var(--line); padding:.45em 0; } .job:first-of-type { border-top:none; }
          .job .head { display:flex; gap:.5em; align-items:center; font-size:.9em; }
          .job code { color:var(--dim); } .job time { color:var(--dim); margin-left:auto; font-variant-numeric:tabular-nums; }
          .badge { border-radius:999px; padding:0 .55em; font-size:.8em; font-weight:600; color:#0b0f13; white-space:nowrap; }
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
          .tenant { border:1px solid var(--accent); color:var(--accent); border-radius:5px; padding:0 .4em; font-size:.75em; }
          .reason { color:var(--fail); font-size:.78em; margin-top:.25em; overflow-wrap:anywhere; }
          #feed { overflow:auto; min-height:0; } .event { display:grid; grid-template-columns:4.6em 1fr; gap:.5em; font-size:.82em;
            border-top:1px solid var(--line); padding:.2em 0; } .event time { color:var(--dim); font-variant-numeric:tabular-nums; }
          .event .ok { color:var(--ok); } .event .fail { color:var(--fail); } .event .run { color:var(--run); } .event .cancel { color:var(--cancel); }
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
        <div class="board">
          <main id="families"></main>
          <aside>
            <div class="card"><h2>Keys in CM <small>brought by syncs</small></h2><div id="keys"></div></div>
            <div class="card"><h2>What happened</h2><div id="feed"></div></div>
          </aside>
        </div>
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
        // The tenant shown: "*" for every tenant at once; ?tenant= in the URL picks one.
        let domain = new URLSearchParams(location.search).get("tenant") || localStorage.getItem("cckm-mock-domain") || "root";
        const everyTenant = () => domain === "*";
        const tokens = {};
        let clockMode = "system";
        // The event feed: what happened, newest first, and when each job began (for elapsed times).
        const FIRST_STATE = __FIRST_STATE__;
        let feed = [];
        // Events already in the feed, by key, with their time: a poll asks from the last one's time
        // on, so only those at that time come again; older keys are let go.
        const seenEvents = new Map();
        const jobStarted = {};
        // Which scheduler configuration started a job (its id, from the job lists), and the names
        // of the configurations.
        const jobSchedule = {};
        const scheduleNames = {};
        let eventsSince = null;

        // With --admin-token the control API wants it: asked for once, kept for this tab.
        let adminToken = sessionStorage.getItem("cckm-mock-admin-token");
        async function call(method, path, body, withToken) {
          const headers = {"Content-Type": "application/json"};
          if (withToken) { headers.Authorization = "Bearer " + await bearer(withToken === true ? domain : withToken); }
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
        async function bearer(tenant) {
          if (!tokens[tenant]) { tokens[tenant] = (await call("POST", "/__admin/tokens", {domain: tenant})).jwt; }
          return tokens[tenant];
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
          FAMILIES.forEach((family, index) => { byFamily[family.name] = pages[index].resources; });
          // Scheduler configurations of the tenant shown, per family, with when each runs next.
          const scheduled = {};
          for (const s of schedules) { scheduleNames[s.id] = s.name; }
          for (const s of schedules.filter((s) => everyTenant() || s.domain === domain)) { (scheduled[s.family] = scheduled[s.family] || []).push(s); }
          $("families").innerHTML = FAMILIES.map((family) => {
            const items = byFamily[family.name] || [];
            const rows = items.map(({job, domain: tenant, schedule}) => {
              jobStarted[job.id] = jobStarted[job.id] || job.createdAt;
              if (schedule) jobSchedule[job.id] = schedule;
              const targets = Object.entries(job.detailed_status || {});
              const chips = targets.map(([target, message]) =>
                `<span class="chip ${chipClass(message)}" title="${esc(target)}: ${esc(message)}">${esc(chipLabel(target))}</span>`).join("");
              // Why a target failed, on the card: no hovering needed.
              const reasons = targets.filter(([, message]) => chipClass(message) === "fail").map(([target, message]) =>
                `<div class="reason">${esc(chipLabel(target))}: ${esc(message)}</div>`).join("");
              const cancel = job.overall_status === "in_progress" && !job.abort
                ? `<button class="danger" data-cancel="${esc(family.path + "/" + job.id)}" data-tenant="${esc(tenant)}">Cancel</button>` : "";
              return `<div class="job" data-id="${esc(job.id)}" data-status="${esc(job.overall_status)}">
                <div class="head"><span class="badge ${esc(job.overall_status)}">${esc(job.overall_status.replace("_", " "))}</span>
                <code title="${esc(job.id)}">…${esc(job.id.slice(-8))}</code>${everyTenant() ? `<span class="tenant">${esc(tenant)}</span>` : ""}${job.abort ? '<span class="abort">cancel asked</span>' : ""}${cancel}
                <time>${esc(time(job.createdAt))}</time></div><div class="targets">${chips}</div>${reasons}</div>`;
            }).join("");
            const plans = (scheduled[family.name] || []).map((s) =>
              `<div class="schedule" title="${esc(s.run_at)}">scheduled: ${esc(s.name)} · ${s.next_due ? "next " + esc(s.next_due.slice(0, 10)) + " " + esc(time(s.next_due)) : "not due"}${s.last_run ? " · last run " + esc(s.last_run.status) + " " + esc(time(s.last_run.createdAt)) : ""}</div>`).join("");
            return `<div class="card" data-family="${esc(family.name)}"><h2><span>${esc(family.label)}<small>${esc(family.cloud)}</small></span>
              <button data-start="${esc(family.path)}"${everyTenant() ? ' disabled title="pick a tenant to start a job in it"' : ""}>Sync all</button></h2>${plans}${rows || '<div class="empty">no jobs yet</div>'}</div>`;
          }).join("");
        }

        function renderFaults(faults) {
          $("faults").innerHTML = faults.length ? `<table><tr><th>match</th><th>effect</th><th>hits</th><th></th></tr>${faults.map((f) =>
            `<tr><td>${esc([f.method, f.family, f.path].filter(Boolean).join(" ") || "everything")}</td>
             <td>${esc([f.status, f.latencyMs ? f.latencyMs + " ms" : "", f.drop ? "drop" : "", f.probability < 1 ? "p=" + f.probability : ""].filter(Boolean).join(", "))}</td>
             <td class="num">${f.hits}</td><td><button class="danger" data-fault="${esc(f.id)}">Remove</button></td></tr>`).join("")}</table>`
            : '<div class="empty">none: every request is answered normally</div>';
        }

        function renderKeys(keys) {
          const shown = keys.keys.map((entry) => entry.key);
          // Each cloud spells its record's name, sync time and container its own way.
          const name = (k) => k.aws_param ? (k.aws_param.Alias[0] || k.aws_param.KeyID).replace(/^alias\//, "")
            : k.key_name || k.name || k.key_id || (k.oci_params && k.oci_params.display_name) || k.id;
          const container = (k) => k.kms || k.key_vault || k.key_ring_name || (k.oci_params && k.oci_params.vault_name) || "";
          $("keys").innerHTML = shown.length ? `<table><tr><th>synced</th><th>key</th><th>cloud</th><th>region</th><th>container</th></tr>${shown.map((k) =>
            `<tr><td class="num">${esc(time(k.synced_at || k.syncedAt || k.refreshed_at))}</td><td>${esc(name(k))}
             ${k.gone ? '<span class="badge failed">gone</span>' : ""}</td><td>${esc(k.cloud_name)}</td><td>${esc(k.region)}</td>
             <td>${esc(container(k))}</td></tr>`).join("")}</table>
             <div class="empty">${keys.total} in all${everyTenant() ? "" : " in " + esc(domain)}</div>`
            : '<div class="empty">none yet: a key in the fake cloud arrives when a sync of its container completes</div>';
        }

        function renderRequests(requests) {
          $("requests").innerHTML = requests.length ? `<table><tr><th>time</th><th>request</th><th>status</th></tr>${requests.slice(-12).reverse().map((r) =>
            `<tr><td class="num">${esc(time(r.at))}</td><td>${esc(r.method)} ${esc(r.path)}</td><td class="num s${String(r.status)[0]}">${r.status}</td></tr>`).join("")}</table>`
            : '<div class="empty">no requests yet</div>';
        }

        const LABELS = Object.fromEntries(FAMILIES.map((f) => [f.name, f.label]));
        function elapsed(from, to) {
          if (!from) return "";
          const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
          return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
        }
        // One line per event: a job started (by a schedule, when one did), a target done or failed
        // with its reason and how long it took, a job ended or cancelled.
        function describe(e) {
          const after = elapsed(jobStarted[e.job], e.at);
          if (e.target === null && e.from === null) {
            jobStarted[e.job] = jobStarted[e.job] || e.at;
            const by = jobSchedule[e.job];
            return ["run", by ? `started by the schedule ${scheduleNames[by] || by}` : "started"];
          }
          if (e.target === null) {
            const cls = e.to === "completed" ? "ok" : e.to === "failed" ? "fail" : "cancel";
            return [cls, `ended ${e.to.replace("_", " ")}${after ? " after " + after : ""}`];
          }
          const cls = chipClass(e.to);
          const what = cls === "ok" ? "done" : cls === "cancel" ? "cancelled" : "failed";
          return [cls, `${chipLabel(e.target)} ${what}${after ? " in " + after : ""}${cls === "fail" ? ": " + e.to : ""}`];
        }
        function takeEvents(events) {
          for (const e of events) {
            const key = `${e.job}|${e.target}|${e.to}|${e.at}`;
            if (seenEvents.has(key)) continue;
            seenEvents.set(key, e.at);
            eventsSince = e.at;
            if (!everyTenant() && e.domain !== domain) continue;
            const [cls, text] = describe(e);
            feed.unshift({e, cls, text});
          }
          feed = feed.slice(0, 60);
          if (seenEvents.size > 2000) { for (const [key, at] of seenEvents) { if (at < eventsSince) seenEvents.delete(key); } }
        }
        function renderFeed() {
          $("feed").innerHTML = feed.length ? feed.map(({e, cls, text}) =>
            `<div class="event" data-job="${esc(e.job)}"><time>${esc(time(e.at))}</time><span><b>${esc(LABELS[e.family] || e.family)}</b>
             <code>…${esc(e.job.slice(-8))}</code>${everyTenant() ? ` <span class="tenant">${esc(e.domain)}</span>` : ""}
             <span class="${cls}">${esc(text)}</span></span></div>`).join("")
            : '<div class="empty">nothing yet: start a job, or wait for one</div>';
        }

        function render({pages, clock, faults, requests, domains, schedules, keys, events}) {
            clockMode = clock.mode;
            $("clock").textContent = `${clock.now.slice(0, 10)} ${time(clock.now)} (${clock.mode})`;
            for (const button of $("advance").querySelectorAll("[data-seconds]")) { button.disabled = clock.mode !== "manual"; }
            $("scale").value = String(clock.timeScale);
            const select = $("domain");
            if (select.options.length !== domains.domains.length + 1) {
              select.innerHTML = '<option value="*">All tenants</option>' + domains.domains.map((d) => `<option>${esc(d)}</option>`).join("");
            }
            select.value = domain;
            renderFamilies(pages, schedules.schedules);
            takeEvents(events.events);
            renderFeed();
            renderFaults(faults.faults);
            renderRequests(requests.requests);
            renderKeys(keys);
            $("status").textContent = `live · ${pages.reduce((sum, page) => sum + page.total, 0)} jobs in ${everyTenant() ? "every tenant" : domain}`;
        }

        async function refresh() {
          try {
            const tenant = everyTenant() ? "" : `domain=${encodeURIComponent(domain)}&`;
            const [pages, clock, faults, requests, domains, schedules, keys] = await Promise.all([
              Promise.all(FAMILIES.map((family) =>
                call("GET", `/__admin/jobs?${tenant}family=${encodeURIComponent(family.name)}&limit=4`))),
              call("GET", "/__admin/clock"),
              call("GET", "/__admin/faults"), call("GET", "/__admin/requests?limit=12"), call("GET", "/__admin/domains"),
              call("GET", "/__admin/schedules"), call("GET", `/__admin/keys?${tenant}limit=8`)]);
            const since = eventsSince || new Date(Date.parse(clock.now) - 15 * 60 * 1000).toISOString();
            const events = await call("GET", `/__admin/events?since=${encodeURIComponent(since)}&limit=500`);
            render({pages, clock, faults, requests, domains, schedules, keys, events});
          } catch (error) {
            $("status").textContent = "disconnected: " + error.message;
          }
        }

        document.addEventListener("click", async (event) => {
          const button = event.target.closest("button");
          if (!button) return;
          try {
            if (button.dataset.start) { await call("POST", button.dataset.start, {synchronize_all: true}, true); }
            else if (button.dataset.cancel) { await call("POST", button.dataset.cancel + "/cancel", undefined, button.dataset.tenant || true); }
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
        $("domain").addEventListener("change", (event) => {
          domain = event.target.value; localStorage.setItem("cckm-mock-domain", domain);
          feed = []; seenEvents.clear(); eventsSince = null; refresh();
        });
        $("scale").addEventListener("change", (event) => call("POST", "/__admin/clock", {timeScale: Number(event.target.value)}).then(refresh));
        // The served page carries the board for every tenant (when the control API is open): it is
        // drawn before the first poll, so the first paint is the board, not "connecting…".
        if (FIRST_STATE) {
          const shown = everyTenant() ? FIRST_STATE : {...FIRST_STATE, pages: FIRST_STATE.pages.map((page) =>
            ({...page, resources: page.resources.filter((item) => item.domain === domain),
              total: page.resources.filter((item) => item.domain === domain).length})),
            keys: {total: FIRST_STATE.keys.keys.filter((entry) => entry.domain === domain).length,
              keys: FIRST_STATE.keys.keys.filter((entry) => entry.domain === domain)}};
          render(shown);
        }
        refresh();
        setInterval(refresh, 500);
        </script>
        </body>
        </html>
        """#
}
