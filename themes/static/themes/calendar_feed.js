/* A child's calendar page: "Copier l'adresse" copies the feed's address. Without JavaScript the
   button stays hidden and the address is a read-only field and a link, to copy by hand. */
(function () {
  "use strict";
  window.Portail = window.Portail || { modules: [] };
  window.Portail.modules.push(function (root) {
    var status = root.querySelector("[data-copy-status]");
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = root.getElementById(button.getAttribute("data-copy"));
      if (!field || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) status.textContent = button.getAttribute("data-copied");
        }, function () {
          field.select();
          if (status) status.textContent = button.getAttribute("data-copy-failed");
        });
      });
    });
  });
})();
