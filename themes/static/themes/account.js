/* Account pages: the password rules marked met or not as the parent types, and a "show the
   password" switch. The rules and the check are the server's (portail:password_rules); without
   this file the rules are listed and the server's errors show under the field. */
(function () {
  "use strict";

  var DELAY = 350; // ms after the last key stroke: one request per pause, not per character.
  // Fields the similarity rule compares the password with, sent when the form has them.
  var COMPARED = ["email", "first_name", "last_name", "uid", "token"];

  function passwordRules(box) {
    var input = box.querySelector("input[type=password]");
    var form = box.closest("form");
    if (!input || !form || !window.fetch) return;
    var rules = box.querySelectorAll("[data-rule]");
    var live = box.querySelector(".password-rules__live");
    var timer = null;
    var lastSummary = "";
    var pending = null;

    function mark(checks) {
      var met = 0;
      checks.forEach(function (check, index) {
        var rule = rules[index];
        if (!rule) return;
        if (check.met) met += 1;
        rule.setAttribute("data-met", check.met ? "true" : "false");
        rule.querySelector(".password-rules__status").textContent =
          " : " + box.getAttribute(check.met ? "data-label-met" : "data-label-unmet");
      });
      var summary = met === checks.length ? box.getAttribute("data-all-met") :
        box.getAttribute("data-summary").replace("{met}", met).replace("{total}", checks.length);
      // Announced only when it changes, politely: the parent is typing.
      if (summary !== lastSummary) {
        lastSummary = summary;
        live.textContent = summary;
      }
    }

    function clear() {
      rules.forEach(function (rule) {
        rule.removeAttribute("data-met");
        rule.querySelector(".password-rules__status").textContent = "";
      });
      lastSummary = "";
      live.textContent = "";
    }

    function check() {
      if (!input.value) { clear(); return; }
      var body = new FormData();
      var token = form.querySelector("[name=csrfmiddlewaretoken]");
      body.append("csrfmiddlewaretoken", token ? token.value : "");
      body.append("password", input.value);
      COMPARED.forEach(function (name) {
        var field = form.querySelector("[name=" + name + "]");
        if (field && field.value) body.append(name, field.value);
      });
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(box.getAttribute("data-password-rules"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" },
        signal: pending ? pending.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (answer && answer.rules) mark(answer.rules);
      }).catch(function () { /* offline or aborted: the server checks on submit anyway */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DELAY);
    });
    box.classList.add("password-field--live");
    showSwitch(box, input);
  }

  function showSwitch(box, input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button password-field__show";
    button.textContent = box.getAttribute("data-show");
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    input.insertAdjacentElement("afterend", button);
  }

  window.Portail = window.Portail || { modules: [] };
  window.Portail.modules.push(function (root) {
    root.querySelectorAll("[data-password-rules]").forEach(passwordRules);
  });
})();
