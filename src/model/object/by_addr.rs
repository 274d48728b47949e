//! Maps keyed by the address of a watch store's object. A store hands out a new `Arc` for
//! every object it replaces, so the views that keep something per object (the pods
//! table's order, the node pools' index) find what changed by comparing addresses: one
//! lookup per object and refresh. Addresses are integers with no adversary behind them, so
//! they are hashed with one multiplication instead of SipHash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::Obj;

/// The address of a store's object (stable while an `Arc` to it is held).
pub fn addr(o: &Arc<Obj>) -> usize {
    Arc::as_ptr(o) as usize
}

/// A map from object addresses; the entry must hold an `Arc` of its object, so that the
/// address cannot be reused while the entry lives.
pub type ByAddr<V> = HashMap<usize, V, BuildHasherDefault<AddrHasher>>;

/// A folded multiply of one `usize`: the 128-bit product's halves xored, so that both the
/// low bits (hashbrown's bucket) and the high bits (its control byte) depend on every bit
/// of the address, whose low bits are alignment zeros.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `usize` keys are hashed with it; other input still hashes deterministically.
        for b in bytes {
            self.0 = fold(self.0.rotate_left(8) ^ u64::from(*b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = fold(n as u64 ^ self.0);
    }
}

fn fold(x: u64) -> u64 {
    let p = u128::from(x) * 0x9e37_79b9_7f4a_7c15_u128;
    (p as u64) ^ ((p >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_found_by_address_until_replaced() {
        let a = Arc::new(Obj::default());
        let b = Arc::new(Obj::default());
        let mut m: ByAddr<(Arc<Obj>, u8)> = ByAddr::default();
        m.insert(addr(&a), (a.clone(), 1));
        m.insert(addr(&b), (b.clone(), 2));
        assert_eq!(m.get(&addr(&a)).map(|e| e.1), Some(1));
        assert_eq!(m.get(&addr(&b)).map(|e| e.1), Some(2));
        // An equal object in a new Arc (a replaced one) is another key.
        let a2 = Arc::new((*a).clone());
        assert!(!m.contains_key(&addr(&a2)));
    }

    /// Aligned, nearby addresses (as an allocator hands them out) land in many buckets
    /// (the low bits) with many control bytes (the top 7 bits).
    #[test]
    fn nearby_addresses_spread_over_low_and_high_bits() {
        let hash = |n: usize| {
            let mut h = AddrHasher::default();
            h.write_usize(n);
            h.finish()
        };
        let addrs: Vec<usize> = (0..256).map(|i| 0x7f00_1234_0000 + i * 64).collect();
        let low: std::collections::BTreeSet<u64> = addrs.iter().map(|a| hash(*a) & 255).collect();
        let top: std::collections::BTreeSet<u64> = addrs.iter().map(|a| hash(*a) >> 57).collect();
        // 256 keys thrown at random into 256 buckets fill about 162; into 128 groups, 111.
        assert!(low.len() > 140, "{} of 256 buckets used", low.len());
        assert!(top.len() > 95, "{} of 128 control bytes used", top.len());
    }
}
