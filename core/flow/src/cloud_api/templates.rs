//! Message templates, per WhatsApp Business Account: the registry, the
//! checks at creation, the simulated review, and rendering for a send.
//!
//! Every account starts with Meta's approved sample `hello_world` (en_US,
//! UTILITY). A template created through `POST /{version}/{waba-id}/message_templates`
//! is `PENDING` until its review, [`REVIEW_MS`] later, approves or rejects it;
//! the business learns the outcome from a `message_template_status_update`
//! webhook (or by listing). Only an approved template can be sent.
//!
//! Checked at creation (answered with Meta's error at once): the name
//! (lowercase letters, digits, underscores), the language code, the category,
//! the components (a BODY; an optional text HEADER and FOOTER), parameters
//! `{{1}}`, `{{2}}`, ... numbered in order, no parameter at the very start or
//! end of the body (subcode 2388299), one template per name and language,
//! at most [`MAX_TEMPLATES`]. Rejected at review, as Meta's example webhook
//! shows: parameters next to each other (`{{1}}{{2}}`), reason
//! `INVALID_FORMAT`.

use serde::Serialize;

use crate::cloud_api::webhook::payload::PricingCategory;

/// How long the simulated review takes (Meta: "up to 24 hours", usually minutes).
pub const REVIEW_MS: u64 = 60_000;
/// Templates one account may have (Meta's limit).
pub const MAX_TEMPLATES: usize = 250;
/// The longest template name.
pub const MAX_NAME_CHARS: usize = 512;
/// The longest body, in characters (also after its parameters are filled in).
pub const MAX_BODY_CHARS: usize = 1024;
/// The longest header or footer.
pub const MAX_HEADER_CHARS: usize = 60;

/// A template's review state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    /// Waiting for review.
    Pending,
    /// Approved: it can be sent.
    Approved,
    /// Rejected: it cannot be sent.
    Rejected,
}

impl TemplateStatus {
    /// As the Graph API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateStatus::Pending => "PENDING",
            TemplateStatus::Approved => "APPROVED",
            TemplateStatus::Rejected => "REJECTED",
        }
    }
}

/// A template's category: what it is for, and how it is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateCategory {
    /// Promotions.
    Marketing,
    /// Updates about something the consumer asked for (an order, an appointment).
    Utility,
    /// One-time passwords.
    Authentication,
}

impl TemplateCategory {
    /// Parses Meta's upper-case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MARKETING" => Some(TemplateCategory::Marketing),
            "UTILITY" => Some(TemplateCategory::Utility),
            "AUTHENTICATION" => Some(TemplateCategory::Authentication),
            _ => None,
        }
    }

    /// Meta's upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateCategory::Marketing => "MARKETING",
            TemplateCategory::Utility => "UTILITY",
            TemplateCategory::Authentication => "AUTHENTICATION",
        }
    }

    /// The pricing category of a message sent with it.
    pub fn pricing(self) -> PricingCategory {
        match self {
            TemplateCategory::Marketing => PricingCategory::Marketing,
            TemplateCategory::Utility => PricingCategory::Utility,
            TemplateCategory::Authentication => PricingCategory::Authentication,
        }
    }
}

/// One template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its id (Meta's are numbers of 16 digits).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its language code (`en_US`).
    pub language: String,
    /// Its category.
    pub category: TemplateCategory,
    /// The text header, if any (may hold `{{1}}`).
    pub header: Option<String>,
    /// The body.
    pub body: String,
    /// The footer, if any.
    pub footer: Option<String>,
    /// Its review state.
    pub status: TemplateStatus,
    /// Why it was rejected (`INVALID_FORMAT`), or `NONE`.
    pub reason: &'static str,
    /// When its review completes (pending templates).
    pub review_at_ms: Option<u64>,
}

/// Why a template cannot be created (each becomes Meta's error answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A field is missing or wrong: code 100 with these details.
    Invalid(String),
    /// A parameter at the start or end of the body: code 100, subcode 2388299.
    DanglingParameter,
    /// The account already has [`MAX_TEMPLATES`]: code 100, subcode 2388019.
    LimitExceeded,
}

/// The texts of Meta's sample `hello_world`.
pub const HELLO_WORLD_HEADER: &str = "Hello World";
/// The body of `hello_world`.
pub const HELLO_WORLD_BODY: &str = "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.";
/// The footer of `hello_world`.
pub const HELLO_WORLD_FOOTER: &str = "WhatsApp Business Platform sample message";

/// The `{{n}}` parameters of `text`, in order: (start, end, n) with byte
/// offsets; `None` when a `{{` is not a number closed by `}}`.
fn spans(text: &str) -> Option<Vec<(usize, usize, u32)>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b.get(i..i + 2) != Some(b"{{") {
            i += 1;
            continue;
        }
        let digits = b
            .get(i + 2..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = i + 2 + digits;
        if digits == 0 || digits > 3 || b.get(end..end + 2) != Some(b"}}") {
            return None;
        }
        let n = b
            .get(i + 2..end)?
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        out.push((i, end + 2, n));
        i = end + 2;
    }
    Some(out)
}

