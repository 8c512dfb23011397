//! No password-equivalent value of an SRP exchange is left behind in freed heap memory.
//!
//! A global allocator scans every block when it is freed for the password, the identity
//! hash `H(pool ‖ user ‖ ":" ‖ password)` (hex and binary) and `x` (hex): each must have been
//! zeroised before it was freed. A control shows the scanner finds a plain `String` dropped
//! without zeroising.
#![cfg(feature = "user")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aws_lc_rs::digest::{SHA256, digest};
use cognito_auth::srp::SrpClient;

struct Scanning;

static SCAN: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
/// Needles, fixed before scanning starts (never allocated while scanning).
static NEEDLES: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if SCAN.load(Ordering::Acquire)
            && let Ok(needles) = NEEDLES.try_lock()
        {
            // SAFETY: the block is still allocated and `layout.size()` bytes long.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if needles.iter().any(|n| contains(block, n)) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Scanning = Scanning;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn password_equivalent_values_are_zeroised_before_they_are_freed() {
    let pool_name = "AbCdEf123";
    let user_id = "3f1c2a5e-user";
    let password = "correct horse battery staple 0xA5";
    let salt = "5b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff";
    let srp_b = "9b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899";
    let identity_hash = digest(
        &SHA256,
        format!("{pool_name}{user_id}:{password}").as_bytes(),
    );
    let identity_hex = hex(identity_hash.as_ref());
    let padded_salt = if salt.len() % 2 == 1 {
        format!("0{salt}")
    } else if "89abcdef".contains(&salt[..1]) {
        format!("00{salt}")
    } else {
        salt.to_owned()
    };
    let x_hex = hex(digest(&SHA256, &unhex(&format!("{padded_salt}{identity_hex}"))).as_ref());
    *NEEDLES.lock().unwrap() = vec![
        password.as_bytes().to_vec(),
        identity_hex.as_bytes().to_vec(),
        identity_hash.as_ref()[..12].to_vec(),
        x_hex.as_bytes().to_vec(),
    ];
    let client = SrpClient::with_private_bytes(&[7u8; 128]).unwrap();

    // Control: a plain String holding the password, dropped as is, is found.
    let leaked = String::from(password);
    SCAN.store(true, Ordering::Release);
    drop(leaked);
    SCAN.store(false, Ordering::Release);
    assert_eq!(HITS.swap(0, Ordering::Relaxed), 1, "the scanner works");

    SCAN.store(true, Ordering::Release);
    let key = client
        .password_key(pool_name, user_id, password, srp_b, salt)
        .unwrap();
    drop(key);
    let device =
        cognito_auth::srp::device_verifier_from("grp", "dev", password.as_bytes(), b"salt");
    drop(device);
    SCAN.store(false, Ordering::Release);
    assert_eq!(
        HITS.load(Ordering::Relaxed),
        0,
        "a freed block still held a password-equivalent value"
    );
}
