//! `Simulation`: the four parties (consumer's WhatsApp client, WhatsApp
//! transport, Cloud API, business server) on real bytes, deterministic for a
//! seed. Actions are methods; `snapshot()` returns the four panes as plain
//! objects; the trace exports as JSON.

use std::cell::RefCell;
use std::rc::Rc;

use cipherflow_flow::Simulation as CoreSimulation;
use cipherflow_flow::breach::Breach;
use cipherflow_flow::view::{View, ViewOptions};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::error::{ErrorCode, OrJs, cipherflow_error, invalid_argument};
use crate::http_shape;
use crate::output;
use crate::sim_options;
use crate::trace_io;

type Shared = Rc<RefCell<CoreSimulation>>;

/// The most simulation steps one call (`settle`, `advance`, `run`) may run;
/// beyond it the call throws `WORK_LIMIT` and the simulation can go on (see
/// `Simulation::settle_within` in the core for why a call can run away).
pub const STEP_BUDGET: usize = 100_000;

fn work_limit(what: &str) -> JsValue {
    cipherflow_error(
        ErrorCode::WorkLimit,
        format!(
            "{what} stopped after {STEP_BUDGET} steps: lower the fault probabilities or move the clock in smaller steps"
        ),
    )
}

fn borrow(sim: &Shared) -> Result<std::cell::RefMut<'_, CoreSimulation>, JsValue> {
    sim.try_borrow_mut()
        .map_err(|_| invalid_argument("the simulation is busy (re-entrant call)"))
}

/// The deterministic four-party simulation.
#[wasm_bindgen]
pub struct Simulation {
    sim: Shared,
}

/// The Cloud API's Graph API endpoint of a simulation.
#[wasm_bindgen]
pub struct CloudApiEndpoint {
    sim: Shared,
}

#[wasm_bindgen]
impl CloudApiEndpoint {
    /// Sends a Graph-API-shaped request (`POST /v21.0/{phone-number-id}/messages`
    /// with a bearer token and Meta's JSON body) and returns the response.
    /// Errors Meta would return are responses (status 4xx with Meta's error
    /// JSON), not exceptions; only a malformed request object throws.
    #[wasm_bindgen(unchecked_return_type = "HttpResponse")]
    pub fn request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HttpRequestInit")] request: JsValue,
    ) -> Result<JsValue, JsValue> {
        let request = http_shape::request(&request)?;
        let response = borrow(&self.sim)?.cloud_api_request(&request);
        http_shape::response(&response)
    }
}

