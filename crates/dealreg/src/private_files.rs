//! The files that hold dealreg's data are the service user's alone, whatever the umask (issue 12):
//! the database and its journal, backups, and the outbox's e-mails, which carry reset links.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` and any missing parents readable by the service user only; existing ones are
/// left as they are (the operator chose them).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Creates (or truncates) a file readable and writable by the service user only.
pub fn create_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Makes an existing file private; a missing one is no error.
pub fn make_private(path: &Path) -> io::Result<()> {
    match std::fs::set_permissions(path, Permissions::from_mode(0o600)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// A SQLite database and the journal files beside it, private, the database created empty if
/// missing: SQLite gives its `-wal` and `-shm` files the database file's mode.
pub fn private_database(path: &Path) -> io::Result<()> {
    if !path.exists() {
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        make_private(Path::new(&name))?;
    }
    Ok(())
}
