//! Small helpers the dialects' seeds share: splitting a total over weights, MAC addresses
//! and civil dates. Each draws from the rng exactly as the per-dialect copies it replaced,
//! so the same seed still gives the same world.

use rand::Rng;

/// The most snapshots a VM other than the first of its cluster gets. `--snapshots N` is a
/// stress knob for one long snapshot list per cluster; giving every VM up to N would make
/// `--vms 10000 --snapshots 1000` millions of snapshots. Demo sizes (N <= this) draw as
/// before, so their worlds do not change.
pub const SNAPSHOTS_PER_OTHER_VM: usize = 8;

/// Splits `total` over `weights` (largest remainder; zero weights get nothing).
pub fn split(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut i = 0;
    while left > 0 {
        if weights[i % weights.len()] > 0 {
            out[i % weights.len()] += 1;
            left -= 1;
        }
        i += 1;
    }
    out
}

/// A MAC address: the bytes of `prefix` (at most 6), then random bytes drawn one by one
/// from `rng` up to six, as lower-case `aa:bb:cc:dd:ee:ff`.
pub fn mac(rng: &mut impl Rng, prefix: &[u8]) -> String {
    let mut out = String::with_capacity(17);
    for k in 0..6 {
        let b = match prefix.get(k) {
            Some(&b) => b,
            None => rng.random::<u8>(),
        };
        if k > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31) (Howard Hinnant's
/// `civil_from_days`): cheap enough to format thousands of dates per reply.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A digest of `items` as `Debug` prints them, streamed (a big world's text would be
/// hundreds of MB): two worlds laid out the same give the same digest.
#[cfg(test)]
pub fn digest<T: std::fmt::Debug>(items: &[T]) -> u64 {
    use std::fmt::Write as _;
    use std::hash::Hasher;
    struct Sink(std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Sink {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    // `DefaultHasher::new` has fixed keys, unlike a map's `RandomState`.
    let mut sink = Sink(std::collections::hash_map::DefaultHasher::new());
    for item in items {
        let _ = write!(sink, "{item:?}");
    }
    sink.0.finish()
}

/// The size the big-world determinism tests lay out: big enough to take the bulk paths
/// (many backups per VM, long snapshot lists), small enough for CI in debug.
#[cfg(test)]
pub fn big_config(seed: u64) -> crate::SimConfig {
    crate::SimConfig {
        seed,
        vms: Some(2000),
        backups: Some(20_000),
        snapshots: Some(100),
        ..crate::SimConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn split_is_largest_remainder() {
        assert_eq!(split(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split(7, &[0, 2, 1]), vec![0, 5, 2]);
        assert_eq!(split(5, &[0, 0]), vec![0, 0]);
        assert_eq!(split(0, &[3, 1]), vec![0, 0]);
        assert_eq!(split(100, &[5, 3, 2]).iter().sum::<usize>(), 100);
    }

    /// The shared generator draws exactly as the three copies it replaced did.
    #[test]
    fn macs_match_the_old_per_dialect_generators() {
        let old_three = |rng: &mut ChaCha8Rng, p: &str| {
            let b: [u8; 3] = rng.random();
            format!("{p}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
        };
        let old_zstack = |rng: &mut ChaCha8Rng| {
            format!(
                "fa:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                rng.random::<u8>(),
                rng.random::<u8>(),
                rng.random::<u8>(),
                rng.random::<u8>(),
                rng.random::<u8>()
            )
        };
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(9), ChaCha8Rng::seed_from_u64(9));
        for _ in 0..200 {
            assert_eq!(
                mac(&mut a, &[0x52, 0x54, 0x00]),
                old_three(&mut b, "52:54:00")
            );
            assert_eq!(
                mac(&mut a, &[0x52, 0x56, 0xff]),
                old_three(&mut b, "52:56:ff")
            );
            assert_eq!(mac(&mut a, &[0xfa]), old_zstack(&mut b));
            assert_eq!(a.random::<u64>(), b.random::<u64>());
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(18_878), (2021, 9, 8));
    }
}
