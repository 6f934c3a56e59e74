//! Files (ML-123587): the size limit for sent files.

use crate::core::{CoreResult, Rule};

/// The limit in force: the smaller of the product's and the homeserver's, where set.
pub fn smallest_limit(product: Option<u64>, server: Option<u64>) -> Option<u64> {
    match (product, server) {
        (Some(p), Some(s)) => Some(p.min(s)),
        (p, s) => p.or(s),
    }
}

/// A file of `size` bytes may be sent under `limit`.
pub fn require_within(size: u64, limit: Option<u64>) -> CoreResult<()> {
    match limit {
        Some(limit) if size > limit => Err(Rule::FileTooLarge.violated(format!(
            "the file has {size} bytes, the limit for sent files is {limit} bytes"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CoreError;

    #[test]
    fn the_smaller_limit_applies() {
        assert_eq!(smallest_limit(Some(10), Some(100)), Some(10));
        assert_eq!(smallest_limit(Some(100), Some(10)), Some(10));
        assert_eq!(smallest_limit(None, Some(10)), Some(10));
        assert_eq!(smallest_limit(Some(10), None), Some(10));
        assert_eq!(smallest_limit(None, None), None);
    }

    #[test]
    fn a_file_over_the_limit_is_a_rule_outcome() {
        assert!(require_within(10, Some(10)).is_ok());
        assert!(require_within(10, None).is_ok());
        let err = require_within(11, Some(10)).unwrap_err();
        assert!(matches!(
            err,
            CoreError::RuleViolated {
                rule: Rule::FileTooLarge,
                ..
            }
        ));
    }
}
