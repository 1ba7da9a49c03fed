// The live board: poll the board's JSON every second and write the figures in place.
// textContent only, so a pledger's name can never become markup.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var url = board.dataset.url;
  var busy = false;

  function setText(node, value) {
    if (node && node.textContent !== String(value)) { node.textContent = value; return true; }
    return false;
  }

  function render(data) {
    setText(document.getElementById("board-total"), data.total_display);
    data.pitches.forEach(function (p) {
      var card = board.querySelector('[data-pitch="' + p.id + '"]');
      if (!card) { return; }
      var changed = setText(card.querySelector('[data-field="pledged_display"]'), p.pledged_display);
      setText(card.querySelector('[data-field="pledgers"]'), p.pledgers);
      setText(card.querySelector('[data-field="non_money_count"]'), p.non_money_count);
      setText(card.querySelector('[data-field="hours_display"]'), p.hours_display);
      // The noun after each count: singular for exactly one (Swedish and English plural rule).
      ["pledgers", "non_money_count", "hours_display"].forEach(function (field) {
        var unit = card.querySelector('[data-unit="' + field + '"]');
        if (unit) { setText(unit, String(p[field]) === "1" ? unit.dataset.one : unit.dataset.many); }
      });
      setText(card.querySelector('[data-field="non_money_text"]'), p.non_money_text);
      setText(card.querySelector('[data-field="progress_text"]'), p.progress_text);
      var bar = card.querySelector('[data-field="percent_of_target"]');
      if (bar && p.percent_of_target !== null) { bar.value = Math.min(100, p.percent_of_target); }
      setText(card.querySelector('[data-field="interest_text"]'), p.interest_text);
      var list = card.querySelector('[data-field="names"]');
      if (list && list.dataset.names !== JSON.stringify(p.names)) {
        list.dataset.names = JSON.stringify(p.names);
        while (list.firstChild) { list.removeChild(list.firstChild); }
        p.names.forEach(function (name) {
          var li = document.createElement("li");
          li.textContent = name;
          list.appendChild(li);
        });
      }
      if (changed) {
        card.classList.add("changed");
        setTimeout(function () { card.classList.remove("changed"); }, 1500);
      }
    });
    board.dataset.updatedAt = data.generated_at;
    setText(document.getElementById("board-status"), "");
  }

  function poll() {
    if (busy) { return; }
    busy = true;
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () { setText(document.getElementById("board-status"), "…"); })
      .finally(function () { busy = false; });
  }

  setInterval(poll, 1000);
})();
