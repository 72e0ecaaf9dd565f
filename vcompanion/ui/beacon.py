"""The browser end of the idle timeout and the theme choice.

``Beacon`` is an invisible component on every page.  It reports user input
(pointer, keys, wheel, touch; throttled) as ``activity`` so the server can
extend the login, goes to ``redirect`` as soon as the server sets it (an
idle tab lands on the login page by itself), and remembers the chosen theme
in a cookie so every page opens in it.
"""

from __future__ import annotations

import param
from panel.custom import JSComponent

from .theme import THEME_COOKIE


class Beacon(JSComponent):
    activity = param.Integer(default=0, doc="Bumped by the browser on user input.")
    redirect = param.String(default="", doc="Set by the server: the browser goes there.")
    theme = param.String(default="", doc="Theme to remember in a cookie.")
    throttle_ms = param.Integer(default=10_000, doc="At most one report per interval.")

    _esm = """
export function render({ model }) {
  const el = document.createElement("span");
  el.style.display = "none";
  let last = 0;
  const ping = () => {
    const now = Date.now();
    if (now - last >= model.throttle_ms) { last = now; model.activity = model.activity + 1; }
  };
  const events = ["pointerdown", "keydown", "wheel", "touchstart", "input"];
  for (const e of events) document.addEventListener(e, ping, {capture: true, passive: true});
  const go = () => { if (model.redirect) window.location.assign(model.redirect); };
  model.on("redirect", go);
  go();
  // Phones: the navigation starts hidden and opens over the page.
  const sidebar = document.getElementById("sidebar");
  const button = document.getElementById("sidebar-button");
  const narrow = window.matchMedia("(max-width: 800px)");
  if (sidebar && button && !button.dataset.vcNarrow) {
    button.dataset.vcNarrow = "1";
    button.addEventListener("click", (event) => {
      if (!narrow.matches) return;
      event.stopImmediatePropagation();
      const header = document.getElementById("header");
      sidebar.style.top = header ? `${header.getBoundingClientRect().bottom}px` : "";
      sidebar.classList.toggle("vc-shown");
    }, true);
  }
  if (model.theme) {
    document.cookie = `THEME_COOKIE=${encodeURIComponent(model.theme)}; path=/; ` +
                      "max-age=31536000; samesite=lax" +
                      (window.location.protocol === "https:" ? "; secure" : "");
  }
  model.on("remove", () => {
    for (const e of events) document.removeEventListener(e, ping, {capture: true});
  });
  return el;
}
""".replace("THEME_COOKIE", THEME_COOKIE)
