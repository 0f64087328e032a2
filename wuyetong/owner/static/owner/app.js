// 物业通 业主端: registration steps, house cascade, SMS countdown, live notices, service worker.
// Everything here is an enhancement: the forms post and work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // User-facing texts come translated from <template id="owner-msgs"> in owner/base.html.
  const msgs = document.getElementById("owner-msgs");
  function msg(key) {
    const el = msgs && msgs.content.querySelector(`[data-k="${key}"]`);
    return el ? el.textContent : key;
  }

  function csrf(form) {
    const el = form.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function post(url, form, extra) {
    const body = new FormData(form);
    Object.entries(extra || {}).forEach(([k, v]) => body.set(k, v));
    return fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrf(form) }, credentials: "same-origin" })
      .then((r) => r.json().catch(() => ({ ok: false, message: msg("network"), errors: {} })))
      .catch(() => ({ ok: false, message: msg("network"), errors: {} }));
  }

  function clearErrors(scope) {
    scope.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
    scope.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
  }

  // Show {field: [messages]} under the fields; returns false when nothing could be placed.
  function showErrors(form, errors, message) {
    let placed = false;
    Object.entries(errors || {}).forEach(([field, msgs]) => {
      const slot = form.querySelector(`[data-error-for="${field}"]`);
      if (slot) {
        slot.textContent = msgs.join("；");
        const box = slot.closest(".f");
        if (box) box.classList.add("invalid");
        placed = true;
      }
    });
    const general = form.querySelector("[data-error-for=__all__]");
    if (general && !placed) general.textContent = message || msg("invalid");
    return placed;
  }

  // --- Cascading community → building → unit → room selects -------------------------------
  function cascade(root) {
    const order = ["community", "building", "unit", "house"];
    const url = root.dataset.pickerUrl;
    const selects = order.map((n) => root.querySelector(`select[name=${n}]`));
    selects.forEach((sel, i) => {
      if (!sel || i === order.length - 1) return;
      sel.addEventListener("change", () => {
        for (let j = i + 1; j < selects.length; j++) {
          selects[j].innerHTML = `<option value="">${selects[j].dataset.placeholder}</option>`;
          selects[j].disabled = true;
        }
        if (!sel.value) return;
        const next = selects[i + 1];
        next.innerHTML = `<option value="">${msg("loading")}</option>`;
        fetch(`${url}?${order[i]}=${encodeURIComponent(sel.value)}`, { credentials: "same-origin" })
          .then((r) => r.json())
          .then((data) => {
            next.innerHTML = `<option value="">${next.dataset.placeholder}</option>` +
              data.options.map((o) => `<option value="${o.id}">${o.name.replace(/</g, "&lt;")}</option>`).join("");
            next.disabled = data.options.length === 0;
            if (data.options.length === 0) next.innerHTML = `<option value="">${msg("empty")}</option>`;
          })
          .catch(() => { next.innerHTML = `<option value="">${msg("failed")}</option>`; });
      });
    });
  }
  document.querySelectorAll("[data-picker-url]").forEach(cascade);

  // --- SMS code button with a countdown ------------------------------------------------------
  function smsButton(btn) {
    const form = btn.form;
    const seconds = parseInt(btn.dataset.seconds || "60", 10);
    const label = btn.textContent;
    function countdown(left) {
      btn.disabled = true;
      btn.textContent = msg("resend").replace("{s}", left);
      const t = setInterval(() => {
        left -= 1;
        if (left <= 0) { clearInterval(t); btn.disabled = false; btn.textContent = label; }
        else btn.textContent = msg("resend").replace("{s}", left);
      }, 1000);
    }
    btn.addEventListener("click", (e) => {
      e.preventDefault();
      clearErrors(form);
      const note0 = form.querySelector("[data-sms-note]");
      if (note0) note0.textContent = "";
      btn.disabled = true;
      post(btn.dataset.url, form, { purpose: btn.dataset.purpose || "register" }).then((res) => {
        const note = form.querySelector("[data-sms-note]");
        if (res.ok) {
          if (note) note.textContent = msg("sent");
          countdown(res.resend_after || seconds);
        } else {
          btn.disabled = false;
          // A phone error goes under the phone field when it is on screen (login, reset),
          // else under the code (the registration's phone sits on the previous step).
          const phoneSlot = form.querySelector("[data-error-for=phone]");
          const phoneShown = phoneSlot && phoneSlot.offsetParent !== null;
          const errs = res.errors && res.errors.phone && !phoneShown ? { sms_code: res.errors.phone } : res.errors;
          const placed = showErrors(form, errs, res.message);
          if (note) note.textContent = placed ? "" : res.message;
        }
      });
    });
  }
  document.querySelectorAll("[data-sms-button]").forEach(smsButton);

  // --- Registration wizard -------------------------------------------------------------------
  const wizard = document.querySelector("[data-wizard]");
  if (wizard) {
    const steps = Array.from(wizard.querySelectorAll("[data-step]"));
    const marks = Array.from(document.querySelectorAll(".steps li"));
    function go(n) {
      steps.forEach((s) => s.classList.toggle("on", s.dataset.step === String(n)));
      marks.forEach((m, i) => m.classList.toggle("on", i < n));
      const summary = wizard.querySelector("[data-summary]");
      if (summary && n === 3) {
        const v = (name) => (wizard.elements[name] ? wizard.elements[name].value : "");
        const text = (name) => {
          const el = wizard.elements[name];
          return el && el.selectedIndex > 0 ? el.options[el.selectedIndex].text : "";
        };
        summary.textContent = `${v("name")} · ${v("phone")}\n${text("community")} ${text("building")}${text("unit")}${text("house")}`;
      }
      window.scrollTo(0, 0);
    }
    go(parseInt(wizard.dataset.start || "1", 10));
    wizard.querySelectorAll("[data-go]").forEach((b) => b.addEventListener("click", (e) => {
      e.preventDefault();
      go(parseInt(b.dataset.go, 10));
    }));
    const agree = wizard.querySelector("[data-agree]");
    if (agree) agree.addEventListener("click", (e) => {
      e.preventDefault();
      clearErrors(wizard);
      if (!wizard.elements.agreed_terms.checked) {
        showErrors(wizard, { agreed_terms: [msg("terms")] });
        return;
      }
      go(2);
    });
    const check = wizard.querySelector("[data-check]");
    if (check) check.addEventListener("click", (e) => {
      e.preventDefault();
      clearErrors(wizard);
      check.disabled = true;
      post(check.dataset.url, wizard).then((res) => {
        check.disabled = false;
        if (res.ok) go(3);
        else showErrors(wizard, res.errors, res.message);
      });
    });
  }

  // --- Live: notices and messages arrive on open screens (/ws/events/, this user only) ------
  // Every event is also re-dispatched as a "wuyetong:event" DOM event for the modules' pages.
  const toasts = document.querySelector("[data-toasts]");
  function bump(name) {
    document.querySelectorAll(`[data-badge="${name}"]`).forEach((b) => {
      const n = (parseInt(b.textContent, 10) || 0) + 1;
      b.textContent = String(n);
      b.hidden = false;
    });
  }
  function inApp(link) {
    return typeof link === "string" && link.startsWith("/app/") && !link.startsWith("//");
  }
  function toast(p, label) {
    if (!toasts) return;
    const el = document.createElement(inApp(p.link) ? "a" : "div");
    el.className = p.urgent ? "toast urgent" : "toast";
    if (inApp(p.link)) el.href = p.link;
    const small = document.createElement("small");
    small.textContent = msg(p.urgent ? "urgent" : label);
    el.append(small, document.createTextNode(p.title || ""));
    toasts.appendChild(el);
    setTimeout(() => el.remove(), 8000);
  }
  function prependNotice(p) {
    document.querySelectorAll('[data-live-list="notices"]').forEach((list) => {
      const item = document.createElement("a");
      item.className = "item unread";
      item.href = inApp(p.link) ? p.link : "#";
      const dot = document.createElement("span");
      dot.className = "dot";
      const main = document.createElement("span");
      main.className = "main";
      const title = document.createElement("b");
      if (p.urgent) {
        const chip = document.createElement("span");
        chip.className = "chip urgent";
        chip.textContent = msg("urgent_chip");
        title.appendChild(chip);
      }
      title.appendChild(document.createTextNode(p.title || ""));
      const meta = document.createElement("span");
      meta.textContent = msg("just_now");
      main.append(title, meta);
      item.append(dot, main);
      const empty = list.querySelector(".empty");
      if (empty) empty.remove();
      const head = list.querySelector("h3");
      if (head) head.after(item); else list.prepend(item);
      const limit = parseInt(list.dataset.liveLimit || "0", 10);
      const items = list.querySelectorAll(".item");
      if (limit && items.length > limit) items[items.length - 1].remove();
    });
  }
  function onEvent(p) {
    document.dispatchEvent(new CustomEvent("wuyetong:event", { detail: p }));
    if (p.type === "notice.published") {
      bump("notices");
      bump("messages");
      prependNotice(p);
      toast(p, "new_notice");
    } else if (p.type === "notice.reminder") {
      bump("messages");
      toast(p, "reminder");
    } else if (p.type === "message.created") {
      bump("messages");
      toast(p, "message");
    }
  }
  if (document.body.dataset.live === "1" && "WebSocket" in window) {
    let delay = 1000;
    const connect = () => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}/ws/events/`);
      ws.onopen = () => { delay = 1000; document.body.dataset.liveState = "open"; };
      ws.onmessage = (e) => {
        let p;
        try { p = JSON.parse(e.data); } catch (_) { return; }
        if (p && p.type !== "hello") onEvent(p);
      };
      ws.onclose = () => {
        document.body.dataset.liveState = "closed";
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    };
    connect();
  }

  // --- Installable app ---------------------------------------------------------------------
  if ("serviceWorker" in navigator && document.body.dataset.sw) {
    window.addEventListener("load", () => {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: document.body.dataset.scope }).catch(() => {});
    });
  }
})();
