// Wide tables on a phone scroll sideways inside the page. A table (or its wrapper) that is wider than the
// screen gets a visible hint above it, and becomes focusable with a name, so keyboard users can scroll it
// with the arrow keys and screen readers announce it as a region.
(function () {
  var hint = document.body.getAttribute("data-scroll-hint") || "";
  function mark() {
    document.querySelectorAll("main table, main .table-wrap, main .scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
      var note = box.previousElementSibling;
      var hasNote = note && note.classList.contains("scroll-hint");
      if (scrolls) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role")) box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", hint);
        box.classList.add("scrolls");
        if (!hasNote && hint) {
          var p = document.createElement("p");
          p.className = "scroll-hint muted";
          p.textContent = "↔ " + hint;
          box.parentNode.insertBefore(p, box);
        }
      } else if (box.classList.contains("scrolls")) {
        box.classList.remove("scrolls");
        box.removeAttribute("tabindex");
        if (hasNote) note.remove();
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  document.body.addEventListener("htmx:afterSwap", mark);
})();

// The header's community chooser switches as soon as another community is picked (the button stays for no-JS).
document.documentElement.classList.add("js");
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
