// annotrace dashboard: the drawer, the span tree, tabs, forms that save in place, and the
// keyboard. Every link and form also works without this script (whole-page navigation).
// Server responses are HTML rendered (and escaped) by the server; this script never builds
// markup out of data.
"use strict";

(function () {
  const FETCH = { "X-Requested-With": "fetch" };

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  async function get(url) {
    const response = await fetch(url, { headers: FETCH, credentials: "same-origin" });
    return handle(response);
  }

  async function handle(response) {
    const signIn = response.headers.get("X-Sign-In");
    if (response.status === 401 && signIn) {
      window.location.assign(signIn);
      return null;
    }
    const html = await response.text();
    if (response.ok || response.status === 422) {
      return html;
    }
    // An error page: show its message, keep the page as it is.
    const page = new DOMParser().parseFromString(html, "text/html");
    const message = page.querySelector("[role=alert]");
    announce(message ? message.textContent : "Request failed (" + response.status + ")");
    return null;
  }

  function announce(text) {
    let box = document.getElementById("announcer");
    if (!box) {
      box = document.createElement("div");
      box.id = "announcer";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
    window.setTimeout(function () { box.textContent = ""; }, 6000);
  }

  function setParams(changes, push) {
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined || value === "") {
        url.searchParams.delete(key);
      } else {
        url.searchParams.set(key, value);
      }
    }
    if (push) {
      window.history.pushState({}, "", url);
    } else {
      window.history.replaceState({}, "", url);
    }
  }

  function replace(element, html) {
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.firstElementChild;
    element.replaceWith(fresh);
    return fresh;
  }

  // --- the trace list -----------------------------------------------------------------

  function rows() {
    return Array.from(document.querySelectorAll("#trace-list .trace-row"));
  }

  function focusRow(row) {
    for (const other of rows()) {
      other.tabIndex = -1;
    }
    row.tabIndex = 0;
    row.focus();
  }

  async function openTrace(row) {
    const link = row.querySelector(".open-trace");
    const html = await get(link.dataset.drawer);
    if (html === null) {
      return;
    }
    const host = document.getElementById("drawer-host");
    host.innerHTML = html;
    for (const other of rows()) {
      other.classList.toggle("selected", other === row);
    }
    // A row of the Spans view opens its trace at its span.
    const span = row.dataset.spanId || null;
    setParams({ trace: row.dataset.traceId, span: span, tab: null, add: null, edit: null }, true);
    const selected = host.querySelector('[role=treeitem][aria-selected="true"]')
      || host.querySelector("[role=treeitem]");
    if (selected) {
      focusItem(selected);
    }
  }

  function closeDrawer() {
    const drawer = document.getElementById("drawer");
    if (!drawer) {
      return;
    }
    const traceId = drawer.dataset.traceId;
    drawer.remove();
    setParams({ trace: null, span: null, tab: null, add: null, edit: null }, true);
    const row = document.querySelector("#trace-list .trace-row.selected")
      || rows().find(function (r) { return r.dataset.traceId === traceId; });
    if (row) {
      row.classList.remove("selected");
      focusRow(row);
    }
  }

  // --- the span tree --------------------------------------------------------------------

  function visibleItems() {
    return Array.from(document.querySelectorAll("#drawer [role=treeitem]")).filter(function (item) {
      const collapsed = item.parentElement.closest('[role=treeitem][aria-expanded="false"]');
      return collapsed === null;
    });
  }

  function focusItem(item) {
    for (const other of document.querySelectorAll("#drawer [role=treeitem]")) {
      other.tabIndex = -1;
    }
    item.tabIndex = 0;
    item.focus();
  }

  async function selectSpan(item) {
    const link = item.querySelector(":scope > .node .span-link");
    const tab = currentTab();
    const html = await get(link.dataset.detail + "&tab=" + encodeURIComponent(tab));
    if (html === null) {
      return;
    }
    document.getElementById("span-detail").innerHTML = html;
    for (const other of document.querySelectorAll("#drawer [role=treeitem]")) {
      other.setAttribute("aria-selected", other === item ? "true" : "false");
    }
    focusItem(item);
    setParams({ span: item.dataset.spanId, add: null, edit: null }, true);
  }

  function setExpanded(item, expanded) {
    if (item.hasAttribute("aria-expanded")) {
      item.setAttribute("aria-expanded", expanded ? "true" : "false");
      const arrow = item.querySelector(":scope > .node .toggle [aria-hidden]");
      if (arrow) {
        arrow.textContent = expanded ? "▾" : "▸";
      }
    }
  }

  function treeKey(event, item) {
    const items = visibleItems();
    const index = items.indexOf(item);
    const key = event.key;
    if (key === "ArrowDown" || key === "j") {
      if (index < items.length - 1) { focusItem(items[index + 1]); }
    } else if (key === "ArrowUp" || key === "k") {
      if (index > 0) { focusItem(items[index - 1]); }
    } else if (key === "ArrowRight") {
      if (item.getAttribute("aria-expanded") === "false") {
        setExpanded(item, true);
      } else if (item.getAttribute("aria-expanded") === "true") {
        focusItem(items[index + 1]);
      }
    } else if (key === "ArrowLeft") {
      if (item.getAttribute("aria-expanded") === "true") {
        setExpanded(item, false);
      } else {
        const parent = item.parentElement.closest("[role=treeitem]");
        if (parent) { focusItem(parent); }
      }
    } else if (key === "Enter" || key === " ") {
      selectSpan(item);
    } else {
      return false;
    }
    return true;
  }

  // --- tabs ------------------------------------------------------------------------------

  function currentTab() {
    const tab = document.querySelector('#span-detail [role=tab][aria-selected="true"]');
    return tab ? tab.id.replace("tab-", "") : "io";
  }

  function showTab(tab) {
    for (const other of document.querySelectorAll("#span-detail [role=tab]")) {
      const on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    }
    setParams({ tab: tab.id.replace("tab-", "") }, false);
  }

  // --- the annotation form ----------------------------------------------------------------

  function evaluation() {
    return document.getElementById("evaluation");
  }

  async function openAnnotationForm() {
    const panel = evaluation();
    if (!panel) {
      return;
    }
    const tab = document.getElementById("tab-evaluation");
    if (tab) { showTab(tab); }
    const existing = panel.querySelector(".annotation-form");
    if (!existing) {
      const url = "/spans/" + panel.dataset.spanId + "/evaluation?trace_id="
        + panel.dataset.traceId + "&add=1";
      const html = await get(url);
      if (html === null) { return; }
      replace(panel, html);
    }
    const name = document.getElementById("ann-name");
    if (name) { name.focus(); }
  }

  function fitFields(nameInput) {
    const form = nameInput.closest("form");
    const wanted = nameInput.value.trim().toLowerCase();
    let template = null;
    for (const candidate of form.querySelectorAll("template[data-label-name]")) {
      if (candidate.dataset.labelName !== "" && candidate.dataset.labelName === wanted) {
        template = candidate;
      }
    }
    template = template || form.querySelector('template[data-label-name=""]');
    const target = form.querySelector(".typed-fields");
    if (target.dataset.fittedTo === (template.dataset.labelName || "")) {
      return;
    }
    target.replaceChildren(template.content.cloneNode(true));
    target.dataset.fittedTo = template.dataset.labelName || "";
  }

  async function submitInPlace(form) {
    const target = form.closest(form.dataset.swap) || document.querySelector(form.dataset.swap);
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: Object.assign({ "X-CSRF-Token": csrfToken() }, FETCH),
      credentials: "same-origin",
    });
    const html = await handle(response);
    if (html === null || !target) {
      return;
    }
    const fresh = replace(target, html);
    refreshChips(fresh);
    const invalid = fresh.querySelector("[aria-invalid=true], .field-error");
    if (invalid) {
      const field = fresh.querySelector("[aria-invalid=true]") || fresh.querySelector("input, textarea, select");
      if (field) { field.focus(); }
    } else {
      announce(response.status === 200 ? "Saved." : "");
    }
  }

  function refreshChips(panel) {
    const source = panel.querySelector(".chip-source");
    if (!source) {
      return;
    }
    const item = document.querySelector(
      '#drawer [role=treeitem][data-span-id="' + source.dataset.spanId + '"]'
    );
    if (!item) {
      return;
    }
    const node = item.querySelector(":scope > .node");
    for (const chip of node.querySelectorAll(".chip")) {
      chip.remove();
    }
    for (const chip of source.children) {
      node.appendChild(chip.cloneNode(true));
    }
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // --- wiring (delegated, so swapped-in content works as it arrives) ----------------------

  document.addEventListener("click", function (event) {
    const target = event.target;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) {
      return;
    }
    const open = target.closest(".open-trace");
    if (open) {
      event.preventDefault();
      openTrace(open.closest(".trace-row"));
      return;
    }
    if (target.closest(".close-drawer")) {
      event.preventDefault();
      closeDrawer();
      return;
    }
    const toggle = target.closest("#drawer .toggle");
    if (toggle) {
      const item = toggle.closest("[role=treeitem]");
      setExpanded(item, item.getAttribute("aria-expanded") !== "true");
      return;
    }
    const spanLink = target.closest("#drawer .span-link");
    if (spanLink) {
      event.preventDefault();
      selectSpan(spanLink.closest("[role=treeitem]"));
      return;
    }
    const tab = target.closest("#span-detail [role=tab]");
    if (tab) {
      event.preventDefault();
      showTab(tab);
      return;
    }
    if (target.closest("[data-open-form]")) {
      event.preventDefault();
      openAnnotationForm();
      return;
    }
    const edit = target.closest(".edit-annotation");
    if (edit) {
      event.preventDefault();
      get(edit.dataset.edit).then(function (html) {
        if (html !== null) {
          replace(evaluation(), html);
          const label = document.getElementById("ann-label") || document.getElementById("ann-score");
          if (label) { label.focus(); }
        }
      });
      return;
    }
    if (target.closest("[data-cancel]")) {
      event.preventDefault();
      const panel = evaluation();
      get("/spans/" + panel.dataset.spanId + "/evaluation?trace_id=" + panel.dataset.traceId)
        .then(function (html) { if (html !== null) { replace(panel, html); } });
    }
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.dataset.swap) {
      return;
    }
    if (form.action.indexOf("/delete") !== -1 && !window.confirm("Delete it? This cannot be undone.")) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    submitInPlace(form);
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "ann-name" && !event.target.readOnly) {
      fitFields(event.target);
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) {
      event.target.form.submit();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const target = event.target;
    if (event.key === "Escape") {
      const form = target.closest(".annotation-form");
      if (form) {
        form.querySelector("[data-cancel]").click();
      } else if (document.getElementById("drawer")) {
        closeDrawer();
      }
      event.preventDefault();
      return;
    }
    if (typing(target)) {
      return;
    }
    const item = target.closest("#drawer [role=treeitem]");
    if (item && treeKey(event, item)) {
      event.preventDefault();
      return;
    }
    const tab = target.closest("#span-detail [role=tab]");
    if (tab && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const tabs = Array.from(document.querySelectorAll("#span-detail [role=tab]"));
      const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      showTab(next);
      next.focus();
      event.preventDefault();
      return;
    }
    if (event.key === "a" && document.getElementById("evaluation")) {
      event.preventDefault();
      openAnnotationForm();
      return;
    }
    const list = rows();
    if (list.length === 0 || target.closest("#drawer")) {
      return;
    }
    const current = target.closest(".trace-row");
    const index = current ? list.indexOf(current) : -1;
    if (event.key === "ArrowDown" || event.key === "j") {
      focusRow(list[Math.min(index + 1, list.length - 1)]);
      event.preventDefault();
    } else if (event.key === "ArrowUp" || event.key === "k") {
      focusRow(list[Math.max(index - 1, 0)]);
      event.preventDefault();
    } else if (event.key === "Enter" && current) {
      openTrace(current);
      event.preventDefault();
    }
  });

  window.addEventListener("popstate", function () {
    window.location.reload();
  });

  document.addEventListener("DOMContentLoaded", function () {
    const selected = document.querySelector('#drawer [role=treeitem][aria-selected="true"]');
    if (selected) {
      selected.tabIndex = 0;
    } else if (rows().length > 0) {
      rows()[0].tabIndex = 0;
    }
    const name = document.getElementById("ann-name");
    if (name) {
      name.focus();
    }
  });
})();

