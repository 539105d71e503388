//! Sends the Cloud API's webhook requests to real endpoints over HTTP/1.1,
//! concurrently, and hands each answer back to the engine: the status, the
//! headers and up to [`MAX_ANSWER_BYTES`] of the body, or how the request
//! failed (nothing listening, no answer within [`cipherflow_flow::router::WEBHOOK_TIMEOUT_MS`]).
//! What to do with the answer (deliver, retry later, give up) is the Cloud
//! API party's rule, not this file's.

use std::time::Duration;

use bytes::Bytes;
use cipherflow_flow::http::HttpResponse;
use cipherflow_flow::wire::HttpFailure;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::actor::EngineHandle;
use crate::engine::Outgoing;

/// The most of an answer's body the Cloud API reads (the rest is dropped).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The `User-Agent` Meta's webhooks are sent with.
pub const USER_AGENT: &str = "facebookexternalua";

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Sends every request that arrives on `requests` until the channel closes;
/// an endpoint that has not answered within `timeout` (Meta's is
/// [`cipherflow_flow::router::WEBHOOK_TIMEOUT_MS`]) counts as timed out.
pub async fn run(
    mut requests: UnboundedReceiver<Outgoing>,
    engine: EngineHandle,
    timeout: Duration,
) {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(timeout));
    connector.set_nodelay(true);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
    while let Some(out) = requests.recv().await {
        let client = client.clone();
        let engine = engine.clone();
        tokio::spawn(async move {
            let answer = send(&client, &out, timeout).await;
            engine.answer(out.phone_number_id, out.exchange, answer);
        });
    }
}

async fn send(
    client: &HttpClient,
    out: &Outgoing,
    timeout: Duration,
) -> Result<HttpResponse, HttpFailure> {
    let mut builder = hyper::Request::builder()
        .method(out.request.method.as_str())
        .uri(out.url.with_path(&out.request.path))
        .header("User-Agent", USER_AGENT);
    for (name, value) in &out.request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let Ok(request) = builder.body(Full::new(Bytes::from(out.request.body.clone()))) else {
        // A URL or header the HTTP library will not send: nothing left.
        return Err(HttpFailure::Refused);
    };
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|_| HttpFailure::Refused)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        // An answer's body is read up to the limit; a longer one counts by
        // its status, with the body cut.
        let body = match Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(_) => Vec::new(),
        };
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(answer) => answer,
        Err(_) => Err(HttpFailure::TimedOut),
    }
}
