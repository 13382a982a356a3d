"""doc/grafana/solveit-daemons.json, the example dashboard of the daemons' metrics (issue 15): a
dashboard Grafana imports (schemaVersion 36 or later, the Prometheus data source as the
${DS_PROMETHEUS} input) whose every query names series the daemons export, with the suffixes
their types have. The exported series are read from the code that registers them, so a renamed
series fails here rather than leaving an empty panel."""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "doc" / "grafana" / "solveit-daemons.json"
REGISTERED = re.compile(r'sv_metrics_(counter|gauge|histogram)\(\s*\w+(?:\.\w+)?,\s*"([a-z_:][a-z0-9_:]*)"', re.S)
SERIES = re.compile(r"\bsolveit_(?:worker|sink)_[a-z0-9_]+")
SUFFIXES = {"counter": ["_total"], "gauge": [""], "histogram": ["_bucket", "_sum", "_count"]}
# The labels each family has (the first string after the help text); for the by()/on() checks.
LABELS = re.compile(r'sv_metrics_(?:counter|gauge|histogram)\(\s*\w+(?:\.\w+)?,\s*"([a-z_:][a-z0-9_:]*)",'
                    r'(?:\s*"(?:[^"\\]|\\.)*")+,\s*(?:"([a-z_,]*)"|NULL)', re.S)


def exported():
    """{series name: type} the daemons serve."""
    series = {}
    for path in (REPO / "judge-worker" / "worker_metrics.c", REPO / "result-sink" / "sink_metrics.c"):
        for kind, name in REGISTERED.findall(path.read_text()):
            for suffix in SUFFIXES[kind]:
                series[name + suffix] = kind
    # Every worker_stats counter, as worker_metrics.c's loop exports it.
    stats = (REPO / "judge-worker" / "worker_stats.c").read_text()
    names = re.search(r"names\[STAT_COUNT\]\s*=\s*\{(.*?)\};", stats, re.S).group(1)
    for name in re.findall(r'"([a-z0-9_]+)"', names):
        series["solveit_worker_%s_total" % name] = "counter"
    return series


def labels():
    out = {}
    for path in (REPO / "judge-worker" / "worker_metrics.c", REPO / "result-sink" / "sink_metrics.c"):
        for name, names in LABELS.findall(path.read_text()):
            out[name] = set(filter(None, names.split(",")))
    return out


@pytest.fixture(scope="module")
def dashboard():
    return json.loads(DASHBOARD.read_text())


def panels(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])  # rows


def test_importable_with_a_prometheus_input(dashboard):
    assert dashboard["schemaVersion"] >= 36
    assert [i["name"] for i in dashboard["__inputs"] if i["pluginId"] == "prometheus"] == ["DS_PROMETHEUS"]
    assert dashboard["uid"] and dashboard["title"]
    for p in panels(dashboard):
        assert p["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids repeat"


def test_every_expression_names_exported_series(dashboard):
    series = exported()
    assert "solveit_worker_judged_total" in series and "solveit_worker_cache_hits_total" in series
    wrong = []
    for p in panels(dashboard):
        assert p["targets"], p["title"]
        for t in p["targets"]:
            names = SERIES.findall(t["expr"])
            assert names, "%s: %s names no Solve-IT series" % (p["title"], t["expr"])
            wrong += ["%s: %s" % (p["title"], n) for n in names if n not in series]
            # rate() and increase() only over counters and histogram buckets; histogram_quantile over buckets.
            for fn, name in re.findall(r"\b(rate|increase)\(\s*(solveit_[a-z0-9_]+)", t["expr"]):
                assert series.get(name) in ("counter", "histogram"), "%s: %s(%s)" % (p["title"], fn, name)
            if "histogram_quantile" in t["expr"]:
                assert all(n.endswith("_bucket") for n in names), t["expr"]
    for v in dashboard["templating"]["list"]:
        wrong += ["variable %s: %s" % (v["name"], n) for n in SERIES.findall(v["definition"]) if n not in series]
    assert not wrong, wrong


def test_grouping_labels_exist(dashboard):
    """by (verdict), by (reason)...: each label is one the series has (or le, instance, job)."""
    known = labels()
    wrong = []
    for p in panels(dashboard):
        for t in p["targets"]:
            families = [re.sub(r"_(total|bucket|sum|count)$", "", n) for n in SERIES.findall(t["expr"])]
            have = set().union(*(known.get(f, set()) for f in families)) | {"le", "instance", "job"}
            for group in re.findall(r"\bby \(([^)]*)\)", t["expr"]):
                wrong += ["%s: %s" % (p["title"], g.strip()) for g in group.split(",") if g.strip() not in have]
    assert not wrong, wrong


def test_covers_what_an_operator_watches(dashboard):
    text = " ".join(t["expr"] for p in panels(dashboard) for t in p["targets"])
    for needed in ("solveit_worker_judged_total", "histogram_quantile(0.5", "histogram_quantile(0.95",
                   "histogram_quantile(0.99", "solveit_worker_consumer_lag", "solveit_sink_consumer_lag",
                   "solveit_worker_cache_hits_total", "solveit_worker_cache_misses_total",
                   "solveit_worker_retries_total", "solveit_worker_dead_letters_total",
                   "solveit_sink_sweeper_actions_total"):
        assert needed in text, needed
