//! The page's state and the actions that change it (Yew's `Reducible`, as in
//! function_todomvc). The simulation lives in a [`World`]; every action that
//! runs a command bumps `version`, which is what the panes re-render on.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::model::command::Command;
use crate::model::lesson;
use crate::model::link::{self, Start};
use crate::model::trace_file::{ImportError, ImportReport};
use crate::model::travel::{HopCounts, Travel};
use crate::model::world::World;

/// The four panes, for the phone layout's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The consumer's phone.
    Consumer,
    /// The WhatsApp transport.
    Transport,
    /// The Cloud API.
    CloudApi,
    /// The business.
    Business,
}

impl Pane {
    /// All four, in the order a consumer's message crosses them.
    pub const ALL: [Pane; 4] = [
        Pane::Consumer,
        Pane::Transport,
        Pane::CloudApi,
        Pane::Business,
    ];

    /// The party's name.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Consumer => "Consumer",
            Pane::Transport => "WhatsApp transport",
            Pane::CloudApi => "Cloud API",
            Pane::Business => "Business",
        }
    }

    /// The CSS class carrying the party's colour.
    pub fn class(self) -> &'static str {
        match self {
            Pane::Consumer => "party-consumer",
            Pane::Transport => "party-transport",
            Pane::CloudApi => "party-cloud",
            Pane::Business => "party-business",
        }
    }

    /// The element id of the pane.
    pub fn id(self) -> &'static str {
        match self {
            Pane::Consumer => "pane-consumer",
            Pane::Transport => "pane-transport",
            Pane::CloudApi => "pane-cloud",
            Pane::Business => "pane-business",
        }
    }
}

/// Play speeds: actions per second.
pub const SPEEDS: [u32; 4] = [1, 2, 5, 20];

/// What an import left for the page to show.
#[derive(Clone)]
pub struct ImportView {
    /// The report, or why the file was refused.
    pub result: Rc<Result<ImportReport, ImportError>>,
    /// A replayed world can be loaded once; this holds it until then.
    pub world: Rc<RefCell<Option<World>>>,
}

/// The whole page state.
#[derive(Clone)]
pub struct Demo {
    /// The world on screen.
    pub world: Rc<RefCell<World>>,
    /// Bumped whenever the world changes.
    pub version: u64,
    /// Where the world started (the URL's lesson or preset).
    pub start: Start,
    /// How many of the world's commands the start ran; the rest go in the URL's log.
    pub base_len: usize,
    /// The selected message's journey key.
    pub selected: Option<String>,
    /// The hovered message's journey key.
    pub hovered: Option<String>,
    /// Secret fingerprints shown in the inspector.
    pub show_secrets: bool,
    /// Auto-stepping.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The visible pane in the phone layout.
    pub tab: Pane,
    /// The last command's outcome.
    pub status: Option<Result<String, String>>,
    /// Problems found in the page's link.
    pub notices: Vec<String>,
    /// The last import.
    pub import: Option<ImportView>,
    /// Live mode: the page follows a running server (read only here).
    pub live: Option<crate::model::live::LiveStatus>,
    /// The presentation scale in percent (see [`link::SCALES`]).
    pub scale: u16,
    /// The message the last lesson step or command moved, lit hop by hop.
    pub travel: Option<Travel>,
}

impl PartialEq for Demo {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world)
            && self.version == other.version
            && self.start == other.start
            && self.selected == other.selected
            && self.hovered == other.hovered
            && self.show_secrets == other.show_secrets
            && self.playing == other.playing
            && self.speed == other.speed
            && self.tab == other.tab
            && self.status == other.status
            && self.notices == other.notices
            && self.import.as_ref().map(|i| Rc::as_ptr(&i.result))
                == other.import.as_ref().map(|i| Rc::as_ptr(&i.result))
            && self.live == other.live
            && self.scale == other.scale
            && self.travel == other.travel
    }
}

