// Progressive enhancement for the pledge form: show only the inputs the chosen kind uses.
// Without JavaScript every input stays visible and the server still checks each kind's fields.
(function () {
  function update(form) {
    var select = form.querySelector("select[name=kind]");
    if (!select) return;
    form.querySelectorAll("[data-kinds]").forEach(function (section) {
      var shown = section.getAttribute("data-kinds").split(" ").indexOf(select.value) !== -1;
      section.hidden = !shown;
      if (shown && section.tagName === "DETAILS") section.open = true;
    });
  }
  document.querySelectorAll("form.pledge-form").forEach(function (form) {
    var select = form.querySelector("select[name=kind]");
    if (select) select.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
