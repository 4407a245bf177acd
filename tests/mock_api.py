#!/usr/bin/env python3
"""A mock of the Anthropic Messages API on 127.0.0.1 for driving the real `claude` CLI.

Standard library only. The real CLI (2.1.332) talks to it when run with
`ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`, a fake `ANTHROPIC_API_KEY`, a throwaway
`HOME`/`CLAUDE_CONFIG_DIR` and `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`.

As a script:

    python3 tests/mock_api.py --port-file /tmp/port --log /tmp/log.jsonl \\
        [--mode success] [--reply TEXT | --reply-file F] [--delay S] \\
        [--status 401 [--error-type T] [--error-message M]] [--no-retry] \\
        [--retry-after S] [--port N] &

  It prints `mock_api: listening on http://127.0.0.1:PORT` on stderr, writes the port
  (atomically) to --port-file, and serves until SIGTERM/SIGINT, then shuts down cleanly.

As a module (tests/ on sys.path):

    from mock_api import MockServer
    mock = MockServer(mode="success", reply="Add x").start()   # ephemeral port
    mock.url                # "http://127.0.0.1:PORT"
    mock.set_mode("error", status=401)      # or mock.set_mode("error:529", should_retry=False)
    mock.set_sequence(["error:429", "success"])   # one per /v1/messages request, last repeats
    mock.requests()         # list of logged requests (dicts, see "Log" below)
    mock.messages()         # only the POST /v1/messages ones
    mock.stop()             # also releases connections held by `hang`/`stall`
    # or: with MockServer(...) as mock: ...

Modes (apply to POST /v1/messages; everything else is answered normally in every mode):
  success   200; SSE when the body has "stream": true, else one JSON message. The text
            is `reply` (default "Add the staged change").
  slow      like success after `delay` seconds (default 5).
  stall     200 + SSE headers + `message_start`, then nothing until the server stops.
  hang      reads and logs the request, never answers (until the server stops).
  error     `status` (default 500) with the API's error body
            {"type":"error","error":{"type":T,"message":M},"request_id":…}. T and M
            default per status like the real API: 400 invalid_request_error, 401
            authentication_error "invalid x-api-key", 403 permission_error, 404
            not_found_error "model: <requested model>", 413 request_too_large, 429
            rate_limit_error, 500 api_error, 529 overloaded_error "Overloaded".
            `error:NNN` is shorthand for mode error + status NNN.
  garbage   200 with a non-SSE, non-JSON body (an HTML page, as a captive portal or a
            misconfigured proxy would send).
  tool_use  200; the reply is a `tool_use` block (stop_reason "tool_use") calling a tool
            named "Bash": with `--max-turns 1` the CLI ends in `error_max_turns`.
  refusal   200; the text `reply` with stop_reason "refusal".
Options for every mode: should_retry (True/False -> header `x-should-retry: true|false`
on error replies; None -> no header), retry_after (seconds -> `retry-after` header on
error replies), delay (seconds before answering; `slow` defaults it to 5), reply.

Changing the mode at run time (from a shell, while the CLI runs against the mock):
    curl -s -X POST http://127.0.0.1:PORT/__mock/mode -d '{"mode":"error","status":429}'
    curl -s -X POST http://127.0.0.1:PORT/__mock/mode -d '{"sequence":["error:529","success"]}'
    curl -s http://127.0.0.1:PORT/__mock/requests      # the log as a JSON array
  The JSON takes the same keys as set_mode(): mode, reply, delay, status, error_type,
  error_message, should_retry, retry_after; or "sequence": a list of modes (strings or
  objects with those keys). /__mock/ requests are not logged.

What 2.1.332 sends (measured): with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 only
`POST /v1/messages?beta=true` ("stream": true; "stream": false for its non-streaming
fallback after a 404, a stream without events, or a stalled stream). Without that variable
also `HEAD /api/hello` (preconnect) and a DNS lookup of a non-loopback host. With a stored
subscription login it refreshes the token at platform.claude.com:443 (never the base URL)
when `expiresAt` has passed and after every 401: give it HTTPS_PROXY=<a mock> and
NO_PROXY=127.0.0.1 so that attempt lands here as a CONNECT instead of leaving the machine.

Other endpoints:
  HEAD <any>                     200, empty (the CLI's preconnect).
  POST /v1/messages/count_tokens {"input_tokens": N}.
  GET  /v1/models[/ID]           a small model list / the model.
  CONNECT host:port              logged (path = "host:port"), answered 403: point
                                 HTTPS_PROXY/HTTP_PROXY here to catch any traffic the
                                 CLI would send anywhere but the mock.
  anything else                  logged, 404 with an API-style not_found_error body.
Query strings (`?beta=true`) are ignored for routing.

Log: every request (except /__mock/) is kept in memory and, with --log/log_path, appended
as one JSON line: {"time", "method", "path", "query", "headers" (lower-cased names),
"body" (text), "json" (parsed body or null)}.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
from typing import Any

DEFAULT_REPLY = "Add the staged change"
DEFAULT_MODEL = "claude-haiku-4-5-20251001"

# Error type and message per status, as the real API sends them.
ERROR_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed your organization's rate limit. Please try again later."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}

MODES = ("success", "slow", "stall", "hang", "error", "garbage", "tool_use", "refusal")
_MODE_KEYS = ("mode", "reply", "delay", "status", "error_type", "error_message",
              "should_retry", "retry_after")


def _normalize(spec: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A mode spec (a name, `error:NNN`, or a dict) -> a full dict of mode options."""
    out: dict[str, Any] = {"mode": "success", "reply": DEFAULT_REPLY, "delay": None,
                           "status": None, "error_type": None, "error_message": None,
                           "should_retry": None, "retry_after": None}
    if base:
        out.update({k: v for k, v in base.items() if k in _MODE_KEYS})
    if isinstance(spec, str):
        spec = {"mode": spec}
    if not isinstance(spec, dict):
        raise ValueError(f"mode spec must be a string or an object, not {spec!r}")
    unknown = set(spec) - set(_MODE_KEYS)
    if unknown:
        raise ValueError(f"unknown mode option(s): {sorted(unknown)}")
    out.update({k: v for k, v in spec.items()})
    mode = str(out["mode"])
    if mode.startswith("error:"):
        out["mode"] = "error"
        out["status"] = int(mode.split(":", 1)[1])
    if out["mode"] not in MODES:
        raise ValueError(f"unknown mode {out['mode']!r}; one of {', '.join(MODES)} or error:NNN")
    if out["mode"] == "error" and out["status"] is None:
        out["status"] = 500
    return out


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    mock: "MockServer"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # Quiet: the log file is the record.
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.mock.verbose:
            sys.stderr.write("mock_api: " + (format % args) + "\n")

    # ---- plumbing ------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _record(self, body: bytes) -> dict[str, Any]:
        parsed = urllib.parse.urlsplit(self.path)
        text = body.decode("utf-8", "replace")
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        entry = {
            "time": time.time(),
            "method": self.command,
            "path": parsed.path if self.command != "CONNECT" else self.path,
            "query": parsed.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": text,
            "json": js,
        }
        self.server.mock._log(entry)
        return entry

    def _send(self, status: int, body: bytes | str, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:20])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj), "application/json", headers)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _wait_forever(self) -> None:
        # Until the server stops; then the connection is dropped without an answer.
        self.server.mock._stopping.wait()
        self.close_connection = True

    # ---- verbs ---------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._record(b"")
        self._send(200, b"", "text/plain")

    def do_CONNECT(self) -> None:
        self._record(b"")
        self.close_connection = True
        self._send(403, b"mock_api refuses to proxy\n", "text/plain")

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__mock/requests":
            self._send_json(200, self.server.mock.requests())
            return
        self._record(b"")
        if path == "/v1/models":
            self._send_json(200, {"data": [self.server.mock._model_obj(DEFAULT_MODEL)],
                                  "has_more": False, "first_id": DEFAULT_MODEL,
                                  "last_id": DEFAULT_MODEL})
        elif path.startswith("/v1/models/"):
            self._send_json(200, self.server.mock._model_obj(path.rsplit("/", 1)[1]))
        elif path == "/":
            self._send(200, b"mock_api\n", "text/plain")
        else:
            self._not_found(path)

    def do_DELETE(self) -> None:
        self._record(self._read_body())
        self._not_found(urllib.parse.urlsplit(self.path).path)

    do_PUT = do_DELETE
    do_PATCH = do_DELETE

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        body = self._read_body()
        if path == "/__mock/mode":
            try:
                spec = json.loads(body.decode() or "{}")
                if "sequence" in spec:
                    self.server.mock.set_sequence(spec["sequence"])
                else:
                    self.server.mock.set_mode(spec.pop("mode", "success"), **spec)
            except (ValueError, TypeError) as e:
                self._send_json(400, {"error": str(e)})
                return
            self._send_json(200, {"ok": True})
            return
        entry = self._record(body)
        if path == "/v1/messages":
            self._messages(entry)
        elif path == "/v1/messages/count_tokens":
            self._send_json(200, {"input_tokens": max(1, len(entry["body"]) // 4)})
        else:
            self._not_found(path)

    def _not_found(self, path: str) -> None:
        self._send_json(404, {"type": "error",
                              "error": {"type": "not_found_error", "message": f"Not found: {path}"},
                              "request_id": "req_mock_notfound"})

    # ---- /v1/messages --------------------------------------------------------------
    def _messages(self, entry: dict[str, Any]) -> None:
        mock = self.server.mock
        spec = mock._next_spec()
        req = entry["json"] if isinstance(entry["json"], dict) else {}
        model = str(req.get("model") or DEFAULT_MODEL)
        stream = bool(req.get("stream"))
        mode = spec["mode"]
        delay = spec["delay"]
        if delay is None and mode == "slow":
            delay = 5.0
        if delay:
            if mock._stopping.wait(float(delay)):
                self.close_connection = True
                return
        if mode == "hang":
            self._wait_forever()
            return
        if mode == "error":
            self._error(spec, model)
            return
        if mode == "garbage":
            self._send(200, "<html><body><h1>Welcome to the network</h1>"
                            "<p>Please log in to continue.</p></body></html>\n", "text/html")
            return
        input_tokens = max(1, len(entry["body"]) // 4)
        msg_id = "msg_mock_" + uuid.uuid4().hex[:24]
        text = str(spec["reply"])
        output_tokens = max(1, len(text) // 4)
        stop_reason = {"tool_use": "tool_use", "refusal": "refusal"}.get(mode, "end_turn")
        tool = {"type": "tool_use", "id": "toolu_mock_" + uuid.uuid4().hex[:20], "name": "Bash",
                "input": {"command": "git log -1", "description": "Show the last commit"}}
        if not stream:
            if mode == "stall":
                self._wait_forever()
                return
            self._send_json(200, {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": [tool] if mode == "tool_use" else [{"type": "text", "text": text}],
                "stop_reason": stop_reason, "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": output_tokens,
                          "service_tier": "standard"},
            })
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:20])
        self.end_headers()

        def event(name: str, data: dict[str, Any]) -> None:
            self._chunk(f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode())

        try:
            event("message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": 1,
                          "service_tier": "standard"}}})
            if mode == "stall":
                self._wait_forever()
                return
            if mode == "tool_use":
                event("content_block_start", {"type": "content_block_start", "index": 0,
                                              "content_block": {**tool, "input": {}}})
                event("ping", {"type": "ping"})
                event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": json.dumps(tool["input"])}})
            else:
                event("content_block_start", {"type": "content_block_start", "index": 0,
                                              "content_block": {"type": "text", "text": ""}})
                event("ping", {"type": "ping"})
                for i in range(0, len(text), 16):
                    event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                  "delta": {"type": "text_delta", "text": text[i:i + 16]}})
            event("content_block_stop", {"type": "content_block_stop", "index": 0})
            event("message_delta", {"type": "message_delta",
                                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                    "usage": {"output_tokens": output_tokens}})
            event("message_stop", {"type": "message_stop"})
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _error(self, spec: dict[str, Any], model: str) -> None:
        status = int(spec["status"])
        etype, emsg = ERROR_DEFAULTS.get(status, ("api_error", f"Mock error {status}"))
        etype = spec["error_type"] or etype
        emsg = (spec["error_message"] or emsg).replace("{model}", model)
        headers: dict[str, str] = {}
        if spec["should_retry"] is not None:
            headers["x-should-retry"] = "true" if spec["should_retry"] else "false"
        if spec["retry_after"] is not None:
            headers["retry-after"] = str(spec["retry_after"])
        self._send_json(status, {"type": "error", "error": {"type": etype, "message": emsg},
                                 "request_id": "req_mock_" + uuid.uuid4().hex[:20]}, headers)


