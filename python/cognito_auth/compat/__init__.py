"""Drop-in replacements for other Python packages' APIs, on the Rust core."""
