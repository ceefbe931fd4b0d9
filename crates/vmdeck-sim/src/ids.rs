//! Compact uuids shared by the dialects: stored as `u128`, printed as lower-case v4 uuids,
//! parsed case-insensitively. Keeps a 100 000-backup world small and its indexes cheap.
//! TOP HC uses `Uid` as is, CloudTower its text (`local_id`s), ZStack its bits with its own
//! dash-less text (`zstack::Uid`).

use std::fmt;

use rand::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uid(pub u128);

impl Uid {
    /// A random version-4 uuid drawn from `rng` (deterministic for a seeded rng).
    pub fn random(rng: &mut impl Rng) -> Uid {
        let mut v: u128 = rng.random();
        // version 4, variant 10xx
        v &= !(0xf000u128 << 64);
        v |= 0x4000u128 << 64;
        v &= !(0xc000u128 << 48);
        v |= 0x8000u128 << 48;
        Uid(v)
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case). Anything else is `None`.
    pub fn parse(s: &str) -> Option<Uid> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut v: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let d = (c as char).to_digit(16)?;
            v = (v << 4) | d as u128;
        }
        Some(Uid(v))
    }
}

/// `v` as 32 lower-case hex digits, most significant first, with a dash after each digit
/// position in `dashes`. By hand: a big world formats millions of ids at start-up, and
/// `{:x}` through `fmt` was a tenth of it.
pub fn hex128<const N: usize>(v: u128, dashes: &[usize]) -> [u8; N] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; N];
    let mut at = 0;
    for k in 0..32 {
        if dashes.contains(&k) {
            at += 1;
        }
        out[at] = HEX[((v >> (124 - 4 * k)) & 0xf) as usize];
        at += 1;
    }
    out
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buf: [u8; 36] = hex128(self.0, &[8, 12, 16, 20]);
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn round_trip_and_shape() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let u = Uid::random(&mut rng);
            let s = u.to_string();
            assert_eq!(s.len(), 36);
            assert_eq!(&s[14..15], "4");
            assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
            assert_eq!(Uid::parse(&s), Some(u));
            assert_eq!(Uid::parse(&s.to_uppercase()), Some(u));
        }
        assert_eq!(Uid::parse(""), None);
        assert_eq!(Uid::parse("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"), None);
        assert_eq!(Uid::parse("0000000000000000000000000000000000000"), None);
        assert_eq!(Uid::parse("é0000000-0000-0000-0000-00000000000"), None);
    }

    /// The hand-written hex prints what `{:x}` printed, leading zeros included.
    #[test]
    fn display_is_the_fmt_hex() {
        let by_fmt = |v: u128| {
            format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                (v >> 96) as u32,
                (v >> 80) as u16,
                (v >> 64) as u16,
                (v >> 48) as u16,
                v & 0xffff_ffff_ffff
            )
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut vs = vec![0, 1, u128::MAX, 0x0123_4567_89ab_cdef << 64];
        vs.extend((0..50).map(|_| Uid::random(&mut rng).0));
        for v in vs {
            assert_eq!(Uid(v).to_string(), by_fmt(v));
            assert_eq!(crate::zstack::Uid(v).to_string(), format!("{v:032x}"));
        }
    }
}
