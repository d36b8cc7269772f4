/* Booking pages, progressive enhancement: "Tout le mois" / "Cette semaine" tick every
   bookable day at once, arrow keys move between the calendar's days, and the card payment page
   confirms the card with Stripe.js. Without this file every page still works. */
(function () {
  "use strict";

  function boxes(scope) {
    return Array.prototype.slice.call(scope.querySelectorAll("input[data-day]:not([disabled])"));
  }

  function syncToggle(toggle, scope) {
    var all = boxes(scope);
    var ticked = all.filter(function (box) { return box.checked; }).length;
    toggle.checked = all.length > 0 && ticked === all.length;
    toggle.indeterminate = ticked > 0 && ticked < all.length;
  }

  function calendar(root) {
    var form = root.querySelector("form[data-planning]");
    if (!form) return;
    var grid = form.querySelector("[data-grid]");
    var month = form.querySelector("[data-toggle-month]");
    var weeks = Array.prototype.slice.call(form.querySelectorAll("[data-toggle-week]"));

    // With JavaScript, checkboxes replace the buttons that book a week or the month at once:
    // they tick the days, which the parent can still untick before "Ajouter au panier".
    form.querySelectorAll("[data-pattern-button]").forEach(function (button) { button.hidden = true; });
    form.querySelectorAll(".js-only").forEach(function (item) { item.hidden = false; });

    function syncAll() {
      if (month) syncToggle(month, grid);
      weeks.forEach(function (toggle) { syncToggle(toggle, toggle.closest("tr")); });
    }
    if (month) {
      month.addEventListener("change", function () {
        boxes(grid).forEach(function (box) { box.checked = month.checked; });
        syncAll();
      });
    }
    weeks.forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        boxes(toggle.closest("tr")).forEach(function (box) { box.checked = toggle.checked; });
        syncAll();
      });
    });
    grid.addEventListener("change", function (event) {
      if (event.target.matches("input[data-day]")) syncAll();
    });
    syncAll();

    // Arrow keys between days: left/right the previous/next bookable day, up/down the same
    // weekday one week before/after.
    grid.addEventListener("keydown", function (event) {
      var box = event.target;
      if (!box.matches("input[data-day]")) return;
      var keys = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
      var step = keys[event.key];
      if (!step) return;
      var all = boxes(grid);
      var target = null;
      if (Math.abs(step) === 1) {
        target = all[all.indexOf(box) + step];
      } else {
        var cell = box.closest("td");
        var row = cell.parentElement;
        var column = Array.prototype.indexOf.call(row.children, cell);
        var next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
        while (next && !target) {
          var candidate = next.children[column];
          target = candidate && candidate.querySelector("input[data-day]");
          next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
        }
      }
      if (target) {
        event.preventDefault();
        target.focus();
      }
    });

    // The action bar's running total: how many days are ticked and what they cost.
    var total = form.querySelector("[data-running-total]");
    var format = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });
    function updateTotal() {
      if (!total) return;
      var ticked = boxes(grid).filter(function (box) { return box.checked; });
      var cents = ticked.reduce(function (sum, box) {
        return sum + Math.round(parseFloat(box.getAttribute("data-price") || "0") * 100);
      }, 0);
      var words = ticked.length === 0 ? total.getAttribute("data-none")
        : ticked.length === 1 ? total.getAttribute("data-one")
        : total.getAttribute("data-many").replace("%(count)s", ticked.length);
      total.textContent = ticked.length ? words + " · " + format.format(cents / 100) : words;
    }
    form.addEventListener("change", updateTotal);
    updateTotal();

    // Refused days: bring the error summary into view and to the screen reader.
    var errors = form.querySelector("#erreurs");
    if (errors) errors.focus();
  }

  function stripeCard(root) {
    var form = root.querySelector("form[data-stripe-form]");
    if (!form || typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
    var card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount(form.querySelector("[data-card-element]"));
    var message = form.querySelector("[data-card-errors]");
    var confirmed = false;

    function show(text) {
      message.textContent = text || "";
      message.hidden = !text;
    }
    card.on("change", function (event) { show(event.error ? event.error.message : ""); });

    form.addEventListener("submit", function (event) {
      if (confirmed) return; // the card is paid: let the form tell the server
      event.preventDefault();
      var button = event.submitter || form.querySelector("[type=submit]");
      button.setAttribute("aria-disabled", "true");
      stripe.confirmCardPayment(form.getAttribute("data-client-secret"), {
        payment_method: { card: card }
      }).then(function (result) {
        if (result.error) {
          show(result.error.message);
          button.removeAttribute("aria-disabled");
          return;
        }
        confirmed = true;
        form.submit(); // the server asks the gateway and settles the order
      });
    }, true);
  }

  window.Portail = window.Portail || { modules: [] };
  window.Portail.modules.push(calendar, stripeCard);
})();
