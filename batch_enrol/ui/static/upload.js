// Drag a spreadsheet onto the upload box: the same as choosing it with the button.
(function () {
  const drop = document.getElementById("drop"), input = document.getElementById("spreadsheet");
  if (!drop || !input) return;
  ["dragenter", "dragover"].forEach((e) => drop.addEventListener(e, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((e) => drop.addEventListener(e, (ev) => { ev.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (ev) => { if (ev.dataTransfer.files.length) input.files = ev.dataTransfer.files; });
})();
