#!/usr/bin/env python3
"""The figures of scripts/bench, gathered into one table and one JSON file.

  bench.py sizes      FUNCTION...           arm64 bootstraps (target/lambda/<f>/bootstrap): stripped and zipped
  bench.py cold       RUNS FUNCTION...      cold init and first invocation of native release builds, and the
                                            hello-world baseline, against a local Runtime API (scripts/cold_init.py)
  bench.py ui                               the web UI's first load (frontend/dist), raw and gzipped
  bench.py run NAME -- COMMAND...           runs a benchmark, keeps its `BENCH {...}` lines
  bench.py report                           prints the table and writes target/bench/results.json

Each command appends its figures to target/bench/figures.jsonl; `report` reads them back.
"""
import gzip, io, json, os, platform, re, statistics, subprocess, sys, time, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "bench")
FIGURES = os.path.join(OUT, "figures.jsonl")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def record(section, name, value, unit, note=""):
    os.makedirs(OUT, exist_ok=True)
    with open(FIGURES, "a") as f:
        f.write(json.dumps({"section": section, "name": name, "value": round(value, 3), "unit": unit, "note": note}) + "\n")
    print(f"  {name}: {value:.1f} {unit} {note}".rstrip())


def sizes(functions):
    for function in functions:
        path = os.path.join(ROOT, "target", "lambda", function, "bootstrap")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(path, "bootstrap")
        record("size", f"{function}: bootstrap (arm64, stripped)", os.path.getsize(path) / 2**20, "MiB")
        record("size", f"{function}: deployment zip", len(buffer.getvalue()) / 2**20, "MiB")


# What each function is woken with the first time: a request or event that reads DynamoDB where
# the function reads it on every call (a bogus rating token is looked up; the scan reads its
# index; the weekly report lists its readers), else the smallest event it takes.
def first_events():
    health = json.load(open(os.path.join(ROOT, "events", "api", "health.json")))
    rating = dict(health)
    rating["rawPath"] = "/api/ratings"
    rating["requestContext"] = dict(health["requestContext"], http=dict(health["requestContext"]["http"], method="POST", path="/api/ratings"))
    rating["headers"] = dict(health.get("headers", {}), **{"content-type": "application/json"})
    rating["body"] = json.dumps({"token": "01jbenchbenchbenchbenchben", "rating": "good"})
    search = dict(health)
    search["rawPath"] = "/api/search"
    search["rawQueryString"] = "q=printer"
    search["requestContext"] = dict(health["requestContext"], http=dict(health["requestContext"]["http"], path="/api/search"))
    scheduled = json.load(open(os.path.join(ROOT, "events", "scheduled", "sla-scan.json")))
    empty = {"Records": []}
    return {
        "tickets-api": (rating, "POST /api/ratings, a token looked up in DynamoDB"),
        "search": (search, "GET /api/search without a session (401)"),
        "sla-scan": (scheduled, "the schedule's event: the due index read"),
        "notify": ({"weekly_report": {}}, "the weekly report: readers listed from DynamoDB"),
        "relay": (empty, "an empty stream batch"),
        "reports": (empty, "an empty queue batch"),
        "indexer": (empty, "an empty queue batch"),
        "attachments": (empty, "an empty S3 event"),
        "mail-intake": (empty, "an empty S3 event"),
        "hello-lambda": (health, "GET /api/health"),
    }


