// Live updates: the server sends the case's content again (as HTML it rendered) when it changes.
// Without JavaScript the page is the same, only not live.
(function () {
  const sak = document.getElementById("sak");
  const status = document.getElementById("status");
  if (!sak || !window.EventSource) return;
  const kilde = new EventSource(sak.dataset.hendelser);
  kilde.addEventListener("sak", function (event) {
    sak.innerHTML = event.data;
    status.textContent = "Saken ble oppdatert " + new Date().toLocaleTimeString("nb-NO");
  });
  kilde.addEventListener("slutt", function () {
    kilde.close();
    status.textContent = "Du er logget ut. Last inn siden på nytt.";
  });
})();

// The sykmeldt asks for a dialogue meeting: sent as JSON, as the gateway takes every POST, with a key
// that makes a double click one request.
(function () {
  const skjema = document.getElementById("motebehov");
  if (!skjema) return;
  const svar = document.getElementById("motebehov-svar");
  skjema.addEventListener("submit", async function (event) {
    event.preventDefault();
    const nokkel = skjema.dataset.nokkel || (skjema.dataset.nokkel = crypto.randomUUID());
    const respons = await fetch(skjema.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": nokkel },
      body: JSON.stringify({ begrunnelse: skjema.elements.begrunnelse.value }),
    });
    svar.textContent = respons.status === 202
      ? "Takk! NAV har fått beskjed om at du ønsker et dialogmøte."
      : "Noe gikk galt. Prøv igjen senere.";
  });
})();
