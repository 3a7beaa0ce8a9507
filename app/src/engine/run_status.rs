//! Where a streamed run a chapter starts (training, RL rounds, DPO steps) stands, as the panel
//! shows it and its `data-*-state` attribute says it.

use tumbler_engine::DoneReason;

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
