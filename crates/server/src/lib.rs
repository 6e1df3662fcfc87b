//! Basalt's network server (placeholder)
