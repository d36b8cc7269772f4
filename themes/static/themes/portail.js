/* Portail Famille: progressive enhancement only. Every page works without this file, except
   confirming a card payment. Page-specific behaviour registers with data-* attributes. */
(function () {
  "use strict";

  // Loading feedback: a form marked data-loading disables its submit button and says so.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-loading]") || event.defaultPrevented) return;
    var button = event.submitter || form.querySelector("[type=submit]");
    if (!button) return;
    var label = form.getAttribute("data-loading") || "Veuillez patienter…";
    // After the submit has gone: disabling first would drop the button's name/value.
    window.setTimeout(function () {
      button.classList.add("is-loading");
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("data-label", button.textContent);
      button.textContent = label;
    }, 0);
  });

  // A second click on a form already submitting is ignored (no double payment request).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[aria-disabled=true]");
    if (button) event.preventDefault();
  }, true);

  // The header's menu button folds the account links, the search and the language on a phone
  // (the CSS folds only below 48rem); the space's menu shows its current page.
  function headerMenu(root) {
    var button = root.querySelector("[data-menu-button]");
    var menu = root.querySelector("[data-menu]");
    if (!button || !menu) return;
    function fold(folded) {
      menu.classList.toggle("is-folded", folded);
      button.setAttribute("aria-expanded", folded ? "false" : "true");
    }
    button.hidden = false;
    fold(true);
    button.addEventListener("click", function () {
      fold(button.getAttribute("aria-expanded") === "true");
    });
    var current = root.querySelector(".space-nav [aria-current=page]");
    if (current) {
      var list = current.closest("ul");
      list.scrollLeft = current.parentElement.offsetLeft - list.offsetLeft - 16;
    }
  }

  // Page modules (calendar, password rules…) register here and run once the DOM is ready.
  window.Portail = window.Portail || { modules: [] };
  window.Portail.modules.unshift(headerMenu);
  document.addEventListener("DOMContentLoaded", function () {
    window.Portail.modules.forEach(function (init) { init(document); });
  });
})();
