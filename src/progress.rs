//! Progress reporting as a trait: the library says what it is doing, the binary
//! decides how (or whether) to show it.

/// The pipeline's stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    ReadLayers,
    Candidates,
    Model,
    Solve,
    Report,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::ReadLayers => "reading layers",
            Stage::Candidates => "deriving candidate attributes",
            Stage::Model => "building the program",
            Stage::Solve => "solving",
            Stage::Report => "writing results",
        }
    }
}

/// Receives stage events. Every method has an empty default.
pub trait Progress: Sync {
    fn start(&self, _stage: Stage) {}
    fn finish(&self, _stage: Stage, _seconds: f64) {}
    /// `done` of `total` bytes of a layer file read (called every few MB).
    fn read_bytes(&self, _layer: &str, _done: u64, _total: u64) {}
    /// Where the search is: its step (`bounding`, `master`), the best plan's cost and
    /// the proven bound so far (EUR).
    fn search(&self, _step: &str, _incumbent: Option<f64>, _bound: Option<f64>) {}
}

/// Shows nothing.
pub struct Silent;

impl Progress for Silent {}
