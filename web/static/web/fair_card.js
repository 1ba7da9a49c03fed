// The pledge card (phone, and the volunteers' paper-card form): show only the fields the chosen
// kind of pledge needs. A hidden field is also disabled, so a value typed before the kind changed is
// not sent; the server refuses such a field anyway when the script does not run.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) { return; }
  var money = ["gift", "loan", "pre_purchase", "support_saving"];
  function group(value) { return money.indexOf(value) >= 0 ? "money" : (value === "time" ? "time" : "other"); }
  function update() {
    var wanted = group(kind.value);
    document.querySelectorAll("[data-show]").forEach(function (label) {
      var hidden = label.dataset.show.split(" ").indexOf(wanted) < 0;
      label.hidden = hidden;
      label.querySelectorAll("input, select, textarea").forEach(function (field) { field.disabled = hidden; });
    });
  }
  kind.addEventListener("change", update);
  update();
  // After a refused card the first faulty field has the focus (the server sets autofocus there);
  // make sure it is the visible one and scrolled into view.
  var faulty = document.querySelector('[aria-invalid="true"]:not([disabled])');
  if (faulty && !faulty.closest("[hidden]")) { faulty.focus(); }
})();