#[wasm_bindgen]
impl Simulation {
    /// A new, empty simulation.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SimulationOptions | undefined")] options: JsValue,
    ) -> Result<Simulation, JsValue> {
        let sim = CoreSimulation::new(sim_options::simulation_config(&options)?).or_js()?;
        Ok(Simulation {
            sim: Rc::new(RefCell::new(sim)),
        })
    }

    /// The Cloud API's Graph API endpoint.
    #[wasm_bindgen(getter = cloudApi)]
    pub fn cloud_api(&self) -> CloudApiEndpoint {
        CloudApiEndpoint {
            sim: Rc::clone(&self.sim),
        }
    }

    /// Registers a consumer's phone on WhatsApp. Returns the number in E.164.
    #[wasm_bindgen(js_name = addConsumer)]
    pub fn add_consumer(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] number: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<String, JsValue> {
        let number = args::string(&number, "number")?;
        let name = args::string(&name, "name")?;
        let phone = borrow(&self.sim)?.add_consumer(&number, &name).or_js()?;
        Ok(phone.e164())
    }

    /// Onboards a business number onto the Cloud API, with its webhook
    /// configured and verified. Returns its ids and credentials.
    #[wasm_bindgen(js_name = addBusiness, unchecked_return_type = "BusinessHandle")]
    pub fn add_business(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] number: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<JsValue, JsValue> {
        let number = args::string(&number, "number")?;
        let name = args::string(&name, "name")?;
        let handle = borrow(&self.sim)?.add_business(&number, &name).or_js()?;
        output::plain(&handle)
    }

    /// The consumer types a message to a business: their client encrypts it and
    /// hands it to the transport. Returns the client's message id. With
    /// `replyTo` (a message id of their chat), the message quotes it, and the
    /// business's webhook carries Meta's `context`.
    #[wasm_bindgen(js_name = consumerSendText)]
    pub fn consumer_send_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] consumer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] business: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(js_name = replyTo, unchecked_param_type = "string | undefined")]
        reply_to: JsValue,
    ) -> Result<String, JsValue> {
        let consumer = args::string(&consumer, "consumer")?;
        let business = args::string(&business, "business")?;
        let text = args::string(&text, "text")?;
        let reply_to = if reply_to.is_undefined() || reply_to.is_null() {
            None
        } else {
            Some(args::string(&reply_to, "replyTo")?)
        };
        borrow(&self.sim)?
            .consumer_reply(&consumer, &business, &text, reply_to.as_deref())
            .or_js()
    }

    /// The consumer reacts to a message of their chat with an emoji (empty
    /// removes it): the business gets a `reaction` message by webhook.
    /// Returns the reaction's message id.
    #[wasm_bindgen(js_name = consumerReact)]
    pub fn consumer_react(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] consumer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] business: JsValue,
        #[wasm_bindgen(js_name = messageId, unchecked_param_type = "string")] message_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] emoji: JsValue,
    ) -> Result<String, JsValue> {
        let consumer = args::string(&consumer, "consumer")?;
        let business = args::string(&business, "business")?;
        let message_id = args::string(&message_id, "messageId")?;
        let emoji = args::string(&emoji, "emoji")?;
        borrow(&self.sim)?
            .consumer_react(&consumer, &business, &message_id, &emoji)
            .or_js()
    }

    /// Takes a consumer's phone online or offline (the transport queues for it
    /// while it is offline).
    #[wasm_bindgen(js_name = setConsumerOnline)]
    pub fn set_consumer_online(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] consumer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "boolean")] online: JsValue,
    ) -> Result<(), JsValue> {
        let consumer = args::string(&consumer, "consumer")?;
        let online = args::boolean(&online, "online")?;
        borrow(&self.sim)?
            .set_consumer_online(&consumer, online)
            .or_js()
    }

    /// The consumer opens the chat: unread business messages are marked read and
    /// read receipts sent. Returns how many.
    #[wasm_bindgen(js_name = consumerRead)]
    pub fn consumer_read(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] consumer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] business: JsValue,
    ) -> Result<u32, JsValue> {
        let consumer = args::string(&consumer, "consumer")?;
        let business = args::string(&business, "business")?;
        let n = borrow(&self.sim)?
            .consumer_read(&consumer, &business)
            .or_js()?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The consumer reports the business as spam (to WhatsApp's integrity system).
    #[wasm_bindgen(js_name = reportSpam)]
    pub fn report_spam(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] consumer: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] business: JsValue,
    ) -> Result<(), JsValue> {
        let consumer = args::string(&consumer, "consumer")?;
        let business = args::string(&business, "business")?;
        borrow(&self.sim)?
            .consumer_report_spam(&consumer, &business)
            .or_js()
    }

    /// The business's server sends a text through the Graph API (a real
    /// request, signed with its token). Returns the Cloud API's response.
    #[wasm_bindgen(js_name = businessSendText, unchecked_return_type = "HttpResponse")]
    pub fn business_send_text(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] to: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
    ) -> Result<JsValue, JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        let to = args::string(&to, "to")?;
        let body = args::string(&body, "body")?;
        let response = borrow(&self.sim)?
            .business_send_text(&pnid, &to, &body)
            .or_js()?;
        http_shape::response(&response)
    }

    /// The business reacts to a message with an emoji (empty removes it).
    #[wasm_bindgen(js_name = businessReact, unchecked_return_type = "HttpResponse")]
    pub fn business_react(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] to: JsValue,
        #[wasm_bindgen(js_name = messageId, unchecked_param_type = "string")] message_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] emoji: JsValue,
    ) -> Result<JsValue, JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        let to = args::string(&to, "to")?;
        let message_id = args::string(&message_id, "messageId")?;
        let emoji = args::string(&emoji, "emoji")?;
        let response = borrow(&self.sim)?
            .business_react(&pnid, &to, &message_id, &emoji)
            .or_js()?;
        http_shape::response(&response)
    }

    /// The business marks an inbound message read.
    #[wasm_bindgen(js_name = businessMarkRead, unchecked_return_type = "HttpResponse")]
    pub fn business_mark_read(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] wamid: JsValue,
    ) -> Result<JsValue, JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        let wamid = args::string(&wamid, "wamid")?;
        let response = borrow(&self.sim)?
            .business_mark_read(&pnid, &wamid)
            .or_js()?;
        http_shape::response(&response)
    }

    /// Sends an HTTP request to the business's own webhook endpoint (for
    /// example Meta's `GET` verification handshake, or a forged `POST`).
    #[wasm_bindgen(js_name = businessWebhook, unchecked_return_type = "HttpResponse")]
    pub fn business_webhook(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "HttpRequestInit")] request: JsValue,
    ) -> Result<JsValue, JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        let request = http_shape::request(&request)?;
        let response = borrow(&self.sim)?
            .business_webhook(&pnid, &request)
            .or_js()?;
        http_shape::response(&response)
    }

    /// The business re-registers its number: a new identity key, so consumers
    /// see a safety-number change.
    #[wasm_bindgen(js_name = rotateBusinessIdentity)]
    pub fn rotate_business_identity(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
    ) -> Result<(), JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        borrow(&self.sim)?.rotate_business_identity(&pnid).or_js()
    }

    /// Sets the transport's fault probabilities (each 0 to 1; missing ones are 0).
    #[wasm_bindgen(js_name = setFaults)]
    pub fn set_faults(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FaultOptions")] faults: JsValue,
    ) -> Result<(), JsValue> {
        let faults = sim_options::fault_config(&faults)?;
        borrow(&self.sim)?.set_faults(faults).or_js()
    }

    /// Sets the webhook link's fault probabilities (each 0 to 1; missing ones
    /// are 0): `fail` (the endpoint answers 503), `timeout` (it answers after
    /// the Cloud API gave up: processed, then posted again), `duplicate`,
    /// `reorder`.
    #[wasm_bindgen(js_name = setWebhookFaults)]
    pub fn set_webhook_faults(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WebhookFaultOptions")] faults: JsValue,
    ) -> Result<(), JsValue> {
        let faults = sim_options::webhook_fault_config(&faults)?;
        borrow(&self.sim)?.set_webhook_faults(faults).or_js()
    }

    /// Switches a business's webhook endpoint off (`up` false: every POST is
    /// refused, and the Cloud API retries on its schedule) or back on.
    #[wasm_bindgen(js_name = setWebhookEndpoint)]
    pub fn set_webhook_endpoint(
        &self,
        #[wasm_bindgen(js_name = phoneNumberId, unchecked_param_type = "string")]
        phone_number_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "boolean")] up: JsValue,
    ) -> Result<(), JsValue> {
        let pnid = args::string(&phone_number_id, "phoneNumberId")?;
        let up = args::boolean(&up, "up")?;
        borrow(&self.sim)?.set_webhook_endpoint(&pnid, up).or_js()
    }

    /// Switches a deliberate policy breach on or off (the workshop's "what
    /// if?"): the party it names really does what Meta says it does not, and
    /// `visibility()`, `proof()` or the snapshot's `retention` turn red by
    /// themselves. `name` is one of `snapshot().breaches[].name`.
    #[wasm_bindgen(js_name = setBreach)]
    pub fn set_breach(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BreachName")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "boolean")] on: JsValue,
    ) -> Result<(), JsValue> {
        let name = args::string(&name, "name")?;
        let breach = Breach::from_name(&name)
            .ok_or_else(|| invalid_argument(format!("name: no breach is called \"{name}\"")))?;
        let on = args::boolean(&on, "on")?;
        borrow(&self.sim)?.set_breach(breach, on);
        Ok(())
    }

    /// Runs the next scheduled action. Returns false when nothing is scheduled.
    pub fn step(&self) -> Result<bool, JsValue> {
        Ok(borrow(&self.sim)?.step())
    }

    /// Runs up to `maxSteps` actions (default and most: 100,000) due within
    /// `horizonMs` of now (default one minute). Returns how many ran.
    pub fn run(
        &self,
        #[wasm_bindgen(js_name = maxSteps, unchecked_param_type = "number | undefined")]
        max_steps: JsValue,
        #[wasm_bindgen(js_name = horizonMs, unchecked_param_type = "number | undefined")]
        horizon_ms: JsValue,
    ) -> Result<u32, JsValue> {
        let max = args::optional_integer(&max_steps, "maxSteps", STEP_BUDGET as u64)?
            .unwrap_or(STEP_BUDGET as u64);
        let horizon = args::optional_integer(&horizon_ms, "horizonMs", u64::MAX)?.unwrap_or(60_000);
        let ran = borrow(&self.sim)?.run(usize::try_from(max).unwrap_or(usize::MAX), horizon);
        Ok(u32::try_from(ran).unwrap_or(u32::MAX))
    }

    /// Moves the virtual clock forward by `ms`, running everything due and
    /// purging what expires (advance 30 days to see the retention purge).
    pub fn advance(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue,
    ) -> Result<(), JsValue> {
        let ms = args::integer(&ms, "ms", u64::MAX)?;
        borrow(&self.sim)?
            .advance_within(ms, STEP_BUDGET)
            .map_err(|_| work_limit("advance"))?;
        Ok(())
    }

    /// Runs until nothing is due within a minute. Returns how many actions ran.
    pub fn settle(&self) -> Result<u32, JsValue> {
        let ran = borrow(&self.sim)?
            .settle_within(STEP_BUDGET)
            .map_err(|_| work_limit("settle"))?;
        Ok(u32::try_from(ran).unwrap_or(u32::MAX))
    }

    /// Virtual time, ms since the Unix epoch.
    #[wasm_bindgen(getter = nowMs)]
    pub fn now_ms(&self) -> Result<f64, JsValue> {
        #[allow(clippy::cast_precision_loss)]
        Ok(borrow(&self.sim)?.now_ms() as f64)
    }

    /// Actions still scheduled.
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> Result<u32, JsValue> {
        Ok(u32::try_from(borrow(&self.sim)?.pending()).unwrap_or(u32::MAX))
    }

    /// The view-model: every party's pane (consumers, transport, Cloud API,
    /// businesses) with each item linked to its message's journey, plus the
    /// proof, the visibility matrix, the retention check, the breaches and the
    /// delivery counts, as plain objects. Each list keeps its newest
    /// `listLimit` entries (default 500); `recent` lines of faults, verdicts
    /// and HTTPS exchanges (default 6).
    #[wasm_bindgen(unchecked_return_type = "Panes")]
    pub fn snapshot(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SnapshotOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut view = ViewOptions::default();
        args::with_options(&options, "options", &["listLimit", "recent"], |f| {
            if let Some(n) = args::integer_field(&f, "listLimit", u64::from(u32::MAX))? {
                view.list_limit = usize::try_from(n).unwrap_or(usize::MAX);
            }
            if let Some(n) = args::integer_field(&f, "recent", 1_000)? {
                view.recent = usize::try_from(n).unwrap_or(usize::MAX);
            }
            Ok(())
        })?;
        let sim = borrow(&self.sim)?;
        output::plain(&View::of(&sim, &view))
    }

    /// The ciphertext-only proof: every transport byte scanned for every plaintext.
    #[wasm_bindgen(unchecked_return_type = "ProofReport")]
    pub fn proof(&self) -> Result<JsValue, JsValue> {
        output::plain(&borrow(&self.sim)?.proof())
    }

    /// Who saw what, computed from the run, beside Meta's published table.
    #[wasm_bindgen(unchecked_return_type = "MatrixComparison")]
    pub fn visibility(&self) -> Result<JsValue, JsValue> {
        output::plain(&borrow(&self.sim)?.visibility())
    }

    /// SHA-256 over the whole state: equal digests, equal simulations.
    #[wasm_bindgen(js_name = stateDigest)]
    pub fn state_digest(&self) -> Result<String, JsValue> {
        Ok(borrow(&self.sim)?.state_digest())
    }

    /// The trace as a plain object (`JSON.parse(exportTrace())`).
    #[wasm_bindgen(unchecked_return_type = "Trace")]
    pub fn trace(&self) -> Result<JsValue, JsValue> {
        let json = trace_io::export(borrow(&self.sim)?.trace())?;
        js_sys::JSON::parse(&json).map_err(|_| invalid_argument("trace JSON did not parse"))
    }

    /// The trace as JSON text (the same seed and actions give the same text).
    #[wasm_bindgen(js_name = exportTrace)]
    pub fn export_trace(&self) -> Result<String, JsValue> {
        trace_io::export(borrow(&self.sim)?.trace())
    }

    /// Parses and validates trace JSON (from `exportTrace()`), returning it as
    /// a plain object.
    #[wasm_bindgen(js_name = importTrace, unchecked_return_type = "Trace")]
    pub fn import_trace(
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> Result<JsValue, JsValue> {
        let json = args::string(&json, "json")?;
        trace_io::import(&json).map(|(_, object)| object)
    }

    /// Recomputes the ciphertext-only proof from trace JSON alone, without the
    /// simulation that wrote it.
    #[wasm_bindgen(js_name = proveTrace, unchecked_return_type = "ProofReport")]
    pub fn prove_trace(
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> Result<JsValue, JsValue> {
        let json = args::string(&json, "json")?;
        trace_io::prove(&json)
    }
}
