// The case page follows its case: a change pushed on /ws/events/ (console.js re-dispatches
// it as "live:event") reloads the page's live region, unless the clerk is typing in a form.
(() => {
  const region = document.getElementById("case-live");
  if (!region) return;
  const caseId = Number(region.dataset.case);
  let pending = false;
  function typing() {
    return [...region.querySelectorAll("textarea, input[type=text], input[type=file], select")]
      .some((el) => (el.type === "file" ? el.files.length : el.value && el.tagName !== "SELECT"));
  }
  function refresh() {
    if (typing()) {
      if (!pending) {
        pending = true;
        const note = document.createElement("a");
        note.href = location.pathname;
        note.className = "nonfield sd-stale";
        note.id = "case-refresh";
        note.textContent = region.dataset.staleText || "工单已更新，点击查看最新进度";
        region.prepend(note);
      }
      return;
    }
    pending = false;
    // The flash of the last action ("已派单") no longer describes the case.
    document.querySelectorAll(".messages").forEach((m) => m.remove());
    if (window.htmx) window.htmx.trigger(region, "case-changed");
    else location.reload();
  }
  // A handler hears an event twice (their own group and the company's): refresh once.
  let lastEvent = 0;
  window.addEventListener("live:event", (e) => {
    const p = e.detail;
    if (!p || p.id !== caseId || p.type !== "case.updated") return;
    if (p.event_id && p.event_id === lastEvent) return;
    lastEvent = p.event_id || lastEvent;
    refresh();
  });
})();
