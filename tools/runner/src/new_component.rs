//! `just new-component NAME`: a new component crate from the template in
//! `tools/templates/component/` — `NAME/Cargo.toml`, `NAME/src/lib.rs` (with a host test) and
//! `NAME/system.toml` (a one-component system whose `[[component]]` block is the manifest
//! snippet for other systems) — added to the components workspace's `members`.

use std::fmt;
use std::path::{Path, PathBuf};

const CARGO_TEMPLATE: &str = include_str!("../../templates/component/Cargo.toml.tmpl");
const LIB_TEMPLATE: &str = include_str!("../../templates/component/lib.rs.tmpl");
const SYSTEM_TEMPLATE: &str = include_str!("../../templates/component/system.toml.tmpl");

/// Directories in `components/` that are not component crates.
const RESERVED: &[&str] = &["guest", "wit", "bad", "target", "src"];
/// The manifest's limit for names.
const MAX_NAME: usize = 32;

/// Why a component could not be created. Nothing is written when any of these is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewComponentError {
    /// The name breaks the rules shared by crates and manifests.
    BadName { name: String, why: &'static str },
    /// A file or directory of that name is already there.
    Exists(PathBuf),
    /// The workspace manifest has no `members = [ … ]` list to add the crate to.
    NoMembersList(PathBuf),
    /// Reading or writing a file failed.
    Io { path: PathBuf, error: String },
}

impl fmt::Display for NewComponentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewComponentError::BadName { name, why } => {
                write!(f, "invalid component name {name:?}: {why}")
            }
            NewComponentError::Exists(path) => {
                write!(f, "{} already exists: choose another name", path.display())
            }
            NewComponentError::NoMembersList(path) => {
                write!(f, "{}: no `members = [ … ]` list found", path.display())
            }
            NewComponentError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for NewComponentError {}

