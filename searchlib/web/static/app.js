// Enhancements only: every page works without this script.
"use strict";

// "/" focuses the query box, as on most search sites, unless the reader is typing.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
    return;
  }
  const box = document.getElementById("q");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// Recency and query expansion re-rank by relevance: a date order turns them off here,
// as the server would refuse the combination.
const sort = document.getElementById("sort");
if (sort instanceof HTMLSelectElement) {
  const byRelevance = () => {
    const relevance = sort.value === "relevance";
    for (const id of ["recent", "expand"]) {
      const input = document.getElementById(id);
      if (input instanceof HTMLInputElement) input.disabled = !relevance;
    }
  };
  sort.addEventListener("change", byRelevance);
  byRelevance();
}

// A search's URL is its bookmark: leave out the form's empty fields, and those at
// their default (`data-default`).
const form = document.getElementById("search");
if (form instanceof HTMLFormElement) {
  const fields = () => Array.from(form.querySelectorAll("input[name], select[name]"))
    .filter((f) => f instanceof HTMLInputElement || f instanceof HTMLSelectElement);
  form.addEventListener("submit", () => {
    for (const field of fields()) {
      const unset = field.value === "" || field.value === field.dataset.default;
      if (field.name !== "q" && unset) field.disabled = true;
    }
  });
  // Coming back to this page (the browser's Back) restores it as it was left, fields
  // switched off included: switch them on again.
  window.addEventListener("pageshow", () => {
    for (const field of fields()) field.disabled = false;
    if (sort instanceof HTMLSelectElement) sort.dispatchEvent(new Event("change"));
  });
}
