"""Registers read from a folder of YAML (or JSON) files, for test environments, vendors' sandboxes and the demo.

One file per register, each optional (a missing file is an empty register):

- `behandlere.yaml`: a list of doctors in syfohelsenettproxy's JSON shape (`hprNummer`, `fnr`,
  `godkjenninger` with `helsepersonellkategori`, `autorisasjon`, `tillegskompetanse`);
- `suspensjoner.yaml`: a list of `{fnr, fom, tom?}`: the doctor may not write sykmeldinger in the period;
- `personer.yaml`: `personer` (a list of `{fnr, fodselsdato?, dodsdato?, tidligereIdenter?}`), and
  `syntetiske: true` to let every valid synthetic fnr (birth month + 80) not listed in `ukjente` name a
  person born on the date it encodes;
- `fastleger.yaml`: `fastleger` (a list of `{pasientFnr, herId, legekontorHerId}`), and `syntetiske:
  {herId, legekontorHerId}` for every synthetic person not listed in `utenFastlege`;
- `arbeidsforhold.yaml`: a list of `{fnr, orgnummer, juridiskOrgnummer, fom, tom?}`;
- `naermesteledere.yaml`: a list of `{fnr, orgnummer, lederFnr, aktivFom, aktivTom?}`.

Everything is validated when the folder is read; each problem names the file, the entry and the field,
never an fnr. `sykmeldingsflyt registers check PATH` runs the same validation.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, fnr_birth_date, is_valid_fnr, safe_errors
from sykmeldingsflyt.domain.registers import Arbeidsforhold, HprBehandler, LedetAnsatt, NaermesteLeder, Person
from sykmeldingsflyt.registers.nav.hpr import BehandlerJson
from sykmeldingsflyt.registers.registre import Registre

_SYNTHETIC_MONTH_OFFSET = 80


def bundled_folder() -> Path:
    """The folder shipped with the package: every doctor and person the demo and the tests use."""
    return Path(str(package_files("sykmeldingsflyt.registers") / "data" / "local"))


class RegisterfilFeil(ValueError):  # noqa: N818 - the domain's word: a register file error
    """The folder cannot be read as registers; `problems` has one line per problem."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        super().__init__(f"{folder}: {len(problems)} feil i registerfilene:\n" + "\n".join(problems))
        self.problems = problems


def is_synthetic(fnr: str) -> bool:
    return is_valid_fnr(fnr) and int(fnr[2:4]) > _SYNTHETIC_MONTH_OFFSET


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class _Behandler(BehandlerJson):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    fnr: Fnr = Field(repr=False)


class _Suspensjon(_Model):
    fnr: Fnr = Field(repr=False)
    fom: date
    tom: date | None = None


class _Person(_Model):
    fnr: Fnr = Field(repr=False)
    fodselsdato: date | None = None
    dodsdato: date | None = None
    tidligere_identer: list[Fnr] = Field(default=[], alias="tidligereIdenter", repr=False)


class _Personer(_Model):
    syntetiske: bool = False
    ukjente: list[Fnr] = Field(default=[], repr=False)
    personer: list[_Person] = []


class _FastlegeKontor(_Model):
    her_id: str = Field(alias="herId", min_length=1)
    legekontor_her_id: str = Field(alias="legekontorHerId", min_length=1)


class _Fastlege(_FastlegeKontor):
    pasient_fnr: Fnr = Field(alias="pasientFnr", repr=False)


class _Fastleger(_Model):
    syntetiske: _FastlegeKontor | None = None
    uten_fastlege: list[Fnr] = Field(default=[], alias="utenFastlege", repr=False)
    fastleger: list[_Fastlege] = []


class _Arbeidsforhold(_Model):
    fnr: Fnr = Field(repr=False)
    orgnummer: Orgnr
    juridisk_orgnummer: Orgnr = Field(alias="juridiskOrgnummer")
    fom: date
    tom: date | None = None


class _NaermesteLeder(_Model):
    fnr: Fnr = Field(repr=False)
    orgnummer: Orgnr
    leder_fnr: Fnr = Field(alias="lederFnr", repr=False)
    aktiv_fom: date = Field(alias="aktivFom")
    aktiv_tom: date | None = Field(default=None, alias="aktivTom")


@dataclass(frozen=True)
class _Innhold:
    behandlere: list[_Behandler]
    suspensjoner: list[_Suspensjon]
    personer: _Personer
    fastleger: _Fastleger
    arbeidsforhold: list[_Arbeidsforhold]
    naermesteledere: list[_NaermesteLeder]


_FILES: dict[str, TypeAdapter[Any]] = {
    "behandlere": TypeAdapter(list[_Behandler]),
    "suspensjoner": TypeAdapter(list[_Suspensjon]),
    "personer": TypeAdapter(_Personer),
    "fastleger": TypeAdapter(_Fastleger),
    "arbeidsforhold": TypeAdapter(list[_Arbeidsforhold]),
    "naermesteledere": TypeAdapter(list[_NaermesteLeder]),
}
_EMPTY: dict[str, object] = {"personer": {}, "fastleger": {}}


def _find(folder: Path, name: str) -> Path | None:
    candidates = (folder / f"{name}{ext}" for ext in (".yaml", ".yml", ".json"))
    return next((path for path in candidates if path.is_file()), None)


