//! A progress line on a terminal (standard error), for long imports, settlements and exports;
//! nothing at all when standard error is not a terminal (scripts, tests, CI).

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// A progress line on standard error when it is a terminal; silent otherwise.
#[derive(Debug)]
pub struct Progress {
    label: &'static str,
    on: bool,
    shown: u64,
    step: String,
}

impl Progress {
    pub fn start(label: &'static str) -> Progress {
        let on = std::io::stderr().is_terminal();
        if on {
            eprint!("{label}…");
        }
        Progress {
            label,
            on,
            shown: 0,
            step: String::new(),
        }
    }

    /// Shows `n` of `total` done (at most every 1%).
    pub fn at(&mut self, n: u64, total: u64) {
        self.step_at("", n, total);
    }

    /// Shows `n` of `total` rows of `step` done: redrawn when the step changes, otherwise at
    /// most every 1%.
    pub fn step_at(&mut self, step: &str, n: u64, total: u64) {
        if !self.on || total == 0 {
            return;
        }
        let same_step = self.step == step;
        if same_step && n >= self.shown && (n - self.shown) * 100 < total && n != total {
            return;
        }
        if !same_step {
            step.clone_into(&mut self.step);
        }
        self.shown = n;
        let width = 30;
        let filled = usize::try_from(n.min(total) * width / total).unwrap_or(0);
        let name = if step.is_empty() {
            self.label.to_owned()
        } else {
            format!("{}: {step}", self.label)
        };
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r\x1b[2K{name} [{}{}] {n}/{total}",
            "#".repeat(filled),
            "-".repeat(30 - filled)
        );
        let _ = err.flush();
    }

    /// Replaces the line with the step now under way.
    pub fn phase(&mut self, text: &str) {
        if self.on {
            eprint!("\r\x1b[2K{}: {text}…", self.label);
        }
    }

    /// Ends the line (dropping the progress does the same).
    pub fn done(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.on {
            eprintln!();
        }
    }
}

/// A terminal progress line the services report to (see `Services::with_progress`).
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<Option<Progress>>>);

impl Shared {
    pub fn start(label: &'static str) -> Shared {
        Shared(Arc::new(Mutex::new(Some(Progress::start(label)))))
    }

    pub fn phase(&self, text: &str) {
        if let Ok(mut p) = self.0.lock()
            && let Some(p) = p.as_mut()
        {
            p.phase(text);
        }
    }

    /// Ends the line now, whoever still holds the reporter.
    pub fn done(&self) {
        if let Ok(mut p) = self.0.lock() {
            p.take();
        }
    }
}

impl jumpup_service::Progress for Shared {
    fn at(&self, step: &str, done: u64, total: u64) {
        if let Ok(mut p) = self.0.lock()
            && let Some(p) = p.as_mut()
        {
            p.step_at(step, done, total);
        }
    }
}
