// Progressive enhancement for the pledge form: show only the inputs the chosen kind (and, for support
// saving, the chosen mode: monthly or lump sum) uses. Hidden inputs are disabled so a value typed before
// switching is never sent. Without JavaScript every input stays visible and the server refuses a
// support-saving form that fills in both modes.
(function () {
  function chosenMode(form) {
    var checked = form.querySelector("input[name=saving_mode]:checked");
    return checked ? checked.value : "monthly";
  }
  function update(form) {
    var select = form.querySelector("select[name=kind]");
    if (!select) return;
    var kind = select.value;
    var mode = chosenMode(form);
    form.querySelectorAll("[data-kinds]").forEach(function (section) {
      var shown = section.getAttribute("data-kinds").split(" ").indexOf(kind) !== -1;
      // data-mode matters only for support saving: the lump-sum row doubles as the amount row of other kinds.
      if (shown && kind === "support_saving" && section.hasAttribute("data-mode")) {
        shown = section.getAttribute("data-mode") === mode;
      }
      section.hidden = !shown;
      if (shown && section.tagName === "DETAILS") section.open = true;
    });
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "hidden" || input.name === "kind" || input.name === "csrfmiddlewaretoken") return;
      input.disabled = input.closest("[hidden]") !== null;
    });
  }
  document.querySelectorAll("form.pledge-form").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind" || event.target.name === "saving_mode") update(form);
    });
    update(form);
  });
})();
