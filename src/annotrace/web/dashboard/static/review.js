// annotrace review page: the keyboard. Number keys choose an option (or stars, or thumbs)
// of the selected label; up and down select a label; Enter submits; s skips; left and
// right go to the previous and next item. The page works without this script: every key
// has a button or link, which is what the keys press.
"use strict";

(function () {
  // Without an item (nothing left) there is no form, and only the arrows work.
  const form = document.getElementById("review-form") || document.querySelector("main");
  const labels = Array.from(form.querySelectorAll("fieldset.review-label"));
  let selected = 0;

  function typingIn(target) {
    // Text boxes take the keys typed into them; choices (radios, checkboxes) do not.
    if (target.matches("textarea, select, [contenteditable]")) {
      return true;
    }
    return target.matches("input") && !target.matches("[type=radio], [type=checkbox]");
  }

  function select(index, focus) {
    if (!labels.length) {
      return;
    }
    selected = Math.max(0, Math.min(labels.length - 1, index));
    labels.forEach(function (fieldset, i) {
      fieldset.classList.toggle("selected", i === selected);
      fieldset.setAttribute("aria-current", i === selected ? "true" : "false");
    });
    const fieldset = labels[selected];
    fieldset.scrollIntoView({ block: "nearest" });
    if (focus) {
      const target = fieldset.querySelector("input:checked, input, textarea");
      if (target) {
        target.focus({ preventScroll: true });
      }
    }
  }

  function choose(number) {
    const fieldset = labels[selected];
    if (!fieldset) {
      return false;
    }
    const choices = fieldset.querySelectorAll(".key-choice input");
    const input = choices[number - 1];
    if (!input) {
      return false;
    }
    if (input.type === "checkbox") {
      input.checked = !input.checked;
    } else {
      input.checked = true;
      // One value chosen: on to the next label, so a whole item takes a few keys.
      // A label typed rather than chosen takes the focus, ready for typing.
      if (selected < labels.length - 1) {
        select(selected + 1, !labels[selected + 1].querySelector(".key-choice"));
      }
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function press(selector) {
    const target = form.querySelector(selector);
    if (!target) {
      return false;
    }
    target.click();
    return true;
  }

  function go(rel) {
    const link = form.querySelector("a[rel=" + rel + "]");
    if (!link) {
      return false;
    }
    window.location.assign(link.href);
    return true;
  }

  labels.forEach(function (fieldset, i) {
    fieldset.addEventListener("focusin", function () { select(i, false); });
    fieldset.addEventListener("click", function () { select(i, false); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const inText = typingIn(event.target);
    let done = false;
    if (event.key === "Enter") {
      // In a text area Enter is a new line; on a button or link it presses that one.
      if (event.target.matches("textarea, button, a")) {
        return;
      }
      done = press("button[data-key=submit]");
    } else if (inText) {
      return;
    } else if (/^[1-9]$/.test(event.key)) {
      done = choose(Number(event.key));
    } else if (event.key === "s" || event.key === "S") {
      done = press("button[data-key=skip]");
    } else if (event.key === "ArrowUp") {
      select(selected - 1, true);
      done = true;
    } else if (event.key === "ArrowDown") {
      select(selected + 1, true);
      done = true;
    } else if (event.key === "ArrowLeft") {
      done = go("prev");
    } else if (event.key === "ArrowRight") {
      done = go("next");
    }
    if (done) {
      event.preventDefault();
    }
  });

  // The trace context loads when it is first opened (the server renders and escapes it).
  const context = document.querySelector("details.trace-context");
  if (context) {
    context.addEventListener("toggle", async function () {
      if (!context.open || context.dataset.loaded) {
        return;
      }
      context.dataset.loaded = "1";
      const response = await fetch(context.dataset.src, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const body = page.querySelector(".context-body");
        if (body) {
          context.querySelector(".context-body").replaceWith(document.importNode(body, true));
        }
      }
    });
  }

  const invalid = labels.findIndex(function (fieldset) { return fieldset.classList.contains("invalid"); });
  select(invalid >= 0 ? invalid : 0, invalid >= 0);
})();
