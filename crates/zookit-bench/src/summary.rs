//! What every part of a report shares: medians, the targets, the
//! runs that failed.

use serde::Serialize;

/// A run that failed.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The case.
    pub case: String,
    /// The peer (and, in the server comparison, the server).
    pub peer: String,
    /// The round.
    pub round: u32,
    /// What went wrong.
    pub error: String,
}

/// A target of the issue, met or not.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The target.
    pub target: String,
    /// Met (`None`: a peer it needs did not run).
    pub met: Option<bool>,
    /// The numbers behind it.
    pub detail: String,
}

/// The median of `values` (0 if there are none).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// The median of `values`, rounded; `None` if there are none.
pub fn median_u64(values: Vec<u64>) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    Some(median(values.into_iter().map(|v| v as f64).collect()).round() as u64)
}

/// `value` with thousands separators, rounded to a whole number.
pub fn thousands(value: f64) -> String {
    let whole = value.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_separators() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
        assert_eq!(median_u64(vec![5, 1, 2]), Some(2));
        assert_eq!(thousands(1234567.4), "1,234,567");
    }
}
