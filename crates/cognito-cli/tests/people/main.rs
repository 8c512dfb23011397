//! The CLI as a person meets it, through the binary: prompts on a real pseudo-terminal
//! (passwords unechoed, new passwords twice, codes retried, choices), stdin answers without
//! prompt text, `token --stored`, `status`, cached identity-pool credentials, completions,
//! man page, and messages and exit codes for what goes wrong. Sign-in flows run against the
//! test-suite's Cognito peer (SRP proofs checked, choice-based, passwordless and custom
//! flows), the hosted UI against the test kit, identity pools against moto.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cognito_auth_testkit::{ClientSpec, LocalIssuer};
use cognito_auth_testsuite::moto;
use cognito_auth_testsuite::peer::{self, ALIAS, CLIENT, PASSWORD, POOL, SECRET, USER_ID};
use serde_json::{Value, json};

fn cognito(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognito"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COGNITO_TOKEN_STORE", store);
    c
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn read_store(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- a pseudo-terminal

/// A child process whose stdin, stdout and stderr are a pseudo-terminal that is also its
/// controlling terminal (so `/dev/tty` prompts work), and the terminal's other end.
struct Pty {
    master: std::fs::File,
    out: Arc<Mutex<Vec<u8>>>,
    seen: usize,
    child: std::process::Child,
}

impl Pty {
    fn spawn(mut cmd: Command) -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors; the null pointers ask for defaults.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty");
        // SAFETY: dup of a valid descriptor; each Stdio owns its copy.
        let io = || unsafe { Stdio::from_raw_fd(libc::dup(slave)) };
        cmd.stdin(io()).stdout(io()).stderr(io());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        // SAFETY: our copies of the descriptors; the child has its own.
        unsafe { libc::close(slave) };
        let master = unsafe { std::fs::File::from_raw_fd(master) };
        let out: Arc<Mutex<Vec<u8>>> = Arc::default();
        let (mut reader, sink) = (master.try_clone().unwrap(), out.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the child has exited and closed the terminal.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            out,
            seen: 0,
            child,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// Waits until `what` appears after what was already matched.
    fn expect(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.text();
            if let Some(i) = t[self.seen.min(t.len())..].find(what) {
                self.seen += i + what.len();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the terminal shows:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// Exit code and everything the terminal showed.
    fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "still running:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        (code, self.text())
    }
}

/// The test-suite peer on a runtime of its own (the test thread drives the terminal).
fn start_peer() -> (tokio::runtime::Runtime, String, peer::Shared) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (url, state) = rt.block_on(peer::peer());
    (rt, url, state)
}

fn peer_login(store: &Path, url: &str, extra: &[&str]) -> Command {
    let mut c = cognito(store);
    c.args(["login", "--user-pool-id", POOL, "--client-id", CLIENT])
        .args(["--client-secret", SECRET, "--endpoint", url])
        .args(extra);
    c
}

// ---------------------------------------------------------------- prompts on a terminal

fn run_with_stdin(mut c: Command, stdin: &str) -> (i32, String) {
    let mut ch = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    ch.stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = ch.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

mod no_terminal;
mod stored;
mod terminal;