class MockServer:
    """A threaded mock Messages API. See the module docstring."""

    def __init__(self, mode: Any = "success", *, host: str = "127.0.0.1", port: int = 0,
                 log_path: str | None = None, verbose: bool = False, **options: Any) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self.verbose = verbose
        self._lock = threading.Lock()
        self._log_entries: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._spec = _normalize(mode if isinstance(mode, dict) else {"mode": mode, **options})
        self._sequence: list[dict[str, Any]] = []

    # ---- lifecycle -----------------------------------------------------------------
    def start(self) -> "MockServer":
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.mock = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"mock_api:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> "MockServer":
        return self.start() if self._server is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ---- behaviour -----------------------------------------------------------------
    def set_mode(self, mode: Any = "success", **options: Any) -> None:
        """Set the mode for every following /v1/messages request; clears a sequence.
        Options not given keep their defaults (not the previous mode's values)."""
        spec = _normalize(mode if isinstance(mode, dict) else {"mode": mode, **options})
        with self._lock:
            self._spec = spec
            self._sequence = []

    def set_sequence(self, specs: list[Any]) -> None:
        """One mode per /v1/messages request, in order; the last one repeats."""
        if not specs:
            raise ValueError("empty sequence")
        normalized = [_normalize(s) for s in specs]
        with self._lock:
            self._spec = normalized[-1]
            self._sequence = normalized[:-1]

    def _next_spec(self) -> dict[str, Any]:
        with self._lock:
            if self._sequence:
                return self._sequence.pop(0)
            return dict(self._spec)

    @staticmethod
    def _model_obj(model: str) -> dict[str, Any]:
        return {"type": "model", "id": model, "display_name": model,
                "created_at": "2025-10-01T00:00:00Z"}

    # ---- log -----------------------------------------------------------------------
    def _log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._log_entries.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._log_entries)

    def messages(self) -> list[dict[str, Any]]:
        """The logged POST /v1/messages requests."""
        return [r for r in self.requests() if r["method"] == "POST" and r["path"] == "/v1/messages"]

    def clear(self) -> None:
        with self._lock:
            self._log_entries.clear()

    def wait_for(self, count: int, timeout: float = 10.0, path: str = "/v1/messages") -> bool:
        """Wait until at least `count` POSTs to `path` were logged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for r in self.requests() if r["path"] == path and r["method"] == "POST") >= count:
                return True
            time.sleep(0.05)
        return False


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mock Anthropic Messages API on 127.0.0.1 "
                                             "(see the module docstring).")
    ap.add_argument("--port", type=int, default=0, help="port (default: ephemeral)")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--mode", default="success",
                    help=f"{', '.join(MODES)} or error:NNN; a comma-separated list is a "
                         "per-request sequence whose last item repeats")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--reply", help=f"reply text (default {DEFAULT_REPLY!r})")
    g.add_argument("--reply-file", help="read the reply text from this file")
    ap.add_argument("--delay", type=float, help="seconds before answering (slow: default 5)")
    ap.add_argument("--status", type=int, help="HTTP status for --mode error")
    ap.add_argument("--error-type", help="error.type (default per status)")
    ap.add_argument("--error-message", help="error.message (default per status)")
    ap.add_argument("--no-retry", action="store_true", help="send x-should-retry: false on errors")
    ap.add_argument("--retry-after", type=float, help="send retry-after: S on errors")
    ap.add_argument("--verbose", action="store_true", help="log each request line on stderr")
    args = ap.parse_args(argv)

    options: dict[str, Any] = {}
    if args.reply is not None:
        options["reply"] = args.reply
    if args.reply_file:
        with open(args.reply_file, encoding="utf-8") as f:
            options["reply"] = f.read()
    for key in ("delay", "status", "error_type", "error_message", "retry_after"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if args.no_retry:
        options["should_retry"] = False

    try:
        modes = [m.strip() for m in args.mode.split(",") if m.strip()]
        specs = [{"mode": m, **options} for m in modes]
        mock = MockServer(specs[-1], port=args.port, log_path=args.log, verbose=args.verbose)
        if len(specs) > 1:
            mock.set_sequence(specs)
    except ValueError as e:
        ap.error(str(e))

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    mock.start()
    if args.port_file:
        _write_atomic(args.port_file, f"{mock.port}\n")
    sys.stderr.write(f"mock_api: listening on {mock.url} (mode {args.mode})\n")
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
