"""The Grafana dashboard reads only metrics the code records, and shows every one of them."""

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import sykmeldingsflyt.observability.metrics  # noqa: F401 - registers the product's metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "sykmeldingsflyt.json"


def test_every_panel_reads_a_recorded_metric_and_every_metric_has_a_panel() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    # A counter's family is named without _total; a histogram's series add _bucket, _count and _sum.
    shown = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for expr in expressions
        for name in re.findall(r"sykmeldingsflyt_[a-z_]+", expr)
    }
    recorded = {family.name for family in REGISTRY.collect() if family.name.startswith("sykmeldingsflyt_")}

    assert shown <= recorded, f"panels read metrics nobody records: {sorted(shown - recorded)}"
    assert recorded <= shown, f"no panel for {sorted(recorded - shown)}"
