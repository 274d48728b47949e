//! Maps keyed by the address of a watch store's object. A store hands out a new `Arc` for
//! every object it replaces, so the views that keep something per object (the pods
//! table's order, the node pools' index) find what changed by comparing addresses: one
//! lookup per object and refresh. Addresses are integers with no adversary behind them, so
//! they are hashed with foldhash's fast hasher instead of SipHash.

use std::collections::HashMap;
use std::sync::Arc;

use super::Obj;

/// The address of a store's object (stable while an `Arc` to it is held).
pub(crate) fn addr(o: &Arc<Obj>) -> usize {
    Arc::as_ptr(o) as usize
}

/// A map from object addresses; the entry must hold an `Arc` of its object, so that the
/// address cannot be reused while the entry lives.
pub(crate) type ByAddr<V> = HashMap<usize, V, foldhash::fast::FixedState>;

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
}
