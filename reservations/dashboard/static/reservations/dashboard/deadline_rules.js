// The service calendar page (service_calendar.html): each deadline rule shows only the fields
// of the kind chosen in its select. Without this script every field shows and the form still
// works: the server reads only the kind's fields.
(function () {
    "use strict";
    document.querySelectorAll("select[name$='_kind']").forEach(function (select) {
        var fieldset = select.closest("fieldset");
        function show() {
            fieldset.querySelectorAll("[data-rule-kind]").forEach(function (block) {
                block.hidden = block.getAttribute("data-rule-kind") !== select.value;
            });
        }
        select.addEventListener("change", show);
        show();
    });
})();
