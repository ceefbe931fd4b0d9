//! Application state and update (in progress).
