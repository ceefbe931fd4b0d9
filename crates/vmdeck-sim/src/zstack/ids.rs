//! ZStack uuids: 32 lower-case hex digits without dashes, random version 4
//! (`[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}`). Stored as `u128` so a 10 000-VM world and
//! its indexes stay small.

use std::fmt;

use rand::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uid(pub u128);

impl Uid {
    /// A random version-4 uuid drawn from `rng` (deterministic for a seeded rng).
    pub fn random(rng: &mut impl Rng) -> Uid {
        Uid(crate::ids::Uid::random(rng).0)
    }

    /// Parses 32 hex digits (any case). Anything else is `None`.
    pub fn parse(s: &str) -> Option<Uid> {
        if s.len() != 32 {
            return None;
        }
        let mut v: u128 = 0;
        for c in s.chars() {
            v = (v << 4) | c.to_digit(16)? as u128;
        }
        Some(Uid(v))
    }
}

/// The shape ZStack's "delete a resource that is already gone succeeds" shortcut checks
/// before answering success: a lower-case v1–v5 uuid without dashes.
pub fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 32
        && b.iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        && (b'1'..=b'5').contains(&b[12])
        && matches!(b[16], b'8' | b'9' | b'a' | b'b')
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buf: [u8; 32] = crate::ids::hex128(self.0, &[]);
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
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let u = Uid::random(&mut rng);
            let s = u.to_string();
            assert_eq!(s.len(), 32);
            assert!(looks_like_uuid(&s), "{s}");
            assert_eq!(&s[12..13], "4");
            assert_eq!(Uid::parse(&s), Some(u));
            assert_eq!(Uid::parse(&s.to_uppercase()), Some(u));
        }
        assert_eq!(Uid::parse(""), None);
        assert_eq!(Uid::parse("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(Uid::parse("é000000000000000000000000000000"), None);
        assert!(!looks_like_uuid("00000000000000000000000000000000"));
        assert!(!looks_like_uuid("ABCDEF00000040008000000000000000"));
    }
}
