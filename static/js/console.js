// Console behaviour that needs no framework: confirm dangerous buttons, and live events from
// /ws/events/ shown as toasts (reconnects with back-off after a dropped connection).
document.addEventListener("click", (e) => {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) e.preventDefault();
});

(() => {
  const body = document.body;
  if (!body || body.dataset.live !== "1" || !("WebSocket" in window)) return;
  const describe = {
    "binding.created": (p) => ({ text: `新的业主认证申请 · ${p.community || ""}`, url: "/estates/bindings/?status=pending" }),
  };
  const box = document.createElement("div");
  box.className = "toasts";
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "polite");
  body.appendChild(box);

  function toast(payload) {
    const d = (describe[payload.type] || ((p) => (p.title ? { text: p.title, url: p.url } : null)))(payload);
    if (!d) return;
    const el = document.createElement(d.url ? "a" : "div");
    el.className = "toast";
    el.textContent = d.text;
    if (d.url) el.href = d.url;
    box.appendChild(el);
    setTimeout(() => el.remove(), 15000);
  }

  let delay = 1000;
  let opened = false;
  window.liveSocket = { close: () => current && current.close() };
  let current = null;
  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/events/`);
    current = ws;
    ws.onopen = () => {
      delay = 1000;
      body.dataset.liveState = "open";
      window.dispatchEvent(new CustomEvent("live:open", { detail: { reconnect: opened } }));
      opened = true;
    };
    ws.onmessage = (e) => {
      let p;
      try { p = JSON.parse(e.data); } catch (_) { return; }
      if (p.type === "hello") return;
      // Page scripts (the duty desk, a case page) follow events without opening a socket.
      window.dispatchEvent(new CustomEvent("live:event", { detail: p }));
      toast(p);
    };
    ws.onclose = () => {
      body.dataset.liveState = "closed";
      window.dispatchEvent(new CustomEvent("live:closed"));
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
