"""Wording NAV's rule texts share."""

SKRIV_NY = (
    "Sykmeldingen kan ikke rettes, det må skrives en ny. "
    "Pasienten har fått beskjed om å vente på ny sykmelding fra deg. Grunnet følgende: "
)
"""How NAV opens the sender text of a rejection the doctor can only fix by writing a new sykmelding."""
