//! The CLI's token store: one JSON file in the user's config directory (or
//! `$COGNITO_TOKEN_STORE`), readable by the owner only (0600), replaced atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

mod format;

pub use format::{CachedCredentials, Method, Profile};
use format::{MAX_STORE_BYTES, StoreFile};

/// The token store's path (`COGNITO_TOKEN_STORE`, or the user's data directory), for every
/// command that reads or writes stored logins.
pub fn path() -> Result<PathBuf, crate::failure::Failure> {
    default_path().map_err(crate::failure::Failure::usage)
}

pub fn default_path() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("COGNITO_TOKEN_STORE")
        && !p.is_empty()
    {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "cognito-auth")
        .map(|d| d.config_dir().join("tokens.json"))
        .ok_or_else(|| "no home directory: set COGNITO_TOKEN_STORE".to_owned())
}

fn read(path: &Path) -> Result<StoreFile, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoreFile::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        Ok(m) if m.len() > MAX_STORE_BYTES => {
            return Err(format!("{} is larger than 1 MiB", path.display()));
        }
        Ok(_) => {}
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    format::parse(&bytes).map_err(|why| {
        format!(
            "{} {why}: it holds no usable login; run `cognito login` (the file is replaced)",
            path.display()
        )
    })
}

/// Creates `dir` and its missing parents readable by this user alone (`0700`, whatever the
/// umask); directories that exist keep their permissions.
fn create_private_dir(dir: &Path) -> Result<(), String> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(0o700);
        b.create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for d in missing {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot restrict {}: {e}", d.display()))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = missing;
        b.create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    Ok(())
}

fn write(path: &Path, store: &StoreFile) -> Result<(), String> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    create_private_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Only tighten a directory we may have just created; never loosen one.
        if let Ok(m) = std::fs::metadata(dir)
            && m.permissions().mode() & 0o077 != 0
            && dir.ends_with("cognito-auth")
        {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    let json = serde_json::to_vec_pretty(store).map_err(|e| e.to_string())?;
    tmp.write_all(&json).map_err(|e| e.to_string())?;
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist(path)
        .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    Ok(())
}

/// An exclusive advisory lock on the token store: `<store>.lock`, beside it, locked with the
/// operating system's file lock (released when this value is dropped or the process dies).
/// Every read-refresh-write of a stored login holds it, so concurrent `cognito` processes
/// refresh one at a time and never store an already-used (rotated) refresh token.
pub struct StoreLock {
    _file: std::fs::File,
}

/// Takes the store's lock, waiting for other holders (blocking: call it off the async
/// runtime's worker threads, see [`lock_async`]).
pub fn lock(path: &Path) -> Result<StoreLock, String> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    create_private_dir(dir)?;
    let lock_path = {
        let mut p = path.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(false).read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link in the lock's place (dangling or not) is refused, never followed: following
        // it would create or lock a file elsewhere.
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(&lock_path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            format!(
                "{} is a symbolic link: refused (remove it)",
                lock_path.display()
            )
        } else {
            format!("cannot open {}: {e}", lock_path.display())
        }
    })?;
    file.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    Ok(StoreLock { _file: file })
}

/// [`lock`] from async code: waits on a blocking thread.
pub async fn lock_async(path: &Path) -> Result<StoreLock, String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || lock(&path))
        .await
        .map_err(|e| format!("cannot lock the token store: {e}"))?
}

/// Every stored login, by name.
pub fn load_all(path: &Path) -> Result<std::collections::BTreeMap<String, Profile>, String> {
    Ok(read(path)?.profiles)
}

pub fn load(path: &Path, profile: &str) -> Result<Option<Profile>, String> {
    Ok(read(path)?.profiles.remove(profile))
}

pub fn save(path: &Path, profile: &str, p: Profile) -> Result<(), String> {
    let mut s = read(path)?;
    s.version = 1;
    s.profiles.insert(profile.to_owned(), p);
    write(path, &s)
}

/// Removes a profile; deletes the file when no profile is left.
pub fn remove(path: &Path, profile: &str) -> Result<Option<Profile>, String> {
    let mut s = read(path)?;
    let removed = s.profiles.remove(profile);
    if s.profiles.is_empty() {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
        }
    } else {
        write(path, &s)?;
    }
    Ok(removed)
}

/// "in 59 min", "in 2 h 5 min", "already" for an expiry time.
pub fn describe_remaining(expires_at: u64) -> String {
    let left = expires_at.saturating_sub(unix_now());
    match left {
        0 => "already".into(),
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Seconds since the Unix epoch of `t`.
pub fn unix(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognito_auth::secret::{AccessToken, RefreshToken};

    #[test]
    fn the_store_depends_on_no_command_module() {
        // login, refresh and store imported each other in a circle; the clients of stored
        // logins now live in `client`, and the store is a file format and its lock only.
        for source in [include_str!("mod.rs"), include_str!("format.rs")] {
            for module in ["login", "refresh", "client", "logout", "token"] {
                let needle = ["crate", "::", module].concat();
                assert!(!source.contains(&needle), "the store uses {needle}");
            }
        }
    }

    fn profile(rt: &str) -> Profile {
        Profile {
            method: Method::Srp {
                user_pool_id: "eu-west-1_x".into(),
                client_id: "c".into(),
                endpoint: None,
            },
            user_pool_id: Some("eu-west-1_x".into()),
            username: Some("u".into()),
            access_token: AccessToken::new("a"),
            id_token: None,
            refresh_token: Some(RefreshToken::new(rt)),
            expires_at: 1,
            identity: Default::default(),
        }
    }

    #[test]
    fn profiles_round_trip_and_files_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        save(&path, "a", profile("rt-a")).unwrap();
        save(&path, "b", profile("rt-b")).unwrap();
        assert_eq!(
            load(&path, "a")
                .unwrap()
                .unwrap()
                .refresh_token
                .unwrap()
                .expose(),
            "rt-a"
        );
        assert!(load(&path, "zzz").unwrap().is_none());
        assert!(remove(&path, "a").unwrap().is_some());
        assert!(path.exists(), "one profile left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        remove(&path, "b").unwrap();
        assert!(!path.exists());
        assert!(
            remove(&path, "b").unwrap().is_none(),
            "removing from no file is fine"
        );
    }

    #[test]
    fn corrupt_and_oversized_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path, "a").unwrap_err().contains("not a token store"));
        std::fs::write(&path, vec![b' '; 2 * 1024 * 1024]).unwrap();
        assert!(load(&path, "a").unwrap_err().contains("larger than 1 MiB"));
    }
}

#[cfg(all(test, unix))]
mod file_safety_tests {
    use super::*;

    #[test]
    fn the_lock_refuses_a_symbolic_link_and_creates_nothing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("tokens.json");
        let victim = dir.path().join("victim");
        std::os::unix::fs::symlink(&victim, dir.path().join("tokens.json.lock")).unwrap();
        let err = lock(&store).err().expect("a link must be refused");
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!victim.exists(), "the dangling link's target was created");
    }

    #[test]
    fn a_store_directory_the_cli_creates_is_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let custom = dir.path().join("custom").join("nested");
        // umask is process-wide: restored right after the creation.
        let old = unsafe_umask(0);
        let made = create_private_dir(&custom);
        unsafe_umask(old);
        made.unwrap();
        for d in [dir.path().join("custom"), custom] {
            let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
    }

    fn unsafe_umask(mask: libc::mode_t) -> libc::mode_t {
        // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
        unsafe { libc::umask(mask) }
    }
}
