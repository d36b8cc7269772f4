/* A child's calendar page: a "Copier l'adresse" button that copies the feed's address. It is
   made here, where the clipboard can be reached: without JavaScript there is no button that
   does nothing, and the address stays a read-only field and a link, to copy by hand. */
(function () {
  "use strict";
  window.Portail = window.Portail || { modules: [] };
  window.Portail.modules.push(function (root) {
    var status = root.querySelector("[data-copy-status]");
    root.querySelectorAll("[data-copy]").forEach(function (slot) {
      var field = root.getElementById(slot.getAttribute("data-copy"));
      if (!field || !navigator.clipboard) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small";
      button.textContent = slot.getAttribute("data-label");
      slot.replaceWith(button);
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) status.textContent = slot.getAttribute("data-copied");
        }, function () {
          field.select();
          if (status) status.textContent = slot.getAttribute("data-copy-failed");
        });
      });
    });
  });
})();
