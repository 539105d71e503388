//! Keeps `server/openapi.json` in step with the code. The checks read the
//! document and the source of the control API itself (`control.rs`,
//! `errors.rs`, `mod.rs`, `events.rs`, as text), so a route, a request field or an error
//! code added without its documentation fails here:
//!
//! 1. the document is OpenAPI 3.1 with `info` and `paths`;
//! 2. every route of `control::router()` (its `.route("PATH", get(..).post(..))`
//!    calls) is documented at `/control/v1` + PATH with exactly the same
//!    methods, and no documented control path is missing from the router;
//!    each operation declares the route's path parameters, its JSON body
//!    (the handler's `Body<T>`: the fields of `T`, required when neither
//!    `Option` nor `#[serde(default)]`, closed when `T` denies unknown
//!    fields) and its query parameters (the handler's `Params<T>`), and a 401;
//! 3. every `$ref` resolves to a component, and every security requirement
//!    names a defined scheme;
//! 4. every `cipherflow_code` string in the source is in the ControlError
//!    schema's enum, and every code of the enum is in the source; each code a
//!    response lists (`x-cipherflow-codes`) is in the enum and is answered
//!    with that response's status in the source;
//! 5. the view answers' schemas (snapshot, proof, matrix, retention, stats)
//!    name exactly the fields the real types serialize.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const DOC: &str = include_str!("../../openapi.json");
const CONTROL: &str = include_str!("control.rs");
const ERRORS: &str = include_str!("errors.rs");
const MOD: &str = include_str!("mod.rs");
const EVENTS: &str = include_str!("events.rs");

/// Where `mod.rs` nests the control router.
const PREFIX: &str = "/control/v1";

/// The operations a Path Item can have.
const METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "head", "options", "trace",
];

/// Method-router calls that add no method.
const NEUTRAL_BUILDERS: [&str; 3] = ["layer", "route_layer", "with_state"];

fn doc() -> Value {
    serde_json::from_str(DOC).expect("server/openapi.json is not valid JSON")
}

// ---------------------------------------------------------------- source ---

/// Rust source with its comments blanked and its char literals replaced, and
/// the string literals it holds.
struct Lexed {
    /// The source without comments (string literals kept verbatim).
    code: String,
    /// Each string literal's content and its byte offset in `code`.
    strings: Vec<(String, usize)>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Lexed {
    let chars: Vec<char> = src.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut code = String::with_capacity(src.len());
    let mut strings = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = at(i);
        let prev_ident = i > 0 && is_ident(at(i - 1));
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == '*' {
            let mut depth = 0usize;
            while i < chars.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            code.push(' ');
            continue;
        }
        // Raw strings: r"..", r#".."#, br"..".
        let raw_start = match (c, at(i + 1)) {
            ('r', '"' | '#') if !prev_ident => Some(i + 1),
            ('b', 'r') if !prev_ident && matches!(at(i + 2), '"' | '#') => Some(i + 2),
            _ => None,
        };
        if let Some(mut j) = raw_start {
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) == '"' {
                let offset = code.len();
                let mut content = String::new();
                j += 1;
                while j < chars.len() {
                    if at(j) == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                        j += 1 + hashes;
                        break;
                    }
                    content.push(at(j));
                    j += 1;
                }
                code.extend(&chars[i..j.min(chars.len())]);
                strings.push((content, offset));
                i = j;
                continue;
            }
        }
        if c == '"' || (c == 'b' && at(i + 1) == '"' && !prev_ident) {
            let offset = code.len();
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let mut content = String::new();
            while j < chars.len() && at(j) != '"' {
                if at(j) == '\\' {
                    match at(j + 1) {
                        'n' => content.push('\n'),
                        't' => content.push('\t'),
                        other => content.push(other),
                    }
                    j += 2;
                } else {
                    content.push(at(j));
                    j += 1;
                }
            }
            j += 1;
            code.extend(&chars[i..j.min(chars.len())]);
            strings.push((content, offset));
            i = j;
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '"'), or a lifetime ('a).
            if at(i + 1) == '\\' {
                let mut j = i + 2;
                while j < chars.len() && at(j) != '\'' {
                    j += 1;
                }
                code.push_str("'_'");
                i = j + 1;
                continue;
            }
            if at(i + 2) == '\'' {
                code.push_str("'_'");
                i += 3;
                continue;
            }
        }
        code.push(c);
        i += 1;
    }
    Lexed { code, strings }
}

