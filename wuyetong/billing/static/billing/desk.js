// Cashier desk: tick-all, cash change, and the cash-only fields. The totals box is refreshed
// by htmx on every change; the form still posts without JavaScript.
(() => {
  const form = document.getElementById("pay-form");
  if (!form) return;
  const boxes = () => [...form.querySelectorAll("input[name=bills]")];
  const all = document.getElementById("check-all-bills");
  const fen = (s) => { const m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(s || ""); return m ? Number(m[1]) * 100 + Number((m[2] || "0").padEnd(2, "0")) : null; };
  const yuan = (f) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, "0")}`;
  const update = () => {
    const method = (form.querySelector("input[name=method]:checked") || {}).value;
    form.querySelectorAll(".cash-only").forEach((el) => { el.hidden = method !== "cash"; });
    const total = fen((document.getElementById("quote-total") || {}).textContent);
    const given = fen(form.querySelector("input[name=tendered]").value);
    const out = document.getElementById("change");
    out.textContent = total !== null && given !== null && given >= total ? yuan(given - total) : "—";
  };
  if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); });
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  document.body.addEventListener("htmx:afterSwap", update);
  form.addEventListener("submit", () => { document.getElementById("pay-submit").disabled = true; });
  update();
})();
