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
  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/events/`);
    ws.onopen = () => { delay = 1000; body.dataset.liveState = "open"; };
    ws.onmessage = (e) => { try { const p = JSON.parse(e.data); if (p.type !== "hello") toast(p); } catch (_) {} };
    ws.onclose = () => {
      body.dataset.liveState = "closed";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
