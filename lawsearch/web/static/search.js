// Progressive: the page works without this. Changing the mode or a filter of a search already shown runs it again.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.search");
  if (!form) return;
  const query = form.querySelector("input[name=q]");
  form.querySelectorAll("select, input[type=checkbox]").forEach((control) => {
    control.addEventListener("change", () => { if (query.value.trim()) form.submit(); });
  });
});
