//! Template requests: a send with `type: "template"`, and creating and
//! listing templates at `/{version}/{waba-id}/message_templates`, in Meta's
//! shapes.
//!
//! A send names the template and its language and fills its parameters:
//!
//! ```json
//! {"messaging_product": "whatsapp", "to": "16505551234", "type": "template",
//!  "template": {"name": "order_update", "language": {"code": "en_US"},
//!   "components": [{"type": "body", "parameters": [{"type": "text", "text": "#1042"}]}]}}
//! ```

use serde_json::Value;

use crate::cloud_api::graph_api::{GraphError, SendRequest, opt_str_field, str_field};
use crate::cloud_api::templates::{NewTemplate, Template, TemplateCategory};
use crate::cloud_api::webhook::meta_json::JsonWriter;
use crate::http::HttpResponse;
use crate::phone::PhoneNumber;

/// One parameter of a template send: text, or a kind this simulation does
/// not model (an image, a currency...), which the send refuses with 132012.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateParameter {
    /// `{"type": "text", "text": ...}`.
    Text(String),
    /// Any other `type`.
    Other(String),
}

fn parameters(component: &Value, part: &str) -> Result<Vec<TemplateParameter>, GraphError> {
    let Some(list) = component.get("parameters") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| GraphError::invalid_value(format!("{part}: parameters must be an array")))?;
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        out.push(match str_field(p, "type", "parameters['type']")? {
            "text" => {
                TemplateParameter::Text(str_field(p, "text", "parameters['text']")?.to_owned())
            }
            other => TemplateParameter::Other(other.to_owned()),
        });
    }
    Ok(out)
}

/// The `template` object of a send.
pub(crate) fn parse_template_send(
    v: &Value,
    input: String,
    to: PhoneNumber,
    callback_data: Option<String>,
) -> Result<SendRequest, GraphError> {
    let t = v
        .get("template")
        .ok_or_else(|| GraphError::missing_parameter("template"))?;
    let name = str_field(t, "name", "template['name']")?.to_owned();
    let language = t
        .get("language")
        .ok_or_else(|| GraphError::missing_parameter("template['language']"))?;
    let language = str_field(language, "code", "template['language']['code']")?.to_owned();
    let mut body = Vec::new();
    let mut header = Vec::new();
    let components = match t.get("components") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => {
            return Err(GraphError::invalid_value(
                "template['components'] must be an array".to_owned(),
            ));
        }
    };
    for c in components {
        let kind = str_field(c, "type", "components['type']")?;
        match kind.to_ascii_lowercase().as_str() {
            "body" => body.extend(parameters(c, "body")?),
            "header" => header.extend(parameters(c, "header")?),
            other => {
                return Err(GraphError::invalid_value(format!(
                    "component type \"{other}\" is not modelled (body, header)"
                )));
            }
        }
    }
    Ok(SendRequest::Template {
        input,
        to,
        name,
        language,
        body,
        header,
        callback_data,
    })
}

/// A `POST /{version}/{waba-id}/message_templates` body.
pub fn parse_template_create(body: &[u8]) -> Result<NewTemplate, GraphError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        GraphError::invalid_parameter(
            "(#100) Invalid parameter".to_owned(),
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    let name = str_field(&v, "name", "name")?.to_owned();
    let language = str_field(&v, "language", "language")?.to_owned();
    let category = str_field(&v, "category", "category")?;
    let category = TemplateCategory::parse(category).ok_or_else(|| {
        GraphError::template_creation(
            None,
            format!("category must be MARKETING, UTILITY or AUTHENTICATION, got \"{category}\""),
        )
    })?;
    let components = v
        .get("components")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::missing_parameter("components"))?;
    let (mut header, mut text_body, mut footer) = (None, None, None);
    for c in components {
        let kind = str_field(c, "type", "components['type']")?;
        let text = || str_field(c, "text", "components['text']").map(str::to_owned);
        match kind {
            "HEADER" => {
                let format = opt_str_field(c, "format", "components['format']")?;
                if format.is_some_and(|f| f != "TEXT") {
                    return Err(GraphError::template_creation(
                        None,
                        "only TEXT headers are modelled".to_owned(),
                    ));
                }
                header = Some(text()?);
            }
            "BODY" => text_body = Some(text()?),
            "FOOTER" => footer = Some(text()?),
            other => {
                return Err(GraphError::template_creation(
                    None,
                    format!("component type {other} is not modelled (HEADER, BODY, FOOTER)"),
                ));
            }
        }
    }
    Ok(NewTemplate {
        name,
        language,
        category,
        header,
        body: text_body.ok_or_else(|| GraphError::missing_parameter("components (BODY)"))?,
        footer,
    })
}

/// `{"id", "status", "category"}`: Meta's answer to a creation.
pub fn template_created_response(t: &Template) -> HttpResponse {
    let mut w = JsonWriter::new();
    w.open()
        .field("id", &t.id.to_string())
        .field("status", t.status.as_str())
        .field("category", t.category.as_str())
        .close();
    json_response(w)
}

/// `{"data": [...], "paging": {"cursors": ...}}`: every template of the
/// account, on one page, fields in the order of Meta's answers.
pub fn template_list_response(templates: &[Template]) -> HttpResponse {
    let mut w = JsonWriter::new();
    w.open().key("data").open_list();
    for t in templates {
        w.open()
            .field("name", &t.name)
            .field("parameter_format", "POSITIONAL");
        w.key("components").open_list();
        let parts = [
            ("HEADER", t.header.as_deref()),
            ("BODY", Some(t.body.as_str())),
            ("FOOTER", t.footer.as_deref()),
        ];
        for (kind, text) in parts {
            let Some(text) = text else { continue };
            w.open().field("type", kind);
            w.opt_field("format", (kind == "HEADER").then_some("TEXT"));
            w.field("text", text).close();
        }
        w.close_list()
            .field("language", &t.language)
            .field("status", t.status.as_str())
            .field("category", t.category.as_str())
            .field("id", &t.id.to_string())
            .close();
    }
    let cursor =
        |t: Option<&Template>| crate::base64::url_safe(&t.map_or(0, |t| t.id).to_be_bytes());
    w.close_list().key("paging").open().key("cursors").open();
    w.field("before", &cursor(templates.first()))
        .field("after", &cursor(templates.last()));
    w.close().close().close();
    json_response(w)
}

fn json_response(w: JsonWriter) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: w.finish(),
    }
}
