"""An echo bot for the WhatsApp Cloud API, written as for Meta's servers, with
only its base URL pointed at `cipherflow serve`. Python 3 standard library only
(urllib, http.server, hmac): nothing to install.

    python3 examples/integration/python/echo_bot.py [--server http://127.0.0.1:8080] [--port 3000] [--selftest]

It starts its webhook endpoint (GET: Meta's verification handshake; POST:
signed webhooks, checked with the app secret over the raw body), subscribes it
with the app subscription call, and answers every text with "echo: ...". With
--selftest it also plays a test suite: it adds a consumer through the control
API, makes it write, waits for the echo on the consumer's phone and exits 0
(or 1 after 30 s).
"""

import argparse
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--server", default="http://127.0.0.1:8080")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--selftest", action="store_true")
args = parser.parse_args()
GRAPH = f"{args.server}/v24.0"  # on Meta: https://graph.facebook.com/v24.0
VERIFY_TOKEN = "echo-bot-verify-token"


def call(url, body=None, headers=None, form=False):
    """One HTTP call; returns the parsed JSON, raises on a non-2xx answer."""
    data = None
    headers = dict(headers or {})
    if body is not None and form:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{e.code}: {e.read().decode()}") from None


# The credentials Meta's dashboard would show; the sandbox lists them.
business = call(f"{args.server}/control/v1/businesses")["data"][0]
PNID = business["phone_number_id"]
TOKEN = business["access_token"]
APP_ID = business["app_id"]
APP_SECRET = business["app_secret"].encode()
seen = set()  # wamids: webhooks are at least once


class Webhook(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        ok = q.get("hub.mode") == ["subscribe"] and q.get("hub.verify_token") == [VERIFY_TOKEN]
        body = q.get("hub.challenge", [""])[0].encode() if ok else b""
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(APP_SECRET, raw, hashlib.sha256).hexdigest()
        given = self.headers.get("X-Hub-Signature-256", "")
        if not hmac.compare_digest(given, expected):
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        update = json.loads(raw)
        for change in update.get("entry", [{}])[0].get("changes", []):
            for m in change.get("value", {}).get("messages", []):
                if m.get("type") != "text" or m["id"] in seen:
                    continue
                seen.add(m["id"])
                reply = {
                    "messaging_product": "whatsapp",
                    "to": m["from"],
                    "type": "text",
                    "context": {"message_id": m["id"]},
                    "text": {"body": "echo: " + m["text"]["body"]},
                }
                answer = call(f"{GRAPH}/{PNID}/messages", reply, {"Authorization": f"Bearer {TOKEN}"})
                print("answered", m["id"], "with", answer["messages"][0]["id"], flush=True)


endpoint = ThreadingHTTPServer(("127.0.0.1", args.port), Webhook)
threading.Thread(target=endpoint.serve_forever, daemon=True).start()
callback = f"http://127.0.0.1:{endpoint.server_address[1]}/webhook"

# Meta's app subscription call, authenticated with the app token.
subscribed = call(
    f"{GRAPH}/{APP_ID}/subscriptions",
    {
        "object": "whatsapp_business_account",
        "callback_url": callback,
        "verify_token": VERIFY_TOKEN,
        "fields": "messages",
    },
    {"Authorization": f"Bearer {APP_ID}|{APP_SECRET.decode()}"},
    form=True,
)
print("webhook", callback, "subscribed:", subscribed, flush=True)

if args.selftest:
    control = f"{args.server}/control/v1"
    try:
        call(f"{control}/consumers", {"number": "+1 650 555 0178", "name": "Python test"})
    except RuntimeError as e:
        if "NUMBER_TAKEN" not in str(e):
            raise
    text = f"hello from python {time.time()}"
    call(f"{control}/consumers/16505550178/messages", {"to": business["display_phone_number"], "text": text})
    deadline = time.time() + 30
    while time.time() < deadline:
        chats = call(f"{control}/consumers/16505550178/chats")["chats"]
        if any(not b["outgoing"] and b["text"] == "echo: " + text for c in chats for b in c["messages"]):
            print("selftest: the echo reached the phone", flush=True)
            raise SystemExit(0)
        time.sleep(0.1)
    print("selftest: no echo within 30 s", flush=True)
    raise SystemExit(1)

try:
    threading.Event().wait()
except KeyboardInterrupt:
    pass