/// Everything that changes the page.
pub enum Action {
    /// Run a command on the world.
    Run(Command),
    /// One step of auto-play (pauses when nothing is scheduled).
    Tick,
    /// Select a message (or none).
    Select(Option<String>),
    /// Hover a message (or none).
    Hover(Option<String>),
    /// Show or hide secret fingerprints.
    ToggleSecrets,
    /// Start or stop auto-play.
    SetPlaying(bool),
    /// Pick a speed.
    SetSpeed(usize),
    /// Start over from a start point with a seed.
    Restart(u64, Start),
    /// Show a pane (phone layout).
    Tab(Pane),
    /// An import finished.
    Imported(Box<Result<ImportReport, ImportError>>),
    /// Load the world an import replayed.
    LoadImported,
    /// Live mode: the replica changed; its status now.
    LiveRefresh(crate::model::live::LiveStatus),
    /// Show the page at this presentation scale (percent).
    SetScale(u16),
}

impl Demo {
    /// The page state for a link: its seed (or `fallback_seed`), start and log.
    pub fn from_link(
        link: link::Link,
        fallback_seed: u64,
        notices: Vec<String>,
    ) -> Result<Self, String> {
        let seed = link.seed.unwrap_or(fallback_seed);
        let scale = link.scale;
        let mut notices = notices;
        let (world, base_len, travel) = build(seed, &link.start, &link.log, &mut notices, 0)?;
        Ok(Self {
            world: Rc::new(RefCell::new(world)),
            version: 0,
            start: link.start,
            base_len,
            selected: None,
            hovered: None,
            show_secrets: false,
            playing: false,
            speed: 1,
            tab: Pane::Consumer,
            status: None,
            notices,
            import: None,
            live: None,
            scale,
            travel,
        })
    }

    /// The page state of live mode: an empty world until the server's
    /// arrives over the follow stream.
    pub fn live() -> Self {
        Self {
            world: Rc::new(RefCell::new(crate::model::live::empty_world())),
            version: 0,
            start: Start::Blank,
            base_len: 0,
            selected: None,
            hovered: None,
            show_secrets: false,
            playing: false,
            speed: 1,
            tab: Pane::Consumer,
            status: None,
            notices: Vec::new(),
            import: None,
            live: Some(crate::model::live::LiveStatus::default()),
            scale: 100,
            travel: None,
        }
    }

    /// The link that reproduces this state.
    pub fn link(&self) -> String {
        if self.live.is_some() {
            // The server's world is not in a link: keep the page's own,
            // with the scale shown.
            let search = web_sys::window()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_else(|| "?live".to_owned());
            let mut pairs: Vec<&str> = search
                .trim_start_matches('?')
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("scale="))
                .collect();
            let scale = format!("scale={}", self.scale);
            if self.scale != 100 {
                pairs.push(&scale);
            }
            return format!("?{}", pairs.join("&"));
        }
        let w = self.world.borrow();
        link::format(
            w.seed,
            &self.start,
            w.commands.get(self.base_len..).unwrap_or_default(),
            self.scale,
        )
    }

    /// The message to highlight: the hovered one, else the selected one.
    pub fn highlighted(&self) -> Option<&str> {
        self.hovered.as_deref().or(self.selected.as_deref())
    }
}

/// A world started at `start`, then `log`; returns it, how many commands
/// the start accounts for, and the message a lesson step's own commands
/// moved (numbered `run`). A link's problems become notices; only a world
/// that cannot start at all (never, with the fixed cast) is an error.
fn build(
    seed: u64,
    start: &Start,
    log: &[crate::model::command::Command],
    notices: &mut Vec<String>,
    run: u64,
) -> Result<(World, usize, Option<Travel>), String> {
    let mut commands = start.commands();
    let start_len = commands.len();
    commands.extend_from_slice(log);
    let step_begins = match start {
        Start::Lesson(k) => lesson::step_begins(*k),
        _ => start_len,
    };
    let mut before = None;
    let mut travel = None;
    let replayed = World::replay_observed(seed, &commands, &mut |i, world| {
        if i == step_begins {
            before = Some(HopCounts::of(&world.sim));
        }
        if i == start_len {
            travel = before.as_ref().and_then(|b| b.travel(&world.sim, run));
        }
    });
    match replayed {
        Ok((world, refused)) => {
            if refused > 0 {
                notices.push(format!(
                    "{refused} command(s) from the link were refused by the simulation"
                ));
            }
            let base = start_len.min(world.commands.len());
            Ok((world, base, travel))
        }
        Err(e) => {
            notices.push(e.0);
            World::new(seed).map(|w| (w, 0, None)).map_err(|e| e.0)
        }
    }
}

