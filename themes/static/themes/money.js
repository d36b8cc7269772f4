/* Money pages (porte-monnaie, réservations): enhancements only, every page works without them.
   - A card top-up with Stripe: the Payment Element, then the same confirm form as without JS.
   - "Mes réservations": tick every booking at once, and the selection's count on its button. */
(function () {
  "use strict";
  window.Portail = window.Portail || { modules: [] };

  function stripeTopUp(root) {
    var form = root.querySelector("form[data-stripe-key]");
    if (!form || typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(form.getAttribute("data-stripe-key"));
    var elements = stripe.elements({
      clientSecret: form.getAttribute("data-client-secret"),
      locale: document.documentElement.lang || "fr"
    });
    elements.create("payment").mount(form.querySelector("[data-stripe-element]"));
    var error = form.querySelector("[data-stripe-error]");
    var button = form.querySelector("[data-stripe-pay]");
    var busy = false;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      error.hidden = true;
      button.classList.add("is-loading");
      button.setAttribute("aria-disabled", "true");
      stripe.confirmPayment({
        elements: elements,
        redirect: "if_required",
        confirmParams: { return_url: form.getAttribute("data-return-url") }
      }).then(function (result) {
        if (result.error) {
          error.textContent = result.error.message;
          error.hidden = false;
          button.classList.remove("is-loading");
          button.removeAttribute("aria-disabled");
          busy = false;
          return;
        }
        // Paid at Stripe: the server asks Stripe in turn before crediting anything.
        form.submit();
      });
    });
  }

  function bookingSelection(root) {
    var form = root.querySelector("form[data-bulk-cancel]");
    if (!form) return;
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=reservations]"));
    var button = form.querySelector("[data-bulk-cancel-button]");
    if (!boxes.length || !button) return;
    var label = button.textContent.trim();
    var all = document.createElement("button");
    all.type = "button";
    all.className = "button button--secondary button--small";
    all.textContent = form.getAttribute("data-select-all") || "Tout sélectionner";
    button.parentNode.insertBefore(all, button);

    function update() {
      var count = boxes.filter(function (box) { return box.checked; }).length;
      button.textContent = count ? label + " (" + count + ")" : label;
    }
    all.addEventListener("click", function () {
      var check = boxes.some(function (box) { return !box.checked; });
      boxes.forEach(function (box) { box.checked = check; });
      update();
    });
    form.addEventListener("change", update);
    update();
  }

  window.Portail.modules.push(stripeTopUp, bookingSelection);
})();
