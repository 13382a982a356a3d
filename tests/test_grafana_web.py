"""doc/grafana/solveit-web.json, the example dashboard of the web server: valid JSON that Grafana
imports (schemaVersion >= 36, a ${DS_PROMETHEUS} datasource input), and every panel's query names
series that mod_solveit really exports: the names are read from the exposition writer itself
(mod_solveit/solveit_metrics.c), so a renamed series fails here, not on someone's wall screen."""

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "doc" / "grafana" / "solveit-web.json"
WRITER = REPO / "mod_solveit" / "solveit_metrics.c"

# What a histogram family exports besides its name.
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exported():
    """{series name: type} from the writer's family(t, "name", "type", ...) calls."""
    source = WRITER.read_text()
    families = dict(re.findall(r'family\(\s*&?t,\s*"(solveit_[a-z_]+)",\s*"([a-z]+)"', source))
    assert len(families) >= 9, families
    series = {}
    for name, kind in families.items():
        series[name] = kind
        if kind == "histogram":
            for suffix in HISTOGRAM_SUFFIXES:
                series[name + suffix] = kind
    return series


def panels(dashboard):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def test_the_dashboard_is_importable_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["schemaVersion"] >= 36
    inputs = {i["name"]: i for i in dashboard["__inputs"]}
    assert inputs["DS_PROMETHEUS"]["type"] == "datasource" and inputs["DS_PROMETHEUS"]["pluginId"] == "prometheus"
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]


def test_every_query_names_an_exported_series():
    series = exported()
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [(p["title"], t["expr"]) for p in panels(dashboard) for t in p.get("targets", [])]
    queries += [("variable " + v["name"], v["definition"]) for v in dashboard["templating"]["list"]]
    for title, expr in queries:
        names = set(re.findall(r"\bsolveit_[a-z_]+", expr))
        assert names, "%s: %s names no solveit series" % (title, expr)
        unknown = names - set(series)
        assert not unknown, "%s: %s is not exported by mod_solveit" % (title, ", ".join(sorted(unknown)))
        # rate()/increase() only over counters and histogram parts, histogram_quantile over buckets.
        for name in re.findall(r"\b(?:rate|increase)\((solveit_[a-z_]+)", expr):
            assert series[name] in ("counter", "histogram"), "%s: rate() of the gauge %s" % (title, name)
        for name in re.findall(r"histogram_quantile\([^,]+,[^()]*\([^()]*\((solveit_[a-z_]+)", expr):
            assert name.endswith("_bucket"), "%s: histogram_quantile over %s" % (title, name)


def test_the_dashboard_covers_what_an_operator_watches():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for needed in ("solveit_http_requests_total", "solveit_http_request_duration_seconds_bucket",
                   "solveit_submissions_accepted_total", "solveit_kafka_delivery_failures_total",
                   "solveit_kafka_queue_messages", "solveit_db_pool_wait_seconds_bucket"):
        assert needed in exprs, needed
    for q in ("0.5", "0.95", "0.99"):
        assert "histogram_quantile(%s, sum by (le) (rate(solveit_http_request_duration_seconds_bucket" % q in exprs
