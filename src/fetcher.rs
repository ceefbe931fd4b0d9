//! Commands in, events out (in progress).