def _where(loc: str) -> str:
    # "[3].godkjenninger[0].autorisasjon" reads as "oppføring 3, felt godkjenninger[0].autorisasjon".
    if loc.startswith("["):
        index, _, rest = loc[1:].partition("]")
        return f"oppføring {index}, felt {rest.lstrip('.') or '(hele oppføringen)'}"
    return f"felt {loc or '(hele filen)'}"


def _read(folder: Path) -> _Innhold:
    if not folder.is_dir():
        raise RegisterfilFeil(folder, [f"{folder}: ingen slik mappe"])
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for name, adapter in _FILES.items():
        path = _find(folder, name)
        raw: object = _EMPTY.get(name, [])
        if path is not None:
            try:
                raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                problems.append(f"{path.name}: ikke gyldig YAML/JSON ({getattr(exc, 'problem', exc)})")
                continue
            if raw is None:
                raw = _EMPTY.get(name, [])
        try:
            parsed[name] = adapter.validate_python(raw)
        except ValidationError as exc:
            file_name = path.name if path else name
            problems += [f"{file_name}: {_where(e.field)}: {e.message}" for e in safe_errors(exc)]
    if problems:
        raise RegisterfilFeil(folder, problems)
    return _Innhold(**parsed)


class FileRegistre:
    """Every register over the contents of one folder, read and validated once."""

    def __init__(self, innhold: _Innhold) -> None:
        self._behandlere: dict[str, HprBehandler] = {}
        self._hpr_nummer: dict[str, HprBehandler] = {}
        for json in innhold.behandlere:
            behandler = json.behandler()
            self._behandlere[behandler.fnr] = behandler
            self._hpr_nummer[behandler.hpr_nummer] = behandler
        self._suspensjoner: dict[str, list[_Suspensjon]] = defaultdict(list)
        for suspensjon in innhold.suspensjoner:
            self._suspensjoner[suspensjon.fnr].append(suspensjon)
        self._personer: dict[str, Person] = {}
        for p in innhold.personer.personer:
            identer = (p.fnr, *p.tidligere_identer)
            person = Person(p.fnr, p.fodselsdato or fnr_birth_date(p.fnr), p.dodsdato, identer)
            for ident in identer:
                self._personer[ident] = person
        self._syntetiske_personer = innhold.personer.syntetiske
        self._ukjente = frozenset(innhold.personer.ukjente)
        self._fastleger = {f.pasient_fnr: Fastlege(f.her_id, f.legekontor_her_id) for f in innhold.fastleger.fastleger}
        kontor = innhold.fastleger.syntetiske
        self._syntetisk_fastlege = Fastlege(kontor.her_id, kontor.legekontor_her_id) if kontor else None
        self._uten_fastlege = frozenset(innhold.fastleger.uten_fastlege)
        self._arbeidsforhold: dict[str, list[Arbeidsforhold]] = defaultdict(list)
        for a in innhold.arbeidsforhold:
            self._arbeidsforhold[a.fnr].append(Arbeidsforhold(a.orgnummer, a.juridisk_orgnummer, a.fom, a.tom))
        self._ledere = {
            (n.fnr, n.orgnummer): NaermesteLeder(n.orgnummer, n.leder_fnr, n.aktiv_fom, n.aktiv_tom)
            for n in innhold.naermesteledere
            if n.aktiv_tom is None
        }
        self._ansatte: dict[str, list[LedetAnsatt]] = defaultdict(list)
        for (fnr, orgnummer), leder in self._ledere.items():
            self._ansatte[leder.leder_fnr].append(LedetAnsatt(fnr, orgnummer))

    @classmethod
    def read(cls, folder: Path) -> Self:
        """The registers in `folder`; `RegisterfilFeil` lists every problem at once."""
        return cls(_read(folder))

    def registre(self) -> Registre:
        return Registre(
            hpr=self,
            legesuspensjon=self,
            folkeregister=self,
            fastlegeregister=self,
            aareg=self,
            naermeste_leder=self,
        )

    async def behandler(self, fnr: str) -> HprBehandler | None:
        return self._behandlere.get(fnr)

    async def behandler_med_hpr_nummer(self, hpr_nummer: str) -> HprBehandler | None:
        return self._hpr_nummer.get(hpr_nummer)

    async def er_suspendert(self, behandler_fnr: str, dato: date) -> bool:
        perioder = self._suspensjoner.get(behandler_fnr, ())
        return any(s.fom <= dato and (s.tom is None or dato <= s.tom) for s in perioder)

    async def person(self, ident: str) -> Person | None:
        person = self._personer.get(ident)
        if person is None and self._syntetiske_personer and ident not in self._ukjente and is_synthetic(ident):
            return Person(ident, fnr_birth_date(ident), identer=(ident,))
        return person

    async def fastlege(self, fnr: str) -> Fastlege | None:
        fastlege = self._fastleger.get(fnr)
        if fastlege is None and fnr not in self._uten_fastlege and is_synthetic(fnr):
            return self._syntetisk_fastlege
        return fastlege

    async def arbeidsforhold(self, fnr: str) -> tuple[Arbeidsforhold, ...]:
        return tuple(self._arbeidsforhold.get(fnr, ()))

    async def naermeste_leder(self, fnr: str, orgnummer: str) -> NaermesteLeder | None:
        return self._ledere.get((fnr, orgnummer))

    async def ansatte(self, leder_fnr: str) -> tuple[LedetAnsatt, ...]:
        return tuple(self._ansatte.get(leder_fnr, ()))


@cache
def bundled_registre() -> Registre:
    """The bundled folder's registers, read once per process and shared."""
    return FileRegistre.read(bundled_folder()).registre()
