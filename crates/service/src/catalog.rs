//! Programme files (TOML, described in `docs/programme-files.md`): the built-in programmes and
//! any `--programs DIR`, read into the domain's [`Catalog`]. Every leaf value goes through the
//! domain's named-parameter parser, the same one a quote's `rules` overrides use, and every
//! problem names the file, the key and the reason.

use std::fmt;
use std::path::{Path, PathBuf};

use jumpup_domain::date::parse_date;
use jumpup_domain::program::{Catalog, Program, ProgramId, Version};
use jumpup_domain::rules::{Param, ParamSet, Raw, VersionParams};
use toml::{Table, Value};

/// The programmes built into the binary: (file name, text).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "incheon-jumpup.toml",
        include_str!("../programs/incheon-jumpup.toml"),
    ),
    (
        "incheon-agreement-guarantee.toml",
        include_str!("../programs/incheon-agreement-guarantee.toml"),
    ),
];

/// The largest programme file read, and the most versions one programme may have.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
const MAX_VERSIONS: usize = 1000;

/// One problem in a programme file: the file, the key (empty for the whole file) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub key: String,
    pub reason: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}: {}: {}", self.file, self.key, self.reason)
        }
    }
}

/// Every problem found in the programme files read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFileErrors(pub Vec<FileProblem>);

impl fmt::Display for ProgramFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProgramFileErrors {}

/// The built-in programmes plus every `*.toml` file in `dir` (in name order). A programme id
/// defined twice is an error naming the second file.
pub fn load_catalog(dir: Option<&Path>) -> Result<Catalog, ProgramFileErrors> {
    let mut sources: Vec<(String, String)> = BUILT_IN
        .iter()
        .map(|(name, text)| (format!("built-in {name}"), (*text).to_owned()))
        .collect();
    let mut problems = Vec::new();
    if let Some(dir) = dir {
        match read_dir_sources(dir) {
            Ok(found) => sources.extend(found),
            Err(p) => problems.push(p),
        }
    }
    let mut catalog = Catalog::default();
    for (file, text) in &sources {
        match parse_program(file, text) {
            Ok(program) => {
                if let Err(e) = catalog.add(program) {
                    problems.push(FileProblem {
                        file: file.clone(),
                        key: "id".into(),
                        reason: e.to_string(),
                    });
                }
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(ProgramFileErrors(problems))
    }
}

fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>, FileProblem> {
    let whole = |reason: String| FileProblem {
        file: dir.display().to_string(),
        key: String::new(),
        reason,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| whole(format!("cannot read the directory: {e}")))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| whole(format!("cannot read the directory: {e}")))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let file = path.display().to_string();
            let fail = |reason: String| FileProblem {
                file: file.clone(),
                key: String::new(),
                reason,
            };
            let size = std::fs::metadata(&path)
                .map_err(|e| fail(format!("cannot read: {e}")))?
                .len();
            if size > MAX_FILE_BYTES {
                return Err(fail("is larger than 1 MiB".into()));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| fail(format!("cannot read: {e}")))?;
            Ok((file, text))
        })
        .collect()
}

/// Parses one programme file. The first version must give every parameter; a later version
/// gives only what changes and inherits the rest from the version before it.
pub fn parse_program(file: &str, text: &str) -> Result<Program, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let mut fail = |key: &str, reason: String| {
        problems.push(FileProblem {
            file: file.to_owned(),
            key: key.to_owned(),
            reason,
        });
    };
    let table: Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            let at = e
                .span()
                .map(|s| line_col(text, s.start))
                .unwrap_or_default();
            fail("", format!("not valid TOML{at}: {}", e.message()));
            return Err(problems);
        }
    };
    for key in table.keys() {
        if !["id", "name_ko", "name_en", "versions"].contains(&key.as_str()) {
            fail(key, "unknown key".into());
        }
    }
    let mut text_field = |key: &str| match table.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) | None => {
            fail(key, "is required".into());
            None
        }
        Some(_) => {
            fail(key, "must be a string".into());
            None
        }
    };
    let id = text_field("id");
    let name_ko = text_field("name_ko");
    let name_en = text_field("name_en");
    let id = id.and_then(|id| match ProgramId::parse(&id) {
        Ok(id) => Some(id),
        Err(e) => {
            fail("id", e.to_string());
            None
        }
    });
    let versions = match table.get("versions") {
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_VERSIONS => {
            parse_versions(items, &mut fail)
        }
        Some(Value::Array(items)) if !items.is_empty() => {
            fail("versions", format!("at most {MAX_VERSIONS} versions"));
            None
        }
        _ => {
            fail(
                "versions",
                "at least one [[versions]] table is required".into(),
            );
            None
        }
    };
    match (id, name_ko, name_en, versions) {
        (Some(id), Some(ko), Some(en), Some(versions)) if problems.is_empty() => {
            Program::new(id, ko, en, versions).map_err(|e| {
                vec![FileProblem {
                    file: file.to_owned(),
                    key: "versions".into(),
                    reason: e.to_string(),
                }]
            })
        }
        _ => Err(problems),
    }
}

