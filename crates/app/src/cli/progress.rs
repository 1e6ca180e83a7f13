//! A progress line on a terminal (standard error), for long imports, settlements and exports;
//! nothing at all when standard error is not a terminal (scripts, tests, CI).

use std::io::{IsTerminal, Write};

/// A progress line on standard error when it is a terminal; silent otherwise.
pub struct Progress {
    label: &'static str,
    on: bool,
    shown: u64,
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
        }
    }

    /// Shows `n` of `total` done (at most every 1%).
    pub fn at(&mut self, n: u64, total: u64) {
        if !self.on || total == 0 || (n - self.shown.min(n)) * 100 < total && n != total {
            return;
        }
        self.shown = n;
        let width = 30;
        let filled = (n * width / total) as usize;
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{} [{}{}] {n}/{total}",
            self.label,
            "#".repeat(filled),
            "-".repeat(width as usize - filled)
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
