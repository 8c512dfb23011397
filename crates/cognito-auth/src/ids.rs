//! Checks on the identifiers that end up inside URLs: AWS regions, user-pool ids and
//! identity-pool ids. Each is validated against Cognito's documented format before any URL
//! is built from it, so a value such as `keys.attacker.example/#_abc` can never redirect a
//! JWKS or API request to another host.

/// An AWS region: lowercase letters, digits and single hyphens, starting with a letter and
/// ending with a digit (`eu-west-1`, `us-gov-west-1`, `cn-north-1`), at most 32 bytes.
pub(crate) fn check_region(region: &str) -> Result<(), String> {
    let b = region.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !region.contains("--")
        && region.contains('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not an AWS region (expected the form `eu-west-1`)",
            shown(region)
        ))
    }
}

/// A user-pool id: `<region>_<suffix>`, the suffix letters and digits (Cognito's pattern
/// `[\w-]+_[0-9a-zA-Z]+`, at most 55 bytes). Returns the region prefix.
pub(crate) fn check_user_pool_id(id: &str) -> Result<&str, String> {
    let err = || {
        format!(
            "`{}` is not a user pool id (expected the form `eu-west-1_AbCdEf123`)",
            shown(id)
        )
    };
    if id.len() > 55 {
        return Err(err());
    }
    let (region, suffix) = id.split_once('_').ok_or_else(err)?;
    if suffix.is_empty() || !suffix.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(err());
    }
    check_region(region).map_err(|_| err())?;
    Ok(region)
}

/// An identity-pool id: `<region>:<uuid>` (Cognito's pattern `[\w-]+:[0-9a-f-]+`, at most
/// 55 bytes). Returns the region prefix.
#[cfg_attr(not(feature = "identity"), allow(dead_code))]
pub(crate) fn check_identity_pool_id(id: &str) -> Result<&str, String> {
    let err = || {
        format!(
            "`{}` is not an identity pool id (expected the form \
             `eu-west-1:0a1b2c3d-0000-1111-2222-333344445555`)",
            shown(id)
        )
    };
    if id.len() > 55 {
        return Err(err());
    }
    let (region, uuid) = id.split_once(':').ok_or_else(err)?;
    if uuid.is_empty() || !uuid.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
        return Err(err());
    }
    check_region(region).map_err(|_| err())?;
    Ok(region)
}

/// The value as it may be shown in an error: at most 64 characters, controls removed.
fn shown(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-4",
            "il-central-1",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "EU-west-1",
            "eu-west",
            "eu_west_1",
            "keys.attacker.example/#",
            "eu--west-1",
            "-eu-west-1",
            "eu-west-1/",
            "1eu-west-1",
            "a-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_pool_ids() {
        assert_eq!(check_user_pool_id("eu-west-1_AbCdEf123"), Ok("eu-west-1"));
        for bad in [
            "keys.attacker.example/#_abc",
            "eu-west-1_",
            "eu-west-1_abc/../x",
            "eu-west-1_abc?x",
            "eu-west-1",
            "_abc",
            "eu-west-1_a_b",
            "eu-west-1_abc def",
        ] {
            assert!(check_user_pool_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identity_pool_ids() {
        assert_eq!(
            check_identity_pool_id("eu-west-1:0a1b2c3d-0000-1111-2222-333344445555"),
            Ok("eu-west-1")
        );
        for bad in ["eu-west-1", "x.example/:abc", "eu-west-1:zz", "eu-west-1:"] {
            assert!(check_identity_pool_id(bad).is_err(), "{bad}");
        }
    }
}
