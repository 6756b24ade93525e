// Live progress of a run from its server-sent events; no build step, no dependencies.
(function () {
  const me = document.currentScript;
  const $ = (id) => document.getElementById(id);
  const source = new EventSource(me.dataset.events);
  source.onmessage = (event) => {
    const s = JSON.parse(event.data);
    $("done").textContent = s.done;
    $("total").textContent = s.total === null ? "…" : s.total;
    $("rate").textContent = s.rate.toFixed(1);
    $("eta").textContent = s.stopping ? "stopping, nothing more is sent" : s.eta_s === null ? "time left: working it out" : "about " + Math.max(1, Math.round(s.eta_s / 60)) + " min left";
    if (s.total) { $("bar").max = s.total; $("bar").value = s.done; }
    const rows = $("rows");
    for (const [row, status, word] of s.rows) {
      const tr = document.createElement("tr");
      tr.dataset.status = status;
      const a = document.createElement("td"), b = document.createElement("td");
      a.textContent = row; b.textContent = word;
      tr.append(a, b);
      rows.prepend(tr);
    }
    const counts = $("counts");
    counts.replaceChildren(...s.totals.map(([word, n]) => {
      const li = document.createElement("li");
      li.textContent = word + ": " + n;
      return li;
    }));
    if (s.stopping) { $("state").textContent = "Stopping: the rows in progress are finishing."; $("stop").disabled = true; }
  };
  source.addEventListener("end", () => { source.close(); window.location.assign(me.dataset.done); });
})();