fn parse_versions(items: &[Value], fail: &mut impl FnMut(&str, String)) -> Option<Vec<Version>> {
    let mut versions = Vec::new();
    let mut inherited = ParamSet::empty();
    let mut inherited_error = None;
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let at = format!("versions[{i}]");
        let Value::Table(table) = item else {
            fail(&at, "must be a table".into());
            ok = false;
            continue;
        };
        let in_force_from = match table.get("in_force_from") {
            Some(Value::Datetime(dt)) => parse_date(&dt.to_string()).ok(),
            Some(Value::String(s)) => parse_date(s).ok(),
            _ => None,
        };
        if in_force_from.is_none() {
            fail(
                &format!("{at}.in_force_from"),
                "must be a date written YYYY-MM-DD".into(),
            );
            ok = false;
        }
        let mut set = inherited.clone();
        let mut leaves = Vec::new();
        flatten("", table, &mut leaves);
        for (name, value) in leaves {
            if name == "in_force_from" {
                continue;
            }
            let key = format!("{at}.{name}");
            let Some(param) = Param::from_name(&name) else {
                fail(&key, "unknown parameter".into());
                ok = false;
                continue;
            };
            let raw = match value {
                Value::String(s) => Raw::Str(s),
                Value::Integer(n) => Raw::Int(*n),
                other => Raw::Other(other.type_str()),
            };
            match param.parse_value(raw) {
                Ok(v) => set.set(param, v),
                Err(e) => {
                    fail(&key, e.to_string());
                    ok = false;
                }
            }
        }
        match VersionParams::from_set(&set) {
            Ok(params) => {
                if let Some(in_force_from) = in_force_from {
                    versions.push(Version {
                        in_force_from,
                        params,
                    });
                }
            }
            Err(e) => {
                // A problem inherited unchanged from the version before is reported once.
                if inherited_error.as_ref() != Some(&e) {
                    fail(&format!("{at}.{}", e.param().name()), e.reason().into());
                }
                inherited_error = Some(e);
                ok = false;
            }
        }
        inherited = set;
    }
    ok.then_some(versions)
}

/// Collects `(dotted.name, value)` for every non-table value under `table`.
fn flatten<'a>(prefix: &str, table: &'a Table, out: &mut Vec<(String, &'a Value)>) {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Table(inner) => flatten(&name, inner, out),
            leaf => out.push((name, leaf)),
        }
    }
}

fn line_col(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" at line {line}, column {col}")
}

/// An audit entry's record of many ids: how many, and the digest of the list (one per line,
/// in the order given), so the entry stays small however many rows a file or batch has.
pub fn ids_summary<I: std::fmt::Display>(ids: &[I]) -> serde_json::Value {
    serde_json::json!({
        "count": ids.len(),
        "digest": jumpup_domain::digest::sha256_hex_parts(ids.iter().map(|id| format!("{id}\n"))),
    })
}

/// Reads a stored version's content back into its parameters.
pub fn version_from_content(content: &str) -> Result<Version, String> {
    let value: serde_json::Value =
        serde_json::from_str(content).map_err(|e| format!("unreadable content: {e}"))?;
    let in_force_from = value["in_force_from"]
        .as_str()
        .and_then(|d| parse_date(d).ok())
        .ok_or("content without a valid in_force_from")?;
    let mut set = ParamSet::empty();
    for &p in Param::ALL {
        let raw = crate::quote_json::raw(&value["parameters"][p.name()]);
        set.set(
            p,
            p.parse_value(raw)
                .map_err(|e| format!("{}: {e}", p.name()))?,
        );
    }
    let params = VersionParams::from_set(&set).map_err(|e| e.to_string())?;
    Ok(Version {
        in_force_from,
        params,
    })
}

