// An echo bot for the WhatsApp Cloud API, written as for Meta's servers, with
// only its base URL pointed at `cipherflow serve`. Plain Node (18+): fetch,
// node:http and node:crypto, nothing to install.
//
//   node examples/integration/node/echo_bot.mjs [--server http://127.0.0.1:8080] [--port 3000] [--selftest]
//
// It starts its webhook endpoint (GET: Meta's verification handshake; POST:
// signed webhooks, checked with the app secret over the raw body), subscribes
// it with the app subscription call, and answers every text with "echo: ...".
// With --selftest it also plays a test suite: it adds a consumer through the
// control API, makes it write, waits for the echo on the consumer's phone and
// exits 0 (or 1 after 30 s).

import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const SERVER = arg("--server", "http://127.0.0.1:8080");
const PORT = Number(arg("--port", "0"));
const SELFTEST = process.argv.includes("--selftest");
const GRAPH = `${SERVER}/v24.0`; // on Meta: https://graph.facebook.com/v24.0
const VERIFY_TOKEN = "echo-bot-verify-token";

async function json(response) {
  const body = await response.json();
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
  return body;
}

// The credentials Meta's dashboard would show; the sandbox lists them.
const [business] = (await json(await fetch(`${SERVER}/control/v1/businesses`))).data;
const { phone_number_id, access_token, app_id, app_secret } = business;

function signatureOk(raw, header) {
  const expected = "sha256=" + createHmac("sha256", app_secret).update(raw).digest("hex");
  return (
    typeof header === "string" &&
    header.length === expected.length &&
    timingSafeEqual(Buffer.from(header), Buffer.from(expected))
  );
}

const seen = new Set(); // wamids: webhooks are at least once
const endpoint = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "GET") {
    const ok =
      url.searchParams.get("hub.mode") === "subscribe" &&
      url.searchParams.get("hub.verify_token") === VERIFY_TOKEN;
    res.writeHead(ok ? 200 : 403).end(ok ? url.searchParams.get("hub.challenge") : "");
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const raw = Buffer.concat(chunks);
    if (!signatureOk(raw, req.headers["x-hub-signature-256"])) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200).end("EVENT_RECEIVED");
    const update = JSON.parse(raw.toString("utf8"));
    for (const change of update.entry?.[0]?.changes ?? []) {
      for (const m of change.value?.messages ?? []) {
        if (m.type !== "text" || seen.has(m.id)) continue;
        seen.add(m.id);
        const reply = await fetch(`${GRAPH}/${phone_number_id}/messages`, {
          method: "POST",
          headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            messaging_product: "whatsapp",
            to: m.from,
            type: "text",
            context: { message_id: m.id },
            text: { body: `echo: ${m.text.body}` },
          }),
        });
        console.log(`answered ${m.id}: HTTP ${reply.status}`);
      }
    }
  });
});
await new Promise((ok) => endpoint.listen(PORT, "127.0.0.1", ok));
const callback = `http://127.0.0.1:${endpoint.address().port}/webhook`;

// Meta's app subscription call, authenticated with the app token.
const form = new URLSearchParams({
  object: "whatsapp_business_account",
  callback_url: callback,
  verify_token: VERIFY_TOKEN,
  fields: "messages",
});
const subscribed = await json(
  await fetch(`${GRAPH}/${app_id}/subscriptions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${app_id}|${app_secret}` },
    body: form,
  }),
);
console.log(`webhook ${callback} subscribed: ${JSON.stringify(subscribed)}`);

if (SELFTEST) {
  const control = (path, body) =>
    fetch(`${SERVER}/control/v1${path}`, {
      method: body ? "POST" : "GET",
      headers: { "Content-Type": "application/json" },
      body: body && JSON.stringify(body),
    }).then(json);
  const phone = "+1 650 555 0177";
  await control("/consumers", { number: phone, name: "Node test" }).catch((e) => {
    if (!String(e).includes("NUMBER_TAKEN")) throw e;
  });
  const text = `hello from node ${Date.now()}`;
  await control("/consumers/16505550177/messages", { to: business.display_phone_number, text });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { chats } = await control("/consumers/16505550177/chats");
    const bubbles = chats.flatMap((c) => c.messages);
    if (bubbles.some((b) => !b.outgoing && b.text === `echo: ${text}`)) {
      console.log("selftest: the echo reached the phone");
      process.exit(0);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  console.error("selftest: no echo within 30 s");
  process.exit(1);
}
