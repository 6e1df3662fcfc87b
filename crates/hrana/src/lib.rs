//! Hrana wire types (placeholder until the server issue).
