// Console behaviour that does not need a framework: confirm dangerous buttons.
document.addEventListener("click", (e) => {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) e.preventDefault();
});
