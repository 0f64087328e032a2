// Charts from server data: <div data-echarts="ID"> is drawn with the ECharts option in the
// <script type="application/json" id="ID"> element (Django's json_script). Include
// console/_charts_head.html once in the page's head block; re-drawn after htmx swaps.
(() => {
  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-echarts]").forEach((el) => {
      const src = document.getElementById(el.dataset.echarts);
      if (!src) return;
      const old = window.echarts.getInstanceByDom(el);
      if (old) old.dispose();
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(src.textContent));
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:afterSwap", (e) => draw(e.target));
  window.addEventListener("resize", () => {
    document.querySelectorAll("[data-echarts]").forEach((el) => {
      const c = window.echarts && window.echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  });
})();
