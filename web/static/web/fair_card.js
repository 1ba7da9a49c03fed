// The phone card: show only the fields the chosen kind of pledge needs.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) { return; }
  var money = ["gift", "loan", "pre_purchase", "support_saving"];
  function group(value) { return money.indexOf(value) >= 0 ? "money" : (value === "time" ? "time" : "other"); }
  function update() {
    var wanted = group(kind.value);
    document.querySelectorAll("[data-show]").forEach(function (label) {
      label.hidden = label.dataset.show.split(" ").indexOf(wanted) < 0;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
