//! The frame every party's pane shares: a coloured heading, a one-line role,
//! and the lesson's focus ring.

use yew::prelude::*;

use crate::state::Pane;

/// Props every party's pane takes.
#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// Whether the lesson points here.
    pub focus: bool,
    /// Whether the phone layout shows this pane.
    pub active: bool,
}

/// A form's submit handler that reads the text of the input or textarea at
/// `field`, turns it into a command and clears the field. Blank text is ignored.
pub fn submit_text(
    demo: &crate::state::DemoContext,
    field: &NodeRef,
    command: fn(String) -> crate::model::command::Command,
) -> Callback<SubmitEvent> {
    let demo = demo.clone();
    let field = field.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let (text, clear): (String, Box<dyn Fn()>) =
            if let Some(el) = field.cast::<web_sys::HtmlInputElement>() {
                let v = el.value();
                (v, Box::new(move || el.set_value("")))
            } else if let Some(el) = field.cast::<web_sys::HtmlTextAreaElement>() {
                let v = el.value();
                (v, Box::new(move || el.set_value("")))
            } else {
                return;
            };
        if !text.trim().is_empty() {
            demo.dispatch(crate::state::Action::Run(command(text)));
            clear();
        }
    })
}

/// Props of [`PaneFrame`].
#[derive(Properties, PartialEq)]
pub struct PaneFrameProps {
    /// Which party.
    pub pane: Pane,
    /// What the party is, in a line.
    pub role: AttrValue,
    /// A heading other than the party's name.
    #[prop_or_default]
    pub title: Option<AttrValue>,
    /// Whether the lesson points here.
    #[prop_or_default]
    pub focus: bool,
    /// Whether the phone layout shows this pane now.
    #[prop_or(true)]
    pub active: bool,
    /// The pane's content.
    #[prop_or_default]
    pub children: Html,
}

/// A party's pane.
#[function_component(PaneFrame)]
pub fn pane_frame(props: &PaneFrameProps) -> Html {
    let heading = format!("{}-heading", props.pane.id());
    html! {
        <section
            id={props.pane.id()}
            class={classes!("pane", props.pane.class(), props.focus.then_some("focus"), (!props.active).then_some("inactive"))}
            aria-labelledby={heading.clone()}
            role="tabpanel"
        >
            <header class="pane-head">
                <h2 id={heading}>{ props.title.clone().unwrap_or(AttrValue::Static(props.pane.title())) }</h2>
                <p class="role">{ props.role.clone() }</p>
            </header>
            <div class="pane-body">{ props.children.clone() }</div>
        </section>
    }
}
