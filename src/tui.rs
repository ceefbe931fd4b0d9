//! Terminal setup and the event loop (in progress).
