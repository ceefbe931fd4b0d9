//! Colour themes (in progress).
