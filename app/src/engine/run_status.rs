//! Where a streamed run a chapter starts (training, RL rounds, DPO steps) stands, as the panel
//! shows it and its `data-*-state` attribute says it.

use leptos::prelude::*;
use tumbler_engine::{DoneReason, Query, Step};

use super::{Stream, stream};

/// Where a run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    Idle,
    /// Asked, before its first step arrived.
    Starting,
    Running,
    Ended(DoneReason),
    Failed(String),
}

impl RunStatus {
    /// Its name in the panel's state attribute: `idle`, `running`, `stopped`, `done` or `error`.
    pub fn id(&self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Starting | RunStatus::Running => "running",
            RunStatus::Ended(DoneReason::Stopped) => "stopped",
            RunStatus::Ended(_) => "done",
            RunStatus::Failed(_) => "error",
        }
    }
}

/// A streamed run a panel starts and stops: where it stands, and the handle that keeps it going
/// (Stop, a new start or leaving the chapter drops the handle, and the worker stops the run).
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Where the run stands, for the panel to show.
    pub status: RwSignal<RunStatus>,
    handle: StoredValue<Option<Stream>>,
    /// Which start is current: the worker answers a dropped stream's stop a moment later, and
    /// that late end (or a step still in flight) must not land on the run started since, or on
    /// a panel reset since.
    current: StoredValue<u32>,
}

impl Run {
    pub fn new() -> Self {
        Run {
            status: RwSignal::new(RunStatus::Idle),
            handle: StoredValue::new(None),
            current: StoredValue::new(0),
        }
    }

    /// Asks `query` as a stream: `Starting` until its first step, then `Running`; `on_step` gets
    /// each step.
    pub fn start<S>(self, query: Query, on_step: impl FnMut(S) + 'static)
    where
        S: TryFrom<Step, Error = Step> + 'static,
    {
        self.start_then(query, on_step, |_| {});
    }

    /// As [`Run::start`]; `on_end` sees how the run ended before its status says so.
    pub fn start_then<S>(
        self,
        query: Query,
        mut on_step: impl FnMut(S) + 'static,
        on_end: impl FnOnce(&Result<DoneReason, String>) + 'static,
    ) where
        S: TryFrom<Step, Error = Step> + 'static,
    {
        let (status, current) = (self.status, self.current);
        self.handle.set_value(None);
        let mine = current.get_value().wrapping_add(1);
        current.set_value(mine);
        // A disposed panel (the chapter closed) reads as not current: nothing lands.
        let is_current = move || current.try_get_value() == Some(mine);
        status.set(RunStatus::Starting);
        let run = stream(
            query,
            move |step| {
                if !is_current() {
                    return;
                }
                if status.try_get_untracked() == Some(RunStatus::Starting) {
                    status.try_set(RunStatus::Running);
                }
                on_step(step);
            },
            move |end| {
                if !is_current() {
                    return;
                }
                on_end(&end);
                status.try_set(match end {
                    Ok(reason) => RunStatus::Ended(reason),
                    Err(message) => RunStatus::Failed(message),
                });
            },
        );
        self.handle.set_value(Some(run));
    }

    /// Stops the run; its end arrives as `Ended(Stopped)`.
    pub fn stop(self) {
        self.handle.set_value(None);
    }

    /// Stops the run and forgets it: the panel is back where it started.
    pub fn reset(self) {
        self.handle.set_value(None);
        self.current.update_value(|c| *c = c.wrapping_add(1));
        self.status.set(RunStatus::Idle);
    }

    /// Whether it is starting or running (tracked).
    pub fn busy(self) -> bool {
        matches!(self.status.get(), RunStatus::Starting | RunStatus::Running)
    }
}

impl Default for Run {
    fn default() -> Self {
        Run::new()
    }
}
