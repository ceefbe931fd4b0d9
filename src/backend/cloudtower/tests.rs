//! Unit tests: see the files under tests/.