/// The numbers of the `{{n}}` parameters in `text`, in order of appearance;
/// `None` when a `{{` is not closed by a number and `}}`.
pub fn parameters(text: &str) -> Option<Vec<u32>> {
    Some(spans(text)?.into_iter().map(|(_, _, n)| n).collect())
}

/// Whether two parameters touch (`{{1}}{{2}}`).
fn adjacent(text: &str) -> bool {
    spans(text)
        .unwrap_or_default()
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.1 == b.0))
}

/// Checks that `text`'s parameters are `{{1}}` ... `{{n}}` in order; returns n.
fn sequential(text: &str, part: &str) -> Result<usize, TemplateError> {
    let params = parameters(text).ok_or_else(|| {
        TemplateError::Invalid(format!(
            "{part}: variable parameters must be written {{{{1}}}}, {{{{2}}}}, ... with matching braces"
        ))
    })?;
    if params.iter().enumerate().any(|(i, n)| *n as usize != i + 1) {
        return Err(TemplateError::Invalid(format!(
            "{part}: variable parameters are not sequential ({{{{1}}}}, {{{{2}}}}, ... in order)"
        )));
    }
    Ok(params.len())
}

/// `text` with `{{i}}` replaced by `values[i-1]` (a parameter without a
/// value stays as written).
pub fn fill(text: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, n) in spans(text).unwrap_or_default() {
        out.push_str(text.get(at..start).unwrap_or_default());
        let value = (n as usize).checked_sub(1).and_then(|i| values.get(i));
        out.push_str(value.map_or(text.get(start..end).unwrap_or_default(), String::as_str));
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

impl Template {
    /// Meta's sample, approved.
    pub fn hello_world(id: u64) -> Self {
        Self {
            id,
            name: "hello_world".to_owned(),
            language: "en_US".to_owned(),
            category: TemplateCategory::Utility,
            header: Some(HELLO_WORLD_HEADER.to_owned()),
            body: HELLO_WORLD_BODY.to_owned(),
            footer: Some(HELLO_WORLD_FOOTER.to_owned()),
            status: TemplateStatus::Approved,
            reason: "NONE",
            review_at_ms: None,
        }
    }

    /// How many body and header parameters a send must fill.
    pub fn parameter_counts(&self) -> (usize, usize) {
        let count = |t: &str| parameters(t).map_or(0, |p| p.len());
        (count(&self.body), self.header.as_deref().map_or(0, count))
    }

    /// The text the consumer sees: header, body and footer, parameters filled in.
    pub fn render(&self, body: &[String], header: &[String]) -> String {
        let mut parts = Vec::new();
        if let Some(h) = &self.header {
            parts.push(fill(h, header));
        }
        parts.push(fill(&self.body, body));
        if let Some(f) = &self.footer {
            parts.push(f.clone());
        }
        parts.join("\n\n")
    }

    /// The review's verdict: rejected (`INVALID_FORMAT`) when two parameters
    /// touch, as in Meta's example rejection; else approved.
    pub(crate) fn review(&mut self) {
        self.review_at_ms = None;
        if adjacent(&self.body) {
            self.status = TemplateStatus::Rejected;
            self.reason = "INVALID_FORMAT";
        } else {
            self.status = TemplateStatus::Approved;
            self.reason = "NONE";
        }
    }
}

/// What a creation request asks for, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTemplate {
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// Category.
    pub category: TemplateCategory,
    /// Text header.
    pub header: Option<String>,
    /// Body.
    pub body: String,
    /// Footer.
    pub footer: Option<String>,
}

/// The rejection Meta's example webhook gives for touching parameters.
pub const ADJACENT_PARAMETERS_REASON: &str = "Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.";
/// Its recommendation.
pub const ADJACENT_PARAMETERS_RECOMMENDATION: &str = "Separate parameters with descriptive text and ensure each parameter is clearly contextualized.";

/// The templates of every account.
#[derive(Debug, Clone, Default)]
pub struct TemplateRegistry {
    /// (WABA id, its templates oldest first), accounts in the order opened.
    pub(crate) by_waba: Vec<(String, Vec<Template>)>,
    pub(crate) next_id: u64,
    /// The earliest pending review (kept, since the Cloud API reads it after
    /// every call it handles).
    pub(crate) next_review: Option<u64>,
}

