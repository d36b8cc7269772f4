// The dashboard's tables scroll inside their own region when wider than the screen, instead of
// widening the whole page (Oscar's tables and ours, at 360 px). A region that scrolls takes the
// keyboard's focus, so that arrow keys scroll it (axe-core's scrollable-region-focusable).
(function () {
  "use strict";

  function label(table, index) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim().replace(/\s+/g, " ");
    }
    return document.documentElement.lang === "en" ? "Table " + (index + 1) : "Tableau " + (index + 1);
  }

  function wrap(table, index) {
    var region = table.closest(".table-responsive");
    if (!region) {
      region = document.createElement("div");
      region.className = "table-responsive";
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    }
    if (!region.hasAttribute("role")) {
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", label(table, index));
    }
    return region;
  }

  function focusable(regions) {
    regions.forEach(function (region) {
      if (region.scrollWidth > region.clientWidth) {
        region.tabIndex = 0;
      } else if (region.dataset.portailScroll) {
        region.removeAttribute("tabindex");
      }
      region.dataset.portailScroll = "1";
    });
  }

  function init() {
    var tables = Array.prototype.slice.call(document.querySelectorAll("main table"));
    var regions = tables.map(wrap).filter(function (region) {
      return !region.hasAttribute("tabindex");
    });
    focusable(regions);
    window.addEventListener("resize", function () { focusable(regions); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
