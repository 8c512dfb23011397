//! Asking a person for a password, a code or a choice: on a terminal with prompts (passwords
//! unechoed, new passwords twice, empty answers asked again), or from stdin lines with
//! `--password-stdin`, where no prompt text is written.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::Failure;

/// How many times a terminal prompt is repeated after an empty or mismatched answer.
const TRIES: usize = 3;

pub struct Prompter {
    terminal: bool,
}

impl Prompter {
    /// Answers from stdin lines (`stdin`), or from the terminal. Without a terminal and
    /// without `stdin`, there is no way to ask: a usage error that names the flag.
    pub fn new(stdin: bool) -> Result<Prompter, Failure> {
        if stdin {
            return Ok(Prompter { terminal: false });
        }
        if std::io::stdin().is_terminal() {
            return Ok(Prompter { terminal: true });
        }
        Err(Failure::usage(
            "there is no terminal to ask for the password: pass --password-stdin and write the \
             password (and any later answers, one per line) to stdin",
        ))
    }

    /// Whether answers come from a person at a terminal.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    fn read_line(&self, what: &str) -> Result<String, Failure> {
        let mut s = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| Failure::usage(format!("cannot read the {what} from stdin: {e}")))?;
        if n == 0 {
            return Err(Failure::usage(format!(
                "stdin ended before the {what} was given"
            )));
        }
        Ok(s.trim_end_matches(['\r', '\n']).to_owned())
    }

    fn ask(&self, label: &str, what: &str, secret: bool) -> Result<String, Failure> {
        if !self.terminal {
            return self.read_line(what);
        }
        if secret {
            rpassword::prompt_password(format!("{label}: "))
                .map_err(|e| Failure::usage(format!("cannot read the {what}: {e}")))
        } else {
            eprint!("{label}: ");
            let _ = std::io::stderr().flush();
            self.read_line(what)
        }
    }

    /// A non-empty answer: asked again on a terminal, an error from stdin.
    fn non_empty(&self, label: &str, what: &str, secret: bool) -> Result<String, Failure> {
        for _ in 0..TRIES {
            let v = self.ask(label, what, secret)?;
            if !v.trim().is_empty() {
                return Ok(v);
            }
            if !self.terminal {
                break;
            }
            eprintln!("the {what} cannot be empty");
        }
        Err(Failure::usage(format!("no {what} given")))
    }

    /// A visible answer (user name, code, choice).
    pub fn line(&self, label: &str, what: &str) -> Result<String, Failure> {
        self.non_empty(label, what, false)
            .map(|s| s.trim().to_owned())
    }

    /// An unechoed answer (password).
    pub fn secret(&self, label: &str, what: &str) -> Result<String, Failure> {
        self.non_empty(label, what, true)
    }

    /// A new password: on a terminal, typed twice and the same both times.
    pub fn new_password(&self) -> Result<String, Failure> {
        if !self.terminal {
            return self.non_empty("New password", "new password", true);
        }
        for _ in 0..TRIES {
            let first = self.non_empty("New password", "new password", true)?;
            let again = self.ask("New password again", "new password", true)?;
            if first == again {
                return Ok(first);
            }
            eprintln!("the two passwords differ; type them again");
        }
        Err(Failure::usage("the new passwords did not match"))
    }

    /// One of `options` (case-insensitive; also by number, 1-based).
    pub fn choose(&self, label: &str, options: &[&str]) -> Result<usize, Failure> {
        for _ in 0..TRIES {
            let v = self.line(&format!("{label} ({})", options.join(", ")), "choice")?;
            let pick = v
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|n| *n < options.len())
                .or_else(|| options.iter().position(|o| o.eq_ignore_ascii_case(&v)));
            if let Some(i) = pick {
                return Ok(i);
            }
            if !self.terminal {
                return Err(Failure::usage(format!(
                    "`{v}` is not one of: {}",
                    options.join(", ")
                )));
            }
            eprintln!("`{v}` is not one of: {}", options.join(", "));
        }
        Err(Failure::usage("no choice made"))
    }
}
