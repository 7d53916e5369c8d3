//! Private files: the database, its write-ahead log, backups, the search
//! index and the audit checkpoints are readable by the service's own user
//! only (files 0600, folders 0700). Elsewhere than on Unix these are plain
//! file operations.

use std::path::Path;

/// Creates `dir` and any missing parents with mode 0700 (folders that
/// already exist are left as they are).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Sets mode 0600 on a file, or 0700 on a folder, if it exists.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// [`restrict`] on a SQLite database file and its `-wal`, `-shm` and
/// `-journal` companions.
pub fn restrict_sqlite(db: &Path) -> std::io::Result<()> {
    restrict(db)?;
    for side in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(side);
        restrict(Path::new(&name))?;
    }
    Ok(())
}
