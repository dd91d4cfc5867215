//! The database's files are its owner's alone: conversations, visitors' emails and the sealed
//! Intercom token are nobody else's business on a shared machine. The database file is created
//! with mode 0600 before SQLite opens it, and SQLite gives its `-wal` and `-shm` files the
//! database file's mode; files an older bridge created world-readable are tightened on open.
//! One bridge process owns the file at a time ([`Owner`]): its live leases and its listeners'
//! feeds are that process's memory.

use std::path::{Path, PathBuf};

use super::StoreError;

/// SQLite's companions of a database file that exist while it is open (or after a crash).
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates the database file at `path` readable by its owner only, or tightens the mode of
/// the existing file and its companions.
pub(super) fn make_private(path: &Path) -> Result<(), StoreError> {
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Permissions { path, source }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(failed(path))?;
    for file in
        std::iter::once(path.to_owned()).chain(COMPANIONS.iter().map(|suffix| with_suffix(path, suffix)))
    {
        match owner_only(&file) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(failed(&file))?,
        }
    }
    Ok(())
}

/// The claim of one bridge process on the database at `path`: an exclusive lock on `<path>.lock`,
/// held while the value lives and let go by the system when the process ends, however it ends.
/// The binary takes it before it opens the file; a test that stands for a restart in one process
/// opens the file again without it.
#[derive(Debug)]
pub struct Owner {
    _file: std::fs::File,
}

impl Owner {
    /// Takes the lock, or says the file is another bridge's.
    pub fn claim(path: &Path) -> Result<Self, StoreError> {
        let lock = with_suffix(path, ".lock");
        let failed = |source| StoreError::Permissions { path: lock.clone(), source };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&lock).map_err(failed)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse { path: path.to_owned() }),
            Err(std::fs::TryLockError::Error(source)) => Err(failed(source)),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(path: &Path) -> std::io::Result<()> {
    std::fs::metadata(path).map(drop)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::Store;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn the_database_and_its_companions_are_the_owners_alone_even_if_they_were_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.db");
        let store = Store::open(&path).expect("opens");
        for file in ["baton.db", "baton.db-wal", "baton.db-shm", "baton.db.key"] {
            assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
        }
        drop(store);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("loosened");
        let _store = Store::open(&path).expect("reopens");
        assert_eq!(mode(&path), 0o600, "tightened on open");
    }
}
