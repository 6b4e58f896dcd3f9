//! The spot-check sample (抽查): reproducible from its recorded seed, independent of the order
//! the complaints were read in.

/// SplitMix64: small, well mixed, and fixed forever here so that a seed recorded years ago
/// still draws the same sample.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` without modulo bias (rejection sampling).
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let value = self.next();
            if value < zone {
                return value % bound;
            }
        }
    }
}

/// `size` of `population` drawn without replacement; the population is sorted first, so the
/// same set and seed give the same sample whatever order the caller read it in. The result
/// is in draw order.
pub fn draw<T: Ord + Clone>(population: &[T], size: usize, seed: u64) -> Vec<T> {
    let mut pool = population.to_vec();
    pool.sort();
    pool.dedup();
    let size = size.min(pool.len());
    let mut rng = SplitMix64(seed);
    for i in 0..size {
        let remaining = (pool.len() - i) as u64;
        let j = i + usize::try_from(rng.below(remaining)).unwrap_or(0);
        pool.swap(i, j);
    }
    pool.truncate(size);
    pool
}

/// How many of `closed` complaints a `per_mille` share comes to (rounded up, at least one when
/// there is anything to check).
pub fn sample_size(closed: usize, per_mille: u32) -> usize {
    let wanted = (closed as u64 * u64::from(per_mille)).div_ceil(1000);
    usize::try_from(wanted)
        .unwrap_or(closed)
        .clamp(usize::from(closed > 0), closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sample_whatever_the_input_order() {
        let ids: Vec<i64> = (1..=120).collect();
        let mut shuffled = ids.clone();
        shuffled.reverse();
        shuffled.swap(3, 70);
        let a = draw(&ids, 12, 20180615);
        assert_eq!(a, draw(&shuffled, 12, 20180615));
        assert_eq!(a.len(), 12);
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 12, "drawn without replacement");
        assert_ne!(a, draw(&ids, 12, 20180616), "another seed, another sample");
    }

    #[test]
    fn the_generator_is_pinned() {
        // A change to the generator would silently change recorded samples (checked against an
        // independent Python SplitMix64).
        assert_eq!(draw(&(1..=10).collect::<Vec<i64>>(), 3, 42), vec![4, 3, 5]);
    }

    #[test]
    fn every_member_can_be_drawn() {
        let ids: Vec<u32> = (0..20).collect();
        let mut seen = [false; 20];
        for seed in 0..400 {
            for id in draw(&ids, 2, seed) {
                seen[id as usize] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn sizes() {
        assert_eq!(sample_size(0, 300), 0);
        assert_eq!(sample_size(1, 100), 1);
        assert_eq!(sample_size(36, 300), 11);
        assert_eq!(sample_size(5, 2000), 5);
        assert_eq!(draw(&[3, 1, 2], 10, 7).len(), 3);
    }
}
