// The duty desk (弹屏) on every console page of staff who handle cases: a new case pops up the
// moment it is reported (a `case.created` push on the page's one socket, see console.js), the
// header badge counts the cases waiting in the pool, a short tone plays once the clerk has
// turned sound on (browsers allow audio only after a user gesture), and after a dropped
// connection the cases reported meanwhile are fetched and shown as missed. A housing bureau's
// urge (催办) pops up the same way.
(() => {
  const root = document.getElementById("desk");
  if (!root) return;
  const t = root.dataset;
  const badge = root.querySelector("b");
  const toggle = document.getElementById("desk-sound");
  const box = document.createElement("div");
  box.className = "desk-pop";
  box.id = "desk-pop";
  box.setAttribute("aria-live", "assertive");
  document.body.appendChild(box);

  const store = window.sessionStorage;
  let last = Number(store.getItem("desk.last") || 0);
  const shown = new Set(JSON.parse(store.getItem("desk.shown") || "[]"));
  const MAX_CARDS = 5;

  function remember(id) {
    shown.add(id);
    store.setItem("desk.shown", JSON.stringify([...shown].slice(-200)));
  }
  function advance(id) {
    if (id && id > last) {
      last = id;
      store.setItem("desk.last", String(last));
    }
  }
  function setBadge(n) {
    badge.textContent = String(n);
    badge.dataset.n = String(n);
  }

  // --- sound: two short tones through Web Audio, no audio file --------------------------
  let ctx = null;
  let soundOn = window.localStorage.getItem("desk.sound") === "1";
  function audio() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    if (!ctx) ctx = new AC();
    if (ctx.state === "suspended") ctx.resume();
    return ctx;
  }
  function beep(urgent) {
    if (!soundOn) return;
    const c = audio();
    if (!c) return;
    const tones = urgent ? [988, 740, 988] : [880, 660];
    tones.forEach((freq, i) => {
      const osc = c.createOscillator();
      const gain = c.createGain();
      const start = c.currentTime + i * 0.18;
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      osc.connect(gain).connect(c.destination);
      osc.start(start);
      osc.stop(start + 0.17);
    });
    root.dataset.beeps = String(Number(root.dataset.beeps || 0) + 1);
  }
  function renderToggle() {
    toggle.setAttribute("aria-pressed", soundOn ? "true" : "false");
    toggle.textContent = soundOn ? t.soundOn : t.soundOff;
  }
  if (toggle) {
    renderToggle();
    toggle.addEventListener("click", () => {
      soundOn = !soundOn;
      window.localStorage.setItem("desk.sound", soundOn ? "1" : "0");
      renderToggle();
      if (soundOn) beep(false); // the click is the gesture that unlocks audio
    });
    // Sound was on on an earlier page: the first click or key here unlocks it again.
    const unlock = () => { if (soundOn) audio(); };
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
  }

  // --- pop-up cards ------------------------------------------------------------------------
  // A new case, or a housing bureau's urge (催办) on one: keyed apart, shown once each.
  function key(c) {
    return c.urge_id ? `u${c.urge_id}` : c.id;
  }
  function card(c, missed) {
    if (shown.has(key(c))) return;
    remember(key(c));
    const el = document.createElement("a");
    el.className = "desk-card" + (c.urgency === "urgent" || c.urge_id ? " urgent" : "");
    el.href = c.url || t.caseUrl.replace("/0/", `/${c.id}/`);
    el.dataset.case = String(c.id);
    if (c.urge_id) el.dataset.urge = String(c.urge_id);
    const head = document.createElement("div");
    head.className = "t";
    head.textContent = c.urge_id
      ? `${t.urged} · ${c.number}`
      : `${c.kind_label}${c.urgency === "urgent" ? " · " + c.urgency_label : ""} · ${c.case_type}`;
    const when = document.createElement("small");
    when.textContent = new Date(c.at || c.submitted_at).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
    head.appendChild(when);
    const body = document.createElement("div");
    body.className = "m";
    body.textContent = c.urge_id ? c.note : `${c.community} ${c.place || ""}`;
    const num = document.createElement("div");
    num.className = "hint";
    num.textContent = c.number;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", t.close);
    close.addEventListener("click", (e) => { e.preventDefault(); el.remove(); });
    el.append(close, head, body, num);
    if (missed) {
      const note = document.createElement("div");
      note.className = "missed";
      note.textContent = t.missed;
      el.appendChild(note);
    }
    box.prepend(el);
    while (box.children.length > MAX_CARDS) box.lastElementChild.remove();
  }

  // --- the server's view: pool count, and what was missed ------------------------------------
  let syncing = null;
  // Always from the cursor once there is one (the newest event id this page has seen), so a
  // refresh can never jump past a case it has not shown; without one, it only sets it.
  async function sync() {
    const query = last ? `?after=${last}` : "";
    const r = await fetch(t.url + query, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) return;
    const d = await r.json();
    setBadge(d.pool);
    const fresh = d.cases.filter((c) => !shown.has(key(c)));
    fresh.forEach((c) => card(c, true));
    if (fresh.length) {
      beep(fresh.some((c) => c.urgency === "urgent" || c.urge_id));
      refreshList();
    }
    advance(d.last_event_id);
    if (d.more) await sync();
  }
  // The case list on screen follows too (filters and page kept).
  function refreshList() {
    if (location.pathname === t.listUrl && window.htmx && document.getElementById("list-region")) {
      window.htmx.ajax("GET", location.pathname + location.search, { target: "#list-region", swap: "innerHTML" });
    }
  }
  function later() {
    clearTimeout(syncing);
    syncing = setTimeout(() => {
      sync().catch(() => {});
      refreshList();
    }, 500);
  }

  window.addEventListener("live:event", (e) => {
    const p = e.detail || {};
    if (p.type === "case.created") {
      card(p, false);
      beep(p.urgency === "urgent");
      setBadge(Number(badge.dataset.n || 0) + 1);
      later();
    } else if (p.type === "case.urged") {
      card(p, false);
      beep(true);
    } else if (p.type === "case.updated") {
      advance(p.event_id);
      later();
    }
  });
  window.addEventListener("live:open", (e) => {
    if (e.detail && e.detail.reconnect) sync().catch(() => {});
  });
  sync().catch(() => {});
})();