impl Reducible for Demo {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        if next.live.is_some()
            && matches!(
                action,
                Action::Run(_)
                    | Action::Tick
                    | Action::Restart(..)
                    | Action::Imported(_)
                    | Action::LoadImported
            )
        {
            // The world on screen is the server's: it changes only through
            // the server (the Graph API, the control API, your code).
            next.status = Some(Err(
                "live mode follows the server: drive it through its Graph API or control API"
                    .to_owned(),
            ));
            return Rc::new(next);
        }
        match action {
            Action::Run(command) => {
                let before = HopCounts::of(&next.world.borrow().sim);
                let outcome = next.world.borrow_mut().apply(command);
                next.status = Some(outcome.map_err(|e| e.0));
                next.version += 1;
                if let Some(t) = before.travel(&next.world.borrow().sim, next.version) {
                    next.travel = Some(t);
                }
            }
            Action::Tick => {
                let mut w = next.world.borrow_mut();
                if w.sim.pending() == 0 {
                    drop(w);
                    next.playing = false;
                    next.status = Some(Ok("nothing left to run: paused".to_owned()));
                } else {
                    let outcome = w.apply(Command::Step);
                    drop(w);
                    next.status = Some(outcome.map_err(|e| e.0));
                    next.version += 1;
                }
            }
            Action::Select(key) => next.selected = key,
            Action::Hover(key) => next.hovered = key,
            Action::ToggleSecrets => next.show_secrets = !next.show_secrets,
            Action::SetPlaying(on) => next.playing = on,
            Action::SetSpeed(i) => next.speed = i.min(SPEEDS.len() - 1),
            Action::Restart(seed, start) => {
                let mut notices = Vec::new();
                match build(seed, &start, &[], &mut notices, next.version + 1) {
                    Ok((world, base, travel)) => {
                        next.travel = travel;
                        next.world = Rc::new(RefCell::new(world));
                        next.base_len = base;
                        next.start = start;
                        next.selected = None;
                        next.hovered = None;
                        next.playing = false;
                        next.status = None;
                        next.version += 1;
                    }
                    Err(e) => next.status = Some(Err(e)),
                }
                next.notices = notices;
            }
            Action::Tab(p) => next.tab = p,
            Action::SetScale(p) => {
                if link::SCALES.contains(&p) {
                    next.scale = p;
                }
            }
            Action::Imported(result) => {
                let (result, world) = match *result {
                    Ok(mut report) => {
                        let world = report.replayed.take();
                        (Ok(report), world)
                    }
                    Err(e) => (Err(e), None),
                };
                next.import = Some(ImportView {
                    result: Rc::new(result),
                    world: Rc::new(RefCell::new(world)),
                });
            }
            Action::LiveRefresh(status) => {
                next.live = Some(status);
                next.version += 1;
            }
            Action::LoadImported => {
                let world = next
                    .import
                    .as_ref()
                    .and_then(|i| i.world.borrow_mut().take());
                if let Some(world) = world {
                    next.world = Rc::new(RefCell::new(world));
                    next.travel = None;
                    next.start = Start::Blank;
                    next.base_len = 0;
                    next.selected = None;
                    next.playing = false;
                    next.status = Some(Ok("loaded the replayed world".to_owned()));
                    next.version += 1;
                }
            }
        }
        Rc::new(next)
    }
}

/// The state handle every component reads through context.
pub type DemoContext = UseReducerHandle<Demo>;

/// The core's view-model of the world on screen, rebuilt when the world or
/// the selection changes; every pane renders from it.
#[derive(Clone)]
pub struct ViewContext(pub Rc<cipherflow_flow::view::View>);

impl PartialEq for ViewContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// How much of each list the panes show.
pub const LIST_LIMIT: usize = 60;

/// The view options the page renders with: lists cut by the core, the
/// transport log read by window (the pane asks for the rows in view), safety
/// numbers computed only when identity keys change.
pub fn view_options() -> cipherflow_flow::view::ViewOptions {
    cipherflow_flow::view::ViewOptions {
        list_limit: LIST_LIMIT,
        log_window: Some(0..0),
        recent: 6,
        safety_numbers: false,
    }
}

/// The selected message in full, from the core, beside the view.
#[derive(Clone)]
pub struct SelectedContext(pub Rc<Option<cipherflow_flow::view::Selected>>);

impl PartialEq for SelectedContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
