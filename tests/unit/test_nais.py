"""The NAIS resources: generated from the code, committed as generated, and every ACL what the catalogue and
the services say."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sykmeldingsflyt import nais
from sykmeldingsflyt.cli import app
from sykmeldingsflyt.messaging.topics import SYKMELDINGSFLYT_SCHEMAS, Party, catalogue
from sykmeldingsflyt.observability.probes import Health, probe_routes

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "deploy" / "nais"
TEAM = "teamsykmelding"
INSTALLATION = nais.Installation(team=TEAM, pool="nav-prod", image=nais.DEFAULT_IMAGE, parties=nais.parties(TEAM, []))
RESOURCES = nais.resources(INSTALLATION)
READS = nais.reads()


def _files(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): path.read_text() for path in sorted(folder.rglob("*.yaml"))}


def test_the_committed_resources_are_what_the_command_generates(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["topics", "nais", "--team", TEAM, "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert _files(tmp_path) == _files(COMMITTED), "run: sykmeldingsflyt topics nais --team teamsykmelding"


def _acl(topic_name: str) -> dict[tuple[str, str], str]:
    resource = yaml.safe_load((COMMITTED / "topics" / f"{topic_name}.yaml").read_text())
    assert resource["apiVersion"] == "kafka.nais.io/v1" and resource["kind"] == "Topic"
    return {(entry["team"], entry["application"]): entry["access"] for entry in resource["spec"]["acl"]}


@pytest.mark.parametrize("topic", catalogue(), ids=lambda topic: topic.name)
def test_every_acl_matches_the_catalogue_and_the_services(topic: Any) -> None:
    expected: dict[tuple[str, str], set[str]] = {}
    for party in topic.readers | topic.writers:
        if party in nais.OUTSIDE_NAV:
            continue  # they use the gateway
        done = expected.setdefault(INSTALLATION.parties[party], set())
        if party in topic.readers:
            done.add("read")
        if party in topic.writers:
            done.add("write")
    for process, reads in READS.items():
        if topic in reads:
            expected.setdefault((TEAM, f"sykmeldingsflyt-{process}"), set()).add("read")
    for process, writes in nais.produces().items():
        # Every process publishes the schemas it writes with on the schema topic, before it writes.
        if topic in writes or topic == SYKMELDINGSFLYT_SCHEMAS:
            relay_reads_back = process != nais.HTTP_GATEWAY
            expected.setdefault((TEAM, f"sykmeldingsflyt-{process}"), set()).update(
                {"read", "write"} if relay_reads_back else {"write"}
            )

    assert _acl(topic.name) == {
        who: "readwrite" if done == {"read", "write"} else next(iter(done)) for who, done in expected.items()
    }


@pytest.mark.parametrize("topic", catalogue(), ids=lambda topic: topic.name)
def test_every_topic_has_a_writer_and_a_reader(topic: Any) -> None:
    accesses = set(_acl(topic.name).values())
    outside = bool((topic.writers | topic.readers) & nais.OUTSIDE_NAV)

    assert accesses & {"write", "readwrite"} or (topic.writers & nais.OUTSIDE_NAV), "nobody writes it"
    assert accesses & {"read", "readwrite"} or outside, "nobody reads it"


def test_no_party_outside_nav_gets_an_acl() -> None:
    outside_teams = {INSTALLATION.parties.get(party) for party in nais.OUTSIDE_NAV}
    assert outside_teams == {None}


def _readme_lists(process: str) -> tuple[set[str], set[str]]:
    text = (ROOT / "services" / process / "README.md").read_text()
    sections = re.split(r"\n(?=Consumes:|Produces)", text)
    consumes = next(section for section in sections if section.startswith("Consumes:"))
    produces = next(section for section in sections if section.startswith("Produces"))

    def topics(section: str) -> set[str]:
        return set(re.findall(r"^- ([a-z.-]+[a-z])(?: \(|$)", section.split("\n\n", maxsplit=1)[0], re.MULTILINE))

    return topics(consumes), topics(produces)


@pytest.mark.parametrize("process", sorted(set(nais.produces()) - {nais.HTTP_GATEWAY}))
def test_each_service_readme_lists_what_it_reads_and_writes(process: str) -> None:
    consumes, produces = _readme_lists(process)
    writes = nais.produces()[nais.HTTP_GATEWAY if process == "gateway" else process]

    assert consumes == {topic.name for topic in READS[process]}
    assert produces == {topic.name for topic in writes}


@pytest.mark.parametrize("name", sorted(path.name for path in (COMMITTED / "apps").glob("*.yaml")))
def test_each_application_manifest_runs_a_command_with_probes_that_exist(name: str) -> None:
    manifest = yaml.safe_load((COMMITTED / "apps" / name).read_text())
    spec = manifest["spec"]
    served = {path for path, _ in probe_routes(Health())}

    assert (manifest["apiVersion"], manifest["kind"]) == ("nais.io/v1alpha1", "Application")
    assert {spec["liveness"]["path"], spec["readiness"]["path"], spec["prometheus"]["path"]} <= served
    assert spec["kafka"]["pool"] == "nav-prod" and spec["port"] == 8080
    assert spec["replicas"]["min"] <= spec["replicas"]["max"]
    assert spec["command"][0] == "sykmeldingsflyt"
    assert CliRunner().invoke(app, [spec["command"][1], "--help"]).exit_code == 0
    env = {entry["name"]: entry["value"] for entry in spec["env"]}
    assert env["SYKMELDINGSFLYT_TOPIC_PREFIX"] == f"{TEAM}."
    # NAIS sets the OTEL_* variables that turn the services' own tracing on, and injects no agent.
    assert spec["observability"]["autoInstrumentation"] == {"enabled": True, "runtime": "sdk"}
    # The production profile refuses to start without its own database, pseudonym key and dead-letter keyring.
    assert {source["secret"] for source in spec["envFrom"]} == {
        "sykmeldingsflyt-database",
        "sykmeldingsflyt-pseudonym-key",
        "sykmeldingsflyt-dead-letter-keys",
    }


def test_only_the_http_gateway_is_reachable_from_outside_with_maskinporten_and_tokenx() -> None:
    for name, resource in RESOURCES.items():
        if resource["kind"] != "Application":
            continue
        spec = resource["spec"]
        http = name.endswith(f"{nais.HTTP_GATEWAY}.yaml")
        assert ("ingresses" in spec) is http, name
        assert ("maskinporten" in spec) is http and ("tokenx" in spec) is http, name


def test_a_party_can_be_placed_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    placed = CliRunner().invoke(
        app, ["topics", "nais", "--team", TEAM, "--party", "nav=teamx/appy", "--out", str(tmp_path)]
    )
    wrong = CliRunner().invoke(
        app, ["topics", "nais", "--team", TEAM, "--party", "epj=vendor/x", "--out", str(tmp_path)]
    )

    assert placed.exit_code == 0
    assert ("teamx", "appy") in {
        (entry["team"], entry["application"])
        for entry in yaml.safe_load((tmp_path / "topics" / "nav.sykmelding.yaml").read_text())["spec"]["acl"]
    }
    assert wrong.exit_code == 2 and "--party epj=vendor/x" in wrong.output
    assert Party.EPJ in nais.OUTSIDE_NAV


def test_every_process_may_publish_and_read_the_schema_topic() -> None:
    # On Aiven a topic and its ACLs are declared, not created on request: every process needs this one.
    acl = _acl(SYKMELDINGSFLYT_SCHEMAS.name)
    for process in nais.produces():
        wanted = "write" if process == nais.HTTP_GATEWAY else "readwrite"
        assert acl[(TEAM, f"sykmeldingsflyt-{process}")] == wanted, process
