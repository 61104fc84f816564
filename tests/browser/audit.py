"""Accessibility checks in the browser, shared by the browser tests: axe-core (WCAG 2.1 A and AA), focus
rings measured against what is behind them, and reflow at 320 px.

axe-core comes from npm (``package.json``; ``scripts/test`` runs ``npm ci``). The staff pages' CSP allows
no inline script, so axe is not added as a ``<script>``: ``page.evaluate`` runs it through the DevTools
protocol, which the page's CSP does not govern, and nothing about the page changes for the audit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, ViewportSize

AXE_JS = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MIN_FOCUS_CONTRAST = 3.0
PHONE_320: ViewportSize = {"width": 320, "height": 640}


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci --no-audit --no-fund` (scripts/test does).")
    return AXE_JS.read_text(encoding="utf-8")


_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
    iframes: false,  // framed mail is sandboxed (no script), and audited on its own
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""


def axe_violations(target: Page | Frame) -> list[str]:
    """One line per rule axe-core finds broken: rule id, impact, what it asks, the elements."""
    if not target.evaluate("typeof window.axe !== 'undefined'"):
        target.evaluate(axe_source())
    found = target.evaluate(_RUN_AXE, WCAG_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'][:8])}" for v in found]


def assert_no_axe_violations(target: Page | Frame, where: str) -> None:
    problems = axe_violations(target)
    assert not problems, f"axe-core on {where}:\n  " + "\n  ".join(problems)


# Focus every focusable element in turn; read the ring (a solid outline, or else a box-shadow spread)
# from the computed style, and the colour behind it from the ancestors' backgrounds (composited, so a
# translucent panel counts as what it looks like). The ring itself is composited over that too.
_FOCUS_RINGS = """(minimum) => {
  const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const behind = (element) => {
    const layers = [];
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const ring = (style) => {
    if (style.outlineStyle !== "none" && style.outlineStyle !== "hidden" && parseFloat(style.outlineWidth) >= 2) {
      return parse(style.outlineColor);
    }
    // "rgb(1, 2, 3) 0px 0px 0px 3px, ...": an unblurred spread of 2px or more is a ring too.
    for (const shadow of (style.boxShadow || "").split(/,(?![^(]*\\))/)) {
      const colour = parse(shadow);
      const sizes = shadow.replace(/rgba?\\([^)]*\\)/, "").trim().split(/\\s+/).map(parseFloat);
      if (colour && colour.a > 0 && sizes.length >= 4 && sizes[2] === 0 && sizes[3] >= 2) return colour;
    }
    return null;
  };
  const name = (el) => {
    const label = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || "").trim();
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${label.slice(0, 40)}"`;
  };
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.closest("[inert], [aria-hidden='true']")) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const colour = ring(style);
    const background = behind(el);
    if (!colour) {
      problems.push(`${name(el)}: no solid focus ring of 2px or more`);
    } else {
      const contrast = ratio(over(colour, background), background);
      if (contrast < minimum) {
        problems.push(`${name(el)}: ring ${style.outlineColor} on rgb(${background.r}, ${background.g}, `
          + `${background.b}) is ${contrast.toFixed(2)}:1`);
      }
    }
    el.blur();
  }
  return problems;
}"""


def focus_ring_problems(page: Page) -> list[str]:
    # One real key press first: Chromium then treats focus() as keyboard focus (:focus-visible).
    page.keyboard.press("Shift")
    problems: list[str] = page.evaluate(_FOCUS_RINGS, MIN_FOCUS_CONTRAST)
    return problems


def assert_focus_visible(page: Page, where: str) -> None:
    problems = focus_ring_problems(page)
    assert not problems, f"focus rings under {MIN_FOCUS_CONTRAST}:1 on {where}:\n  " + "\n  ".join(problems)


_OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !el.closest(".table-scroll, .chart-figure, pre, .honeypot, .skip-link")) {
      wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(box.right)}`);
    }
  }
  return [`scrollWidth ${document.documentElement.scrollWidth} > ${width}`, ...wide.slice(0, 10)];
}"""


def assert_no_horizontal_scroll(page: Page, where: str) -> None:
    problems: list[str] = page.evaluate(_OVERFLOW)
    assert not problems, f"horizontal scrolling on {where}:\n  " + "\n  ".join(problems)


_DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `id "${id}" is used ${n} times`);
}"""


def audit_page(page: Page, where: str) -> list[str]:
    """axe-core, the focus rings and unique ids (labels, live regions and skip links point at them) on the
    page as it is now; the problems, not an assertion (so one test can walk every page and report them all)."""
    problems = [f"{where}: axe {p}" for p in axe_violations(page)]
    problems += [f"{where}: {p}" for p in page.evaluate(_DUPLICATE_IDS)]
    problems += [f"{where}: focus {p}" for p in focus_ring_problems(page)]
    return problems
