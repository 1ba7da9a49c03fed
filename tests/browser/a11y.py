"""Accessibility checks for browser tests: axe-core (bundled by axe-playwright-python, no network) and our
own contrast check for link-style buttons, which axe only reports as "incomplete" (it cannot be sure of the
background behind a transparent button)."""

from __future__ import annotations

from typing import Any

SERIOUS = {"serious", "critical"}

# Every visible button, link and link-styled button: its text colour against the first opaque background
# behind it, as the WCAG contrast ratio. Text under 4.5:1 is hard to read (white on white is 1:1).
CONTRAST_JS = """
() => {
  function rgba(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 1];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v = v / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  }
  const found = [];
  document.querySelectorAll("button, a, .button, input[type=submit]").forEach(el => {
    const box = el.getBoundingClientRect();
    const text = (el.innerText || el.value || "").trim();
    if (!text || box.width === 0 || box.height === 0) return;
    const fg = luminance(rgba(getComputedStyle(el).color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) found.push({text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, cls: el.className});
  });
  return found;
}
"""


def low_contrast_controls(page: Any) -> list[dict[str, Any]]:
    """Visible buttons and links whose text contrast is under 4.5:1."""
    return list(page.evaluate(CONTRAST_JS))


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the current page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in SERIOUS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return lines