def cold(runs, functions):
    import cold_init
    events = first_events()
    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "TABLE_NAME", "EVENT_BUS", "ATTACHMENTS", "SEARCH_INDEX",
                                                                   "NOTIFY_QUEUE", "SITE_URL", "MAIL_FROM", "SESSION_", "REPORT_TIME",
                                                                   "SUPPORT_ADDRESS"))}
    results = {}
    for function in ["hello-lambda"] + functions:
        binary = os.path.join(ROOT, "target", "release", function)
        event, what = events[function]
        inits, firsts, outcomes = [], [], set()
        for _ in range(runs):
            try:
                init, first, path, answer = cold_init.run_once(binary, event, env)
            except SystemExit:
                # The meter hides the function's output: start it once more to say why.
                said = subprocess.run([binary], env=dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:1", **env),
                                      capture_output=True, text=True, timeout=30)
                raise SystemExit(f"{function} never took its first event: {said.stderr.strip()[-500:]}")
            inits.append(init)
            firsts.append(first)
            outcome = path.rsplit("/", 1)[-1]
            try:
                status = json.loads(answer).get("statusCode")
            except (ValueError, AttributeError):
                status = None
            outcomes.add(f"{outcome} {status}" if status else outcome)
        results[function] = statistics.median(inits)
        outcome = ",".join(sorted(outcomes))
        record("cold start", f"{function}: cold init (spawn to first poll), median of {runs}", statistics.median(inits), "ms")
        record("cold start", f"{function}: first invocation, median of {runs}", statistics.median(firsts), "ms", f"({what}; {outcome})")
    baseline = results["hello-lambda"]
    for function in functions:
        record("cold start", f"{function}: cold init ÷ hello-world's", results[function] / baseline, "×", "(goal ≤ 1.5)")


def ui():
    """The first load (what index.html fetches: the main module, its scripts and the stylesheet)
    and the lazily loaded pages' chunks, from the build's directory (scripts/build-frontend)."""
    dist = os.path.join(ROOT, "frontend", "dist")
    html = open(os.path.join(dist, "index.html")).read()
    build = re.search(r'src="/([0-9a-f]+)/init.js"', html).group(1)
    app = os.path.join(dist, build)
    chunks = 0
    for name in sorted(os.listdir(app)):
        data = open(os.path.join(app, name), "rb").read()
        gzipped = len(gzip.compress(data, 9)) / 1024
        if name.endswith(".wasm") and name != "main_bg.wasm":
            chunks += gzipped
            continue
        kind = name.rsplit(".", 1)[-1]
        record("web UI", f"first load: {kind} ({name})", gzipped, "KiB gzipped", f"({len(data) / 1024:.0f} KiB raw)")
    record("web UI", "lazily loaded pages (frontend/src/lazy.rs): all chunks", chunks, "KiB gzipped")


def run(name, command):
    print(f"== {name}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    for line in process.stdout:
        if line.startswith("BENCH "):
            figure = json.loads(line[len("BENCH "):])
            record(name, figure["name"], figure["value"], figure["unit"])
        else:
            print("  " + line, end="", flush=True)
    if process.wait() != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode})")
    print(f"   ({name} took {time.monotonic() - started:.0f} s)")


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    memory = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": memory, "os": platform.platform(), "rustc": rustc,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "stack": "DynamoDB Local and moto on loopback (scripts/local-stack)"}


def report():
    figures = [json.loads(l) for l in open(FIGURES)] if os.path.exists(FIGURES) else []
    about = machine()
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"machine": about, "figures": figures}, f, indent=2, ensure_ascii=False)
    print(f"\nMachine: {about['cpu']}, {about['cores']} cores, {about['memory_mib']} MiB; {about['rustc']}; {about['date']}")
    print(f"Against: {about['stack']}\n")
    print("| section | figure | value |\n|---|---|---|")
    for fig in figures:
        note = f" {fig['note']}" if fig.get("note") else ""
        print(f"| {fig['section']} | {fig['name']} | {fig['value']:g} {fig['unit']}{note} |")
    print(f"\n{len(figures)} figures; JSON: target/bench/results.json")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "sizes":
        sizes(args)
    elif command == "cold":
        cold(int(args[0]), args[1:])
    elif command == "ui":
        ui()
    elif command == "run":
        split = args.index("--")
        run(" ".join(args[:split]), args[split + 1:])
    elif command == "report":
        report()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