impl TemplateRegistry {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        1_689_556_908_129_800 + self.next_id
    }

    /// Opens an account with Meta's sample template, once.
    pub(crate) fn open_account(&mut self, waba_id: &str) {
        if self.by_waba.iter().any(|(w, _)| w == waba_id) {
            return;
        }
        let id = self.new_id();
        self.by_waba
            .push((waba_id.to_owned(), vec![Template::hello_world(id)]));
    }

    /// An account's templates, oldest first.
    pub fn of(&self, waba_id: &str) -> &[Template] {
        self.by_waba
            .iter()
            .find(|(w, _)| w == waba_id)
            .map_or(&[], |(_, list)| list.as_slice())
    }

    /// The template `name` in `language`.
    pub fn find(&self, waba_id: &str, name: &str, language: &str) -> Option<&Template> {
        self.of(waba_id)
            .iter()
            .find(|t| t.name == name && t.language == language)
    }

    /// Checks and stores a new template, pending review until `now_ms +
    /// REVIEW_MS`.
    pub(crate) fn create(
        &mut self,
        now_ms: u64,
        waba_id: &str,
        new: NewTemplate,
    ) -> Result<&Template, TemplateError> {
        check(&new)?;
        let existing = self.of(waba_id);
        if existing.len() >= MAX_TEMPLATES {
            return Err(TemplateError::LimitExceeded);
        }
        if existing
            .iter()
            .any(|t| t.name == new.name && t.language == new.language)
        {
            return Err(TemplateError::Invalid(format!(
                "a template named {} already exists in {}",
                new.name, new.language
            )));
        }
        let id = self.new_id();
        let at = now_ms.saturating_add(REVIEW_MS);
        self.next_review = Some(self.next_review.map_or(at, |t| t.min(at)));
        let i = match self.by_waba.iter().position(|(w, _)| w == waba_id) {
            Some(i) => i,
            None => {
                self.by_waba.push((waba_id.to_owned(), Vec::new()));
                self.by_waba.len() - 1
            }
        };
        let (_, list) = self
            .by_waba
            .get_mut(i)
            .ok_or_else(|| TemplateError::Invalid("no account".to_owned()))?;
        list.push(Template {
            id,
            name: new.name,
            language: new.language,
            category: new.category,
            header: new.header,
            body: new.body,
            footer: new.footer,
            status: TemplateStatus::Pending,
            reason: "NONE",
            review_at_ms: Some(at),
        });
        list.last()
            .ok_or_else(|| TemplateError::Invalid("not stored".to_owned()))
    }

    /// The earliest pending review.
    pub(crate) fn next_review(&self) -> Option<u64> {
        self.next_review
    }

    /// Completes the reviews due at `now_ms`: (WABA id, template) of each.
    pub(crate) fn review_due(&mut self, now_ms: u64) -> Vec<(String, Template)> {
        let mut done = Vec::new();
        let mut next = None::<u64>;
        for (waba, list) in self.by_waba.iter_mut() {
            for t in list.iter_mut() {
                match t.review_at_ms {
                    Some(at) if at <= now_ms => {
                        t.review();
                        done.push((waba.clone(), t.clone()));
                    }
                    Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
                    None => {}
                }
            }
        }
        self.next_review = next;
        done
    }
}

fn check(new: &NewTemplate) -> Result<(), TemplateError> {
    let invalid = |s: String| Err(TemplateError::Invalid(s));
    let name_ok = !new.name.is_empty()
        && new.name.chars().count() <= MAX_NAME_CHARS
        && new
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        return invalid(format!(
            "name must be 1 to {MAX_NAME_CHARS} lowercase letters, digits or underscores, got \"{}\"",
            new.name
        ));
    }
    let lang = new.language.as_bytes();
    let lang_ok = match lang {
        [a, b] => a.is_ascii_lowercase() && b.is_ascii_lowercase(),
        [a, b, b'_', c, d] => {
            a.is_ascii_lowercase()
                && b.is_ascii_lowercase()
                && c.is_ascii_uppercase()
                && d.is_ascii_uppercase()
        }
        _ => false,
    };
    if !lang_ok {
        return invalid(format!(
            "language must be a code such as en or en_US, got \"{}\"",
            new.language
        ));
    }
    let body_chars = new.body.chars().count();
    if new.body.trim().is_empty() || body_chars > MAX_BODY_CHARS {
        return invalid(format!(
            "BODY text must be 1 to {MAX_BODY_CHARS} characters, got {body_chars}"
        ));
    }
    for (part, text) in [("HEADER", &new.header), ("FOOTER", &new.footer)] {
        if let Some(t) = text
            && (t.trim().is_empty() || t.chars().count() > MAX_HEADER_CHARS)
        {
            return invalid(format!(
                "{part} text must be 1 to {MAX_HEADER_CHARS} characters"
            ));
        }
    }
    if new
        .footer
        .as_deref()
        .is_some_and(|f| parameters(f).is_none_or(|p| !p.is_empty()))
    {
        return invalid("FOOTER text cannot hold variable parameters".to_owned());
    }
    let params = sequential(&new.body, "BODY")?;
    if let Some(h) = &new.header
        && sequential(h, "HEADER")? > 1
    {
        return invalid("HEADER text can hold at most one variable parameter".to_owned());
    }
    let body = new.body.trim();
    let spans = spans(body).unwrap_or_default();
    let dangling =
        spans.first().is_some_and(|s| s.0 == 0) || spans.last().is_some_and(|s| s.1 == body.len());
    if params > 0 && dangling {
        return Err(TemplateError::DanglingParameter);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
