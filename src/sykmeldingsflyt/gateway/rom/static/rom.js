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
  kilde.addEventListener("tilstand", function (event) {
    document.getElementById("tilstand").innerHTML = event.data;
  });
  kilde.addEventListener("slutt", function () {
    kilde.close();
    status.textContent = "Du er logget ut. Last inn siden på nytt.";
  });
})();

// A refused form: the error summary takes the focus, so a screen reader reads what to correct.
(function () {
  const feil = document.getElementById("feiloppsummering");
  if (feil) feil.focus();
})();
