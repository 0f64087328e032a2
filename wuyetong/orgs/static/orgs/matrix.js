// Permission matrix: click a module name to toggle its row, an action heading to toggle its column.
// The page may load this script again on htmx-boosted navigation: listen only once.
if (!window.wuyetongMatrixToggles) {
window.wuyetongMatrixToggles = true;
document.addEventListener("click", (e) => {
  const cell = e.target.closest(".matrix .toggle");
  if (!cell) return;
  const table = cell.closest("table");
  let boxes;
  if (cell.tagName === "TH") {
    const col = cell.cellIndex;
    boxes = [...table.tBodies[0].rows].map((r) => r.cells[col]?.querySelector("input[type=checkbox]")).filter(Boolean);
  } else {
    boxes = [...cell.parentElement.querySelectorAll("td:not(.extra) input[type=checkbox]")];
  }
  boxes = boxes.filter((b) => !b.disabled);
  const on = boxes.some((b) => !b.checked);
  boxes.forEach((b) => { b.checked = on; });
});
}
