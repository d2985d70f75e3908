//! Java's hash codes and the iteration order of its hash sets, where
//! ZooKeeper lets that order show: the identities of a connection (a set)
//! come back from `whoAmI`, and expand `auth` ACLs, in that order; a
//! session's ephemeral znodes (a `HashSet`, cloned) are deleted in that
//! order when it ends, which orders the events of their watchers.

use std::collections::BTreeMap;

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

/// `HashMap.hash`: the hash code with its high bits folded in.
fn spread(h: i32) -> usize {
    (h ^ ((h as u32) >> 16) as i32) as u32 as usize
}

/// `HashMap.tableSizeFor`: the smallest power of two at least `n` (1 for 0).
fn table_size_for(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

/// A set of strings that knows the order a Java `HashSet<String>` holding
/// them would iterate in once cloned (`HashSet.clone` re-inserts into a
/// table sized for the current size).
#[derive(Debug, Default)]
pub(crate) struct JavaStringSet {
    /// Each string and when it was added.
    entries: BTreeMap<String, u64>,
    next: u64,
    /// The Java table's size: 16 at the first insertion, doubled whenever
    /// the size passes three quarters of it, never shrunk.
    capacity: usize,
}

impl JavaStringSet {
    pub(crate) fn insert(&mut self, value: String) {
        if self.entries.contains_key(&value) {
            return;
        }
        self.entries.insert(value, self.next);
        self.next += 1;
        if self.capacity == 0 {
            self.capacity = 16;
        }
        if self.entries.len() * 4 > self.capacity * 3 {
            self.capacity *= 2;
        }
    }

    pub(crate) fn remove(&mut self, value: &str) {
        self.entries.remove(value);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The strings, sorted.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The strings in the order a clone of the Java set iterates them: by
    /// the clone's bucket, then by the original's bucket, then by insertion.
    pub(crate) fn clone_order(&self) -> Vec<&str> {
        // (float) size / 0.75f + 1.0f, truncated, as HashMap.putMapEntries.
        let clone_capacity = table_size_for((self.entries.len() as f32 / 0.75 + 1.0) as usize);
        let capacity = self.capacity.max(1);
        let mut keyed: Vec<(usize, usize, u64, &str)> = self
            .entries
            .iter()
            .map(|(value, seq)| {
                let h = spread(string_hash(value));
                (h & (clone_capacity - 1), h & (capacity - 1), *seq, value.as_str())
            })
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, _, _, value)| value).collect()
    }
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

    const JAVA_ORDER_3: [&str; 3] = ["/zd/e2", "/zd/e1", "/zd/seq-0000000002"];
    const JAVA_ORDER_20: [&str; 13] = [
        "/p/n10", "/p/n16", "/p/n8", "/p/n17", "/p/n11", "/p/n14", "/p/n13", "/p/n1", "/p/n2",
        "/p/n5", "/p/n4", "/p/n19", "/p/n7",
    ];

    #[test]
    fn cloned_sets_iterate_as_javas() {
        // new HashSet<>(List.of(...)) built by add() in this order, cloned,
        // iterated: what Java prints.
        let mut set = JavaStringSet::default();
        for path in ["/zd/e1", "/zd/e2", "/zd/seq-0000000002"] {
            set.insert(path.to_owned());
        }
        assert_eq!(set.clone_order(), JAVA_ORDER_3);
        let mut set = JavaStringSet::default();
        for i in 0..20 {
            set.insert(format!("/p/n{i}"));
        }
        for i in (0..20).step_by(3) {
            set.remove(&format!("/p/n{i}"));
        }
        assert_eq!(set.clone_order(), JAVA_ORDER_20);
    }
}
