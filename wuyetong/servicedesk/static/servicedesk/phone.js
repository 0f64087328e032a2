// 物业通 报事报修: photo preview and shrink, one submission per tap, the place switch, and the
// case page kept current from /ws/events/. The forms post and work without it.
(function () {
  "use strict";
  const box = document.getElementById("sd-msgs");
  const msg = (k) => {
    const el = box && box.content.querySelector(`[data-k="${k}"]`);
    return el ? el.textContent : k;
  };
  const MAX_PHOTOS = 9;
  const MAX_BYTES = 10 * 1024 * 1024;
  const TYPES = ["image/jpeg", "image/png", "image/webp"];
  const EDGE = 1600; // longest side after shrinking: enough to see a leak, a tenth of the bytes

  // A large photo redrawn at EDGE px as JPEG; small ones and failures go as they are.
  function shrink(file) {
    if (file.size < 400 * 1024 || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then((img) => {
      const scale = Math.min(1, EDGE / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob((blob) => {
        if (!blob || blob.size >= file.size) return resolve(file);
        resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
      }, "image/jpeg", 0.85));
    }).catch(() => file);
  }

  function photoField(field) {
    const input = field.querySelector("[data-photo-input]");
    const thumbs = field.querySelector("[data-thumbs]");
    const err = field.querySelector("[data-error-for=photos]");
    if (!input || !thumbs || !window.DataTransfer) return;
    let files = [];
    function sync() {
      const dt = new DataTransfer();
      files.forEach((f) => dt.items.add(f));
      input.files = dt.files;
      thumbs.innerHTML = "";
      files.forEach((f, i) => {
        const cell = document.createElement("span");
        cell.className = "thumb";
        const img = document.createElement("img");
        img.src = URL.createObjectURL(f);
        img.alt = f.name;
        img.onload = () => URL.revokeObjectURL(img.src);
        const rm = document.createElement("button");
        rm.type = "button";
        rm.textContent = "×";
        rm.setAttribute("aria-label", msg("remove"));
        rm.addEventListener("click", () => { files.splice(i, 1); sync(); });
        cell.append(img, rm);
        thumbs.appendChild(cell);
      });
      field.classList.toggle("full", files.length >= MAX_PHOTOS);
    }
    input.addEventListener("change", () => {
      const picked = Array.from(input.files);
      err.textContent = "";
      field.classList.remove("invalid");
      const problems = [];
      const ok = picked.filter((f) => {
        if (!TYPES.includes(f.type)) { problems.push(msg("bad_type")); return false; }
        return true;
      });
      if (files.length + ok.length > MAX_PHOTOS) problems.push(msg("too_many"));
      Promise.all(ok.slice(0, Math.max(0, MAX_PHOTOS - files.length)).map(shrink)).then((done) => {
        done.forEach((f) => { if (f.size > MAX_BYTES) problems.push(msg("too_big")); else files.push(f); });
        if (problems.length) { err.textContent = Array.from(new Set(problems)).join("；"); field.classList.add("invalid"); }
        sync();
      });
    });
  }
  document.querySelectorAll("[data-photos]").forEach(photoField);

  // One submission per tap: the button is disabled once the form goes (the report also
  // carries a client token, so a resend after a lost answer still makes one case).
  function once(form) {
    form.addEventListener("submit", (e) => {
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("[data-once]").forEach((b) => { setTimeout(() => { b.disabled = true; }, 0); });
    });
  }
  document.querySelectorAll("form").forEach(once);

  // The report's place: a common area asks where, and is always 公区.
  const report = document.querySelector("[data-report]");
  if (report) {
    const place = report.elements.place;
    const toggle = () => {
      const pub = place.value.startsWith("c");
      report.querySelectorAll("[data-public-only]").forEach((el) => { el.hidden = !pub; });
      report.querySelectorAll("[data-indoor-only]").forEach((el) => { el.hidden = pub; });
    };
    place.addEventListener("change", toggle);
    toggle();
  }

  // Live: a change of one of my cases redraws its page; any case event redraws a task list
  // ([data-case-feed]); the chips of my case list follow the state.
  const page = document.querySelector("[data-case], [data-case-feed]");
  const typing = () => Array.from(document.querySelectorAll("textarea, input[type=text]"))
    .some((el) => el.value.trim() !== "" || el === document.activeElement);
  function refresh() {
    fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject()))
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const next = doc.querySelector("[data-case], [data-case-feed]");
        if (!next) return;
        // Keep what is being written: then only the status and the timeline are redrawn.
        const parts = typing() ? [".head", ".timeline", ".quote"] : null;
        if (parts) {
          parts.forEach((sel) => {
            const old = page.querySelector(sel);
            const neu = next.querySelector(sel);
            if (old && neu) old.replaceWith(neu);
            if (neu) neu.querySelectorAll("form").forEach(once);
          });
        } else {
          page.innerHTML = next.innerHTML;
          page.querySelectorAll("[data-photos]").forEach(photoField);
          page.querySelectorAll("form").forEach(once);
        }
        if (next.dataset.caseState) page.dataset.caseState = next.dataset.caseState;
        const note = page.querySelector("[data-live-note]");
        if (note) note.textContent = msg("updated");
      })
      .catch(() => {});
  }
  document.addEventListener("wuyetong:event", (e) => {
    const p = e.detail || {};
    if (typeof p.type !== "string" || !p.type.startsWith("case.")) return;
    if (page && (page.dataset.caseFeed !== undefined || String(p.id) === page.dataset.case)) refresh();
    document.querySelectorAll(`[data-case-id="${p.id}"] [data-state]`).forEach((chip) => {
      if (!p.state) return;
      chip.textContent = p.state_label || p.state;
      chip.className = `chip st-${p.state}`;
    });
  });
})();
