//! What the Cloud API does with templates: the Graph API's template
//! endpoints, the review and its webhook, and filling a template in for a
//! send.

use crate::cloud_api::CloudApi;
use crate::cloud_api::graph_api::{self, GraphError, TemplateParameter};
use crate::cloud_api::templates::{
    ADJACENT_PARAMETERS_REASON, ADJACENT_PARAMETERS_RECOMMENDATION, MAX_BODY_CHARS,
    TemplateCategory, TemplateError, TemplateStatus,
};
use crate::cloud_api::webhook::payload::{TemplateUpdate, Update};
use crate::http::{HttpRequest, HttpResponse};

impl CloudApi {
    /// Template requests must carry the token of a number in that account.
    pub(crate) fn authorize_waba(
        &self,
        request: &HttpRequest,
        waba_id: &str,
    ) -> Result<(), GraphError> {
        let known = self.numbers.values().any(|n| n.ids.waba_id == waba_id);
        self.authorized(request, known, waba_id, |t| {
            self.numbers
                .values()
                .any(|n| n.ids.waba_id == waba_id && n.access_token == t)
        })
    }

    /// `GET .../message_templates`.
    pub(crate) fn list_templates(&self, waba_id: &str) -> HttpResponse {
        graph_api::template_list_response(self.templates.of(waba_id))
    }

    /// `POST .../message_templates`: checked, stored pending, answered.
    pub(crate) fn create_template(
        &mut self,
        now_ms: u64,
        waba_id: &str,
        request: &HttpRequest,
    ) -> Result<HttpResponse, GraphError> {
        let new = graph_api::parse_template_create(&request.body)?;
        match self.templates.create(now_ms, waba_id, new) {
            Ok(t) => Ok(graph_api::template_created_response(t)),
            Err(TemplateError::Invalid(details)) => {
                Err(GraphError::template_creation(None, details))
            }
            Err(TemplateError::DanglingParameter) => Err(GraphError::template_creation(
                Some(2388299),
                "Variables cannot be at the start or end of the template.".to_owned(),
            )),
            Err(TemplateError::LimitExceeded) => Err(GraphError::template_creation(
                Some(2388019),
                "A WhatsApp Business account can have up to 250 message templates.".to_owned(),
            )),
        }
    }

    /// Reviews come due: each outcome goes to the account's numbers as a
    /// `message_template_status_update` webhook.
    pub(crate) fn review_templates(&mut self, now_ms: u64) {
        for (waba_id, t) in self.templates.review_due(now_ms) {
            let rejected = t.status == TemplateStatus::Rejected;
            let update = TemplateUpdate {
                event: t.status.as_str(),
                template_id: t.id,
                name: t.name.clone(),
                language: t.language.clone(),
                reason: t.reason,
                category: t.category.as_str(),
                rejection: rejected.then_some((
                    ADJACENT_PARAMETERS_REASON,
                    ADJACENT_PARAMETERS_RECOMMENDATION,
                )),
                time_s: now_ms / 1000,
            };
            let numbers: Vec<String> = self
                .numbers
                .values()
                .filter(|n| n.ids.waba_id == waba_id)
                .map(|n| n.ids.phone_number_id.clone())
                .collect();
            for pnid in numbers {
                self.queue_update(now_ms, &pnid, Update::Template(update.clone()));
            }
        }
    }

    /// The text a template send delivers, and the template's category; or
    /// Meta's error: 132001 (no such template in that language, or not
    /// approved), 132000 (wrong parameter count), 132012 (a parameter that is
    /// not text), 132005 (the filled-in body too long).
    pub(crate) fn render_template(
        &self,
        pnid: &str,
        name: &str,
        language: &str,
        body: &[TemplateParameter],
        header: &[TemplateParameter],
    ) -> Result<(String, TemplateCategory), GraphError> {
        let waba_id = self
            .numbers
            .get(pnid)
            .map(|n| n.ids.waba_id.as_str())
            .unwrap_or_default();
        let t = self
            .templates
            .find(waba_id, name, language)
            .ok_or_else(|| {
                GraphError::template_missing(format!(
                    "template name ({name}) does not exist in {language}"
                ))
            })?;
        if t.status != TemplateStatus::Approved {
            return Err(GraphError::template_missing(format!(
                "template name ({name}) in {language} is {}, not APPROVED",
                t.status.as_str()
            )));
        }
        let texts = |part: &str, params: &[TemplateParameter]| {
            let mut out = Vec::with_capacity(params.len());
            for (i, p) in params.iter().enumerate() {
                match p {
                    TemplateParameter::Text(s) => out.push(s.clone()),
                    TemplateParameter::Other(kind) => {
                        return Err(GraphError::template_parameter_format(format!(
                            "{part}: parameter {} has type {kind}, the template expects text",
                            i + 1
                        )));
                    }
                }
            }
            Ok(out)
        };
        let (body, header) = (texts("body", body)?, texts("header", header)?);
        let (want_body, want_header) = t.parameter_counts();
        if body.len() != want_body {
            return Err(GraphError::template_param_count(
                "body",
                body.len(),
                want_body,
            ));
        }
        if header.len() != want_header {
            return Err(GraphError::template_param_count(
                "header",
                header.len(),
                want_header,
            ));
        }
        let filled = crate::cloud_api::templates::fill(&t.body, &body);
        let chars = filled.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(GraphError::template_too_long(format!(
                "body: {chars} characters once filled in, at most {MAX_BODY_CHARS}"
            )));
        }
        Ok((t.render(&body, &header), t.category))
    }
}
