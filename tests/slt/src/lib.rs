//! sqllogictest runner (placeholder)