// --- the filter bar (Traces page) ----------------------------------------------------------
(function () {
  const ROW_INDEX = "__i__";

  // Show only the fieldsets of the row's type; hidden ones are disabled too, so the URL
  // carries only the parts that count.
  function showRowParts(select) {
    const row = select.closest(".bar-row");
    for (const fieldset of row.querySelectorAll("fieldset.bar-parts")) {
      const chosen = fieldset.dataset.forTypes.split(" ").indexOf(select.value) !== -1;
      fieldset.hidden = !chosen;
      fieldset.disabled = !chosen;
    }
  }

  function addRow() {
    const list = document.getElementById("bar-rows");
    const template = document.getElementById("bar-row-template");
    let next = 0;
    for (const row of list.querySelectorAll(".bar-row")) {
      next = Math.max(next, Number(row.dataset.index) + 1);
    }
    const fresh = template.content.firstElementChild.cloneNode(true);
    for (const element of [fresh, ...fresh.querySelectorAll("*")]) {
      for (const attribute of Array.from(element.attributes)) {
        if (attribute.value.indexOf(ROW_INDEX) !== -1) {
          element.setAttribute(attribute.name, attribute.value.split(ROW_INDEX).join(String(next)));
        }
      }
    }
    list.appendChild(fresh);
    const type = fresh.querySelector(".bar-type");
    showRowParts(type);
    type.focus();
  }

  // A categorical label offers its options (from the page's datalists) in a select;
  // any other label, a text box.
  function fitOption(labelInput) {
    const row = labelInput.closest(".bar-row");
    const current = row.querySelector(".bar-option");
    const key = labelInput.value.trim().toLowerCase();
    const source = Array.from(document.querySelectorAll("datalist.label-options")).find(
      function (list) { return list.dataset.label === key; }
    );
    if (source ? current.dataset.label === key : current.tagName === "INPUT") {
      return;
    }
    let fresh;
    if (source) {
      fresh = document.createElement("select");
      const any = document.createElement("option");
      any.value = "";
      any.textContent = "any value";
      fresh.appendChild(any);
      for (const option of source.querySelectorAll("option")) {
        const copy = document.createElement("option");
        copy.value = option.value;
        copy.textContent = option.value;
        fresh.appendChild(copy);
      }
      fresh.multiple = row.querySelector(".bar-match").value === "in";
      fresh.dataset.label = key;
    } else {
      fresh = document.createElement("input");
      fresh.placeholder = "any value";
    }
    fresh.id = current.id;
    fresh.name = current.name;
    fresh.className = "bar-option";
    current.replaceWith(fresh);
  }

  // Empty fields say nothing: leave them out of the URL, so it stays short to share.
  function dropEmpty(event) {
    const kept = [];
    for (const [key, value] of event.formData.entries()) {
      if (value !== "") {
        kept.push([key, value]);
      }
    }
    for (const key of new Set(event.formData.keys())) {
      event.formData.delete(key);
    }
    for (const [key, value] of kept) {
      event.formData.append(key, value);
    }
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches(".bar-type")) {
      showRowParts(target);
    } else if (target.matches(".bar-match")) {
      const option = target.closest(".bar-row").querySelector(".bar-option");
      if (option.tagName === "SELECT") {
        option.multiple = target.value === "in";
      }
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches(".bar-label")) {
      fitOption(event.target);
    }
  });

  document.addEventListener("click", function (event) {
    const target = event.target;
    if (target.closest(".add-row")) {
      addRow();
      return;
    }
    const remove = target.closest(".remove-row");
    if (remove) {
      // Without the script this button submits the form with remove=<row>.
      event.preventDefault();
      const list = document.getElementById("bar-rows");
      remove.closest(".bar-row").remove();
      if (!list.querySelector(".bar-row")) {
        addRow();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("filter-bar");
    if (!form) {
      return;
    }
    form.addEventListener("formdata", dropEmpty);
    for (const select of form.querySelectorAll(".bar-type")) {
      showRowParts(select);
    }
    for (const button of form.querySelectorAll(".add-row")) {
      button.hidden = false;
    }
  });
})();

// --- the label form and confirmations (Labels and Keys pages) ------------------------------
(function () {
  // Show only the settings of the chosen label type. Hidden fieldsets are also disabled, so
  // the browser neither checks nor sends fields the server would ignore anyway.
  function showTypeFields(select) {
    for (const fieldset of select.form.querySelectorAll("fieldset[data-for-type]")) {
      const chosen = fieldset.dataset.forType === select.value;
      fieldset.hidden = !chosen;
      fieldset.disabled = !chosen;
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-type-switch]")) {
      showTypeFields(event.target);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    for (const select of document.querySelectorAll("select[data-type-switch]")) {
      showTypeFields(select);
    }
    // A refused form comes back with the cursor in the field to fix.
    const invalid = document.querySelector(".label-form [aria-invalid=true]");
    if (invalid) {
      invalid.focus();
    }
  });

  // Forms with data-confirm ask first. Capture phase: the question comes before any other
  // submit handler may send the form, and a "no" stops them all.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const question = form.dataset ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
