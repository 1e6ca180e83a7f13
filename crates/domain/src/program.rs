//! Programmes as data (RULES.md 1 and 3): an id, names in Korean and English, and dated
//! versions, each a full set of parameters. A case is decided under the version in force on its
//! decision date; this module only answers "which version is in force on day D".

use std::fmt;

use crate::date::Date;
use crate::rules::{Param, Value, VersionParams};

/// A programme id: lower-case ASCII letters, digits and hyphens, 1 to 64 characters, starting
/// with a letter or digit (`incheon-jumpup`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProgramId(String);

impl ProgramId {
    pub fn parse(text: &str) -> Result<ProgramId, ProgramError> {
        let ok = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-');
        if ok {
            Ok(ProgramId(text.to_owned()))
        } else {
            Err(ProgramError::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProgramId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One dated version: the parameters in force from `in_force_from` until the next version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub in_force_from: Date,
    pub params: VersionParams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    id: ProgramId,
    name_ko: String,
    name_en: String,
    versions: Vec<Version>,
}

impl Program {
    /// A programme needs names and at least one version; versions must be in strictly
    /// increasing date order (two versions on one day would make "in force" ambiguous).
    pub fn new(
        id: ProgramId,
        name_ko: String,
        name_en: String,
        versions: Vec<Version>,
    ) -> Result<Program, ProgramError> {
        if name_ko.trim().is_empty() || name_en.trim().is_empty() {
            return Err(ProgramError::NoName);
        }
        if versions.is_empty() {
            return Err(ProgramError::NoVersion);
        }
        if let Some(i) = versions
            .windows(2)
            .position(|w| w[0].in_force_from >= w[1].in_force_from)
        {
            return Err(ProgramError::VersionOrder { index: i + 1 });
        }
        Ok(Program {
            id,
            name_ko,
            name_en,
            versions,
        })
    }

    pub fn id(&self) -> &ProgramId {
        &self.id
    }

    pub fn name_ko(&self) -> &str {
        &self.name_ko
    }

    pub fn name_en(&self) -> &str {
        &self.name_en
    }

    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The first day any version is in force.
    pub fn first_day(&self) -> Date {
        self.versions[0].in_force_from
    }

    /// The version in force on `day`, or `None` before the first version.
    pub fn version_on(&self, day: Date) -> Option<&Version> {
        let after = self.versions.partition_point(|v| v.in_force_from <= day);
        after.checked_sub(1).map(|i| &self.versions[i])
    }
}

impl Program {
    /// A version's canonical content: the programme's id and names, the date and every
    /// parameter in RULES.md's order, as compact JSON (numbers for counts and amounts, strings
    /// for percentages and words). What is hashed and stored: its SHA-256 is the version's
    /// digest, so the same rules always have the same digest whatever file they came from.
    pub fn version_content(&self, version: &Version) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str("{\"id\":");
        json_string(&mut out, self.id.as_str());
        out.push_str(",\"name_ko\":");
        json_string(&mut out, &self.name_ko);
        out.push_str(",\"name_en\":");
        json_string(&mut out, &self.name_en);
        out.push_str(",\"in_force_from\":");
        json_string(&mut out, &version.in_force_from.to_string());
        out.push_str(",\"parameters\":{");
        for (i, &p) in Param::ALL.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(&mut out, p.name());
            out.push(':');
            match version.params.value(p) {
                Value::Int(n) => out.push_str(&n.to_string()),
                Value::Pct(pct) => json_string(&mut out, &pct.to_string()),
                Value::Word(w) => json_string(&mut out, w),
            }
        }
        out.push_str("}}");
        out
    }
}

/// A JSON string, escaped as compact JSON writers escape it: quote, backslash and the control
/// characters (the short forms where JSON has them), everything else as it is.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The programmes a command or server knows, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    programs: Vec<Program>,
}

impl Catalog {
    /// Adds a programme; an id already present is refused.
    pub fn add(&mut self, program: Program) -> Result<(), ProgramError> {
        if self.get(program.id().as_str()).is_some() {
            return Err(ProgramError::Duplicate(program.id().clone()));
        }
        self.programs.push(program);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id.as_str() == id)
    }

    pub fn programs(&self) -> &[Program] {
        &self.programs
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("must be 1 to 64 lower-case letters, digits and hyphens, not starting with a hyphen")]
    BadId,
    #[error("both name_ko and name_en must be given")]
    NoName,
    #[error("a programme needs at least one version")]
    NoVersion,
    #[error("version {index} must be in force after the version before it")]
    VersionOrder { index: usize },
    #[error("programme {0} is defined twice")]
    Duplicate(ProgramId),
}
