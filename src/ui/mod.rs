//! Drawing (in progress).
