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
