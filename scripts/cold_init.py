#!/usr/bin/env python3
"""Cold-init meter (from the team's shared tools; scripts/bench imports it) for a Lambda `bootstrap` binary, with no AWS and no Docker.

Serves a minimal Lambda Runtime API on loopback, spawns the binary with AWS_LAMBDA_RUNTIME_API pointing at it,
and measures (1) spawn -> first GET /invocation/next (init), (2) the first invocation's round trip with the
given event. Repeats N times; prints min/median/max in ms, then one summary line.

usage: cold_init.py BOOTSTRAP EVENT.json [N] [extra env as K=V ...]
"""
import http.server, json, os, socket, statistics, subprocess, sys, threading, time

def run_once(binary, event, extra_env):
    state = {"next_at": None, "resp_at": None, "served": False, "sent_at": None}
    done = threading.Event()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            if self.path.endswith("/invocation/next"):
                now = time.perf_counter()
                if state["served"]:
                    done.wait(5); self.send_response(500); self.end_headers(); return
                state["next_at"] = now; state["served"] = True
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:f")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers(); self.wfile.write(body); state["sent_at"] = time.perf_counter()
        def do_POST(self):
            n = int(self.headers.get("Content-Length", 0)); data = self.rfile.read(n)
            state["resp_at"] = time.perf_counter(); state["resp"] = data; state["path"] = self.path
            self.send_response(202); self.end_headers(); done.set()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env.update({"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{srv.server_address[1]}",
                "AWS_LAMBDA_FUNCTION_NAME": "f", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
                "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", "test"),
                "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", "test")})
    env.update(extra_env)
    t0 = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = done.wait(30)
    p.kill(); p.wait(); srv.shutdown()
    if not ok or state["next_at"] is None:
        raise SystemExit("no invocation completed within 30 s")
    return ((state["next_at"] - t0) * 1000, (state["resp_at"] - state["sent_at"]) * 1000, state.get("path", ""), state.get("resp", b""))

def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    binary, event = sys.argv[1], json.load(open(sys.argv[2]))
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    extra = dict(kv.split("=", 1) for kv in sys.argv[4:])
    inits, firsts, paths = [], [], set()
    for _ in range(n):
        i, f, path, _ = run_once(binary, event, extra); inits.append(i); firsts.append(f); paths.add(path.rsplit("/", 1)[-1])
    fmt = lambda xs: f"min {min(xs):.1f} / median {statistics.median(xs):.1f} / max {max(xs):.1f} ms"
    size = os.path.getsize(binary) / 1048576
    print(f"init  (spawn -> first /next): {fmt(inits)}")
    print(f"first invocation round trip : {fmt(firsts)}   outcome: {','.join(sorted(paths))}")
    print(f"{os.path.basename(os.path.dirname(binary))}: init median {statistics.median(inits):.1f} ms, first invoke median {statistics.median(firsts):.1f} ms, binary {size:.1f} MiB")

if __name__ == "__main__":
    main()