/// Checks `name` against what both cargo and the manifest accept: 1–32 characters of `a-z`,
/// `0-9`, `-`, starting with a letter, not ending in `-`, not a reserved directory.
pub fn check_name(name: &str) -> Result<(), NewComponentError> {
    let bad = |why| {
        Err(NewComponentError::BadName {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME {
        return bad("it is longer than 32 characters (the manifest's limit)");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("it must start with a lowercase letter");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("use only a-z, 0-9 and -");
    }
    if name.ends_with('-') || name.contains("--") {
        return bad("a - must stand between letters or digits");
    }
    if RESERVED.contains(&name) {
        return bad("that directory name is taken by the components workspace");
    }
    Ok(())
}

/// The module file cargo makes of crate `name` (`-` becomes `_`).
pub fn wasm_file(name: &str) -> String {
    format!("{}.wasm", name.replace('-', "_"))
}

fn render(template: &str, name: &str) -> String {
    template
        .replace("{{name}}", name)
        .replace("{{wasm}}", &wasm_file(name))
}

/// `manifest` with `name` appended to its `[workspace] members` list.
pub fn add_member(manifest: &str, name: &str) -> Option<String> {
    let start = manifest.find("\nmembers = [")? + 1;
    let close = start + manifest[start..].find(']')?;
    let list = &manifest[start..close];
    let entry = format!("\"{name}\"");
    if list.contains(&entry) {
        return Some(manifest.to_owned());
    }
    // Keep the list's layout: one entry per line, or a one-line list.
    let (before, after) = manifest.split_at(close);
    let trimmed = before.trim_end();
    let separator = if trimmed.ends_with('[') || trimmed.ends_with(',') {
        ""
    } else {
        ","
    };
    Some(if list.contains('\n') {
        format!("{trimmed}{separator}\n    {entry},\n{after}")
    } else {
        let space = if trimmed.ends_with('[') { "" } else { " " };
        format!("{trimmed}{separator}{space}{entry}{after}")
    })
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct NewComponent {
    pub name: String,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// The workspace manifest the crate was added to.
    pub workspace: PathBuf,
}

impl NewComponent {
    /// The crate's system manifest (`system.toml`).
    pub fn system_manifest(&self) -> PathBuf {
        self.dir.join("system.toml")
    }

    /// What was made and what to do next, for people.
    pub fn summary(&self, root: &Path) -> String {
        let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let mut s = format!(
            "created component {} (module {}):\n",
            self.name,
            wasm_file(&self.name)
        );
        for file in &self.files {
            s.push_str(&format!("  {}\n", rel(file)));
        }
        s.push_str(&format!(
            "  {} (added to the workspace members)\n",
            rel(&self.workspace)
        ));
        s.push_str(&format!(
            "Next:\n  \
             (cd components && cargo test -p {name})     its host test\n  \
             just run rpi3 --system {system}   build, pack and boot it alone under QEMU\n  \
             copy the [[component]] block of {system} into a system (e.g. components/demo.toml) \
             to add it there\n",
            name = self.name,
            system = rel(&self.system_manifest()),
        ));
        s
    }
}

fn write_new(path: &Path, contents: &str) -> Result<(), NewComponentError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| NewComponentError::Io {
            path: parent.to_owned(),
            error: e.to_string(),
        })?;
    }
    std::fs::write(path, contents).map_err(|e| NewComponentError::Io {
        path: path.to_owned(),
        error: e.to_string(),
    })
}

/// Creates component `name` in the components workspace at `components_dir`.
pub fn generate(components_dir: &Path, name: &str) -> Result<NewComponent, NewComponentError> {
    check_name(name)?;
    let dir = components_dir.join(name);
    if dir.exists() {
        return Err(NewComponentError::Exists(dir));
    }
    let workspace = components_dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&workspace).map_err(|e| NewComponentError::Io {
        path: workspace.clone(),
        error: e.to_string(),
    })?;
    let updated = add_member(&manifest, name)
        .ok_or_else(|| NewComponentError::NoMembersList(workspace.clone()))?;

    let files = [
        (dir.join("Cargo.toml"), render(CARGO_TEMPLATE, name)),
        (dir.join("src/lib.rs"), render(LIB_TEMPLATE, name)),
        (dir.join("system.toml"), render(SYSTEM_TEMPLATE, name)),
    ];
    for (path, contents) in &files {
        if let Err(e) = write_new(path, contents) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    }
    write_new(&workspace, &updated).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&dir);
    })?;
    Ok(NewComponent {
        name: name.to_owned(),
        dir,
        files: files.into_iter().map(|(p, _)| p).collect(),
        workspace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in [
            "hello",
            "a",
            "temp-sensor",
            "x2",
            "abcdefghijklmnopqrstuvwxyz012345",
        ] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("Hello", "lowercase letter"),
            ("2fast", "lowercase letter"),
            ("-x", "lowercase letter"),
            ("a_b", "only a-z"),
            ("a/b", "only a-z"),
            ("a b", "only a-z"),
            ("x-", "between"),
            ("a--b", "between"),
            ("guest", "taken"),
            ("wit", "taken"),
            ("abcdefghijklmnopqrstuvwxyz0123456", "32 characters"),
        ] {
            let err = check_name(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn wasm_names() {
        assert_eq!(wasm_file("temp-sensor"), "temp_sensor.wasm");
        assert_eq!(wasm_file("hello"), "hello.wasm");
    }

    #[test]
    fn member_is_appended_keeping_the_layout() {
        let multi = "[workspace]\nresolver = \"3\"\nmembers = [\n    \"guest\",\n    \"sink\",\n]\n\n[x]\ny = [1]\n";
        assert_eq!(
            add_member(multi, "hello").unwrap(),
            "[workspace]\nresolver = \"3\"\nmembers = [\n    \"guest\",\n    \"sink\",\n    \"hello\",\n]\n\n[x]\ny = [1]\n"
        );
        let no_trailing_comma = "[workspace]\nmembers = [\n    \"guest\"\n]\n";
        assert_eq!(
            add_member(no_trailing_comma, "hello").unwrap(),
            "[workspace]\nmembers = [\n    \"guest\",\n    \"hello\",\n]\n"
        );
        let one_line = "[workspace]\nmembers = [\"guest\", \"sink\"]\n";
        assert_eq!(
            add_member(one_line, "hello").unwrap(),
            "[workspace]\nmembers = [\"guest\", \"sink\", \"hello\"]\n"
        );
        assert_eq!(add_member(one_line, "sink").unwrap(), one_line);
        assert_eq!(add_member("[workspace]\n", "hello"), None);
    }

    #[test]
    fn the_real_workspace_has_a_members_list() {
        let manifest =
            std::fs::read_to_string(crate::workspace_root().join("components/Cargo.toml")).unwrap();
        assert!(
            add_member(&manifest, "hello")
                .unwrap()
                .contains("\n    \"hello\",\n]")
        );
    }

    fn temp_workspace(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ruvix-newcomp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nmembers = [\n    \"guest\",\n]\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn generates_the_crate_and_adds_it() {
        let dir = temp_workspace("generate");
        let made = generate(&dir, "temp-sensor").unwrap();
        let lib = std::fs::read_to_string(dir.join("temp-sensor/src/lib.rs")).unwrap();
        assert!(lib.contains("Line::new(\"temp-sensor: started\")"), "{lib}");
        assert!(lib.contains("#[test]"), "{lib}");
        assert!(!lib.contains("{{"), "{lib}");
        let cargo = std::fs::read_to_string(dir.join("temp-sensor/Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"temp-sensor\""), "{cargo}");
        let system = std::fs::read_to_string(made.system_manifest()).unwrap();
        assert!(system.contains("wasm = \"temp_sensor.wasm\""), "{system}");
        assert!(system.contains("just run rpi3 --system components/temp-sensor/system.toml"));
        let workspace = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(workspace.contains("    \"temp-sensor\",\n]"), "{workspace}");
        assert!(made.summary(&dir).contains("cargo test -p temp-sensor"));

        // A second time: refused, nothing changed.
        let err = generate(&dir, "temp-sensor").unwrap_err();
        assert!(matches!(err, NewComponentError::Exists(_)), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.toml")).unwrap(),
            workspace
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_input_writes_nothing() {
        let dir = temp_workspace("bad");
        assert!(matches!(
            generate(&dir, "Bad Name"),
            Err(NewComponentError::BadName { .. })
        ));
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let err = generate(&dir, "hello").unwrap_err();
        assert!(matches!(err, NewComponentError::NoMembersList(_)), "{err}");
        assert!(!dir.join("hello").exists());
        let err = generate(&dir.join("absent"), "hello").unwrap_err();
        assert!(matches!(err, NewComponentError::Io { .. }), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