/// The catalogue of the stored, approved versions.
pub fn catalog_from_rows(rows: &[jumpup_store::programs::VersionRow]) -> Result<Catalog, String> {
    let mut catalog = Catalog::default();
    let mut rows: Vec<_> = rows.iter().filter(|r| r.approved).collect();
    rows.sort_by(|a, b| (&a.program_id, a.in_force_from).cmp(&(&b.program_id, b.in_force_from)));
    for group in rows.chunk_by(|a, b| a.program_id == b.program_id) {
        let versions = group
            .iter()
            .map(|r| {
                version_from_content(&r.content)
                    .map_err(|e| format!("programme {} {}: {e}", r.program_id, r.in_force_from))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let last = group.last().expect("invariant: chunks are not empty");
        let id = ProgramId::parse(&last.program_id)
            .map_err(|e| format!("programme id {}: {e}", last.program_id))?;
        let program = Program::new(id, last.name_ko.clone(), last.name_en.clone(), versions)
            .map_err(|e| e.to_string())?;
        catalog.add(program).map_err(|e| e.to_string())?;
    }
    Ok(catalog)
}

/// The built-in programmes, parsed.
pub fn built_in() -> Vec<Program> {
    BUILT_IN
        .iter()
        .map(|(name, text)| {
            parse_program(name, text).expect("invariant: the built-in programmes parse (tested)")
        })
        .collect()
}

/// The programmes with their versions and the one in force `today`, as `programs list --json`
/// and the API show them.
pub fn programs_json(catalog: &Catalog, today: jumpup_domain::Date) -> serde_json::Value {
    catalog
        .programs()
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id().as_str(),
                "name_ko": p.name_ko(),
                "name_en": p.name_en(),
                "versions": p.versions().iter().map(|v| v.in_force_from.to_string()).collect::<Vec<_>>(),
                "in_force_today": p.version_on(today).map(|v| v.in_force_from.to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jumpup_domain::program::{Program, ProgramId};
    use jumpup_domain::rules::{Param, Value};
    use proptest::prelude::*;

    /// The content as it was written before the domain built it (serde_json's compact JSON):
    /// every stored digest was taken over this text, so the domain's must not differ by a byte.
    fn as_serde_wrote_it(program: &Program, version: &jumpup_domain::program::Version) -> String {
        let mut parameters = serde_json::Map::new();
        for &p in Param::ALL {
            let value = match version.params.value(p) {
                Value::Int(n) => serde_json::Value::from(n),
                Value::Pct(pct) => serde_json::Value::from(pct.to_string()),
                Value::Word(w) => serde_json::Value::from(w),
            };
            parameters.insert(p.name().to_owned(), value);
        }
        serde_json::json!({
            "id": program.id().as_str(),
            "name_ko": program.name_ko(),
            "name_en": program.name_en(),
            "in_force_from": version.in_force_from.to_string(),
            "parameters": parameters,
        })
        .to_string()
    }

    #[test]
    fn built_in_versions_keep_their_content_to_the_byte() {
        for program in super::built_in() {
            for version in program.versions() {
                assert_eq!(
                    program.version_content(version),
                    as_serde_wrote_it(&program, version),
                    "{} from {}",
                    program.id(),
                    version.in_force_from
                );
            }
        }
    }

    proptest! {
        #[test]
        fn any_names_escape_as_serde_json_escapes_them(
            name_ko in "\\PC*[\"\\\\\u{0}-\u{1f}\u{7f}가-힣]{0,8}\\PC{0,4}",
            name_en in any::<String>(),
        ) {
            let model = &super::built_in()[0];
            prop_assume!(!name_ko.trim().is_empty() && !name_en.trim().is_empty());
            let program = Program::new(
                ProgramId::parse("test-names").expect("an id"),
                name_ko,
                name_en,
                model.versions().to_vec(),
            )
            .expect("a programme");
            let version = &program.versions()[0];
            prop_assert_eq!(program.version_content(version), as_serde_wrote_it(&program, version));
        }
    }
}
