//! Generated API clients, one module per enabled API feature (placeholder until codegen lands).
