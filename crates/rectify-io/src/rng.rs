//! A small deterministic generator for synthetic demo and benchmark data (a 64-bit LCG):
//! the same seed gives the same city every time, with no dependency on a random-number crate.

pub(crate) struct Lcg(u64);

impl Lcg {
    /// A generator for one item (a station, a section) of a seeded data set.
    pub(crate) fn for_item(seed: u64, index: usize) -> Lcg {
        Lcg(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub(crate) fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.next_f64() * 1000.0 < per_mille as f64
    }
}
