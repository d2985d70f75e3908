//! Java's hash codes and the iteration order of its hash sets, where
//! ZooKeeper lets that order show: the identities of a connection (a set)
//! come back from `whoAmI`, and expand `auth` ACLs, in that order.

use zookit_proto::Id;

/// `String.hashCode`: over UTF-16 code units.
fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0_i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `Id.hashCode` as Jute generates it.
fn id_hash(id: &Id) -> i32 {
    let result = 37_i32.wrapping_mul(17).wrapping_add(string_hash(&id.scheme));
    37_i32.wrapping_mul(result).wrapping_add(string_hash(&id.id))
}

/// `ids` (insertion order, no duplicates) in the order a
/// `ConcurrentHashMap`-backed set iterates them: by bin, then by insertion.
pub(crate) fn set_order(ids: &[Id]) -> Vec<Id> {
    let mut bins = 16_usize;
    while ids.len() * 4 >= bins * 3 {
        bins *= 2;
    }
    let mut keyed: Vec<(usize, usize, &Id)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let h = id_hash(id);
            let spread = (h ^ ((h as u32) >> 16) as i32) & 0x7fff_ffff;
            (spread as usize & (bins - 1), i, id)
        })
        .collect();
    keyed.sort_unstable_by_key(|&(bin, i, _)| (bin, i));
    keyed.into_iter().map(|(_, _, id)| id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hashes_match_java() {
        // As Java computes them.
        assert_eq!(string_hash("ip"), 3367);
        assert_eq!(string_hash("digest"), -1_331_913_276);
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("😀"), 1_772_899);
    }

    #[test]
    fn order_is_by_bin_then_insertion() {
        let ids = vec![Id::new("ip", "127.0.0.1"), Id::new("super", ""), Id::new("digest", "u:x")];
        let ordered = set_order(&ids);
        assert_eq!(ordered.len(), 3);
        let mut sorted = ordered.clone();
        sorted.sort_by_key(|id| id.scheme.clone());
        let mut expected = ids.clone();
        expected.sort_by_key(|id| id.scheme.clone());
        assert_eq!(sorted, expected, "a permutation");
        assert_eq!(set_order(&ids[..1]), ids[..1].to_vec());
    }
}
