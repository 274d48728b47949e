//! The sandbox: serves a recording on 127.0.0.1 as a Kubernetes API.

pub mod recording;
