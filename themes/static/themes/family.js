/* Family pages: small enhancements only, every form works without this file.
   - The PAI details field shows only when "PAI" is ticked (or already filled in / in error).
   - A chosen photo is previewed before it is sent. */
(function () {
  "use strict";
  window.Portail = window.Portail || { modules: [] };

  window.Portail.modules.push(function (root) {
    var box = root.querySelector("#id_has_pai");
    var details = root.querySelector("[data-pai-details]");
    if (box && details) {
      var textarea = details.querySelector("textarea");
      var keep = function () {
        return (textarea && textarea.value.trim() !== "") || details.querySelector(".field__error");
      };
      var sync = function () { details.hidden = !box.checked && !keep(); };
      box.setAttribute("aria-controls", details.id || (details.id = "pai-details"));
      box.addEventListener("change", sync);
      sync();
    }

    var photo = root.querySelector("#id_photo");
    if (photo && window.URL && URL.createObjectURL) {
      var preview = document.createElement("img");
      preview.className = "photo-preview";
      preview.alt = photo.getAttribute("data-preview-alt") || "";
      preview.hidden = true;
      photo.parentNode.appendChild(preview);
      photo.addEventListener("change", function () {
        var file = photo.files && photo.files[0];
        if (preview.src) URL.revokeObjectURL(preview.src);
        if (file && /^image\/(jpeg|png)$/.test(file.type)) {
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
        } else {
          preview.removeAttribute("src");
          preview.hidden = true;
        }
      });
    }
  });
})();
