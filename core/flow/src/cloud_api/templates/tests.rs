#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

fn new(name: &str, body: &str) -> NewTemplate {
    NewTemplate {
        name: name.into(),
        language: "en_US".into(),
        category: TemplateCategory::Marketing,
        header: None,
        body: body.into(),
        footer: None,
    }
}

#[test]
fn parameters_are_read_in_order() {
    assert_eq!(parameters("a {{1}} b {{2}}."), Some(vec![1, 2]));
    assert_eq!(parameters("none"), Some(vec![]));
    assert_eq!(parameters("broken {{1} x"), None);
    assert_eq!(parameters("word {{x}}"), None);
    assert_eq!(
        fill("Hi {{1}}, code {{2}}; {{1}}!", &["Ana".into(), "7".into()]),
        "Hi Ana, code 7; Ana!"
    );
    assert_eq!(
        fill(
            "{{1}} {{10}}",
            &(1..=10).map(|i| i.to_string()).collect::<Vec<_>>()
        ),
        "1 10"
    );
}

#[test]
fn every_account_starts_with_an_approved_hello_world() {
    let mut r = TemplateRegistry::default();
    r.open_account("waba");
    r.open_account("waba");
    assert_eq!(r.of("waba").len(), 1);
    let t = r.find("waba", "hello_world", "en_US").unwrap();
    assert_eq!(t.status, TemplateStatus::Approved);
    assert_eq!(t.category, TemplateCategory::Utility);
    assert_eq!(t.parameter_counts(), (0, 0));
    assert_eq!(
        t.render(&[], &[]),
        format!("{HELLO_WORLD_HEADER}\n\n{HELLO_WORLD_BODY}\n\n{HELLO_WORLD_FOOTER}")
    );
    assert!(r.find("waba", "hello_world", "en").is_none());
}

#[test]
fn creation_checks_what_meta_checks() {
    let mut r = TemplateRegistry::default();
    let ok = r
        .create(
            0,
            "w",
            new("order_update", "Your order {{1}} ships on {{2}}."),
        )
        .unwrap();
    assert_eq!(ok.status, TemplateStatus::Pending);
    assert_eq!(ok.review_at_ms, Some(REVIEW_MS));
    assert_eq!(ok.parameter_counts(), (2, 0));
    let err = |t: NewTemplate| TemplateRegistry::default().create(0, "w", t).unwrap_err();
    assert!(matches!(
        err(new("Bad Name", "x")),
        TemplateError::Invalid(_)
    ));
    assert!(matches!(err(new("x", "")), TemplateError::Invalid(_)));
    assert!(
        matches!(err(new("x", "a {{2}} b {{1}} c")), TemplateError::Invalid(d) if d.contains("sequential"))
    );
    assert!(matches!(
        err(new("x", "a {{1}} b {{3}} c")),
        TemplateError::Invalid(_)
    ));
    assert_eq!(
        err(new("x", "{{1}} is here")),
        TemplateError::DanglingParameter
    );
    assert_eq!(
        err(new("x", "here is {{1}}")),
        TemplateError::DanglingParameter
    );
    let mut lang = new("x", "hi");
    lang.language = "english".into();
    assert!(matches!(err(lang), TemplateError::Invalid(_)));
    // One per name and language.
    assert!(matches!(
        r.create(0, "w", new("order_update", "Other text {{1}} here.")),
        Err(TemplateError::Invalid(d)) if d.contains("already exists")
    ));
    let mut other_language = new("order_update", "Su pedido {{1}} sale.");
    other_language.language = "es".into();
    assert!(r.create(0, "w", other_language).is_ok());
}

#[test]
fn the_limit_is_250_per_account() {
    let mut r = TemplateRegistry::default();
    r.open_account("w");
    for i in 1..MAX_TEMPLATES {
        r.create(0, "w", new(&format!("t{i}"), "hello")).unwrap();
    }
    assert_eq!(r.of("w").len(), MAX_TEMPLATES);
    assert_eq!(
        r.create(0, "w", new("one_more", "hello")).unwrap_err(),
        TemplateError::LimitExceeded
    );
}

#[test]
fn review_approves_or_rejects_touching_parameters() {
    let mut r = TemplateRegistry::default();
    r.create(10, "w", new("good", "Hi {{1}}, welcome."))
        .unwrap();
    r.create(10, "w", new("touching", "Hi {{1}}{{2}} welcome."))
        .unwrap();
    assert_eq!(r.next_review(), Some(10 + REVIEW_MS));
    assert!(r.review_due(10 + REVIEW_MS - 1).is_empty());
    let done = r.review_due(10 + REVIEW_MS);
    assert_eq!(done.len(), 2);
    assert_eq!(
        r.find("w", "good", "en_US").unwrap().status,
        TemplateStatus::Approved
    );
    let bad = r.find("w", "touching", "en_US").unwrap();
    assert_eq!(
        (bad.status, bad.reason),
        (TemplateStatus::Rejected, "INVALID_FORMAT")
    );
    assert_eq!(r.next_review(), None);
}
