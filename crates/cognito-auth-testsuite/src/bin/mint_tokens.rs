//! Test and benchmark input: `mint_tokens <count> <dir>` writes `<dir>/jwks.json` and
//! `<dir>/tokens.txt` (`count` distinct valid access tokens of one key, one per line) for
//! pool `us-east-1_BenchPool` and client `benchclient0000000000000000`, valid for a day.
//! Signing runs on every core.

use std::io::Write;

use cognito_auth_testkit::{Kind, SigningKey, TokenBuilder, jwks_json};

pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool";
pub const CLIENT: &str = "benchclient0000000000000000";

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .expect("usage: mint_tokens <count> <dir>");
    let dir = std::path::PathBuf::from(args.next().expect("usage: mint_tokens <count> <dir>"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = SigningKey::generate();
    std::fs::write(dir.join("jwks.json"), jwks_json(std::slice::from_ref(&key))).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = count.div_ceil(threads);
    let parts: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let key = &key;
                s.spawn(move || {
                    (t * per..((t + 1) * per).min(count))
                        .map(|i| {
                            TokenBuilder::new(Kind::Access, ISSUER, key)
                                .client_id(CLIENT)
                                .scopes(["orders/read", "orders/write"])
                                .claim("n", i)
                                .expires_in(86_400)
                                .sign()
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("tokens.txt")).unwrap());
    for t in parts.into_iter().flatten() {
        writeln!(out, "{t}").unwrap();
    }
    out.flush().unwrap();
}
