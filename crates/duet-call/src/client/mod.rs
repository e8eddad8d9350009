//! The client mirror (being written).
