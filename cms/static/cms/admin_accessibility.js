// Wagtail's admin, made to pass axe-core on our pages' edit screens (tests/e2e/test_dashboard_crawl.py):
// - a rich text editor (Draftail) is a contenteditable textbox with no name: it takes its
//   field's label (the label of the wrapper it sits in, else its panel's heading);
// - the minimap's list scrolls but holds no focusable link while collapsed, and an empty
//   editor's box may scroll its placeholder: they take the keyboard's focus themselves, so
//   that they can be scrolled without a mouse.
// Wagtail draws both after the page loads (and again for each new StreamField block), so a
// MutationObserver names what appears.
(function () {
  "use strict";
  var counter = 0;

  function nameEditor(editor) {
    if (editor.hasAttribute("aria-label") || editor.hasAttribute("aria-labelledby")) {
      return;
    }
    // The field's own label, else (a panel of one field shows none) its panel's heading.
    var wrapper = editor.closest(".w-field__wrapper");
    var panel = editor.closest(".w-panel");
    var label =
      (wrapper && wrapper.querySelector(".w-field__label")) ||
      (panel && panel.querySelector(".w-panel__heading"));
    if (!label) {
      editor.setAttribute("aria-label", document.documentElement.lang === "en" ? "Rich text" : "Texte mis en forme");
      return;
    }
    if (!label.id) {
      counter += 1;
      label.id = "portail-editor-label-" + counter;
    }
    editor.setAttribute("aria-labelledby", label.id);
  }

  function fix(root) {
    root.querySelectorAll('[contenteditable="true"][role="textbox"]').forEach(nameEditor);
    root.querySelectorAll(".w-minimap__list:not([tabindex])").forEach(function (list) {
      list.tabIndex = 0;
    });
    // An empty editor's placeholder can overflow its box on a phone: the box then scrolls.
    root.querySelectorAll(".DraftEditor-root:not([tabindex])").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) {
        box.tabIndex = 0;
      }
    });
  }

  function start() {
    fix(document);
    new MutationObserver(function () { fix(document); }).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
