#!/usr/bin/env python3
"""What tests/monitoring/run.sh asks of Prometheus, /metrics and the dashboard JSON.

  check.py query PROM_URL EXPR          one number: the sum of an instant query's samples
                                        ("none" when it returns nothing)
  check.py rules PROM_URL               the alerting rules Prometheus loaded: "name health
                                        lastError" per line, then "#query <expr>" per rule
  check.py targets DASHBOARD            the dashboard's queries, one JSON object a line:
                                        {"ds": "prometheus"|"sql", "title", "ref", "query",
                                        "instant"} with the template variables substituted
                                        (values from the environment: AREA, AREA_NAME, WINDOW)
  check.py run-promql PROM_URL          reads `targets` lines on stdin, runs each PromQL one
                                        (instant or range) and prints one verdict a line:
                                        "ok <n> <title>" or "error|empty <title>: <why>"
  check.py metric-names                 the gridcase_* and process_* names in PromQL text on
                                        stdin, one a line
  check.py exposed URL...               the metric names of /metrics pages
  check.py area-variable PROM_URL DASHBOARD AREA
                                        the area variable as Grafana builds it: its query
                                        run, each series formatted as Grafana's query_result
                                        does, the variable's regex applied; prints the text
                                        for AREA ("missing" when the regex finds no AREA)
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def api(prom, path, **params):
    url = f"{prom}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def query(prom, expr):
    res = api(prom, "query", query=expr)
    if res.get("status") != "success":
        return "error: " + res.get("error", "?")
    data = res["data"]
    if data["resultType"] == "scalar":
        return data["result"][1]
    if not data["result"]:
        return "none"
    total = sum(float(s["value"][1]) for s in data["result"])
    return str(int(total)) if total == int(total) else str(total)


def rules(prom):
    res = api(prom, "rules", type="alert")
    for group in res["data"]["groups"]:
        for rule in group["rules"]:
            print(rule["name"], rule.get("health", "?"), json.dumps(rule.get("lastError", "")))
    for group in res["data"]["groups"]:
        for rule in group["rules"]:
            print("#query", rule["query"].replace("\n", " "))


# Grafana's interpolation of the variables and macros the dashboard uses, with the values of a
# test run. $__timeFilter(col) is what Grafana's PostgreSQL data source writes for it.
def substitute(text):
    now = time.time()
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 7 * 86400))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    text = re.sub(r"\$__timeFilter\(([^)]*)\)", rf"\1 BETWEEN '{start}' AND '{end}'", text)
    for name, value in (("${area:text}", os.environ.get("AREA_NAME", "")),
                        ("${area}", os.environ["AREA"]), ("$area", os.environ["AREA"]),
                        ("${window:text}", "全部"), ("${window}", os.environ.get("WINDOW", "all")),
                        ("$window", os.environ.get("WINDOW", "all")),
                        ("$__rate_interval", "1m"), ("$__interval", "15s"), ("$__range", "7d")):
        text = text.replace(name, value)
    leftover = re.findall(r"\$[A-Za-z_{][\w:{}]*", text)
    if leftover:
        raise SystemExit(f"check.py: no value for {leftover} in: {text}")
    return text


def targets(path):
    dash = json.load(open(path))
    def walk(panels):
        for p in panels:
            yield p
            yield from walk(p.get("panels", []))
    for p in walk(dash["panels"]):
        for t in p.get("targets", []):
            ds = (t.get("datasource") or p.get("datasource") or {}).get("type", "")
            if ds == "prometheus":
                q, kind = t["expr"], "prometheus"
            elif "postgres" in ds:
                q, kind = t["rawSql"], "sql"
            else:
                raise SystemExit(f"check.py: panel {p['title']}: data source {ds!r}")
            print(json.dumps({"ds": kind, "title": substitute(p["title"]), "ref": t["refId"],
                              "query": substitute(q), "instant": bool(t.get("instant"))},
                             ensure_ascii=False))


def run_promql(prom):
    now = time.time()
    for line in sys.stdin:
        t = json.loads(line)
        if t["ds"] != "prometheus":
            continue
        name = f"{t['title']} {t['ref']}: {t['query']}"
        if t["instant"]:
            res = api(prom, "query", query=t["query"])
        else:
            res = api(prom, "query_range", query=t["query"], start=now - 300, end=now, step=5)
        if res.get("status") != "success":
            print(f"error {name}: {res.get('error')}")
        elif not res["data"]["result"]:
            print(f"empty {name}")
        else:
            print(f"ok {len(res['data']['result'])} {name}")


def metric_names():
    names = set()
    for line in sys.stdin:
        # label values and strings are not names ("gridcase-stats"); drop quoted text first
        line = re.sub(r'"[^"]*"', '""', line)
        names.update(re.findall(r"\b((?:gridcase|process)_[a-z0-9_]+)\b", line))
    print("\n".join(sorted(names)))


def exposed(urls):
    names = set()
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as r:
            for line in r.read().decode().splitlines():
                m = re.match(r"# TYPE (\S+) ", line) or re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", line)
                if m:
                    names.add(m.group(1))
    print("\n".join(sorted(names)))


def area_variable(prom, path, area):
    dash = json.load(open(path))
    var = next(v for v in dash["templating"]["list"] if v["name"] == "area")
    m = re.fullmatch(r"query_result\((.*)\)", var["definition"])
    res = api(prom, "query", query=m.group(1))
    # JavaScript's named groups (?<x>...) are Python's (?P<x>...)
    regex = re.compile(var["regex"].strip("/").replace("(?<", "(?P<"))
    for s in res["data"]["result"]:
        labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
        shown = (s["metric"].get("__name__", "") + "{"
                 + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "} "
                 + f"{s['value'][1]} {int(s['value'][0] * 1000)}")
        g = regex.search(shown)
        if g and g.group("value") == area:
            print(g.group("text"))
            return
    print("missing")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "query":
        print(query(*args))
    elif cmd == "rules":
        rules(*args)
    elif cmd == "targets":
        targets(*args)
    elif cmd == "run-promql":
        run_promql(*args)
    elif cmd == "metric-names":
        metric_names()
    elif cmd == "exposed":
        exposed(args)
    elif cmd == "area-variable":
        area_variable(*args)
    else:
        raise SystemExit(f"check.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