/// The text between the bracket at `open` (a byte offset in `code`) and its
/// match, and the text after the match. String literals in `code` must not
/// hold brackets of the same kind unbalanced (those read here do not).
fn balanced(code: &str, open: usize) -> (&str, &str) {
    let Some(first) = code[open..].chars().next() else {
        panic!("no bracket at {open}");
    };
    let close = match first {
        '(' => ')',
        '{' => '}',
        '[' => ']',
        other => panic!("{other:?} is not an opening bracket"),
    };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (k, c) in code[open..].char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == first {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                let end = open + k;
                return (&code[open + 1..end], &code[end + 1..]);
            }
        }
    }
    panic!("unbalanced {first:?} at byte {open}");
}

/// Splits `text` at the commas that are not inside brackets.
fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut in_string) = (0i32, 0usize, false);
    for (k, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            _ if in_string => {}
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// A route of the control router: its methods and their handlers.
struct Route {
    /// Method (lower case) to handler, as written (`health`, `events::stream`).
    handlers: BTreeMap<String, String>,
}

/// The source (comments blanked) a handler is written in, and its name.
fn handler_source(handler: &str) -> (String, &str) {
    let (module, name) = handler.rsplit_once("::").unwrap_or(("", handler));
    let src = match module.rsplit("::").next().unwrap_or_default() {
        "" | "self" => CONTROL,
        "events" => EVENTS,
        other => panic!(
            "control.rs routes to a handler in module `{other}`: add its source to this check"
        ),
    };
    (lex(src).code, name)
}

/// The method builders at the top level of a `MethodRouter` expression such
/// as `get(a).post(b)` or `axum::routing::get(a)`: method to handler.
fn method_builders(path: &str, expr: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut rest = expr;
    while let Some(start) = rest.find(|c: char| is_ident(c) || c == '(') {
        if rest[start..].starts_with('(') {
            let (_, after) = balanced(rest, start);
            rest = after;
            continue;
        }
        let len = rest[start..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(rest.len() - start);
        let ident = &rest[start..start + len];
        let after = &rest[start + len..];
        let paren = after.len() - after.trim_start().len();
        if after.trim_start().starts_with('(') {
            let open = start + len + paren;
            let (inner, tail) = balanced(rest, open);
            if METHODS.contains(&ident) {
                let handler = inner.split_whitespace().collect::<String>();
                let before = found.insert(ident.to_owned(), handler);
                assert!(before.is_none(), "{path}: {ident} registered twice");
            } else if !NEUTRAL_BUILDERS.contains(&ident) {
                panic!(
                    "{path}: `{ident}(..)` in the control router: this check only knows the \
                     method builders {METHODS:?} (and {NEUTRAL_BUILDERS:?}); teach it, and \
                     document the route"
                );
            }
            rest = tail;
        } else {
            rest = after;
        }
    }
    found
}

/// The routes `control::router()` registers, by path (without the prefix).
fn control_routes() -> BTreeMap<String, Route> {
    let code = lex(CONTROL).code;
    let start = code
        .find("pub fn router()")
        .expect("control.rs has no `pub fn router()`");
    let open = start
        + code[start..]
            .find('{')
            .expect("control.rs: router() has no body");
    let (body, _) = balanced(&code, open);
    for unknown in [".nest(", ".merge(", ".route_service(", ".nest_service("] {
        assert!(
            !body.contains(unknown),
            "control.rs: router() calls `{unknown}..)`, which this check does not read; \
             teach it, and document what it adds"
        );
    }
    let mut routes = BTreeMap::new();
    let mut rest = body;
    while let Some(at) = rest.find(".route(") {
        let open = at + ".route".len();
        let (args, tail) = balanced(rest, open);
        rest = tail;
        let args = split_top(args);
        let [path, methods] = args.as_slice() else {
            panic!("control.rs: a .route() call without two arguments: {args:?}");
        };
        let path = path.trim();
        let path = path
            .strip_prefix('"')
            .and_then(|p| p.strip_suffix('"'))
            .unwrap_or_else(|| panic!("control.rs: a route path that is not a literal: {path}"));
        let handlers = method_builders(path, methods);
        assert!(
            !handlers.is_empty(),
            "control.rs: no method builder found for {path}: {methods}"
        );
        let before = routes.insert(path.to_owned(), Route { handlers });
        assert!(before.is_none(), "control.rs: {path} routed twice");
    }
    assert!(
        routes.len() >= 10,
        "control.rs: only {} routes found: did the router's syntax change?",
        routes.len()
    );
    routes
}

/// A field of a request struct, as serde reads it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Field {
    name: String,
    required: bool,
}

/// The fields of `struct name` in `code` (serde's view: name, required), and
/// whether it denies unknown fields.
fn struct_fields(code: &str, name: &str) -> (Vec<Field>, bool) {
    let needle = format!("struct {name} ");
    let at = code
        .find(&needle)
        .or_else(|| code.find(&format!("struct {name}{{")))
        .unwrap_or_else(|| panic!("control.rs: no `struct {name}`"));
    // The attributes right above the struct.
    let head_start = code[..at].rfind(['}', ';']).map_or(0, |k| k + 1);
    let head = &code[head_start..at];
    assert!(
        !head.contains("rename_all") && !head.contains("flatten"),
        "struct {name}: serde attributes this check does not read"
    );
    let deny = head.contains("deny_unknown_fields");
    let open = at + code[at..].find('{').expect("struct without fields");
    let (body, _) = balanced(code, open);
    let fields = split_top(body)
        .into_iter()
        .map(|raw| {
            let mut text = raw.trim();
            let mut attrs = String::new();
            while text.starts_with("#[") {
                let (attr, after) = balanced(text, 1);
                attrs.push_str(attr);
                text = after.trim_start();
            }
            let text = text.strip_prefix("pub ").unwrap_or(text).trim();
            let (field, ty) = text
                .split_once(':')
                .unwrap_or_else(|| panic!("struct {name}: a field that does not parse: {raw}"));
            assert!(
                !attrs.contains("rename") && !attrs.contains("flatten"),
                "struct {name}: field attributes this check does not read: {attrs}"
            );
            let optional = ty.trim().starts_with("Option<") || attrs.contains("default");
            Field {
                name: field.trim().to_owned(),
                required: !optional,
            }
        })
        .collect();
    (fields, deny)
}

/// The type named in `Extractor<T>` in a handler's parameters, if any.
fn extracted(code: &str, handler: &str, extractor: &str) -> Option<String> {
    let at = code
        .find(&format!("async fn {handler}("))
        .or_else(|| code.find(&format!("fn {handler}(")))
        .unwrap_or_else(|| panic!("control.rs: no handler `{handler}`"));
    let open = at + code[at..].find('(').unwrap_or_default();
    let (params, _) = balanced(code, open);
    let needle = format!("{extractor}<");
    let start = params.find(&needle)? + needle.len();
    let end = start + params[start..].find('>')?;
    Some(params[start..end].trim().to_owned())
}

/// The cipherflow codes the source answers with, and the statuses each is
/// answered with (`control(404, "CODE", ..)`, `(404, "CODE")`).
fn source_codes() -> BTreeMap<String, BTreeSet<u16>> {
    let http_methods = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    let mut codes: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for src in [ERRORS, CONTROL, MOD, EVENTS] {
        let lexed = lex(src);
        for (s, offset) in &lexed.strings {
            let is_code = s.len() >= 2
                && s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            if !is_code || http_methods.contains(&s.as_str()) {
                continue;
            }
            let statuses = codes.entry(s.clone()).or_default();
            let before = lexed.code[..*offset].trim_end();
            if let Some(before) = before.strip_suffix(',') {
                let before = before.trim_end();
                let digits = before
                    .rfind(|c: char| !c.is_ascii_digit())
                    .map_or(before, |k| &before[k + 1..]);
                if let Ok(status) = digits.parse::<u16>() {
                    statuses.insert(status);
                }
            }
        }
    }
    codes
}

// ------------------------------------------------------------- document ---

/// Follows a `$ref`, if `v` is one.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external $ref {r}"));
            resolve(
                doc,
                doc.pointer(pointer)
                    .unwrap_or_else(|| panic!("$ref {r} does not resolve")),
            )
        }
        None => v,
    }
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("no schema {name}"))
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn required_names(schema: &Value) -> BTreeSet<String> {
    schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The documented control paths (without the prefix) and their operations.
fn documented_control(doc: &Value) -> BTreeMap<String, BTreeMap<String, Value>> {
    let paths = doc["paths"].as_object().expect("paths is not an object");
    paths
        .iter()
        .filter_map(|(path, item)| {
            let rest = path.strip_prefix(PREFIX)?;
            let ops = item
                .as_object()
                .expect("a path item is not an object")
                .iter()
                .filter(|(k, _)| METHODS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some((rest.to_owned(), ops))
        })
        .collect()
}

/// An operation's parameters (`$ref`s followed, path-level ones included).
fn parameters(doc: &Value, path: &str, op: &Value) -> Vec<Value> {
    let item = &doc["paths"][format!("{PREFIX}{path}")];
    let mut all: BTreeMap<(String, String), Value> = BTreeMap::new();
    for list in [&item["parameters"], &op["parameters"]] {
        for p in list.as_array().into_iter().flatten() {
            let p = resolve(doc, p).clone();
            let key = (
                p["in"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
            );
            all.insert(key, p);
        }
    }
    all.into_values().collect()
}

/// The query parameters an operation's security schemes name (`apiKey` in
/// the query).
fn security_query_names(doc: &Value, op: &Value) -> BTreeSet<String> {
    op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys())
        .filter_map(|name| doc.pointer(&format!("/components/securitySchemes/{name}")))
        .filter(|scheme| scheme["type"] == "apiKey" && scheme["in"] == "query")
        .filter_map(|scheme| scheme["name"].as_str().map(str::to_owned))
        .collect()
}

fn walk<'a>(v: &'a Value, at: &str, f: &mut impl FnMut(&str, &str, &'a Value)) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                f(at, k, x);
                let k = k.replace('~', "~0").replace('/', "~1");
                walk(x, &format!("{at}/{k}"), f);
            }
        }
        Value::Array(list) => {
            for (n, x) in list.iter().enumerate() {
                walk(x, &format!("{at}/{n}"), f);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- tests ---

#[test]
fn openapi_is_3_1_with_info_and_paths() {
    let doc = doc();
    let version = doc["openapi"].as_str().expect("no openapi version");
    assert!(version.starts_with("3.1."), "openapi is {version}, not 3.1");
    assert_eq!(doc["info"]["title"], "cipherflow serve");
    assert_eq!(
        doc["info"]["version"],
        env!("CARGO_PKG_VERSION"),
        "info.version is not the crate's version"
    );
    assert!(
        doc["info"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("--control-token") && d.contains("?token=")),
        "info.description must explain the control token"
    );
    assert!(
        doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
        "no paths"
    );
    // The router that mounts the control API, under the prefix checked here.
    assert!(
        lex(MOD)
            .code
            .contains(&format!(".nest(\"{PREFIX}\", control)")),
        "mod.rs no longer nests the control router at {PREFIX}"
    );
}

#[test]
fn openapi_documents_every_control_route_with_its_methods() {
    let doc = doc();
    let routes: BTreeMap<String, BTreeSet<String>> = control_routes()
        .into_iter()
        .map(|(path, r)| (path, r.handlers.into_keys().collect()))
        .collect();
    let documented: BTreeMap<String, BTreeSet<String>> = documented_control(&doc)
        .into_iter()
        .map(|(path, ops)| (path, ops.into_keys().collect()))
        .collect();
    let mut problems = Vec::new();
    for (path, methods) in &routes {
        match documented.get(path) {
            None => problems.push(format!(
                "{PREFIX}{path} ({methods:?}) is routed and not documented"
            )),
            Some(doc_methods) if doc_methods != methods => problems.push(format!(
                "{PREFIX}{path}: routed for {methods:?}, documented for {doc_methods:?}"
            )),
            Some(_) => {}
        }
    }
    for path in documented.keys().filter(|p| !routes.contains_key(*p)) {
        problems.push(format!(
            "{PREFIX}{path} is documented and control.rs does not route it"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn openapi_control_operations_match_their_handlers() {
    let doc = doc();
    let mut problems = Vec::new();
    let documented = documented_control(&doc);
    for (path, route) in control_routes() {
        let Some(ops) = documented.get(&path) else {
            continue; // reported by the routes test
        };
        let path_params: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        for (method, handler) in &route.handlers {
            let Some(op) = ops.get(method) else { continue };
            let at = format!("{method} {PREFIX}{path} ({handler})");
            let (code, handler) = handler_source(handler);
            let params = parameters(&doc, &path, op);
            // Path parameters.
            let declared: BTreeSet<String> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            if declared != path_params {
                problems.push(format!(
                    "{at}: path parameters {declared:?}, the route has {path_params:?}"
                ));
            }
            if params
                .iter()
                .any(|p| p["in"] == "path" && p["required"] != true)
            {
                problems.push(format!("{at}: a path parameter not marked required"));
            }
            // The body.
            let body = &op["requestBody"];
            match extracted(&code, handler, "Body") {
                None if !body.is_null() => {
                    problems.push(format!("{at}: documents a body the handler does not read"));
                }
                None => {}
                Some(ty) => {
                    let Some(s) = body
                        .pointer("/content/application~1json/schema")
                        .map(|s| resolve(&doc, s))
                    else {
                        problems.push(format!("{at}: reads Body<{ty}>, no JSON body documented"));
                        continue;
                    };
                    if body["required"] != true {
                        problems.push(format!("{at}: the body is not marked required"));
                    }
                    let (fields, deny) = struct_fields(&code, &ty);
                    let names: BTreeSet<String> = fields.iter().map(|f| f.name.clone()).collect();
                    let required: BTreeSet<String> = fields
                        .iter()
                        .filter(|f| f.required)
                        .map(|f| f.name.clone())
                        .collect();
                    if property_names(s) != names {
                        problems.push(format!(
                            "{at}: body properties {:?}, {ty} has {names:?}",
                            property_names(s)
                        ));
                    }
                    if required_names(s) != required {
                        problems.push(format!(
                            "{at}: body requires {:?}, {ty} requires {required:?}",
                            required_names(s)
                        ));
                    }
                    if deny != (s["additionalProperties"] == false) {
                        problems.push(format!(
                            "{at}: {ty} deny_unknown_fields is {deny}, the schema's \
                             additionalProperties is {}",
                            s["additionalProperties"]
                        ));
                    }
                }
            }
            // The query.
            let query: BTreeMap<String, bool> = params
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        p["required"] == true,
                    )
                })
                .collect();
            // A query field that carries a token is documented as the
            // operation's `apiKey` security scheme in the query.
            let token_params = security_query_names(&doc, op);
            let mut expected: BTreeMap<String, bool> = extracted(&code, handler, "Params")
                .map(|ty| {
                    struct_fields(&code, &ty)
                        .0
                        .into_iter()
                        .map(|f| (f.name, f.required))
                        .collect()
                })
                .unwrap_or_default();
            expected.retain(|name, _| !token_params.contains(name));
            if query != expected {
                problems.push(format!(
                    "{at}: query parameters {query:?} (name: required), the handler reads {expected:?}"
                ));
            }
            // Every control route is behind `authorize`.
            if op.pointer("/responses/401").is_none() {
                problems.push(format!("{at}: no 401 (the control token)"));
            }
            if op.pointer("/responses/200").is_none() {
                problems.push(format!("{at}: no 200"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn openapi_refs_and_security_resolve() {
    let doc = doc();
    let mut problems = Vec::new();
    let mut refs = 0;
    walk(&doc, "#", &mut |at, key, v| {
        if key != "$ref" {
            return;
        }
        refs += 1;
        match v.as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) if pointer.starts_with("/components/") => {
                if doc.pointer(pointer).is_none() {
                    problems.push(format!("{at}: $ref #{pointer} does not resolve"));
                }
            }
            _ => problems.push(format!("{at}: $ref {v} is not a component")),
        }
    });
    assert!(refs > 0, "no $ref at all");
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .expect("no securitySchemes");
    walk(&doc, "#", &mut |at, key, v| {
        if key != "security" || at.starts_with("#/components") {
            return;
        }
        for requirement in v.as_array().into_iter().flatten() {
            for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                if !schemes.contains_key(name) {
                    problems.push(format!("{at}: security scheme {name} is not defined"));
                }
            }
        }
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn openapi_lists_every_cipherflow_code() {
    let doc = doc();
    let error = schema(&doc, "ControlError");
    let error = resolve(&doc, &error["properties"]["error"]);
    assert_eq!(
        error["properties"]["type"]["const"], "CipherflowControlException",
        "ControlError.error.type"
    );
    let documented: BTreeSet<String> = error["properties"]["cipherflow_code"]["enum"]
        .as_array()
        .expect("ControlError.error.cipherflow_code has no enum")
        .iter()
        .map(|c| c.as_str().expect("a code that is not a string").to_owned())
        .collect();
    let source = source_codes();
    assert!(
        source.contains_key("UNAUTHORIZED") && source.contains_key("BAD_JSON"),
        "the code scan found {source:?}: did the source's shape change?"
    );
    let mut problems = Vec::new();
    for code in source.keys().filter(|c| !documented.contains(*c)) {
        problems.push(format!("{code} is answered and not in ControlError's enum"));
    }
    for code in documented.iter().filter(|c| !source.contains_key(*c)) {
        problems.push(format!(
            "{code} is in ControlError's enum and the source never answers it"
        ));
    }
    // What each response lists: known codes, at the status the source gives them.
    walk(&doc, "#", &mut |at, key, v| {
        if key != "x-cipherflow-codes" {
            return;
        }
        let status = at
            .rsplit('/')
            .next()
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("{at}: x-cipherflow-codes outside a response"));
        for code in v.as_array().into_iter().flatten() {
            let code = code.as_str().unwrap_or_default();
            if !documented.contains(code) {
                problems.push(format!("{at}: {code} is not in ControlError's enum"));
            }
            if let Some(statuses) = source.get(code)
                && !statuses.is_empty()
                && !statuses.contains(&status)
            {
                problems.push(format!(
                    "{at}: {code} is answered with {statuses:?}, documented under {status}"
                ));
            }
        }
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn openapi_view_schemas_name_the_real_fields() {
    use cipherflow_flow::view::{View, ViewOptions};
    use cipherflow_flow::{SimConfig, Simulation};

    let doc = doc();
    let sim = Simulation::new(SimConfig::default()).expect("a default world");
    let options = ViewOptions {
        safety_numbers: false,
        ..ViewOptions::default()
    };
    let answers = [
        ("View", serde_json::to_value(View::of(&sim, &options))),
        ("ProofReport", serde_json::to_value(sim.proof())),
        ("MatrixComparison", serde_json::to_value(sim.visibility())),
        (
            "RetentionReport",
            serde_json::to_value(sim.retention_check()),
        ),
        ("DeliveryStats", serde_json::to_value(sim.delivery_stats())),
    ];
    let mut problems = Vec::new();
    for (name, value) in answers {
        let value = value.expect("serializes");
        let real: BTreeSet<String> = value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        let s = schema(&doc, name);
        if property_names(s) != real {
            problems.push(format!(
                "{name}: documents {:?}, serializes {real:?}",
                property_names(s)
            ));
        }
        if required_names(s) != real {
            problems.push(format!(
                "{name}: requires {:?}, always serializes {real:?}",
                required_names(s)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_source_scanner_reads_what_it_must() {
    let lexed = lex(
        "// .route(\"/no\", get(x))\nlet a = '\"'; let b = r#\"R\"#; /* \"NO\" */ f(400, \"YES\")",
    );
    let strings: Vec<&str> = lexed.strings.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(strings, ["R", "YES"]);
    assert!(!lexed.code.contains("/no"));
    let builders = method_builders("/x", " get(a).post(b::c) ");
    assert_eq!(builders["get"], "a");
    assert_eq!(builders["post"], "b::c");
    let builders = method_builders("/y", "axum::routing::get(get)");
    assert_eq!(builders.len(), 1);
    assert_eq!(builders["get"], "get");
}
